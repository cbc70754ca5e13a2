//! SuiteQL: a small Oracle-flavoured SELECT over the simulator's `contact` and `customer`
//! tables — lexer, recursive-descent parser, evaluator. Nothing here may panic on any input:
//! every failure is a [`SqlError`], which the API turns into a 400.

pub mod datefmt;
mod eval;
mod lexer;
mod parser;
mod plan;
mod tables;

use chrono::{DateTime, Utc};

pub use plan::{Probe, RowScope};
pub use tables::table_for;

/// Longest statement accepted; longer ones are refused before tokenizing.
const MAX_QUERY_CHARS: usize = 100_000;

/// Why a statement could not be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SqlError {
    #[error("Syntax error at position {pos}: {message}")]
    Syntax { pos: usize, message: String },
    #[error("{feature} is not supported by the simulator (position {pos})")]
    Unsupported { pos: usize, feature: String },
    #[error("{0}")]
    Semantic(String),
}

impl SqlError {
    pub fn syntax(pos: usize, message: impl Into<String>) -> Self {
        // Positions are shown 1-based, as Oracle does.
        Self::Syntax {
            pos: pos + 1,
            message: message.into(),
        }
    }

    pub fn unsupported(pos: usize, feature: &str) -> Self {
        Self::Unsupported {
            pos: pos + 1,
            feature: feature.to_string(),
        }
    }
}

/// A typed value inside the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Text(String),
    Number(f64),
    Date(DateTime<Utc>),
}

impl SqlValue {
    /// The value as SuiteQL returns it: always a string; dates in the account's format.
    pub fn render(&self, date_format: &[datefmt::FmtItem]) -> Option<String> {
        match self {
            SqlValue::Null => None,
            SqlValue::Text(s) => Some(s.clone()),
            SqlValue::Number(n) => Some(format_number(*n)),
            SqlValue::Date(at) => Some(datefmt::format(at, date_format)),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// One table's rows, columns named in lowercase.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
}

/// Per-request settings the evaluator needs.
#[derive(Debug, Clone)]
pub struct EvalContext {
    /// What `SYSDATE` returns.
    pub now: DateTime<Utc>,
    /// The account's date-format preference, used to show dates and to read date strings.
    pub date_format: Vec<datefmt::FmtItem>,
}

/// Rows in output order with their column names.
#[derive(Debug, Clone)]
pub struct ResultSet {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
}

/// Parses and runs `sql`; `tables` yields a table by its (lowercase) name, holding at least
/// the rows in the [`RowScope`] read off the WHERE clause (all of them will do).
pub fn run(
    sql: &str,
    tables: impl Fn(&str, &RowScope) -> Option<Table>,
    ctx: &EvalContext,
) -> Result<ResultSet, SqlError> {
    let length = sql.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(SqlError::Semantic(format!(
            "the query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let tokens = lexer::tokenize(sql)?;
    let query = parser::parse(&tokens, length)?;
    let scope = plan::row_scope(query.filter.as_ref());
    let table = tables(&query.table, &scope)
        .ok_or_else(|| SqlError::Semantic(format!("Record '{}' was not found.", query.table)))?;
    eval::execute(&query, &table, ctx)
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn table(_: &str, _: &RowScope) -> Option<Table> {
        Some(Table {
            name: "contact".into(),
            columns: vec!["id".into(), "lastname".into(), "lastmodifieddate".into()],
            rows: vec![
                vec![
                    SqlValue::Number(1.0),
                    SqlValue::Text("A".into()),
                    SqlValue::Date(Utc::now()),
                ],
                vec![SqlValue::Number(2.0), SqlValue::Null, SqlValue::Null],
            ],
        })
    }

    /// Token soup and truncations of valid queries must give errors, never panics.
    #[test]
    fn random_and_truncated_input_never_panics() {
        let ctx = EvalContext {
            now: Utc::now(),
            date_format: Vec::new(),
        };
        let pieces = [
            "SELECT",
            "FROM",
            "contact",
            "WHERE",
            "id",
            "lastname",
            "=",
            "<>",
            "(",
            ")",
            ",",
            "'x'",
            "'",
            "\"",
            "1",
            "-",
            "NOT",
            "AND",
            "OR",
            "IN",
            "LIKE",
            "IS",
            "NULL",
            "ORDER",
            "BY",
            "DESC",
            "*",
            "/",
            "0",
            "||",
            "TO_CHAR",
            "TO_DATE",
            "UPPER",
            "'YYYY'",
            ".",
            ";",
            "é",
            "BETWEEN",
            "NVL",
            "lastmodifieddate",
            "SYSDATE",
            "+",
            "1e9",
            "9999999999999999999999",
        ];
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..5000 {
            let len = rng.random_range(0..14);
            let sql: Vec<&str> = (0..len)
                .map(|_| pieces[rng.random_range(0..pieces.len())])
                .collect();
            let _ = run(&sql.join(" "), table, &ctx);
        }
        let valid = "SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD') d FROM contact c \
                     WHERE (c.lastname LIKE 'A%' OR id IN (1, 2)) AND id / 1 >= 0 ORDER BY d DESC";
        for end in 0..=valid.len() {
            if valid.is_char_boundary(end) {
                let _ = run(&valid[..end], table, &ctx);
            }
        }
        assert!(run(valid, table, &ctx).is_ok());
        for overflow in [
            "SELECT SYSDATE - 9999999999999999999999 FROM contact",
            "SELECT lastmodifieddate + 99999999999 FROM contact",
            "SELECT id FROM contact ORDER BY 99999999999999999999",
        ] {
            assert!(run(overflow, table, &ctx).is_err(), "{overflow}");
        }
    }
}
