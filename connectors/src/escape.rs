//! String literals for queries built from data. Every SOQL or SuiteQL query that embeds a value
//! from a record or a user must go through these functions: a value that could close the
//! literal would let data rewrite the query.

/// A SOQL string literal: single quotes, with backslash escapes for the quote, the backslash
/// and the control characters SOQL knows (`\n \r \t \b \f \"`). Other characters stand as
/// they are; SOQL literals may hold any Unicode.
pub fn soql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out.push('\'');
    out
}

/// A SOQL `LIKE` pattern matching values that contain `term`: [`soql_string`]'s escaping,
/// plus `\%` and `\_` so the term's own `%` and `_` match only themselves.
pub fn soql_like_contains(term: &str) -> String {
    let literal = soql_string(term);
    // soql_string's escapes never produce `%` or `_`, so these are the term's own.
    let inner = literal[1..literal.len() - 1]
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("'%{inner}%'")
}

/// A SuiteQL (Oracle SQL) string literal: single quotes, a quote inside doubled. Oracle has no
/// backslash escapes, so a backslash stands for itself.
pub fn suiteql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Reads one SOQL string literal from the start of `input` the way Salesforce's lexer
    /// does; returns its value and the rest of the input.
    fn parse_soql_literal(input: &str) -> Option<(String, &str)> {
        let mut chars = input.char_indices();
        if chars.next()?.1 != '\'' {
            return None;
        }
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => return Some((value, &input[i + 1..])),
                '\\' => {
                    let (_, escaped) = chars.next()?;
                    value.push(match escaped {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        '\'' | '"' | '\\' => escaped,
                        _ => return None,
                    });
                }
                other => value.push(other),
            }
        }
        None
    }

    /// Reads one Oracle string literal from the start of `input`.
    fn parse_suiteql_literal(input: &str) -> Option<(String, &str)> {
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

    const TAIL: &str = " OR Id != null";

    #[test]
    fn soql_literal_escapes_quotes_and_backslashes() {
        assert_eq!(soql_string(r"O'Brien \ co"), r"'O\'Brien \\ co'");
    }

    #[test]
    fn like_patterns_escape_wildcards_and_quotes() {
        assert_eq!(soql_like_contains("50%_O'B"), r"'%50\%\_O\'B%'");
    }

    #[test]
    fn suiteql_literal_doubles_quotes_and_keeps_backslashes() {
        assert_eq!(suiteql_string(r"O'Brien \ co"), r"'O''Brien \ co'");
    }

    proptest! {
        #[test]
        fn any_string_round_trips_as_a_soql_literal(value in any::<String>()) {
            let query = format!("{}{TAIL}", soql_string(&value));
            let (parsed, rest) = parse_soql_literal(&query).expect("a complete literal");
            prop_assert_eq!(parsed, value);
            prop_assert_eq!(rest, TAIL);
        }

        #[test]
        fn quote_heavy_strings_cannot_end_a_soql_literal(value in "['\\\\\"a\\n]{0,40}") {
            let query = format!("{}{TAIL}", soql_string(&value));
            let (parsed, rest) = parse_soql_literal(&query).expect("a complete literal");
            prop_assert_eq!(parsed, value);
            prop_assert_eq!(rest, TAIL);
        }

        #[test]
        fn any_string_round_trips_as_a_suiteql_literal(value in any::<String>()) {
            let query = format!("{}{TAIL}", suiteql_string(&value));
            let (parsed, rest) = parse_suiteql_literal(&query).expect("a complete literal");
            prop_assert_eq!(parsed, value);
            prop_assert_eq!(rest, TAIL);
        }

        #[test]
        fn quote_heavy_strings_cannot_end_a_suiteql_literal(value in "['\\\\a ]{0,40}") {
            let query = format!("{}{TAIL}", suiteql_string(&value));
            let (parsed, rest) = parse_suiteql_literal(&query).expect("a complete literal");
            prop_assert_eq!(parsed, value);
            prop_assert_eq!(rest, TAIL);
        }
    }
}
