//! SOQL parser for the subset a sync needs:
//! `SELECT fields|COUNT() FROM obj [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n]`.
//! Like Salesforce, AND and OR may not be mixed at one level without parentheses.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::SoqlError;
use super::lexer::{Token, TokenKind};

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub select: Select,
    pub object: String,
    pub object_pos: usize,
    pub filter: Option<Expr>,
    pub order: Vec<OrderItem>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Select {
    Count,
    Fields(Vec<FieldRef>),
}

/// A field path as written (`Email`, `Account.NetSuite_Id__c`) and where.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    pub path: String,
    pub pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub field: FieldRef,
    pub descending: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        field: FieldRef,
        op: &'static str,
        value: Literal,
        value_pos: usize,
    },
    In {
        field: FieldRef,
        negated: bool,
        values: Vec<Literal>,
        value_pos: usize,
    },
    Like {
        field: FieldRef,
        pattern: Literal,
        value_pos: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Number(f64),
    Bool(bool),
    Null,
    DateTime(DateTime<Utc>),
    Date(NaiveDate),
    /// A relative date literal (`TODAY`, `LAST_N_DAYS:7`): `[start, end)`.
    Range(DateTime<Utc>, DateTime<Utc>),
}

pub fn parse(tokens: &[Token]) -> Result<Query, SoqlError> {
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    p.expect_kw("SELECT")?;
    let select = if p.peek().is_kw("COUNT")
        && matches!(p.peek_at(1).map(|t| &t.kind), Some(TokenKind::LParen))
    {
        p.at += 1;
        p.expect(&TokenKind::LParen)?;
        p.expect(&TokenKind::RParen)?;
        Select::Count
    } else {
        let mut fields = vec![p.field()?];
        while matches!(p.peek().kind, TokenKind::Comma) {
            p.at += 1;
            fields.push(p.field()?);
        }
        Select::Fields(fields)
    };
    p.expect_kw("FROM")?;
    let object_token = p.next();
    let TokenKind::Word(object) = &object_token.kind else {
        return Err(unexpected(object_token));
    };
    let object = object.clone();
    let object_pos = object_token.pos;
    let mut query = Query {
        select,
        object,
        object_pos,
        filter: None,
        order: Vec::new(),
        limit: None,
        offset: None,
    };
    if p.peek().is_kw("WHERE") {
        p.at += 1;
        query.filter = Some(p.condition()?);
    }
    if p.peek().is_kw("ORDER") {
        p.at += 1;
        p.expect_kw("BY")?;
        loop {
            let field = p.field()?;
            let mut descending = false;
            if p.peek().is_kw("ASC") {
                p.at += 1;
            } else if p.peek().is_kw("DESC") {
                p.at += 1;
                descending = true;
            }
            // Salesforce's default: nulls first ascending, last descending.
            let mut nulls_first = !descending;
            if p.peek().is_kw("NULLS") {
                p.at += 1;
                if p.peek().is_kw("FIRST") {
                    nulls_first = true;
                } else if p.peek().is_kw("LAST") {
                    nulls_first = false;
                } else {
                    return Err(unexpected(p.peek()));
                }
                p.at += 1;
            }
            query.order.push(OrderItem {
                field,
                descending,
                nulls_first,
            });
            if matches!(p.peek().kind, TokenKind::Comma) {
                p.at += 1;
            } else {
                break;
            }
        }
    }
    if p.peek().is_kw("LIMIT") {
        p.at += 1;
        query.limit = Some(p.count()?);
    }
    if p.peek().is_kw("OFFSET") {
        p.at += 1;
        query.offset = Some(p.count()?);
    }
    let last = p.peek();
    if last.kind != TokenKind::Eof {
        return Err(unexpected(last));
    }
    Ok(query)
}

fn unexpected(token: &Token) -> SoqlError {
    let shown = if token.kind == TokenKind::Eof {
        "<EOF>".to_owned()
    } else {
        format!("'{}'", token.text)
    };
    SoqlError::malformed(token.pos, format!("unexpected token: {shown}"))
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    /// Nesting of parentheses and NOTs, bounded so hostile input cannot overflow the stack.
    depth: usize,
}

/// Deepest nesting of parentheses and NOTs accepted.
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    fn peek(&self) -> &'a Token {
        // The lexer always ends with Eof and the parser never steps past it.
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, ahead: usize) -> Option<&'a Token> {
        self.tokens.get(self.at + ahead)
    }

    fn next(&mut self) -> &'a Token {
        let token = self.peek();
        if token.kind != TokenKind::Eof {
            self.at += 1;
        }
        token
    }

    fn expect(&mut self, kind: &TokenKind) -> Result<(), SoqlError> {
        let token = self.next();
        if &token.kind == kind {
            Ok(())
        } else {
            Err(unexpected(token))
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), SoqlError> {
        let token = self.next();
        if token.is_kw(kw) {
            Ok(())
        } else {
            Err(unexpected(token))
        }
    }

    fn field(&mut self) -> Result<FieldRef, SoqlError> {
        let token = self.next();
        match &token.kind {
            TokenKind::Word(w) if !is_reserved(w) => Ok(FieldRef {
                path: w.clone(),
                pos: token.pos,
            }),
            _ => Err(unexpected(token)),
        }
    }

    fn count(&mut self) -> Result<usize, SoqlError> {
        let token = self.next();
        match &token.kind {
            TokenKind::Bare(text) => text.parse::<usize>().map_err(|_| unexpected(token)),
            _ => Err(unexpected(token)),
        }
    }

    /// `term ((AND|OR) term)*` with one kind of connective per level.
    fn condition(&mut self) -> Result<Expr, SoqlError> {
        let first = self.negation()?;
        let mut terms = vec![first];
        let mut connective: Option<&str> = None;
        loop {
            let token = self.peek();
            let this = if token.is_kw("AND") {
                "AND"
            } else if token.is_kw("OR") {
                "OR"
            } else {
                break;
            };
            if connective.is_some_and(|c| c != this) {
                return Err(unexpected(token));
            }
            connective = Some(this);
            self.at += 1;
            terms.push(self.negation()?);
        }
        Ok(match connective {
            None => terms.remove(0),
            Some("AND") => Expr::And(terms),
            Some(_) => Expr::Or(terms),
        })
    }

    fn negation(&mut self) -> Result<Expr, SoqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SoqlError::malformed(
                self.peek().pos,
                "the WHERE clause is nested too deeply",
            ));
        }
        let result = self.negation_inner();
        self.depth -= 1;
        result
    }

    fn negation_inner(&mut self) -> Result<Expr, SoqlError> {
        if self.peek().is_kw("NOT") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.negation()?)));
        }
        if matches!(self.peek().kind, TokenKind::LParen) {
            self.at += 1;
            let inner = self.condition()?;
            self.expect(&TokenKind::RParen)?;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, SoqlError> {
        let field = self.field()?;
        let token = self.next();
        match &token.kind {
            TokenKind::Op(op) => {
                let value_pos = self.peek().pos;
                let value = self.literal()?;
                Ok(Expr::Compare {
                    field,
                    op,
                    value,
                    value_pos,
                })
            }
            _ if token.is_kw("LIKE") => {
                let value_pos = self.peek().pos;
                // A string is read as a pattern, where escaped characters stay literal.
                let pattern = match &self.peek().kind {
                    TokenKind::Str { pattern, .. } => {
                        let pattern = Literal::Str(pattern.clone());
                        self.at += 1;
                        pattern
                    }
                    _ => self.literal()?,
                };
                Ok(Expr::Like {
                    field,
                    pattern,
                    value_pos,
                })
            }
            _ if token.is_kw("IN") => self.in_list(field, false),
            _ if token.is_kw("NOT") => {
                self.expect_kw("IN")?;
                self.in_list(field, true)
            }
            _ => Err(unexpected(token)),
        }
    }

    fn in_list(&mut self, field: FieldRef, negated: bool) -> Result<Expr, SoqlError> {
        self.expect(&TokenKind::LParen)?;
        let value_pos = self.peek().pos;
        let mut values = vec![self.literal()?];
        while matches!(self.peek().kind, TokenKind::Comma) {
            self.at += 1;
            values.push(self.literal()?);
        }
        self.expect(&TokenKind::RParen)?;
        Ok(Expr::In {
            field,
            negated,
            values,
            value_pos,
        })
    }

    fn literal(&mut self) -> Result<Literal, SoqlError> {
        let token = self.next();
        match &token.kind {
            TokenKind::Str { value, .. } => Ok(Literal::Str(value.clone())),
            TokenKind::Bare(text) => bare_literal(text).ok_or_else(|| unexpected(token)),
            TokenKind::Word(w) => word_literal(w).ok_or_else(|| unexpected(token)),
            _ => Err(unexpected(token)),
        }
    }
}

fn is_reserved(word: &str) -> bool {
    const RESERVED: &[&str] = &[
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
        "OFFSET", "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS", "GROUP", "HAVING", "WITH",
    ];
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// Numbers, dates (`2026-11-20`) and datetimes (`2026-11-20T00:00:00Z`, with an optional
/// fraction and a `Z` or `±hh:mm` offset).
fn bare_literal(text: &str) -> Option<Literal> {
    if text.contains('T') {
        return DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|dt| Literal::DateTime(dt.with_timezone(&Utc)));
    }
    if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .map(Literal::Date);
    }
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .map(Literal::Number)
}

fn word_literal(word: &str) -> Option<Literal> {
    let upper = word.to_ascii_uppercase();
    let today = Utc::now().date_naive().and_hms_opt(0, 0, 0)?.and_utc();
    let day = Duration::days(1);
    match upper.as_str() {
        "NULL" => Some(Literal::Null),
        "TRUE" => Some(Literal::Bool(true)),
        "FALSE" => Some(Literal::Bool(false)),
        "TODAY" => Some(Literal::Range(today, today + day)),
        "YESTERDAY" => Some(Literal::Range(today - day, today)),
        "TOMORROW" => Some(Literal::Range(today + day, today + day * 2)),
        _ => {
            let (name, n) = upper.split_once(':')?;
            let n: i64 = n.parse().ok().filter(|n| (0..=100_000).contains(n))?;
            match name {
                "LAST_N_DAYS" => Some(Literal::Range(today - day * n as i32, today + day)),
                "NEXT_N_DAYS" => Some(Literal::Range(today + day, today + day * (n as i32 + 1))),
                _ => None,
            }
        }
    }
}
