//! Carrying out decisions: creates (as upserts by external id, so a retry after a crash can
//! never make a second record), updates of the changed fields only, then the write-back of
//! NetSuite ids to Salesforce in Collections calls of up to 200.

use ferry_connectors::ConnectorError;
use ferry_connectors::netsuite::NetsuiteClient;
use ferry_connectors::salesforce::{RecordUpdate, SalesforceClient};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::again::again;
use super::plan::Planned;
use super::records::{FailureRecord, Outcome};
use crate::flows::decide::{fingerprint, wanted_values};
use crate::flows::{Decision, FlowDefinition, FlowSettings};

/// NetSuite writes in flight at once per batch; the account's governor caps the total.
const WRITE_CONCURRENCY: usize = 8;
/// How much of a payload an error keeps for the dashboard.
const EXCERPT_CHARS: usize = 2000;

/// One record's result.
#[derive(Clone, Debug)]
pub struct Applied {
    pub record_id: String,
    pub outcome: Outcome,
    /// What the timeline shows: the decision with its payload or changed fields.
    pub detail: Value,
    pub fingerprint: Option<String>,
}

impl Applied {
    /// The row that writes this result down.
    pub fn as_row(&self) -> super::records::OutcomeRow<'_> {
        super::records::OutcomeRow {
            record_id: &self.record_id,
            outcome: &self.outcome,
            detail: (!self.detail.is_null()).then(|| self.detail.clone()),
            fingerprint: self.fingerprint.as_deref(),
        }
    }
}

fn excerpt(body: &Map<String, Value>) -> Option<String> {
    let text = Value::Object(body.clone()).to_string();
    Some(text.chars().take(EXCERPT_CHARS).collect())
}

/// A connector failure as an outcome: retried when it may pass, recorded otherwise.
pub fn failure_outcome(error: &ConnectorError, context: &str, payload: Option<String>) -> Outcome {
    let message = if context.is_empty() {
        error.message.clone()
    } else {
        format!("{context}: {}", error.message)
    };
    if error.is_retryable() {
        return Outcome::Retrying {
            message,
            after: error.retry_after,
        };
    }
    Outcome::Failed(FailureRecord {
        kind: error.kind.code().to_owned(),
        code: error.code.clone(),
        message: format!("{} {}", error.system, message),
        payload_excerpt: payload,
        waiting_on: None,
    })
}

/// The outcome of a decision that needs no remote call.
fn settled(definition: &FlowDefinition, decision: &Decision) -> Option<Outcome> {
    match decision {
        Decision::Skip(skip) => Some(Outcome::Skipped {
            reason: skip.reason(definition),
        }),
        Decision::Fail(failure) => Some(Outcome::Failed(FailureRecord {
            kind: match failure {
                crate::flows::Failure::Dependency { .. } => "dependency",
                crate::flows::Failure::Ambiguous { .. } => "ambiguous",
            }
            .to_owned(),
            code: None,
            message: failure.message(definition),
            payload_excerpt: None,
            waiting_on: match failure {
                crate::flows::Failure::Dependency { parent_id } => Some(parent_id.clone()),
                _ => None,
            },
        })),
        Decision::NeedsLookup => Some(Outcome::Failed(FailureRecord {
            kind: "config".to_owned(),
            code: None,
            message: "the lookup did not run for this record".to_owned(),
            payload_excerpt: None,
            waiting_on: None,
        })),
        _ => None,
    }
}

/// What a NetSuite write produced before the write-back.
struct Written {
    index: usize,
    /// The target id and whether the Salesforce record still needs it written back.
    result: Result<(String, bool), Outcome>,
    created: bool,
}

async fn write_one(
    netsuite: &NetsuiteClient,
    definition: &FlowDefinition,
    index: usize,
    p: &Planned,
) -> Written {
    match &p.decision {
        Decision::Create { body, .. } => {
            // The external id is in the URL; the upsert creates the record, or
            // finds the one an interrupted earlier attempt created.
            let payload = Value::Object(body.clone());
            let result =
                again(|| netsuite.upsert_record(definition.target_record, &p.record_id, &payload))
                    .await;
            let result = match result {
                Ok(Some(id)) => Ok(id),
                Ok(None) => netsuite
                    .get_record_by_external_id::<Value>(
                        definition.target_record,
                        &p.record_id,
                        Some(&["id"]),
                    )
                    .await
                    .and_then(|v| {
                        v.get("id")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .ok_or_else(|| {
                                ConnectorError::config(
                                    ferry_connectors::System::Netsuite,
                                    "NetSuite did not say which record it created",
                                )
                            })
                    }),
                Err(e) => Err(e),
            };
            Written {
                index,
                result: result.map(|id| (id, true)).map_err(|e| {
                    failure_outcome(
                        &e,
                        &format!("creating the {}", definition.target_label),
                        excerpt(body),
                    )
                }),
                created: true,
            }
        }
        Decision::Update {
            target_id,
            changes,
            write_back,
            ..
        } => {
            let body = Value::Object(changes.clone());
            let result =
                again(|| netsuite.patch_record(definition.target_record, target_id, &body)).await;
            Written {
                index,
                result: result
                    .map(|()| (target_id.clone(), *write_back))
                    .map_err(|e| {
                        failure_outcome(
                            &e,
                            &format!("updating {} {target_id}", definition.target_label),
                            excerpt(changes),
                        )
                    }),
                created: false,
            }
        }
        Decision::Unchanged {
            target_id,
            write_back,
            ..
        } => Written {
            index,
            result: Ok((target_id.clone(), *write_back)),
            created: false,
        },
        _ => Written {
            index,
            result: Err(Outcome::Skipped {
                reason: String::new(),
            }),
            created: false,
        },
    }
}

pub async fn apply(
    salesforce: &SalesforceClient,
    netsuite: &NetsuiteClient,
    definition: &FlowDefinition,
    settings: &FlowSettings,
    planned: Vec<Planned>,
) -> Vec<Applied> {
    let mut applied: Vec<Applied> = planned
        .iter()
        .map(|p| Applied {
            record_id: p.record_id.clone(),
            outcome: Outcome::Skipped {
                reason: String::new(),
            },
            detail: serde_json::to_value(&p.decision).unwrap_or(Value::Null),
            fingerprint: None,
        })
        .collect();
    // The futures are built first and only then driven, so no closure borrowing the batch
    // lives across an await (which would make the future's `Send` unprovable).
    let mut pending = Vec::new();
    for (index, p) in planned.iter().enumerate() {
        if matches!(
            p.decision,
            Decision::Create { .. } | Decision::Update { .. } | Decision::Unchanged { .. }
        ) {
            pending.push(write_one(netsuite, definition, index, p));
        }
    }
    let writes: Vec<Written> = futures_util::stream::iter(pending)
        .buffer_unordered(WRITE_CONCURRENCY)
        .collect()
        .await;

    // Settled decisions first.
    for (index, p) in planned.iter().enumerate() {
        if let Some(outcome) = settled(definition, &p.decision) {
            applied[index].outcome = outcome;
        }
    }

    let mut write_backs: Vec<(usize, String)> = Vec::new();
    for written in &writes {
        let p = &planned[written.index];
        match &written.result {
            Err(outcome) => applied[written.index].outcome = outcome.clone(),
            Ok((target_id, needs_write_back)) => {
                let target_id: &String = target_id;
                let fp = match &p.decision {
                    Decision::Update { fingerprint, .. }
                    | Decision::Unchanged { fingerprint, .. } => fingerprint.clone(),
                    _ => p
                        .record
                        .as_ref()
                        .map(|r| fingerprint(&wanted_values(definition, settings, r), target_id))
                        .unwrap_or_default(),
                };
                applied[written.index].fingerprint = Some(fp);
                applied[written.index].outcome = match (&p.decision, written.created) {
                    (_, true) => Outcome::Created {
                        target_id: target_id.clone(),
                    },
                    (Decision::Update { .. }, _) => Outcome::Updated {
                        target_id: target_id.clone(),
                    },
                    _ => Outcome::Unchanged {
                        target_id: target_id.clone(),
                    },
                };
                if *needs_write_back {
                    write_backs.push((written.index, target_id.clone()));
                }
            }
        }
    }

    for chunk in write_backs.chunks(ferry_connectors::salesforce::MAX_COLLECTION_RECORDS) {
        let updates: Vec<RecordUpdate> = chunk
            .iter()
            .map(|(index, target_id)| RecordUpdate {
                sobject: definition.source_object.to_owned(),
                id: planned[*index].record_id.clone(),
                fields: Map::from_iter([(definition.writeback_field.to_owned(), json!(target_id))]),
            })
            .collect();
        let context = |target_id: &str| {
            format!(
                "NetSuite {} {target_id} is in step, but writing its id back to Salesforce failed",
                definition.target_label
            )
        };
        match again(|| salesforce.update_records(&updates, false)).await {
            Ok(results) => {
                for ((index, target_id), result) in chunk.iter().zip(results) {
                    if let Some(error) = result.error() {
                        applied[*index].outcome =
                            failure_outcome(&error, &context(target_id), None);
                    }
                }
            }
            Err(error) => {
                for (index, target_id) in chunk {
                    applied[*index].outcome = failure_outcome(&error, &context(target_id), None);
                }
            }
        }
    }
    applied
}
