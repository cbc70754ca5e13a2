//! Reference readers of the literals the escapers write, from the languages' own rules and
//! not from the escapers: what Salesforce's lexer does with a SOQL string (documented escapes
//! `\n \N \r \R \t \T \b \B \f \F \" \' \\ \uXXXX`, and `\% \_` only inside LIKE), and what
//! Oracle's does with a SuiteQL string (a quote doubled, nothing else special).

/// One character of a LIKE pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikePart {
    /// `%`: any run of characters.
    Any,
    /// `_`: any one character.
    One,
    /// This character and no other.
    Literal(char),
}

/// Reads one SOQL string literal at the start of `input`: its value and the rest of the
/// input, or `None` when the literal is malformed or never closes.
pub fn soql_literal(input: &str) -> Option<(String, &str)> {
    let (parts, rest) = soql_pattern(input)?;
    let value = parts
        .into_iter()
        .map(|p| match p {
            LikePart::Literal(c) => Some(c),
            // Outside LIKE a wildcard is just the character.
            LikePart::Any => Some('%'),
            LikePart::One => Some('_'),
        })
        .collect::<Option<String>>()?;
    Some((value, rest))
}

/// Reads one SOQL string literal as a LIKE pattern: unescaped `%` and `_` are wildcards,
/// every escaped character is literal.
pub fn soql_pattern(input: &str) -> Option<(Vec<LikePart>, &str)> {
    let mut chars = input.char_indices();
    if chars.next()?.1 != '\'' {
        return None;
    }
    let mut parts = Vec::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => return Some((parts, &input[i + 1..])),
            '%' => parts.push(LikePart::Any),
            '_' => parts.push(LikePart::One),
            '\\' => {
                let (_, escaped) = chars.next()?;
                let literal = match escaped {
                    'n' | 'N' => '\n',
                    'r' | 'R' => '\r',
                    't' | 'T' => '\t',
                    'b' | 'B' => '\u{8}',
                    'f' | 'F' => '\u{c}',
                    '"' | '\'' | '\\' | '%' | '_' => escaped,
                    'u' => {
                        let hex: String = (0..4)
                            .filter_map(|_| chars.next())
                            .map(|(_, c)| c)
                            .collect();
                        if hex.len() != 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                };
                parts.push(LikePart::Literal(literal));
            }
            // Whether Salesforce takes a raw line break inside a literal is not documented; the
            // escaper writes `\n` and `\r`, so one here means the escaping was skipped.
            '\n' | '\r' => return None,
            other => parts.push(LikePart::Literal(other)),
        }
    }
    None
}

/// Reads one Oracle (SuiteQL) string literal at the start of `input`.
pub fn suiteql_literal(input: &str) -> Option<(String, &str)> {
    let mut chars = input.char_indices().peekable();
    if chars.next()?.1 != '\'' {
        return None;
    }
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|&(_, next)| next) == Some('\'') {
                chars.next();
                value.push('\'');
            } else {
                return Some((value, &input[i + 1..]));
            }
        } else {
            value.push(c);
        }
    }
    None
}
