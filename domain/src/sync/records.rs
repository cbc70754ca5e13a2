//! What a run writes down: the run row, one outcome per record (the record timeline), open
//! and resolved errors, and the links between source and target records.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::signature::signature;
use super::sql;
use crate::entities::{flow_run, record_link, sync_error, sync_outcome};

pub const OPEN: &str = "open";
pub const RESOLVED: &str = "resolved";

/// Text as it can be stored: PostgreSQL's `text` and `jsonb` cannot hold U+0000, which a
/// Salesforce value (and a remote error quoting it) may carry. One such value would fail the
/// commit of its whole batch, and the batch would be retried forever; the stored copies show
/// it as U+FFFD instead. What is sent to NetSuite is not changed.
pub fn storable(text: &str) -> String {
    text.replace('\0', "\u{FFFD}")
}

fn storable_opt(text: &Option<String>) -> Option<String> {
    text.as_deref().map(storable)
}

/// [`storable`] for every string (and key) of a JSON value.
pub fn storable_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(storable(s)),
        Value::Array(items) => Value::Array(items.iter().map(storable_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (storable(k), storable_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What happened to one record.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Created {
        target_id: String,
    },
    Updated {
        target_id: String,
    },
    Unchanged {
        target_id: String,
    },
    Skipped {
        reason: String,
    },
    Failed(FailureRecord),
    /// A transient failure; the record is retried after a pause.
    Retrying {
        message: String,
        /// How long the remote system asked us to wait, when it said.
        after: Option<std::time::Duration>,
    },
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Created { .. } => "created",
            Outcome::Updated { .. } => "updated",
            Outcome::Unchanged { .. } => "unchanged",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed(_) => "failed",
            Outcome::Retrying { .. } => "retrying",
        }
    }

    pub fn target_id(&self) -> Option<&str> {
        match self {
            Outcome::Created { target_id }
            | Outcome::Updated { target_id }
            | Outcome::Unchanged { target_id } => Some(target_id),
            _ => None,
        }
    }

    /// The record reached NetSuite (or already matched it).
    pub fn is_success(&self) -> bool {
        self.target_id().is_some()
    }

    fn reason(&self) -> String {
        match self {
            Outcome::Created { target_id } => format!("created NetSuite record {target_id}"),
            Outcome::Updated { target_id } => format!("updated NetSuite record {target_id}"),
            Outcome::Unchanged { target_id } => {
                format!("no change: NetSuite record {target_id} already matches")
            }
            Outcome::Skipped { reason } => reason.clone(),
            Outcome::Failed(f) => f.message.clone(),
            Outcome::Retrying { message, .. } => format!("will retry: {message}"),
        }
    }
}

/// An error to show on the dashboard until it is resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureRecord {
    /// transient, rate_limited, auth, validation, not_found, config, dependency, ambiguous.
    pub kind: String,
    pub code: Option<String>,
    pub message: String,
    pub payload_excerpt: Option<String>,
    /// The parent record this one waits for (dependency errors).
    pub waiting_on: Option<String>,
}

/// Counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub processed: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub skipped: i32,
    pub failed: i32,
}

impl Counts {
    pub fn add(&mut self, outcome: &Outcome) {
        self.processed += 1;
        match outcome {
            Outcome::Created { .. } => self.created += 1,
            Outcome::Updated { .. } => self.updated += 1,
            Outcome::Unchanged { .. } => self.unchanged += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
            Outcome::Failed(_) | Outcome::Retrying { .. } => self.failed += 1,
        }
    }
}

pub async fn start_run(
    db: &impl ConnectionTrait,
    tenant_id: Uuid,
    flow_id: Uuid,
    trigger: &str,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    flow_run::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant_id),
        flow_id: Set(flow_id),
        trigger: Set(trigger.to_owned()),
        status: Set("running".to_owned()),
        processed: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        skipped: Set(0),
        failed: Set(0),
        started_at: Set(Utc::now()),
        finished_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

pub async fn finish_run(
    db: &impl ConnectionTrait,
    run_id: Uuid,
    counts: Counts,
) -> Result<(), DbErr> {
    flow_run::Entity::update_many()
        .filter(flow_run::Column::Id.eq(run_id))
        .col_expr(flow_run::Column::Status, "done".into())
        .col_expr(flow_run::Column::Processed, counts.processed.into())
        .col_expr(flow_run::Column::Created, counts.created.into())
        .col_expr(flow_run::Column::Updated, counts.updated.into())
        .col_expr(flow_run::Column::Unchanged, counts.unchanged.into())
        .col_expr(flow_run::Column::Skipped, counts.skipped.into())
        .col_expr(flow_run::Column::Failed, counts.failed.into())
        .col_expr(flow_run::Column::FinishedAt, Some(Utc::now()).into())
        .exec(db)
        .await?;
    Ok(())
}

/// The context an outcome is written in.
pub struct RunContext<'a> {
    pub tenant_id: Uuid,
    pub flow_id: Uuid,
    pub flow_key: &'a str,
    pub run_id: Option<Uuid>,
}

/// One record's outcome to write.
pub struct OutcomeRow<'a> {
    pub record_id: &'a str,
    pub outcome: &'a Outcome,
    pub detail: Option<Value>,
    pub fingerprint: Option<&'a str>,
}

/// Writes the outcomes of a batch with a handful of statements whatever its size: one insert
/// of the timeline entries, one update resolving the errors of records that are done, one
/// upsert of the links; only failures are written one by one (they are few, and each needs
/// its open error read).
pub async fn record_outcomes(
    db: &impl ConnectionTrait,
    run: &RunContext<'_>,
    rows: Vec<OutcomeRow<'_>>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let entries = rows.iter().map(|r| sync_outcome::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(run.tenant_id),
        flow_id: Set(run.flow_id),
        run_id: Set(run.run_id),
        record_id: Set(r.record_id.to_owned()),
        outcome: Set(r.outcome.code().to_owned()),
        reason: Set(storable(&r.outcome.reason())),
        target_id: Set(r.outcome.target_id().map(str::to_owned)),
        detail: Set(r.detail.as_ref().map(storable_json)),
        at: Set(now),
    });
    // PostgreSQL takes at most 65535 bind values per statement: 10 per row.
    let entries: Vec<_> = entries.collect();
    for chunk in entries.chunks(1000) {
        sync_outcome::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let settled: Vec<String> = rows
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Failed(_) | Outcome::Retrying { .. }))
        .map(|r| r.record_id.to_owned())
        .collect();
    if !settled.is_empty() {
        let update = sql::statement_among(
            db.get_database_backend(),
            &format!(
                "UPDATE sync_errors SET status = '{RESOLVED}', resolved_at = $2, \
                 resolved_by = $3 WHERE flow_id = $1 AND status = '{OPEN}'"
            ),
            vec![
                run.flow_id.into(),
                now.into(),
                "Ferry (later sync succeeded)".into(),
            ],
            "record_id",
            &settled,
        );
        db.execute_raw(update).await?;
    }
    for r in &rows {
        if let Outcome::Failed(failure) = r.outcome {
            open_error(db, run, r.record_id, failure).await?;
        }
    }
    let links: Vec<record_link::ActiveModel> = rows
        .iter()
        .filter_map(|r| {
            Some(record_link::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(run.tenant_id),
                flow_id: Set(run.flow_id),
                source_id: Set(r.record_id.to_owned()),
                target_id: Set(Some(r.outcome.target_id()?.to_owned())),
                fingerprint: Set(r.fingerprint.map(str::to_owned)),
                synced_at: Set(now),
            })
        })
        .collect();
    for chunk in links.chunks(1000) {
        record_link::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([record_link::Column::FlowId, record_link::Column::SourceId])
                    .update_columns([
                        record_link::Column::TargetId,
                        record_link::Column::Fingerprint,
                        record_link::Column::SyncedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn open_error(
    db: &impl ConnectionTrait,
    run: &RunContext<'_>,
    record_id: &str,
    failure: &FailureRecord,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let sig = signature(
        run.flow_key,
        &failure.kind,
        failure.code.as_deref(),
        &failure.message,
    );
    let existing = sync_error::Entity::find()
        .filter(sync_error::Column::FlowId.eq(run.flow_id))
        .filter(sync_error::Column::RecordId.eq(record_id))
        .filter(sync_error::Column::Status.eq(OPEN))
        .one(db)
        .await?;
    match existing {
        Some(row) => {
            let attempts = row.attempts + 1;
            let mut active = row.into_active_model();
            active.kind = Set(failure.kind.clone());
            active.code = Set(storable_opt(&failure.code));
            active.message = Set(storable(&failure.message));
            active.payload_excerpt = Set(storable_opt(&failure.payload_excerpt));
            active.waiting_on = Set(failure.waiting_on.clone());
            active.signature = Set(sig);
            active.attempts = Set(attempts);
            active.last_seen_at = Set(now);
            active.update(db).await?;
        }
        None => {
            sync_error::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(run.tenant_id),
                flow_id: Set(run.flow_id),
                record_id: Set(record_id.to_owned()),
                kind: Set(failure.kind.clone()),
                code: Set(storable_opt(&failure.code)),
                message: Set(storable(&failure.message)),
                payload_excerpt: Set(storable_opt(&failure.payload_excerpt)),
                attempts: Set(1),
                status: Set(OPEN.to_owned()),
                signature: Set(sig),
                waiting_on: Set(failure.waiting_on.clone()),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
                resolved_at: Set(None),
                resolved_by: Set(None),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn resolve_record_errors(
    db: &impl ConnectionTrait,
    flow_id: Uuid,
    record_id: &str,
    by: &str,
) -> Result<(), DbErr> {
    sync_error::Entity::update_many()
        .filter(sync_error::Column::FlowId.eq(flow_id))
        .filter(sync_error::Column::RecordId.eq(record_id))
        .filter(sync_error::Column::Status.eq(OPEN))
        .col_expr(sync_error::Column::Status, RESOLVED.into())
        .col_expr(sync_error::Column::ResolvedAt, Some(Utc::now()).into())
        .col_expr(sync_error::Column::ResolvedBy, Some(by.to_owned()).into())
        .exec(db)
        .await?;
    Ok(())
}

/// Records of `tenant_id` waiting (open dependency errors) for `parent_id`, by flow.
pub async fn waiting_for(
    db: &impl ConnectionTrait,
    tenant_id: Uuid,
    parent_ids: &[String],
) -> Result<Vec<(Uuid, String)>, DbErr> {
    if parent_ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = sql::statement_among(
        db.get_database_backend(),
        &format!("SELECT * FROM sync_errors WHERE tenant_id = $1 AND status = '{OPEN}'"),
        vec![tenant_id.into()],
        "waiting_on",
        parent_ids,
    );
    let rows = sync_error::Entity::find()
        .from_raw_sql(select)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.flow_id, r.record_id)).collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nul_characters_are_stored_as_replacement_characters_everywhere_in_a_value() {
        assert_eq!(storable("a\0b"), "a\u{FFFD}b");
        assert_eq!(
            storable_json(&json!({"last\0Name": ["x\0", {"y": "\0"}], "n": 1})),
            json!({"last\u{FFFD}Name": ["x\u{FFFD}", {"y": "\u{FFFD}"}], "n": 1})
        );
    }
}
