//! Finding existing target records: one SuiteQL query for a whole batch of source records
//! (by internal id, external id, and the primary and secondary criteria), then matching the
//! rows back to each record in memory.

use std::collections::BTreeMap;

use ferry_connectors::escape::suiteql_string;

use super::definition::FlowDefinition;
use super::fields::TargetField;
use super::mapping::resolve;
use super::record::SourceRecord;
use super::settings::{FlowSettings, LookupPair};

/// A target record as SuiteQL returned it: lowercase column → text (nulls left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetRow {
    pub id: String,
    pub values: BTreeMap<String, String>,
}

impl TargetRow {
    pub fn from_item(item: &serde_json::Map<String, serde_json::Value>) -> Option<Self> {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        let id = item.get("id").and_then(text)?;
        let values = item
            .iter()
            .filter(|(k, _)| k.as_str() != "links")
            .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), text(v)?)))
            .collect();
        Some(Self { id, values })
    }

    pub fn get(&self, field: &TargetField) -> Option<&str> {
        self.values
            .get(&field.column())
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn external_id(&self) -> Option<&str> {
        self.values.get("externalid").map(String::as_str)
    }
}

/// What the lookup found for one source record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matches {
    /// The record named by the source's NetSuite id field, when it exists.
    pub by_id: Option<TargetRow>,
    /// The record whose `externalId` is the source id.
    pub by_external_id: Option<TargetRow>,
    pub primary: Vec<TargetRow>,
    pub secondary: Vec<TargetRow>,
}

/// The values a criterion compares for `record`; `None` when one of them is empty, since an
/// empty value must never match (every record without an e-mail is not "the same person").
fn criterion_values(
    pairs: &[LookupPair],
    record: &SourceRecord,
    parent_target: Option<&str>,
) -> Option<Vec<(TargetField, String, bool)>> {
    if pairs.is_empty() {
        return None;
    }
    pairs
        .iter()
        .map(|pair| {
            let value = resolve(&pair.source, record, parent_target)?;
            let value = value.trim().to_owned();
            (!value.is_empty()).then_some(value)
        })
        .zip(pairs)
        .map(|(value, pair)| {
            let reference = matches!(pair.source, super::mapping::ValueSource::ParentTarget);
            Some((pair.target.clone(), value?, reference))
        })
        .collect()
}

fn row_matches(row: &TargetRow, values: &[(TargetField, String, bool)]) -> bool {
    values.iter().all(|(field, value, reference)| {
        row.get(field).is_some_and(|actual| {
            if *reference {
                actual == value
            } else {
                actual.trim().to_lowercase() == value.to_lowercase()
            }
        })
    })
}

fn condition_sql(values: &[(TargetField, String, bool)]) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|(field, value, reference)| {
            if *reference {
                format!("{} = {}", field.column(), suiteql_string(value))
            } else {
                // NetSuite compares strings case-sensitively; people's e-mails differ in case.
                format!(
                    "LOWER({}) = {}",
                    field.column(),
                    suiteql_string(&value.to_lowercase())
                )
            }
        })
        .collect();
    format!("({})", parts.join(" AND "))
}

/// The batch's criteria as SuiteQL conditions. Single-field criteria become one `IN` list
/// per field: a shorter query for NetSuite (whose queries have a length limit) and one
/// comparison per row instead of one per record. Several fields stay a conjunction per record.
fn criteria_sql(all: Vec<Vec<(TargetField, String, bool)>>) -> Vec<String> {
    let mut singles: BTreeMap<(String, bool), Vec<String>> = BTreeMap::new();
    let mut conjunctions = Vec::new();
    for values in all {
        match values.as_slice() {
            [(field, value, reference)] => {
                let value = if *reference {
                    value.clone()
                } else {
                    value.to_lowercase()
                };
                singles
                    .entry((field.column(), *reference))
                    .or_default()
                    .push(value);
            }
            _ => conjunctions.push(condition_sql(&values)),
        }
    }
    let mut out = Vec::new();
    for ((column, reference), mut values) in singles {
        values.sort();
        values.dedup();
        let list = values
            .iter()
            .map(|v| suiteql_string(v))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(if reference {
            format!("{column} IN ({list})")
        } else {
            // NetSuite compares strings case-sensitively; people's e-mails differ in case.
            format!("LOWER({column}) IN ({list})")
        });
    }
    conjunctions.sort();
    conjunctions.dedup();
    out.extend(conjunctions);
    out
}

/// Internal ids are numbers; anything else in the write-back field (a hand edit) names no
/// record and must not reach the query, where NetSuite would fail the conversion.
pub fn usable_internal_id(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()))
}

/// One record's part in the batch query.
pub struct LookupKey<'a> {
    pub record: &'a SourceRecord,
    pub parent_target: Option<&'a str>,
}

/// The SuiteQL query finding every candidate for `keys`, or `None` when nothing can match.
pub fn batch_query(
    definition: &FlowDefinition,
    settings: &FlowSettings,
    keys: &[LookupKey<'_>],
) -> Option<String> {
    let writeback = definition.writeback();
    let mut ids = Vec::new();
    let mut external_ids = Vec::new();
    let mut criteria = Vec::new();
    for key in keys {
        if let Some(id) = usable_internal_id(key.record.field(&writeback).as_deref()) {
            ids.push(id.to_owned());
        }
        if !key.record.id().is_empty() {
            external_ids.push(key.record.id().to_owned());
        }
        for pairs in [&settings.lookup.primary, &settings.lookup.secondary] {
            if let Some(values) = criterion_values(pairs, key.record, key.parent_target) {
                criteria.push(values);
            }
        }
    }
    let mut clauses = Vec::new();
    let list = |values: &[String]| {
        values
            .iter()
            .map(|v| suiteql_string(v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !ids.is_empty() {
        clauses.push(format!("id IN ({})", list(&ids)));
    }
    if !external_ids.is_empty() {
        clauses.push(format!("externalid IN ({})", list(&external_ids)));
    }
    clauses.extend(criteria_sql(criteria));
    if clauses.is_empty() {
        return None;
    }
    let mut columns = vec!["id".to_owned(), "externalid".to_owned()];
    let mapped = settings.mappings.iter().map(|m| m.target.column());
    let looked_up = settings
        .lookup
        .primary
        .iter()
        .chain(&settings.lookup.secondary)
        .map(|p| p.target.column());
    for column in mapped.chain(looked_up) {
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    Some(format!(
        "SELECT {} FROM {} WHERE {} ORDER BY id",
        columns.join(", "),
        definition.target_record,
        clauses.join(" OR ")
    ))
}

/// Picks out of `rows` (the batch query's answer) what concerns one record.
pub fn matches_for(
    definition: &FlowDefinition,
    settings: &FlowSettings,
    record: &SourceRecord,
    parent_target: Option<&str>,
    rows: &[TargetRow],
) -> Matches {
    let own_id =
        usable_internal_id(record.field(&definition.writeback()).as_deref()).map(str::to_owned);
    // A record another Salesforce record already owns (its external id) is never a match:
    // taking it would point two Salesforce records at one NetSuite record.
    let owned_by_another = |row: &TargetRow| {
        row.external_id()
            .is_some_and(|eid| !eid.is_empty() && eid != record.id())
    };
    let criterion = |pairs: &[LookupPair]| -> Vec<TargetRow> {
        match criterion_values(pairs, record, parent_target) {
            Some(values) => rows
                .iter()
                .filter(|row| row_matches(row, &values) && !owned_by_another(row))
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    };
    Matches {
        by_id: own_id.and_then(|id| rows.iter().find(|r| r.id == id).cloned()),
        by_external_id: rows
            .iter()
            .find(|r| r.external_id() == Some(record.id()))
            .cloned(),
        primary: criterion(&settings.lookup.primary),
        secondary: criterion(&settings.lookup.secondary),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::flows::definition::CONTACT;

    fn record(value: Value) -> SourceRecord {
        let Value::Object(map) = value else {
            unreachable!()
        };
        SourceRecord::new(map)
    }

    fn row(id: &str, values: &[(&str, &str)]) -> TargetRow {
        TargetRow {
            id: id.into(),
            values: values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn one_query_covers_ids_external_ids_and_both_criteria_escaped() {
        let settings = CONTACT.default_settings();
        let a = record(
            json!({"Id": "003A", "Email": "O'Brien@x.com", "FirstName": "Ann",
                              "LastName": "O'Brien", "NetSuite_Id__c": "77"}),
        );
        let b =
            record(json!({"Id": "003B", "Email": null, "LastName": "Lee", "NetSuite_Id__c": "x1"}));
        let q = batch_query(
            &CONTACT,
            &settings,
            &[
                LookupKey {
                    record: &a,
                    parent_target: Some("842"),
                },
                LookupKey {
                    record: &b,
                    parent_target: Some("842"),
                },
            ],
        )
        .unwrap();
        assert!(q.starts_with("SELECT id, externalid, firstname, lastname, email, phone, mobilephone, title, company FROM contact WHERE "), "{q}");
        assert!(q.contains("id IN ('77')"), "{q}");
        assert!(q.contains("externalid IN ('003A', '003B')"), "{q}");
        assert!(q.contains("LOWER(email) IN ('o''brien@x.com')"), "{q}");
        assert!(
            q.contains(
                "(LOWER(firstname) = 'ann' AND LOWER(lastname) = 'o''brien' AND company = '842')"
            ),
            "{q}"
        );
        // b has no e-mail and no first name: neither criterion applies to it.
        assert!(!q.contains("'lee'"), "{q}");
    }

    #[test]
    fn single_field_criteria_of_a_batch_share_one_in_list() {
        let settings = CONTACT.default_settings();
        let records: Vec<SourceRecord> = ["a@x.com", "B@x.com", "a@x.com"]
            .iter()
            .enumerate()
            .map(|(i, email)| record(json!({"Id": format!("003{i}"), "Email": email})))
            .collect();
        let keys: Vec<LookupKey<'_>> = records
            .iter()
            .map(|record| LookupKey {
                record,
                parent_target: None,
            })
            .collect();
        let q = batch_query(&CONTACT, &settings, &keys).unwrap();
        assert!(q.contains("LOWER(email) IN ('a@x.com', 'b@x.com')"), "{q}");
        assert_eq!(q.matches("LOWER(email)").count(), 1, "{q}");
    }

    #[test]
    fn rows_are_matched_back_to_their_record() {
        let settings = CONTACT.default_settings();
        let r = record(
            json!({"Id": "003A", "Email": "ADA@x.com", "FirstName": "Ada",
                              "LastName": "Lovelace", "NetSuite_Id__c": "5"}),
        );
        let rows = vec![
            row("5", &[("email", "other@x.com")]),
            row("6", &[("externalid", "003A")]),
            row("7", &[("email", "ada@X.com")]),
            row(
                "8",
                &[
                    ("firstname", "Ada"),
                    ("lastname", "Lovelace"),
                    ("company", "842"),
                ],
            ),
            row(
                "9",
                &[
                    ("firstname", "Ada"),
                    ("lastname", "Lovelace"),
                    ("company", "900"),
                ],
            ),
        ];
        let m = matches_for(&CONTACT, &settings, &r, Some("842"), &rows);
        assert_eq!(m.by_id.map(|r| r.id), Some("5".into()));
        assert_eq!(m.by_external_id.map(|r| r.id), Some("6".into()));
        assert_eq!(
            m.primary.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["7"]
        );
        assert_eq!(
            m.secondary
                .iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>(),
            ["8"]
        );
    }

    #[test]
    fn nothing_to_look_up_is_no_query() {
        let mut settings = CONTACT.default_settings();
        settings.lookup = Default::default();
        assert!(batch_query(&CONTACT, &settings, &[]).is_none());
        assert_eq!(usable_internal_id(Some("12a")), None);
        assert_eq!(usable_internal_id(Some("12")), Some("12"));
    }
}
