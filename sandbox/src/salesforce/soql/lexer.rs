//! SOQL tokens. Keywords are case-insensitive; positions are kept for Salesforce's
//! `ERROR at Row:r:Column:c` messages.

use super::SoqlError;

/// One token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub pos: usize,
    /// The token as written, for error messages.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// Identifiers, keywords, field paths (`Account.Name`) and date literals (`LAST_N_DAYS:3`).
    Word(String),
    /// A quoted string. `value` has its escapes resolved, `\%` and `\_` aside (they only mean
    /// something to LIKE); `pattern` is the literal as a LIKE pattern: `%` and `_` are
    /// wildcards, and a backslash makes the next character literal, so an escaped backslash
    /// stays a backslash instead of escaping what follows it.
    Str {
        value: String,
        pattern: String,
    },
    /// Anything that starts with a digit: numbers, dates and datetimes, classified later.
    Bare(String),
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    Eof,
}

impl Token {
    /// Whether the token is the keyword `kw` (case-insensitive).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

pub fn tokenize(input: &str) -> Result<Vec<Token>, SoqlError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let kind = match c {
            '(' => {
                i += 1;
                TokenKind::LParen
            }
            ')' => {
                i += 1;
                TokenKind::RParen
            }
            ',' => {
                i += 1;
                TokenKind::Comma
            }
            '=' => {
                i += 1;
                TokenKind::Op("=")
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                TokenKind::Op("!=")
            }
            '<' => match chars.get(i + 1) {
                Some('=') => {
                    i += 2;
                    TokenKind::Op("<=")
                }
                Some('>') => {
                    i += 2;
                    TokenKind::Op("!=")
                }
                _ => {
                    i += 1;
                    TokenKind::Op("<")
                }
            },
            '>' => {
                if chars.get(i + 1) == Some(&'=') {
                    i += 2;
                    TokenKind::Op(">=")
                } else {
                    i += 1;
                    TokenKind::Op(">")
                }
            }
            '\'' => {
                let (value, pattern, end) = string_literal(&chars, start)?;
                i = end;
                TokenKind::Str { value, pattern }
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], ':' | '.' | '+' | '-'))
                {
                    i += 1;
                }
                TokenKind::Bare(collect(&chars, start, i))
            }
            c if c.is_alphabetic() || c == '_' => {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | ':'))
                {
                    i += 1;
                }
                TokenKind::Word(collect(&chars, start, i))
            }
            other => {
                return Err(SoqlError::malformed(
                    start,
                    format!("unexpected token: '{other}'"),
                ));
            }
        };
        tokens.push(Token {
            kind,
            pos: start,
            text: collect(&chars, start, i),
        });
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        pos: chars.len(),
        text: "<EOF>".into(),
    });
    Ok(tokens)
}

/// Reads the string literal whose opening quote is at `start`: its value, its LIKE pattern,
/// and the index after the closing quote. The escapes are Salesforce's: `\n \r \t \b \f`
/// (either case), `\" \' \\`, `\uXXXX`, and `\% \_` for LIKE; any other backslash is an
/// error, as it is in Salesforce.
fn string_literal(chars: &[char], start: usize) -> Result<(String, String, usize), SoqlError> {
    let mut i = start + 1;
    let mut value = String::new();
    let mut pattern = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    break;
                };
                let mut len = 2;
                let decoded = match next {
                    'n' | 'N' => '\n',
                    't' | 'T' => '\t',
                    'r' | 'R' => '\r',
                    'b' | 'B' => '\u{8}',
                    'f' | 'F' => '\u{c}',
                    '\'' | '"' | '\\' | '%' | '_' => next,
                    'u' => {
                        let hex: String = chars.iter().skip(i + 2).take(4).collect();
                        let code = u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| {
                                hex.len() == 4 && hex.bytes().all(|b| b.is_ascii_hexdigit())
                            })
                            .and_then(char::from_u32);
                        match code {
                            Some(c) => {
                                len = 6;
                                c
                            }
                            None => return Err(illegal_escape(chars, start, i, 2 + hex.len())),
                        }
                    }
                    _ => return Err(illegal_escape(chars, start, i, 2)),
                };
                // `\%` and `\_` stay escaped in the value: they only mean something to LIKE.
                if matches!(next, '%' | '_') {
                    value.push('\\');
                }
                value.push(decoded);
                // In the pattern every escaped character is literal, a backslash included.
                if matches!(decoded, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(decoded);
                i += len;
            }
            '\'' => return Ok((value, pattern, i + 1)),
            other => {
                value.push(other);
                pattern.push(other);
                i += 1;
            }
        }
    }
    Err(SoqlError::malformed(
        start,
        format!("line 1:{start} mismatched character '<EOF>' expecting '''"),
    ))
}

fn illegal_escape(chars: &[char], start: usize, at: usize, len: usize) -> SoqlError {
    SoqlError::malformed(
        at,
        format!(
            "Invalid string literal '{}'. Illegal character sequence '{}' in string literal.",
            collect(chars, start, at + len),
            collect(chars, at, at + len)
        ),
    )
}

fn collect(chars: &[char], from: usize, to: usize) -> String {
    chars[from.min(chars.len())..to.min(chars.len())]
        .iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value and LIKE pattern of a query made of one string literal.
    fn string(input: &str) -> (String, String) {
        match tokenize(input).unwrap().remove(0).kind {
            TokenKind::Str { value, pattern } => (value, pattern),
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn an_escaped_backslash_stays_a_backslash_in_values_and_patterns() {
        assert_eq!(string(r"'a\\b'"), ("a\\b".into(), "a\\\\b".into()));
        // Before a wildcard: a literal backslash, then the wildcard, not an escaped `%`.
        assert_eq!(string(r"'x\\%'"), ("x\\%".into(), "x\\\\%".into()));
        assert_eq!(string(r"'ends\\'"), ("ends\\".into(), "ends\\\\".into()));
    }

    #[test]
    fn like_escapes_stay_escaped_and_quotes_resolve() {
        assert_eq!(string(r"'50\%\_'"), ("50\\%\\_".into(), "50\\%\\_".into()));
        assert_eq!(
            string(r#"'O\'B \"q\"'"#),
            ("O'B \"q\"".into(), "O'B \"q\"".into())
        );
    }

    #[test]
    fn every_documented_escape_is_read_and_others_are_refused() {
        assert_eq!(
            string(r"'\n\N\r\R\t\T\b\B\f\F'").0,
            "\n\n\r\r\t\t\u{8}\u{8}\u{c}\u{c}"
        );
        assert_eq!(string(r"'caf\u00e9 \u0027'").0, "café '");
        // `\u0025` is an escaped `%`: literal in a pattern.
        assert_eq!(string(r"'\u0025'").1, "\\%");
        for bad in [r"'\q'", r"'\u12'", r"'\u12zz'", r"'\", "'open"] {
            assert!(tokenize(bad).is_err(), "{bad}");
        }
    }
}
