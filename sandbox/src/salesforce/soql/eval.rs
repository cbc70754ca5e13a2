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

    let mut rows: Vec<&Record> = candidates(object, filter.as_ref(), data)
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

/// The records a filter can match, in the store's order (by id, as a scan reads them). Ferry
/// reads records by `Id IN (…)` out of the whole org; scanning every record for each of those
/// made the simulator, not the code under test, what `ferry bench` measured. The full filter
/// still runs on every candidate, so answers are a scan's.
fn candidates<'a>(
    object: ObjectKind,
    filter: Option<&Checked>,
    data: &'a OrgData,
) -> Box<dyn Iterator<Item = &'a Record> + 'a> {
    match filter.and_then(id_probe) {
        Some(mut ids) => {
            ids.sort_unstable();
            ids.dedup();
            let records: Vec<&Record> = ids
                .into_iter()
                .filter_map(|id| data.record(id))
                .filter(|r| r.object == object)
                .collect();
            Box::new(records.into_iter())
        }
        None => Box::new(data.all(object)),
    }
}

/// The ids covering every record `filter` can be true for, or `None` if that takes a scan.
/// Id literals are canonical 18-character ids by now (`check_literal`), and two canonical
/// ids are equal ignoring case only when they are equal, so a lookup finds what `=` would.
fn id_probe(filter: &Checked) -> Option<Vec<&str>> {
    let is_id = |field: &Resolved| matches!(field, Resolved::Own(def) if def.kind == FieldType::Id);
    match filter {
        Checked::Compare(field, "=", Literal::Str(id)) if is_id(field) => Some(vec![id.as_str()]),
        Checked::In(field, false, values) if is_id(field) => values
            .iter()
            .map(|v| match v {
                Literal::Str(id) => Some(id.as_str()),
                _ => None,
            })
            .collect(),
        // Every side must hold: any side's ids cover the matches; take the fewest.
        Checked::And(items) => items.iter().filter_map(id_probe).min_by_key(Vec::len),
        // One side must hold: only when every side has ids.
        Checked::Or(items) => items
            .iter()
            .map(id_probe)
            .try_fold(Vec::new(), |mut all, ids| {
                all.extend(ids?);
                Some(all)
            }),
        _ => None,
    }
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
        (Cell::Text(a), Literal::Str(b)) => Some(cmp_ignore_case(a, b)),
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

/// Text compared in lower case, char by char: no string is allocated per comparison, which
/// with a scan or a sort was most of a query's time.
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

fn compare_for_sort(a: &Cell, b: &Cell, nulls_first: bool, descending: bool) -> Ordering {
    let nulls = |o: Ordering| if nulls_first { o } else { o.reverse() };
    let ordering = match (a, b) {
        (Cell::Null, Cell::Null) => return Ordering::Equal,
        (Cell::Null, _) => return nulls(Ordering::Less),
        (_, Cell::Null) => return nulls(Ordering::Greater),
        (Cell::Text(x), Cell::Text(y)) => cmp_ignore_case(x, y),
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
    use serde_json::json;

    use super::like;
    use crate::salesforce::ids;
    use crate::salesforce::schema::ObjectKind;
    use crate::salesforce::soql::{self, QueryOutcome};
    use crate::salesforce::store::{OrgData, User};

    /// An org of accounts and contacts (some deleted) and the ids of each.
    fn org() -> (OrgData, Vec<String>, Vec<String>) {
        let user = ids::record_id(ids::USER_PREFIX, 1);
        let mut org = OrgData::new(vec![User {
            id: user.clone(),
            username: "a@b.c".into(),
            name: "A".into(),
        }]);
        let body = |v: serde_json::Value| v.as_object().cloned().unwrap();
        let accounts: Vec<String> = (0..5)
            .map(|i| {
                org.create(
                    ObjectKind::Account,
                    &body(json!({"Name": format!("Acme {i}")})),
                    &user,
                )
                .unwrap()
            })
            .collect();
        let contacts: Vec<String> = (0..40)
            .map(|i| {
                let fields = json!({"LastName": format!("Person {}", i % 7), "FirstName": "Bench",
                                    "AccountId": accounts[i % 5]});
                org.create(ObjectKind::Contact, &body(fields), &user)
                    .unwrap()
            })
            .collect();
        for id in contacts.iter().step_by(9) {
            org.delete(ObjectKind::Contact, id, &user).unwrap();
        }
        (org, accounts, contacts)
    }

    fn rows(text: &str, data: &OrgData, all: bool) -> QueryOutcome {
        soql::run(text, data, all, "v62.0").unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn id_lookups_answer_what_a_scan_answers() {
        let (data, accounts, contacts) = org();
        let list = |ids: &[String]| {
            ids.iter()
                .map(|id| format!("'{id}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Reversed and repeated, with an account's id and a 15-character form among them.
        let mut wanted: Vec<String> = contacts.iter().rev().step_by(3).cloned().collect();
        wanted.push(contacts[4].clone());
        wanted.push(accounts[0].clone());
        wanted.push(contacts[7][..15].to_owned());
        let filters = [
            format!("Id IN ({})", list(&wanted)),
            format!("Id = '{}'", contacts[10]),
            format!("Id = '{}'", contacts[9]),
            format!("Id IN ({}) AND LastName = 'Person 3'", list(&wanted)),
            format!("LastName != 'Person 3' AND Id IN ({})", list(&wanted)),
            format!("Id = '{}' OR Id IN ({})", contacts[1], list(&wanted[..4])),
            format!(
                "Id IN ({}) AND Id IN ({})",
                list(&wanted[..6]),
                list(&wanted[3..])
            ),
            format!("NOT (Id IN ({}))", list(&wanted)),
            format!(
                "Id IN ({}) ORDER BY LastName DESC, Id LIMIT 7",
                list(&wanted)
            ),
            format!("Id IN ({}) AND Account.Name = 'Acme 2'", list(&contacts)),
        ];
        for filter in &filters {
            let (clause, tail) = filter.split_once(" ORDER BY").unwrap_or((filter, ""));
            let tail = if tail.is_empty() {
                String::new()
            } else {
                format!(" ORDER BY{tail}")
            };
            let probed =
                format!("SELECT Id, LastName, Account.Name FROM Contact WHERE {clause}{tail}");
            // `OR Id = null` matches nothing more (every record has an id) but cannot be
            // probed, so this one scans.
            let scanned = format!(
                "SELECT Id, LastName, Account.Name FROM Contact WHERE ({clause}) OR Id = null{tail}"
            );
            for all in [false, true] {
                let (probed, scanned) = (rows(&probed, &data, all), rows(&scanned, &data, all));
                assert_eq!(probed, scanned, "{filter} (queryAll: {all})");
            }
        }
        // The probed form does read by id (and the scanned one does not), so the comparison
        // above compares two paths.
        let probe = |text: &str| {
            let tokens = soql::lexer::tokenize(text).unwrap();
            let query = soql::parser::parse(&tokens).unwrap();
            let filter = super::check(ObjectKind::Contact, query.filter.as_ref().unwrap()).unwrap();
            super::id_probe(&filter).map(|ids| ids.len())
        };
        let clause = format!("Id IN ({}) AND LastName = 'Person 3'", list(&wanted));
        assert_eq!(
            probe(&format!("SELECT Id FROM Contact WHERE {clause}")),
            Some(wanted.len())
        );
        assert_eq!(
            probe(&format!(
                "SELECT Id FROM Contact WHERE ({clause}) OR Id = null"
            )),
            None
        );
        let QueryOutcome::Rows(found) = rows(
            &format!("SELECT Id FROM Contact WHERE Id IN ({})", list(&wanted)),
            &data,
            false,
        ) else {
            panic!("rows expected");
        };
        // The lookup found records, in id order, without the deleted ones or the account.
        let found: Vec<&str> = found.iter().map(|r| r["Id"].as_str().unwrap()).collect();
        let mut expected: Vec<&str> = wanted
            .iter()
            .filter(|id| id.len() == 18 && contacts.contains(id))
            .filter(|id| contacts.iter().position(|c| c == *id).unwrap() % 9 != 0)
            .map(String::as_str)
            .chain([contacts[7].as_str()])
            .collect();
        expected.sort();
        expected.dedup();
        assert_eq!(found, expected);
    }

    #[test]
    fn text_compares_ignoring_case_without_allocating() {
        use std::cmp::Ordering;
        assert_eq!(
            super::cmp_ignore_case("Lovelace", "LOVELACE"),
            Ordering::Equal
        );
        assert_eq!(super::cmp_ignore_case("ada", "Bob"), Ordering::Less);
        assert_eq!(super::cmp_ignore_case("Émile", "émile"), Ordering::Equal);
        assert_eq!(super::cmp_ignore_case("ab", "a"), Ordering::Greater);
    }

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
