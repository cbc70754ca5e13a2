//! Tokens of the SuiteQL subset (Oracle-flavoured SQL).

use super::SqlError;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// An unquoted identifier or keyword; kept as written, compared case-insensitively.
    Word(String),
    /// A `"double quoted"` identifier, case-sensitive as in Oracle.
    QuotedIdent(String),
    /// A `'string literal'` with `''` already unescaped.
    Str(String),
    /// A numeric literal as written.
    Number(String),
    Comma,
    Dot,
    LParen,
    RParen,
    Star,
    Plus,
    Minus,
    Slash,
    Concat,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Semicolon,
}

impl Token {
    /// True if this is the keyword `kw` (case-insensitive).
    pub fn is_keyword(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Token::Word(w) => w.clone(),
            Token::QuotedIdent(w) => format!("\"{w}\""),
            Token::Str(s) => format!("'{s}'"),
            Token::Number(n) => n.clone(),
            Token::Comma => ",".into(),
            Token::Dot => ".".into(),
            Token::LParen => "(".into(),
            Token::RParen => ")".into(),
            Token::Star => "*".into(),
            Token::Plus => "+".into(),
            Token::Minus => "-".into(),
            Token::Slash => "/".into(),
            Token::Concat => "||".into(),
            Token::Eq => "=".into(),
            Token::NotEq => "<>".into(),
            Token::Lt => "<".into(),
            Token::Le => "<=".into(),
            Token::Gt => ">".into(),
            Token::Ge => ">=".into(),
            Token::Semicolon => ";".into(),
        }
    }
}

/// A token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    pub token: Token,
    pub pos: usize,
}

/// Splits a statement into tokens; comments (`--`, `/* */`) and whitespace are dropped.
pub fn tokenize(input: &str) -> Result<Vec<Spanned>, SqlError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let peek = chars.get(i + 1).copied();
        let simple = match c {
            ',' => Some(Token::Comma),
            '.' if !peek.is_some_and(|p| p.is_ascii_digit()) => Some(Token::Dot),
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            '*' => Some(Token::Star),
            '+' => Some(Token::Plus),
            ';' => Some(Token::Semicolon),
            '=' => Some(Token::Eq),
            _ => None,
        };
        if let Some(token) = simple {
            tokens.push(Spanned { token, pos: start });
            i += 1;
            continue;
        }
        match c {
            c if c.is_whitespace() => i += 1,
            '-' if peek == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if peek == Some('*') => {
                i += 2;
                loop {
                    if i + 1 >= chars.len() {
                        return Err(SqlError::syntax(start, "unterminated comment"));
                    }
                    if chars[i] == '*' && chars[i + 1] == '/' {
                        i += 2;
                        break;
                    }
                    i += 1;
                }
            }
            '-' => {
                tokens.push(Spanned {
                    token: Token::Minus,
                    pos: start,
                });
                i += 1;
            }
            '/' => {
                tokens.push(Spanned {
                    token: Token::Slash,
                    pos: start,
                });
                i += 1;
            }
            '|' if peek == Some('|') => {
                tokens.push(Spanned {
                    token: Token::Concat,
                    pos: start,
                });
                i += 2;
            }
            '<' => {
                let (token, len) = match peek {
                    Some('>') => (Token::NotEq, 2),
                    Some('=') => (Token::Le, 2),
                    _ => (Token::Lt, 1),
                };
                tokens.push(Spanned { token, pos: start });
                i += len;
            }
            '>' => {
                let (token, len) = match peek {
                    Some('=') => (Token::Ge, 2),
                    _ => (Token::Gt, 1),
                };
                tokens.push(Spanned { token, pos: start });
                i += len;
            }
            '!' | '^' if peek == Some('=') => {
                tokens.push(Spanned {
                    token: Token::NotEq,
                    pos: start,
                });
                i += 2;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(SqlError::syntax(start, "unterminated string literal")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                tokens.push(Spanned {
                    token: Token::Str(text),
                    pos: start,
                });
            }
            '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(SqlError::syntax(start, "unterminated quoted identifier"));
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                if text.is_empty() {
                    return Err(SqlError::syntax(start, "empty quoted identifier"));
                }
                tokens.push(Spanned {
                    token: Token::QuotedIdent(text),
                    pos: start,
                });
            }
            c if c.is_ascii_digit() || c == '.' => {
                let mut text = String::new();
                let mut seen_dot = false;
                while let Some(&ch) = chars.get(i) {
                    if ch.is_ascii_digit() {
                        text.push(ch);
                    } else if ch == '.' && !seen_dot {
                        seen_dot = true;
                        text.push(ch);
                    } else {
                        break;
                    }
                    i += 1;
                }
                if chars
                    .get(i)
                    .is_some_and(|ch| ch.is_alphabetic() || *ch == '_')
                {
                    return Err(SqlError::syntax(i, "invalid number"));
                }
                tokens.push(Spanned {
                    token: Token::Number(text),
                    pos: start,
                });
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut text = String::new();
                while let Some(&ch) = chars.get(i) {
                    if ch.is_alphanumeric() || ch == '_' || ch == '$' || ch == '#' {
                        text.push(ch);
                        i += 1;
                    } else {
                        break;
                    }
                }
                tokens.push(Spanned {
                    token: Token::Word(text),
                    pos: start,
                });
            }
            other => {
                return Err(SqlError::syntax(
                    start,
                    format!("unexpected character '{other}'"),
                ));
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<Token> {
        tokenize(input)
            .unwrap()
            .into_iter()
            .map(|s| s.token)
            .collect()
    }

    #[test]
    fn string_literals_unescape_doubled_quotes() {
        assert_eq!(kinds("'O''Brien'"), vec![Token::Str("O'Brien".into())]);
    }

    #[test]
    fn operators_are_recognised_in_all_spellings() {
        assert_eq!(
            kinds("a<>b != c <= >= || -- comment\n;"),
            vec![
                Token::Word("a".into()),
                Token::NotEq,
                Token::Word("b".into()),
                Token::NotEq,
                Token::Word("c".into()),
                Token::Le,
                Token::Ge,
                Token::Concat,
                Token::Semicolon,
            ]
        );
    }

    #[test]
    fn unterminated_strings_are_errors_not_panics() {
        assert!(tokenize("SELECT 'abc").is_err());
        assert!(tokenize("/* open").is_err());
        assert!(tokenize("SELECT \"").is_err());
        assert!(tokenize("SELECT 1abc").is_err());
        assert!(tokenize("SELECT ?").is_err());
    }
}
