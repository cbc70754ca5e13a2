//! Recursive-descent parser for the SuiteQL subset:
//!
//! ```text
//! query     := SELECT select_list FROM table [alias] [WHERE expr] [ORDER BY order_list] [;]
//! select    := '*' | item (',' item)*          item := expr [[AS] alias] | alias '.' '*'
//! expr      := and (OR and)*                   and  := not (AND not)*
//! not       := NOT not | predicate
//! predicate := sum [cmp sum | [NOT] LIKE sum | [NOT] IN '(' list ')' | IS [NOT] NULL
//!                   | [NOT] BETWEEN sum AND sum]
//! sum       := product (('+' | '-' | '||') product)*
//! product   := unary (('*' | '/') unary)*
//! unary     := '-' unary | primary
//! primary   := literal | NULL | SYSDATE | '(' expr ')' | name '(' args ')' | name ['.' name]
//! ```

use super::SqlError;
use super::lexer::{Spanned, Token};

/// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub items: Vec<SelectItem>,
    pub table: String,
    pub alias: Option<String>,
    pub filter: Option<Expr>,
    pub order_by: Vec<OrderItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*` or `alias.*`: every column of the table.
    All,
    Expr {
        expr: Expr,
        alias: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderItem {
    pub expr: Expr,
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST`; Oracle's default puts nulls last when ascending.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Number(f64),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Concat,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Column {
        qualifier: Option<String>,
        name: String,
    },
    Literal(Literal),
    SysDate,
    Function {
        name: String,
        args: Vec<Expr>,
    },
    Negate(Box<Expr>),
    Arith {
        op: ArithOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Compare {
        op: CmpOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// Words that end an expression or cannot be column names or aliases.
const RESERVED: &[&str] = &[
    "select",
    "from",
    "where",
    "order",
    "by",
    "and",
    "or",
    "not",
    "like",
    "in",
    "is",
    "null",
    "between",
    "as",
    "asc",
    "desc",
    "nulls",
    "join",
    "inner",
    "left",
    "right",
    "outer",
    "full",
    "cross",
    "on",
    "group",
    "having",
    "union",
    "intersect",
    "minus",
    "fetch",
    "offset",
    "limit",
    "distinct",
    "insert",
    "update",
    "delete",
    "merge",
    "into",
    "values",
    "set",
    "create",
    "drop",
    "alter",
    "truncate",
    "grant",
    "revoke",
    "sysdate",
    "case",
    "when",
    "then",
    "else",
    "end",
];

fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// Statement verbs that are not SELECT: refused with a clear message.
const WRITE_VERBS: &[&str] = &[
    "insert", "update", "delete", "merge", "create", "drop", "alter", "truncate", "grant",
    "revoke", "with",
];

pub fn parse(tokens: &[Spanned], input_len: usize) -> Result<Query, SqlError> {
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        input_len,
    };
    let query = parser.query()?;
    if parser.peek_is(&Token::Semicolon) {
        parser.pos += 1;
    }
    if let Some(extra) = parser.peek() {
        return Err(parser.unexpected(extra));
    }
    Ok(query)
}

struct Parser<'a> {
    tokens: &'a [Spanned],
    pos: usize,
    depth: usize,
    input_len: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Spanned> {
        self.tokens.get(self.pos)
    }

    fn peek_token(&self) -> Option<&'a Token> {
        self.peek().map(|s| &s.token)
    }

    fn peek_is(&self, token: &Token) -> bool {
        self.peek_token() == Some(token)
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        self.peek_token().is_some_and(|t| t.is_keyword(kw))
    }

    fn peek_keyword_at(&self, offset: usize, kw: &str) -> bool {
        self.tokens
            .get(self.pos + offset)
            .is_some_and(|s| s.token.is_keyword(kw))
    }

    fn current_pos(&self) -> usize {
        self.peek().map_or(self.input_len, |s| s.pos)
    }

    fn unexpected(&self, at: &Spanned) -> SqlError {
        SqlError::syntax(at.pos, format!("unexpected '{}'", at.token.describe()))
    }

    fn error_here(&self, expected: &str) -> SqlError {
        match self.peek() {
            Some(at) => SqlError::syntax(
                at.pos,
                format!("expected {expected} but found '{}'", at.token.describe()),
            ),
            None => SqlError::syntax(
                self.input_len,
                format!("expected {expected} but the query ended"),
            ),
        }
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.peek_keyword(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            Err(self.error_here(&kw.to_uppercase()))
        }
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek_is(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &Token) -> Result<(), SqlError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error_here(&format!("'{}'", token.describe())))
        }
    }

    /// An identifier (not a reserved word), lowercased unless it was double-quoted.
    fn identifier(&mut self, what: &str) -> Result<String, SqlError> {
        match self.peek_token() {
            Some(Token::Word(w)) if !is_reserved(w) => {
                self.pos += 1;
                Ok(w.to_lowercase())
            }
            Some(Token::QuotedIdent(w)) => {
                self.pos += 1;
                Ok(w.clone())
            }
            _ => Err(self.error_here(what)),
        }
    }

    fn enter(&mut self) -> Result<(), SqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SqlError::syntax(
                self.current_pos(),
                "expression is nested too deeply",
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn query(&mut self) -> Result<Query, SqlError> {
        if let Some(Token::Word(w)) = self.peek_token()
            && WRITE_VERBS.iter().any(|v| v.eq_ignore_ascii_case(w))
        {
            return Err(SqlError::syntax(
                self.current_pos(),
                format!(
                    "only SELECT statements are allowed, not {}",
                    w.to_uppercase()
                ),
            ));
        }
        self.expect_keyword("select")?;
        if self.peek_keyword("distinct") || self.peek_keyword("unique") {
            return Err(SqlError::unsupported(self.current_pos(), "DISTINCT"));
        }
        let items = self.select_list()?;
        self.expect_keyword("from")?;
        let table = self.identifier("a table name")?;
        let alias = if self.eat_keyword("as") {
            Some(self.identifier("a table alias")?)
        } else {
            match self.peek_token() {
                Some(Token::Word(w)) if !is_reserved(w) => Some(self.identifier("a table alias")?),
                _ => None,
            }
        };
        for unsupported in ["join", "inner", "left", "right", "full", "cross"] {
            if self.peek_keyword(unsupported) {
                return Err(SqlError::unsupported(self.current_pos(), "JOIN"));
            }
        }
        if self.peek_is(&Token::Comma) {
            return Err(SqlError::unsupported(
                self.current_pos(),
                "more than one table in FROM",
            ));
        }
        let filter = if self.eat_keyword("where") {
            Some(self.expr()?)
        } else {
            None
        };
        for unsupported in [
            "group",
            "having",
            "union",
            "intersect",
            "minus",
            "fetch",
            "offset",
        ] {
            if self.peek_keyword(unsupported) {
                return Err(SqlError::unsupported(
                    self.current_pos(),
                    &unsupported.to_uppercase(),
                ));
            }
        }
        let order_by = if self.eat_keyword("order") {
            self.expect_keyword("by")?;
            self.order_list()?
        } else {
            Vec::new()
        };
        Ok(Query {
            items,
            table,
            alias,
            filter,
            order_by,
        })
    }

    fn select_list(&mut self) -> Result<Vec<SelectItem>, SqlError> {
        let mut items = Vec::new();
        loop {
            if self.eat(&Token::Star) {
                items.push(SelectItem::All);
            } else if matches!(
                self.peek_token(),
                Some(Token::Word(_) | Token::QuotedIdent(_))
            ) && self.tokens.get(self.pos + 1).map(|s| &s.token) == Some(&Token::Dot)
                && self.tokens.get(self.pos + 2).map(|s| &s.token) == Some(&Token::Star)
            {
                self.pos += 3;
                items.push(SelectItem::All);
            } else {
                let expr = self.expr()?;
                let alias = if self.eat_keyword("as") {
                    Some(self.identifier("a column alias")?)
                } else {
                    match self.peek_token() {
                        Some(Token::Word(w)) if !is_reserved(w) => {
                            Some(self.identifier("a column alias")?)
                        }
                        Some(Token::QuotedIdent(_)) => Some(self.identifier("a column alias")?),
                        _ => None,
                    }
                };
                items.push(SelectItem::Expr { expr, alias });
            }
            if !self.eat(&Token::Comma) {
                return Ok(items);
            }
        }
    }

    fn order_list(&mut self) -> Result<Vec<OrderItem>, SqlError> {
        let mut items = Vec::new();
        loop {
            let expr = self.expr()?;
            let descending = if self.eat_keyword("desc") {
                true
            } else {
                self.eat_keyword("asc");
                false
            };
            let nulls_first = if self.eat_keyword("nulls") {
                if self.eat_keyword("first") {
                    Some(true)
                } else {
                    self.expect_keyword("last")?;
                    Some(false)
                }
            } else {
                None
            };
            items.push(OrderItem {
                expr,
                descending,
                nulls_first,
            });
            if !self.eat(&Token::Comma) {
                return Ok(items);
            }
        }
    }

    fn expr(&mut self) -> Result<Expr, SqlError> {
        self.enter()?;
        let result = self.or_expr();
        self.leave();
        result
    }

    fn or_expr(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.and_expr()?;
        while self.eat_keyword("or") {
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.not_expr()?;
        while self.eat_keyword("and") {
            let right = self.not_expr()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_expr(&mut self) -> Result<Expr, SqlError> {
        if self.eat_keyword("not") {
            self.enter()?;
            let inner = self.not_expr();
            self.leave();
            return Ok(Expr::Not(Box::new(inner?)));
        }
        self.predicate()
    }

    fn predicate(&mut self) -> Result<Expr, SqlError> {
        let left = self.sum()?;
        let cmp = match self.peek_token() {
            Some(Token::Eq) => Some(CmpOp::Eq),
            Some(Token::NotEq) => Some(CmpOp::NotEq),
            Some(Token::Lt) => Some(CmpOp::Lt),
            Some(Token::Le) => Some(CmpOp::Le),
            Some(Token::Gt) => Some(CmpOp::Gt),
            Some(Token::Ge) => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = cmp {
            self.pos += 1;
            let right = self.sum()?;
            return Ok(Expr::Compare {
                op,
                left: Box::new(left),
                right: Box::new(right),
            });
        }
        if self.eat_keyword("is") {
            let negated = self.eat_keyword("not");
            self.expect_keyword("null")?;
            return Ok(Expr::IsNull {
                expr: Box::new(left),
                negated,
            });
        }
        let negated = if self.peek_keyword("not")
            && (self.peek_keyword_at(1, "like")
                || self.peek_keyword_at(1, "in")
                || self.peek_keyword_at(1, "between"))
        {
            self.pos += 1;
            true
        } else {
            false
        };
        if self.eat_keyword("like") {
            let pattern = self.sum()?;
            if self.peek_keyword("escape") {
                return Err(SqlError::unsupported(self.current_pos(), "LIKE ... ESCAPE"));
            }
            return Ok(Expr::Like {
                expr: Box::new(left),
                pattern: Box::new(pattern),
                negated,
            });
        }
        if self.eat_keyword("in") {
            self.expect(&Token::LParen)?;
            if self.peek_keyword("select") {
                return Err(SqlError::unsupported(self.current_pos(), "sub-queries"));
            }
            let mut list = vec![self.sum()?];
            while self.eat(&Token::Comma) {
                list.push(self.sum()?);
            }
            self.expect(&Token::RParen)?;
            return Ok(Expr::InList {
                expr: Box::new(left),
                list,
                negated,
            });
        }
        if self.eat_keyword("between") {
            let low = self.sum()?;
            self.expect_keyword("and")?;
            let high = self.sum()?;
            return Ok(Expr::Between {
                expr: Box::new(left),
                low: Box::new(low),
                high: Box::new(high),
                negated,
            });
        }
        if negated {
            return Err(self.error_here("LIKE, IN or BETWEEN after NOT"));
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek_token() {
                Some(Token::Plus) => ArithOp::Add,
                Some(Token::Minus) => ArithOp::Sub,
                Some(Token::Concat) => ArithOp::Concat,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.product()?;
            left = Expr::Arith {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
    }

    fn product(&mut self) -> Result<Expr, SqlError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek_token() {
                Some(Token::Star) => ArithOp::Mul,
                Some(Token::Slash) => ArithOp::Div,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::Arith {
                op,
                left: Box::new(left),
                right: Box::new(right),
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, SqlError> {
        if self.eat(&Token::Minus) {
            self.enter()?;
            let inner = self.unary();
            self.leave();
            return Ok(Expr::Negate(Box::new(inner?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, SqlError> {
        let Some(spanned) = self.peek() else {
            return Err(self.error_here("an expression"));
        };
        match &spanned.token {
            Token::Str(s) => {
                self.pos += 1;
                // Oracle treats the empty string as NULL.
                Ok(Expr::Literal(if s.is_empty() {
                    Literal::Null
                } else {
                    Literal::Str(s.clone())
                }))
            }
            Token::Number(n) => {
                self.pos += 1;
                n.parse::<f64>()
                    .map(|v| Expr::Literal(Literal::Number(v)))
                    .map_err(|_| SqlError::syntax(spanned.pos, format!("invalid number {n}")))
            }
            Token::LParen => {
                self.pos += 1;
                if self.peek_keyword("select") {
                    return Err(SqlError::unsupported(self.current_pos(), "sub-queries"));
                }
                let inner = self.expr()?;
                self.expect(&Token::RParen)?;
                Ok(inner)
            }
            Token::Word(w) if w.eq_ignore_ascii_case("null") => {
                self.pos += 1;
                Ok(Expr::Literal(Literal::Null))
            }
            Token::Word(w) if w.eq_ignore_ascii_case("sysdate") => {
                self.pos += 1;
                Ok(Expr::SysDate)
            }
            Token::Word(w) if w.eq_ignore_ascii_case("case") => {
                Err(SqlError::unsupported(spanned.pos, "CASE"))
            }
            Token::Word(w) if !is_reserved(w) => {
                let first = w.to_lowercase();
                self.pos += 1;
                if self.eat(&Token::LParen) {
                    return self.function_call(first, spanned.pos);
                }
                if self.eat(&Token::Dot) {
                    let name = self.identifier("a column name")?;
                    return Ok(Expr::Column {
                        qualifier: Some(first),
                        name,
                    });
                }
                Ok(Expr::Column {
                    qualifier: None,
                    name: first,
                })
            }
            Token::QuotedIdent(w) => {
                self.pos += 1;
                Ok(Expr::Column {
                    qualifier: None,
                    name: w.clone(),
                })
            }
            _ => Err(self.unexpected(spanned)),
        }
    }

    fn function_call(&mut self, name: String, pos: usize) -> Result<Expr, SqlError> {
        let mut args = Vec::new();
        if self.peek_is(&Token::Star) {
            return Err(SqlError::unsupported(pos, "aggregate functions"));
        }
        if !self.eat(&Token::RParen) {
            loop {
                args.push(self.expr()?);
                if !self.eat(&Token::Comma) {
                    break;
                }
            }
            self.expect(&Token::RParen)?;
        }
        Ok(Expr::Function { name, args })
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn parse_str(q: &str) -> Result<Query, SqlError> {
        parse(&tokenize(q)?, q.chars().count())
    }

    #[test]
    fn a_full_select_parses() {
        let q = parse_str(
            "SELECT id, UPPER(email) AS e FROM contact c WHERE (c.lastname = 'X' OR id IN (1, 2)) \
             AND email IS NOT NULL AND NOT firstname LIKE 'A%' ORDER BY lastmodifieddate DESC, id",
        )
        .unwrap();
        assert_eq!(q.table, "contact");
        assert_eq!(q.alias.as_deref(), Some("c"));
        assert_eq!(q.items.len(), 2);
        assert_eq!(q.order_by.len(), 2);
        assert!(q.order_by[0].descending);
    }

    #[test]
    fn statements_other_than_select_are_refused() {
        let err = parse_str("DELETE FROM contact").unwrap_err();
        assert!(err.to_string().contains("only SELECT"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let q = format!(
            "SELECT id FROM contact WHERE {}1 = 1{}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(parse_str(&q).is_err());
        let q = format!(
            "SELECT id FROM contact WHERE {} id = 1",
            "NOT ".repeat(5000)
        );
        assert!(parse_str(&q).is_err());
        let q = format!("SELECT {}1 FROM contact", "-".repeat(5000));
        assert!(parse_str(&q).is_err());
    }

    #[test]
    fn trailing_garbage_is_reported() {
        assert!(parse_str("SELECT id FROM contact garbage more").is_err());
        assert!(parse_str("SELECT FROM contact").is_err());
        assert!(parse_str("SELECT id FROM").is_err());
        assert!(parse_str("").is_err());
    }
}
