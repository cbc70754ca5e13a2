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
    /// A quoted string with escapes resolved.
    Str(String),
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
                i += 1;
                let mut value = String::new();
                let mut closed = false;
                while i < chars.len() {
                    match chars[i] {
                        '\\' => {
                            let Some(&next) = chars.get(i + 1) else {
                                break;
                            };
                            match next {
                                'n' => value.push('\n'),
                                't' => value.push('\t'),
                                'r' => value.push('\r'),
                                'b' => value.push('\u{8}'),
                                'f' => value.push('\u{c}'),
                                // `\%` and `\_` stay escaped: they only mean something to LIKE.
                                '%' | '_' => {
                                    value.push('\\');
                                    value.push(next);
                                }
                                '\'' | '"' | '\\' => value.push(next),
                                _ => {
                                    return Err(SoqlError::malformed(
                                        i,
                                        format!(
                                            "Invalid string literal '{}'. Illegal character sequence '\\{next}' in string literal.",
                                            collect(&chars, start, i + 2)
                                        ),
                                    ));
                                }
                            }
                            i += 2;
                        }
                        '\'' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        other => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    return Err(SoqlError::malformed(
                        start,
                        format!("line 1:{start} mismatched character '<EOF>' expecting '''"),
                    ));
                }
                TokenKind::Str(value)
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

fn collect(chars: &[char], from: usize, to: usize) -> String {
    chars[from.min(chars.len())..to.min(chars.len())]
        .iter()
        .collect()
}
