//! Runs a parsed query over the org: resolves field paths (including one parent hop such as
//! `Account.NetSuite_Id__c`), checks literal types the way Salesforce does, filters, sorts,
//! applies OFFSET/LIMIT and renders records.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::parser::{Expr, FieldRef, Literal, Query, Select};
use super::{QueryOutcome, SoqlError};
use crate::salesforce::ids;
use crate::salesforce::schema::{FieldDef, FieldType, ObjectKind};
use crate::salesforce::store::{OrgData, Record};

/// Salesforce's largest OFFSET.
const MAX_OFFSET: usize = 2000;

/// A field path resolved against the schema.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolved {
    Own(&'static FieldDef),
    Parent {
        reference: &'static FieldDef,
        relationship: &'static str,
        field: &'static FieldDef,
    },
}

impl Resolved {
    fn field(self) -> &'static FieldDef {
        match self {
            Self::Own(f) | Self::Parent { field: f, .. } => f,
        }
    }
}

/// A value ready to compare.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

pub fn run(
    query: &Query,
    data: &OrgData,
    include_deleted: bool,
    version: &str,
) -> Result<QueryOutcome, SoqlError> {
    let object = ObjectKind::parse(&query.object).ok_or_else(|| SoqlError {
        code: "INVALID_TYPE",
        pos: query.object_pos,
        message: format!(
            "sObject type '{}' is not supported. If you are attempting to use a custom object, \
             be sure to append the '__c' after the entity name. Please reference your WSDL or \
             the describe call for the appropriate names.",
            query.object
        ),
    })?;
    let selected = match &query.select {
        Select::Count => Vec::new(),
        Select::Fields(fields) => {
            let mut resolved: Vec<Resolved> = Vec::new();
            for field in fields {
                let r = resolve(object, field)?;
                if resolved.contains(&r) {
                    return Err(SoqlError::malformed(
                        field.pos,
                        format!("duplicate field selected: {}", field.path),
                    ));
                }
                resolved.push(r);
            }
            resolved
        }
    };
    let filter = query
        .filter
        .as_ref()
        .map(|expr| check(object, expr))
        .transpose()?;
    let order = query
        .order
        .iter()
        .map(|item| {
            Ok((
                resolve(object, &item.field)?,
                item.descending,
                item.nulls_first,
            ))
        })
        .collect::<Result<Vec<_>, SoqlError>>()?;
    if let Some(offset) = query.offset
        && offset > MAX_OFFSET
    {
        return Err(SoqlError {
            code: "NUMBER_OUTSIDE_VALID_RANGE",
            pos: 0,
            message: format!("Maximum SOQL offset allowed is {MAX_OFFSET}"),
        });
    }

    let mut rows: Vec<&Record> = data
        .all(object)
        .filter(|r| include_deleted || !r.deleted)
        .filter(|r| filter.as_ref().is_none_or(|f| matches(f, r, data)))
        .collect();
    if !order.is_empty() {
        rows.sort_by(|a, b| {
            for (field, descending, nulls_first) in &order {
                let ordering = compare_for_sort(
                    &cell(*field, a, data),
                    &cell(*field, b, data),
                    *nulls_first,
                    *descending,
                );
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            Ordering::Equal
        });
    }
    let rows = rows
        .into_iter()
        .skip(query.offset.unwrap_or(0))
        .take(query.limit.unwrap_or(usize::MAX));
    if query.select == Select::Count {
        return Ok(QueryOutcome::Count(rows.count()));
    }
    Ok(QueryOutcome::Rows(
        rows.map(|r| render(r, &selected, data, version)).collect(),
    ))
}

fn resolve(object: ObjectKind, field: &FieldRef) -> Result<Resolved, SoqlError> {
    let parts: Vec<&str> = field.path.split('.').collect();
    match parts.as_slice() {
        [name] => object
            .field(name)
            .map(Resolved::Own)
            .ok_or_else(|| no_such_column(field.pos, name, object)),
        [relationship, name] => {
            let reference = object.relationship(relationship).ok_or_else(|| {
                SoqlError::invalid_field(
                    field.pos,
                    format!(
                        "Didn't understand relationship '{relationship}' in field path. If you \
                         are attempting to use a custom relationship, be sure to append the \
                         '__r' after the custom relationship name. Please reference your WSDL \
                         or the describe call for the appropriate names."
                    ),
                )
            })?;
            let target = reference.reference_to.unwrap_or(object);
            let target_field = target
                .field(name)
                .ok_or_else(|| no_such_column(field.pos, name, target))?;
            Ok(Resolved::Parent {
                reference,
                relationship: reference.relationship_name.unwrap_or_default(),
                field: target_field,
            })
        }
        _ => Err(SoqlError::invalid_field(
            field.pos,
            format!(
                "Didn't understand relationship '{}' in field path.",
                field.path
            ),
        )),
    }
}

fn no_such_column(pos: usize, name: &str, object: ObjectKind) -> SoqlError {
    SoqlError::invalid_field(
        pos,
        format!(
            "No such column '{name}' on entity '{}'. If you are attempting to use a custom field, \
             be sure to append the '__c' after the custom field name. Please reference your WSDL \
             or the describe call for the appropriate names.",
            object.name()
        ),
    )
}

/// A filter with its field paths resolved and literals type-checked.
#[derive(Debug, Clone)]
enum Checked {
    And(Vec<Checked>),
    Or(Vec<Checked>),
    Not(Box<Checked>),
    Compare(Resolved, &'static str, Literal),
    In(Resolved, bool, Vec<Literal>),
    Like(Resolved, String),
}

fn check(object: ObjectKind, expr: &Expr) -> Result<Checked, SoqlError> {
    Ok(match expr {
        Expr::And(items) => Checked::And(
            items
                .iter()
                .map(|e| check(object, e))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(items) => Checked::Or(
            items
                .iter()
                .map(|e| check(object, e))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(inner) => Checked::Not(Box::new(check(object, inner)?)),
        Expr::Compare {
            field,
            op,
            value,
            value_pos,
        } => {
            let resolved = resolve(object, field)?;
            let value = check_literal(resolved.field(), value, *value_pos)?;
            if matches!(value, Literal::Null) && !matches!(*op, "=" | "!=") {
                return Err(SoqlError::malformed(
                    *value_pos,
                    format!("invalid operator on null: {op}"),
                ));
            }
            Checked::Compare(resolved, op, value)
        }
        Expr::In {
            field,
            negated,
            values,
            value_pos,
        } => {
            let resolved = resolve(object, field)?;
            let values = values
                .iter()
                .map(|v| check_literal(resolved.field(), v, *value_pos))
                .collect::<Result<_, _>>()?;
            Checked::In(resolved, *negated, values)
        }
        Expr::Like {
            field,
            pattern,
            value_pos,
        } => {
            let resolved = resolve(object, field)?;
            let def = resolved.field();
            match pattern {
                Literal::Str(p) if def.kind.is_text() => Checked::Like(resolved, p.clone()),
                Literal::Str(_) => {
                    return Err(SoqlError::invalid_field(
                        *value_pos,
                        format!("invalid operator on field '{}': LIKE", def.name),
                    ));
                }
                _ => return Err(string_expected(def, *value_pos)),
            }
        }
    })
}

fn string_expected(def: &FieldDef, pos: usize) -> SoqlError {
    SoqlError::invalid_field(
        pos,
        format!(
            "value of filter criterion for field '{}' must be of type string and should be \
             enclosed in quotes",
            def.name
        ),
    )
}

fn check_literal(def: &FieldDef, literal: &Literal, pos: usize) -> Result<Literal, SoqlError> {
    match (def.kind, literal) {
        (_, Literal::Null) => Ok(Literal::Null),
        (FieldType::Datetime, Literal::DateTime(_) | Literal::Range(..)) => Ok(literal.clone()),
        (FieldType::Datetime, _) => Err(SoqlError::invalid_field(
            pos,
            format!(
                "value of filter criterion for field '{}' must be of type dateTime and should \
                 not be enclosed in quotes",
                def.name
            ),
        )),
        (FieldType::Boolean, Literal::Bool(_)) => Ok(literal.clone()),
        (FieldType::Boolean, _) => Err(SoqlError::invalid_field(
            pos,
            format!(
                "value of filter criterion for field '{}' must be of type boolean and should \
                 not be enclosed in quotes",
                def.name
            ),
        )),
        (FieldType::Id | FieldType::Reference, Literal::Str(s)) => ids::canonical(s)
            .map(Literal::Str)
            .ok_or_else(|| SoqlError {
                code: "INVALID_QUERY_FILTER_OPERATOR",
                pos,
                message: format!("invalid ID field: {s}"),
            }),
        (_, Literal::Str(_)) => Ok(literal.clone()),
        _ => Err(string_expected(def, pos)),
    }
}

fn cell(resolved: Resolved, record: &Record, data: &OrgData) -> Cell {
    match resolved {
        Resolved::Own(field) => own_cell(field, record),
        Resolved::Parent {
            reference, field, ..
        } => parent(reference, record, data).map_or(Cell::Null, |p| own_cell(field, p)),
    }
}

fn parent<'a>(reference: &FieldDef, record: &Record, data: &'a OrgData) -> Option<&'a Record> {
    let id = record.values.get(reference.name)?.as_str()?;
    data.record(id).filter(|p| !p.deleted)
}

fn own_cell(field: &FieldDef, record: &Record) -> Cell {
    if let Some(at) = record.timestamp(field.name) {
        return Cell::Time(at);
    }
    match record.get(field) {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(b),
        Value::String(s) => Cell::Text(s),
        other => Cell::Text(other.to_string()),
    }
}

fn matches(filter: &Checked, record: &Record, data: &OrgData) -> bool {
    match filter {
        Checked::And(items) => items.iter().all(|f| matches(f, record, data)),
        Checked::Or(items) => items.iter().any(|f| matches(f, record, data)),
        Checked::Not(inner) => !matches(inner, record, data),
        Checked::Compare(field, op, literal) => compare(&cell(*field, record, data), op, literal),
        Checked::In(field, negated, values) => {
            let value = cell(*field, record, data);
            let found = values.iter().any(|v| compare(&value, "=", v));
            found != *negated
        }
        Checked::Like(field, pattern) => match cell(*field, record, data) {
            Cell::Text(text) => like(&text, pattern),
            _ => false,
        },
    }
}

/// SOQL comparison: text is case-insensitive; `!=` also matches nulls.
fn compare(value: &Cell, op: &str, literal: &Literal) -> bool {
    let ordering = match (value, literal) {
        (Cell::Null, Literal::Null) => Some(Ordering::Equal),
        (Cell::Null, _) | (_, Literal::Null) => None,
        (Cell::Text(a), Literal::Str(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Cell::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Cell::Time(a), Literal::DateTime(b)) => Some(a.cmp(b)),
        (Cell::Time(a), Literal::Range(start, end)) => {
            return match op {
                "=" => a >= start && a < end,
                "!=" => a < start || a >= end,
                "<" => a < start,
                "<=" => a < end,
                ">" => a >= end,
                ">=" => a >= start,
                _ => false,
            };
        }
        _ => None,
    };
    match (op, ordering) {
        ("!=", None) => true,
        (_, None) => false,
        ("=", Some(o)) => o == Ordering::Equal,
        ("!=", Some(o)) => o != Ordering::Equal,
        ("<", Some(o)) => o == Ordering::Less,
        ("<=", Some(o)) => o != Ordering::Greater,
        (">", Some(o)) => o == Ordering::Greater,
        (">=", Some(o)) => o != Ordering::Less,
        _ => false,
    }
}

fn compare_for_sort(a: &Cell, b: &Cell, nulls_first: bool, descending: bool) -> Ordering {
    let nulls = |o: Ordering| if nulls_first { o } else { o.reverse() };
    let ordering = match (a, b) {
        (Cell::Null, Cell::Null) => return Ordering::Equal,
        (Cell::Null, _) => return nulls(Ordering::Less),
        (_, Cell::Null) => return nulls(Ordering::Greater),
        (Cell::Text(x), Cell::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Cell::Bool(x), Cell::Bool(y)) => x.cmp(y),
        (Cell::Time(x), Cell::Time(y)) => x.cmp(y),
        _ => Ordering::Equal,
    };
    if descending {
        ordering.reverse()
    } else {
        ordering
    }
}

/// LIKE with `%` (any run) and `_` (one character), case-insensitive; `\%` and `\_` are
/// literal.
fn like(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Char(char),
    }
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => match chars.next() {
                Some(next) => P::Char(next),
                None => P::Char('\\'),
            },
            other => P::Char(other),
        });
    }
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let parts: Vec<P> = parts
        .into_iter()
        .map(|p| match p {
            P::Char(c) => P::Char(c.to_lowercase().next().unwrap_or(c)),
            other => other,
        })
        .collect();
    // Iterative wildcard matching with backtracking to the last `%`.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match parts.get(p) {
            Some(P::Any) => {
                star = Some((p, t));
                p += 1;
            }
            Some(P::One) => {
                t += 1;
                p += 1;
            }
            Some(P::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    parts[p..].iter().all(|x| *x == P::Any)
}

fn render(record: &Record, selected: &[Resolved], data: &OrgData, version: &str) -> Value {
    let mut map = Map::new();
    map.insert("attributes".into(), record.attributes(version));
    for resolved in selected {
        match *resolved {
            Resolved::Own(field) => {
                map.insert(field.name.into(), record.get(field));
            }
            Resolved::Parent {
                reference,
                relationship,
                field,
            } => {
                let entry = map.entry(relationship).or_insert(Value::Null);
                if let Some(parent) = parent(reference, record, data) {
                    if entry.is_null() {
                        *entry = serde_json::json!({ "attributes": parent.attributes(version) });
                    }
                    if let Value::Object(nested) = entry {
                        nested.insert(field.name.into(), parent.get(field));
                    }
                }
            }
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_supports_percent_underscore_and_escapes() {
        assert!(like("Lovelace", "love%"));
        assert!(like("Lovelace", "%LACE"));
        assert!(like("Lovelace", "L_velace"));
        assert!(!like("Lovelace", "L_lace"));
        assert!(like("50% off", "50\\% %"));
        assert!(!like("50x off", "50\\% %"));
        assert!(like("", "%"));
        // An escaped backslash is a backslash; the `%` after it is still a wildcard.
        assert!(like("back\\slash", "%back\\\\%"));
        assert!(!like("backslash", "%back\\\\%"));
        assert!(!like("50% off", "%\\\\%"));
    }
}
