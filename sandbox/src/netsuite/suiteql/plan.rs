//! Which rows a query can match, read off its WHERE clause before any row is built: Ferry's
//! lookups ask for a few dozen records by internal id, external id or e-mail out of the whole
//! account, and building every row of a large account for each of them made the simulator,
//! not the code under test, what `ferry bench` measured.
//!
//! The scope is always a superset of the matches — the full WHERE clause still runs on every
//! candidate — so answers are the same as a scan's. Anything not understood means a scan.

use super::parser::{CmpOp, Expr, Literal};

/// Rows a query may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowScope {
    /// Every row of the table.
    All,
    /// Only rows matched by one of these probes.
    Candidates(Vec<Probe>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The row with this internal id.
    Id(u64),
    /// Rows whose `column` (a lowercase column name) holds this text, compared in lowercase.
    Text { column: String, lowered: String },
    /// Rows matched by every one of these sets of probes (an `AND`): the table reads the set
    /// it can answer with the fewest rows ("Bench" may be every contact's first name, while
    /// the last name picks one).
    Every(Vec<Vec<Probe>>),
}

/// The scope of a WHERE clause (`None`: no WHERE).
pub fn row_scope(filter: Option<&Expr>) -> RowScope {
    match filter.and_then(probes) {
        Some(probes) => RowScope::Candidates(probes),
        None => RowScope::All,
    }
}

/// The probes covering every row `expr` can be true for, or `None` if that takes a scan.
fn probes(expr: &Expr) -> Option<Vec<Probe>> {
    match expr {
        // A row matching either side matches one of the two sides' probes.
        Expr::Or(a, b) => {
            let mut all = probes(a)?;
            all.extend(probes(b)?);
            Some(all)
        }
        // A row matching both sides matches either side's probes.
        Expr::And(a, b) => match (probes(a), probes(b)) {
            (Some(a), Some(b)) => {
                let mut sets = Vec::new();
                for side in [a, b] {
                    match <[Probe; 1]>::try_from(side) {
                        Ok([Probe::Every(inner)]) => sets.extend(inner),
                        Ok([one]) => sets.push(vec![one]),
                        Err(side) => sets.push(side),
                    }
                }
                Some(vec![Probe::Every(sets)])
            }
            (one, other) => one.or(other),
        },
        Expr::Compare {
            op: CmpOp::Eq,
            left,
            right,
        } => match (left.as_ref(), right.as_ref()) {
            (Expr::Literal(value), target) | (target, Expr::Literal(value)) => {
                probe(target, value).map(|p| vec![p])
            }
            _ => None,
        },
        Expr::InList {
            expr,
            list,
            negated: false,
        } => list
            .iter()
            .map(|item| match item {
                Expr::Literal(value) => probe(expr, value),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The probe for `target = value`, where `target` is a column or `LOWER(column)`.
fn probe(target: &Expr, value: &Literal) -> Option<Probe> {
    let (column, lowered_by_query) = match target {
        Expr::Column { name, .. } => (name.as_str(), false),
        Expr::Function { name, args } if name == "lower" => match args.as_slice() {
            [Expr::Column { name, .. }] => (name.as_str(), true),
            _ => return None,
        },
        _ => return None,
    };
    match (column, value) {
        // `id` is a number: a numeric literal, or a string Oracle would convert to one.
        ("id", Literal::Number(n)) if !lowered_by_query => id_of(*n),
        ("id", Literal::Str(s)) if !lowered_by_query => s.trim().parse().ok().and_then(id_of),
        // A text column against a string compares text (a number literal would convert the
        // column's values instead, which an index of their text cannot answer).
        (_, Literal::Str(s)) if column != "id" => Some(Probe::Text {
            column: column.to_owned(),
            // Exact matches are among the lowercase matches; `LOWER(col) = 'x'` needs 'x'
            // itself, and lowercasing it again changes nothing a match could hold.
            lowered: s.to_lowercase(),
        }),
        _ => None,
    }
}

fn id_of(n: f64) -> Option<Probe> {
    (n.fract() == 0.0 && n >= 0.0 && n < u64::MAX as f64).then_some(Probe::Id(n as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsuite::suiteql::{lexer, parser};

    fn scope(sql: &str) -> RowScope {
        let tokens = lexer::tokenize(sql).unwrap();
        let query = parser::parse(&tokens, sql.len()).unwrap();
        row_scope(query.filter.as_ref())
    }

    fn text(column: &str, lowered: &str) -> Probe {
        Probe::Text {
            column: column.into(),
            lowered: lowered.into(),
        }
    }

    #[test]
    fn lookups_by_id_external_id_and_email_are_probes() {
        assert_eq!(
            scope(
                "SELECT id FROM contact WHERE id IN (5001, '5002') OR externalid IN ('A1') \
                 OR LOWER(email) IN ('x@y.com') OR (LOWER(firstname) = 'ann' AND company = '842')"
            ),
            RowScope::Candidates(vec![
                Probe::Id(5001),
                Probe::Id(5002),
                text("externalid", "a1"),
                text("email", "x@y.com"),
                Probe::Every(vec![
                    vec![text("firstname", "ann")],
                    vec![text("company", "842")]
                ]),
            ])
        );
    }

    #[test]
    fn a_conjunction_keeps_every_side_so_the_table_can_pick_the_narrowest() {
        assert_eq!(
            scope(
                "SELECT id FROM contact WHERE LOWER(firstname) = 'bench' \
                 AND LOWER(lastname) = 'contact 7' AND email LIKE '%@x.com' AND company = '842'"
            ),
            RowScope::Candidates(vec![Probe::Every(vec![
                vec![text("firstname", "bench")],
                vec![text("lastname", "contact 7")],
                vec![text("company", "842")],
            ])])
        );
    }

    #[test]
    fn anything_else_scans() {
        for sql in [
            "SELECT id FROM contact",
            "SELECT id FROM contact WHERE email LIKE '%x%'",
            "SELECT id FROM contact WHERE id = 5001 OR email <> 'x'",
            "SELECT id FROM contact WHERE NOT (email = 'x')",
            "SELECT id FROM contact WHERE email NOT IN ('x')",
            "SELECT id FROM contact WHERE company = 842",
            "SELECT id FROM contact WHERE LOWER(id) = '5001'",
            "SELECT id FROM contact WHERE id = 1.5 OR id = -1",
            "SELECT id FROM contact WHERE UPPER(email) = 'X'",
        ] {
            assert_eq!(scope(sql), RowScope::All, "{sql}");
        }
    }
}
