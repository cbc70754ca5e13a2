//! SOQL: lexer, parser, evaluator over the org's records, and query cursors for paging.

pub mod cursor;
pub mod eval;
pub mod lexer;
pub mod parser;

use actix_web::http::StatusCode;
use serde_json::Value;

use super::error::SfError;
use super::store::OrgData;

/// A SOQL error before it is rendered with the query text.
#[derive(Debug, Clone, PartialEq)]
pub struct SoqlError {
    pub code: &'static str,
    /// Character offset the caret points at.
    pub pos: usize,
    pub message: String,
}

impl SoqlError {
    pub fn malformed(pos: usize, message: impl Into<String>) -> Self {
        Self {
            code: "MALFORMED_QUERY",
            pos,
            message: message.into(),
        }
    }

    pub fn invalid_field(pos: usize, message: impl Into<String>) -> Self {
        Self {
            code: "INVALID_FIELD",
            pos,
            message: message.into(),
        }
    }

    /// Salesforce's shape: the offending line, a caret under the column, the position, the
    /// reason, each on its own line.
    pub fn render(&self, query: &str) -> SfError {
        let mut row = 1;
        let mut line_start = 0;
        for (i, c) in query.chars().enumerate() {
            if i >= self.pos {
                break;
            }
            if c == '\n' {
                row += 1;
                line_start = i + 1;
            }
        }
        let line: String = query
            .chars()
            .skip(line_start)
            .take_while(|c| *c != '\n')
            .collect();
        let column = self.pos - line_start + 1;
        let caret = format!("{}^", " ".repeat(column - 1));
        SfError::new(
            StatusCode::BAD_REQUEST,
            self.code,
            format!(
                "\n{line}\n{caret}\nERROR at Row:{row}:Column:{column}\n{}",
                self.message
            ),
        )
    }
}

/// The outcome of a query before paging.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutcome {
    /// `SELECT COUNT()`: only a total.
    Count(usize),
    Rows(Vec<Value>),
}

/// Parses and runs a query; `include_deleted` is queryAll.
pub fn run(
    text: &str,
    data: &OrgData,
    include_deleted: bool,
    version: &str,
) -> Result<QueryOutcome, SfError> {
    let tokens = lexer::tokenize(text).map_err(|e| e.render(text))?;
    let query = parser::parse(&tokens).map_err(|e| e.render(text))?;
    eval::run(&query, data, include_deleted, version).map_err(|e| e.render(text))
}
