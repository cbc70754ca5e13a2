//! Preview (dry run) of one record: find a Salesforce record by name or id, then show what
//! the flow would do with it under the saved settings — qualifies or not and why, which
//! NetSuite record the lookup finds, create or update, the exact payload. Nothing is written:
//! this is the engine's [`prepare`](crate::sync::engine::prepare), which reads and decides.

use ferry_connectors::escape::{soql_like_contains, soql_string};
use ferry_connectors::salesforce::QueryOptions;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};

use super::criteria::Combinator;
use super::decide::{Decision, parent_target};
use super::definition::{FlowDefinition, definition};
use super::mapping::{resolve, target_values};
use super::record::SourceRecord;
use super::settings::FlowSettings;
use crate::entities::flow;
use crate::error::DomainError;
use crate::ids::FlowId;
use crate::sync::SyncContext;
use crate::sync::engine::{Prepared, prepare};
use crate::sync::records::Outcome;
use crate::tenancy::TenantAccess;

/// Search results shown at most.
pub const MAX_HITS: usize = 20;

/// Why a preview could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// Salesforce or NetSuite could not be asked (connection missing, broken, a remote
    /// error): shown to the person as it is.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl From<sea_orm::DbErr> for PreviewError {
    fn from(e: sea_orm::DbErr) -> Self {
        PreviewError::Domain(e.into())
    }
}

/// One record the search found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub details: Vec<String>,
}

async fn own_flow(
    ctx: &SyncContext,
    access: &TenantAccess,
    id: FlowId,
) -> Result<(flow::Model, &'static FlowDefinition), PreviewError> {
    let row = flow::Entity::find_by_id(id.0)
        .filter(flow::Column::TenantId.eq(access.tenant.id().0))
        .one(&ctx.db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let def = definition(&row.flow_key)
        .ok_or_else(|| DomainError::Internal(format!("unknown flow {}", row.flow_key)))?;
    Ok((row, def))
}

/// Whether `term` can be a Salesforce record id (15 or 18 letters and digits).
pub fn looks_like_id(term: &str) -> bool {
    matches!(term.len(), 15 | 18) && term.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn search_soql(def: &FlowDefinition, where_clause: &str) -> String {
    let mut fields: Vec<&str> = vec!["Id"];
    for f in def.search_fields.iter().chain(def.summary_fields) {
        if !fields.contains(f) {
            fields.push(f);
        }
    }
    format!(
        "SELECT {} FROM {} WHERE {where_clause} ORDER BY {} LIMIT {MAX_HITS}",
        fields.join(", "),
        def.source_object,
        def.search_fields.first().copied().unwrap_or("Id"),
    )
}

/// The SOQL of a search: by id when the term looks like one, else by name (and the
/// definition's other search fields), every value escaped.
pub fn search_queries(def: &FlowDefinition, term: &str) -> Vec<String> {
    let mut queries = Vec::new();
    if looks_like_id(term) {
        queries.push(search_soql(def, &format!("Id = {}", soql_string(term))));
    }
    let like = soql_like_contains(term);
    let by_text = def
        .search_fields
        .iter()
        .map(|f| format!("{f} LIKE {like}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    queries.push(search_soql(def, &by_text));
    queries
}

/// Salesforce records of the flow's object whose name (or id) matches `term`.
pub async fn search_records(
    ctx: &SyncContext,
    access: &TenantAccess,
    flow_id: FlowId,
    term: &str,
) -> Result<Vec<SearchHit>, PreviewError> {
    let (row, def) = own_flow(ctx, access, flow_id).await?;
    let term: String = term.trim().chars().take(80).collect();
    if term.is_empty() {
        return Ok(Vec::new());
    }
    let clients = ctx
        .clients
        .for_integration(row.tenant_id, row.integration_id)
        .await
        .map_err(|e| PreviewError::Unavailable(capitalized(&e.to_string())))?;
    for query in search_queries(def, &term) {
        let page = clients
            .salesforce
            .query_page::<Map<String, Value>>(&query, QueryOptions::default())
            .await
            .map_err(|e| {
                PreviewError::Unavailable(format!("Salesforce did not answer the search: {e}"))
            })?;
        if page.records.is_empty() {
            continue;
        }
        return Ok(page
            .records
            .into_iter()
            .take(MAX_HITS)
            .map(|fields| {
                let record = SourceRecord::new(fields);
                let title = def
                    .search_fields
                    .first()
                    .and_then(|f| record.text(f))
                    .unwrap_or_else(|| record.id().to_owned());
                SearchHit {
                    id: record.id().to_owned(),
                    details: def
                        .summary_fields
                        .iter()
                        .filter_map(|f| record.text(f))
                        .collect(),
                    title,
                }
            })
            .collect());
    }
    Ok(Vec::new())
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One qualification condition checked against the record.
#[derive(Clone, Debug)]
pub struct ConditionCheck {
    pub summary: String,
    /// The record's value of the field (`None`: empty).
    pub actual: Option<String>,
    pub holds: bool,
}

#[derive(Clone, Debug)]
pub struct GroupCheck {
    /// `AND` or `OR`: how the group's conditions combine.
    pub word: &'static str,
    pub holds: bool,
    pub conditions: Vec<ConditionCheck>,
}

/// One lookup criterion with the record's values.
#[derive(Clone, Debug)]
pub struct LookupCheck {
    pub which: &'static str,
    /// `(NetSuite field, source summary, the record's value)`.
    pub pairs: Vec<(String, String, Option<String>)>,
    /// False when a value is empty: then the criterion cannot match anything.
    pub usable: bool,
}

/// A mapped value as the record gives it.
#[derive(Clone, Debug)]
pub struct ValueLine {
    pub target: String,
    pub label: String,
    pub source: String,
    pub transforms: String,
    pub value: Option<String>,
}

/// The record's parent (a contact's account) and whether it is in NetSuite yet.
#[derive(Clone, Debug)]
pub struct ParentCheck {
    pub label: String,
    /// The Salesforce id of the parent (`AccountId`).
    pub reference: Option<String>,
    /// The parent's NetSuite id, once synced.
    pub target: Option<String>,
}

/// What the flow would do with one record.
#[derive(Clone, Debug)]
pub struct PreviewReport {
    pub record_id: String,
    pub title: Option<String>,
    /// Salesforce returned the record.
    pub found: bool,
    pub criteria_summary: String,
    pub qualifies: bool,
    /// Why not, naming the failing condition.
    pub not_qualified: Option<String>,
    pub groups: Vec<GroupCheck>,
    /// The parent (account) reference and its NetSuite id, for a child flow.
    pub parent: Option<ParentCheck>,
    pub lookups: Vec<LookupCheck>,
    pub values: Vec<ValueLine>,
    /// `create`, `update`, `unchanged`, `skip` or `fail`.
    pub action: &'static str,
    pub headline: String,
    pub found_by: Option<String>,
    pub target_id: Option<String>,
    /// The exact JSON sent to NetSuite (the create body, or the changed fields).
    pub payload: Option<String>,
    pub changes: Vec<(String, String)>,
    /// The new NetSuite id would be written back to this Salesforce field.
    pub write_back: Option<String>,
    /// The whole decision, as the engine holds it.
    pub decision: String,
}

fn outcome_message(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Failed(f) => f.message.clone(),
        Outcome::Retrying { message, .. } => message.clone(),
        Outcome::Skipped { reason } => reason.clone(),
        other => other.code().to_owned(),
    }
}

/// The preview of `record_id` under the flow's saved settings.
pub async fn preview_record(
    ctx: &SyncContext,
    access: &TenantAccess,
    flow_id: FlowId,
    record_id: &str,
) -> Result<PreviewReport, PreviewError> {
    let (row, def) = own_flow(ctx, access, flow_id).await?;
    let record_id = record_id.trim();
    if !looks_like_id(record_id) {
        return Err(DomainError::invalid(
            "record_id",
            "A Salesforce record id has 15 or 18 letters and digits.",
        )
        .into());
    }
    let ids = [record_id.to_owned()];
    let (settings, planned) = match prepare(ctx, &row, def, &ids, false).await? {
        Prepared::Ready {
            settings, planned, ..
        } => (settings, planned),
        Prepared::Settled(outcome) => {
            return Err(PreviewError::Unavailable(capitalized(&outcome_message(
                &outcome,
            ))));
        }
    };
    let planned = planned
        .into_iter()
        .next()
        .ok_or_else(|| DomainError::Internal("prepare returned no plan".to_owned()))?;
    let mut report = report(
        def,
        &settings,
        record_id,
        planned.record.as_ref(),
        &planned.decision,
    );
    if report.found && report.title.is_none() {
        report.title = record_title(ctx, &row, def, &report.record_id).await;
    }
    Ok(report)
}

/// The record's name, which the flow itself may not read (a heading, so best effort).
async fn record_title(
    ctx: &SyncContext,
    row: &flow::Model,
    def: &FlowDefinition,
    record_id: &str,
) -> Option<String> {
    let clients = ctx
        .clients
        .for_integration(row.tenant_id, row.integration_id)
        .await
        .ok()?;
    let query = search_soql(def, &format!("Id = {}", soql_string(record_id)));
    let page = clients
        .salesforce
        .query_page::<Map<String, Value>>(&query, QueryOptions::default())
        .await
        .ok()?;
    let record = SourceRecord::new(page.records.into_iter().next()?);
    def.search_fields.first().and_then(|f| record.text(f))
}

/// Puts a decision into words, with everything that led to it.
pub fn report(
    def: &FlowDefinition,
    settings: &FlowSettings,
    record_id: &str,
    record: Option<&SourceRecord>,
    decision: &Decision,
) -> PreviewReport {
    let parent_id = record.and_then(|r| parent_target(def, r));
    let groups = record
        .map(|r| {
            settings
                .criteria
                .groups
                .iter()
                .filter(|g| !g.conditions.is_empty())
                .map(|g| {
                    let conditions: Vec<ConditionCheck> = g
                        .conditions
                        .iter()
                        .map(|c| ConditionCheck {
                            summary: c.summary(),
                            actual: r.field(&c.field),
                            holds: c.holds(r),
                        })
                        .collect();
                    let holds = match g.combinator {
                        Combinator::All => conditions.iter().all(|c| c.holds),
                        Combinator::Any => conditions.iter().any(|c| c.holds),
                    };
                    GroupCheck {
                        word: match g.combinator {
                            Combinator::All => "AND",
                            Combinator::Any => "OR",
                        },
                        holds,
                        conditions,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let not_qualified = record.and_then(|r| settings.criteria.evaluate(r).err().map(|e| e.0));
    let lookups = record
        .map(|r| {
            [
                ("primary", &settings.lookup.primary),
                ("secondary", &settings.lookup.secondary),
            ]
            .into_iter()
            .filter(|(_, pairs)| !pairs.is_empty())
            .map(|(which, pairs)| {
                let pairs: Vec<(String, String, Option<String>)> = pairs
                    .iter()
                    .map(|p| {
                        (
                            p.target.to_string(),
                            p.source.summary(),
                            resolve(&p.source, r, parent_id.as_deref())
                                .map(|v| v.trim().to_owned())
                                .filter(|v| !v.is_empty()),
                        )
                    })
                    .collect();
                LookupCheck {
                    which,
                    usable: pairs.iter().all(|(_, _, v)| v.is_some()),
                    pairs,
                }
            })
            .collect()
        })
        .unwrap_or_default();
    let values = record
        .map(|r| {
            let wanted = target_values(&settings.mappings, r, parent_id.as_deref());
            settings
                .mappings
                .iter()
                .map(|m| ValueLine {
                    target: m.target.to_string(),
                    label: def
                        .target_field(m.target.as_str())
                        .map_or_else(|| m.target.to_string(), |f| f.label.to_owned()),
                    source: m.source.summary(),
                    transforms: m
                        .transforms
                        .iter()
                        .map(|t| t.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                    value: wanted.get(m.target.as_str()).map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default();
    let target = def.target_label;
    let pretty = |map: &Map<String, Value>| {
        serde_json::to_string_pretty(&Value::Object(map.clone())).unwrap_or_default()
    };
    let changes_of = |map: &Map<String, Value>| {
        map.iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let write_back_field = Some(def.writeback_field.to_owned());
    let (action, headline, found_by, target_id, payload, changes, write_back) = match decision {
        Decision::Create { body, .. } => (
            "create",
            format!("Would create a NetSuite {target}."),
            None,
            None,
            Some(pretty(body)),
            changes_of(body),
            write_back_field,
        ),
        Decision::Update {
            target_id,
            found_by,
            changes,
            write_back,
            ..
        } => (
            "update",
            format!(
                "Would update NetSuite {target} {target_id}: {} field(s) differ.",
                changes.len()
            ),
            Some(found_by.label().to_owned()),
            Some(target_id.clone()),
            Some(pretty(changes)),
            changes_of(changes),
            write_back.then_some(def.writeback_field.to_owned()),
        ),
        Decision::Unchanged {
            target_id,
            found_by,
            write_back,
            ..
        } => (
            "unchanged",
            format!(
                "Nothing to send: NetSuite {target} {target_id} already holds every mapped value."
            ),
            Some(found_by.label().to_owned()),
            Some(target_id.clone()),
            None,
            Vec::new(),
            write_back.then_some(def.writeback_field.to_owned()),
        ),
        Decision::Skip(skip) => (
            "skip",
            format!("Would skip it: {}.", skip.reason(def)),
            None,
            None,
            None,
            Vec::new(),
            None,
        ),
        Decision::Fail(failure) => (
            "fail",
            format!("Would fail: {}.", failure.message(def)),
            None,
            None,
            None,
            Vec::new(),
            None,
        ),
        Decision::NeedsLookup => (
            "skip",
            "Would look the record up in NetSuite first.".to_owned(),
            None,
            None,
            None,
            Vec::new(),
            None,
        ),
    };
    PreviewReport {
        record_id: record.map_or_else(|| record_id.to_owned(), |r| r.id().to_owned()),
        title: record.and_then(|r| def.search_fields.first().and_then(|f| r.text(f))),
        found: record.is_some(),
        criteria_summary: settings.criteria.summary(),
        qualifies: record.is_some() && not_qualified.is_none(),
        not_qualified,
        groups,
        parent: match (&def.parent, record) {
            (Some(link), Some(r)) => Some(ParentCheck {
                label: link.label.to_owned(),
                reference: r.text(link.reference_field),
                target: parent_id.clone(),
            }),
            _ => None,
        },
        lookups,
        values,
        action,
        headline,
        found_by,
        target_id,
        payload,
        changes,
        write_back,
        decision: serde_json::to_string_pretty(decision).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::flows::decide::{DecideInput, decide};
    use crate::flows::definition::CONTACT;

    #[test]
    fn searches_escape_the_term_and_try_ids_first() {
        let q = search_queries(&CONTACT, "O'Brien_%");
        assert_eq!(q.len(), 1);
        assert!(
            q[0].contains(r"Name LIKE '%O\'Brien\_\%%' OR Email LIKE"),
            "{}",
            q[0]
        );
        let q = search_queries(&CONTACT, "003000000000001AAA");
        assert_eq!(q.len(), 2);
        assert!(q[0].contains("WHERE Id = '003000000000001AAA'"), "{}", q[0]);
        assert!(!looks_like_id("003' OR Id != '"));
    }

    #[test]
    fn a_standalone_contact_is_explained() {
        let settings = CONTACT.default_settings();
        let Value::Object(map) =
            json!({"Id": "003000000000001AAA", "Name": "Ada", "LastName": "Lovelace"})
        else {
            unreachable!()
        };
        let record = SourceRecord::new(map);
        let decision = decide(&DecideInput {
            definition: &CONTACT,
            settings: &settings,
            record: Some(&record),
            link: None,
            matches: None,
        });
        let r = report(&CONTACT, &settings, record.id(), Some(&record), &decision);
        assert_eq!(r.action, "skip");
        assert!(r.headline.contains("standalone contact"), "{}", r.headline);
        assert!(r.qualifies);
        assert_eq!(r.title.as_deref(), Some("Ada"));
        assert_eq!(r.values.len(), settings.mappings.len());
    }
}
