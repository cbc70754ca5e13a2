//! "Sync existing records": page through every source record (optionally only those modified
//! since a date) and run the flow on each. A dry run only counts what would happen, with
//! reasons. Progress and the cursor are stored after every page, so a page can show a
//! progress bar, a person can cancel, and a restarted worker resumes where it stopped.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use ferry_connectors::salesforce::QueryOptions;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::apply::Applied;
use super::engine::{Prepared, prepare, sync_records};
use super::events::{self, EventSource, NewEvent};
use super::records::{self, Counts, Outcome, RunContext};
use super::{SyncContext, Waker};
use crate::audit::{self, Change};
use crate::entities::{backfill, flow};
use crate::error::{DomainError, DomainResult};
use crate::flows::{Decision, definition, soql};
use crate::ids::FlowId;
use crate::tenancy::{Role, TenantAccess};

/// Records per page.
pub const PAGE_SIZE: u32 = 200;
/// A running backfill whose heartbeat is older than this lost its worker.
pub const STALE_AFTER: Duration = Duration::minutes(2);

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const CANCELED: &str = "canceled";
pub const FAILED: &str = "failed";

/// A backfill as pages and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BackfillView {
    pub id: Uuid,
    pub flow_id: Uuid,
    pub dry_run: bool,
    pub modified_since: Option<DateTime<Utc>>,
    pub status: String,
    pub total: Option<i64>,
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    /// Count per reason ("would create", "standalone contact…").
    pub reasons: BTreeMap<String, i64>,
    pub error: Option<String>,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl BackfillView {
    fn from_row(row: backfill::Model) -> Self {
        Self {
            id: row.id,
            flow_id: row.flow_id,
            dry_run: row.dry_run,
            modified_since: row.modified_since,
            status: row.status,
            total: row.total,
            processed: row.processed,
            created: row.created,
            updated: row.updated,
            unchanged: row.unchanged,
            skipped: row.skipped,
            failed: row.failed,
            reasons: serde_json::from_value(row.reasons).unwrap_or_default(),
            error: row.error,
            requested_by: row.requested_by,
            created_at: row.created_at,
            finished_at: row.finished_at,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == QUEUED || self.status == RUNNING
    }

    /// 0–100, when the total is known.
    pub fn percent(&self) -> Option<i64> {
        let total = self.total?;
        Some(if total <= 0 {
            100
        } else {
            (self.processed * 100 / total).min(100)
        })
    }
}

async fn own_flow(
    db: &DatabaseConnection,
    access: &TenantAccess,
    flow_id: FlowId,
) -> DomainResult<flow::Model> {
    flow::Entity::find_by_id(flow_id.0)
        .filter(flow::Column::TenantId.eq(access.tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Queues a backfill of `flow_id`. One at a time per flow.
pub async fn start_backfill(
    db: &DatabaseConnection,
    waker: &dyn Waker,
    access: &TenantAccess,
    flow_id: FlowId,
    dry_run: bool,
    modified_since: Option<DateTime<Utc>>,
) -> DomainResult<BackfillView> {
    access.require(Role::Admin)?;
    let flow_row = own_flow(db, access, flow_id).await?;
    if !dry_run && !flow_row.enabled {
        return Err(DomainError::Conflict(
            "Turn the flow on before syncing existing records (a dry run works while it is off)."
                .to_owned(),
        ));
    }
    let tx = db.begin().await?;
    let active = backfill::Entity::find()
        .filter(backfill::Column::FlowId.eq(flow_row.id))
        .filter(backfill::Column::Status.is_in([QUEUED, RUNNING]))
        .one(&tx)
        .await?;
    if active.is_some() {
        return Err(DomainError::Conflict(
            "A sync of existing records is already running for this flow.".to_owned(),
        ));
    }
    let now = Utc::now();
    let row = backfill::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(flow_row.tenant_id),
        flow_id: Set(flow_row.id),
        dry_run: Set(dry_run),
        modified_since: Set(modified_since),
        status: Set(QUEUED.to_owned()),
        cursor: Set(None),
        total: Set(None),
        processed: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        skipped: Set(0),
        failed: Set(0),
        reasons: Set(json!({})),
        error: Set(None),
        requested_by: Set(access.actor.label.clone()),
        created_at: Set(now),
        started_at: Set(None),
        heartbeat_at: Set(None),
        finished_at: Set(None),
    }
    .insert(&tx)
    .await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new("backfill.started", "flow", flow_row.id)
            .after(json!({ "dry_run": dry_run, "modified_since": modified_since })),
    )
    .await?;
    tx.commit().await?;
    waker.wake_backfill(row.id).await;
    Ok(BackfillView::from_row(row))
}

/// Asks a running backfill of `flow_id` to stop after its current page. A backfill of
/// another flow (or tenant) is not found, and nothing changes.
pub async fn cancel_backfill(
    db: &DatabaseConnection,
    access: &TenantAccess,
    flow_id: FlowId,
    backfill_id: Uuid,
) -> DomainResult<BackfillView> {
    access.require(Role::Admin)?;
    let row = backfill::Entity::find_by_id(backfill_id)
        .filter(backfill::Column::TenantId.eq(access.tenant.id().0))
        .filter(backfill::Column::FlowId.eq(flow_id.0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    if row.status != QUEUED && row.status != RUNNING {
        return Ok(BackfillView::from_row(row));
    }
    let tx = db.begin().await?;
    let flow_id = row.flow_id;
    let mut active = row.into_active_model();
    active.status = Set(CANCELED.to_owned());
    active.finished_at = Set(Some(Utc::now()));
    let row = active.update(&tx).await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new("backfill.canceled", "flow", flow_id),
    )
    .await?;
    tx.commit().await?;
    Ok(BackfillView::from_row(row))
}

/// The latest backfills of a flow, newest first.
pub async fn recent_backfills(
    db: &DatabaseConnection,
    access: &TenantAccess,
    flow_id: FlowId,
    limit: u64,
) -> DomainResult<Vec<BackfillView>> {
    own_flow(db, access, flow_id).await?;
    use sea_orm::QuerySelect;
    Ok(backfill::Entity::find()
        .filter(backfill::Column::FlowId.eq(flow_id.0))
        .order_by_desc(backfill::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(BackfillView::from_row)
        .collect())
}

#[derive(serde::Deserialize)]
struct IdOnly {
    #[serde(rename = "Id")]
    id: String,
}

fn dry_run_reason(
    definition: &crate::flows::FlowDefinition,
    decision: &Decision,
) -> (&'static str, String) {
    match decision {
        Decision::Create { .. } => (
            "created",
            format!("would create a NetSuite {}", definition.target_label),
        ),
        Decision::Update { found_by, .. } => (
            "updated",
            format!("would update (found by {})", found_by.label()),
        ),
        Decision::Unchanged {
            found_by,
            write_back,
            ..
        } => (
            "unchanged",
            if *write_back {
                format!(
                    "already in NetSuite (found by {}); would write the id back",
                    found_by.label()
                )
            } else {
                "already in step".to_owned()
            },
        ),
        Decision::Skip(skip) => ("skipped", skip.reason(definition)),
        Decision::Fail(failure) => ("failed", failure.message(definition)),
        Decision::NeedsLookup => ("failed", "lookup did not run".to_owned()),
    }
}

/// Strips record-specific parts so reasons group ("account 001… has no NetSuite id").
fn reason_key(reason: &str) -> String {
    super::signature::template(reason)
}

/// Runs (or resumes) a backfill until done, canceled or failed.
#[tracing::instrument(
    name = "backfill",
    skip_all,
    fields(backfill_id = %backfill_id, tenant_id, flow_id, flow, run_id)
)]
pub async fn run_backfill(ctx: &SyncContext, backfill_id: Uuid) -> Result<(), DbErr> {
    let Some(row) = backfill::Entity::find_by_id(backfill_id)
        .one(&ctx.db)
        .await?
    else {
        return Ok(());
    };
    if row.status != QUEUED && row.status != RUNNING {
        return Ok(());
    }
    // Another worker holds it while its heartbeat is fresh.
    if row.status == RUNNING
        && row
            .heartbeat_at
            .is_some_and(|h| h > Utc::now() - STALE_AFTER)
    {
        return Ok(());
    }
    let Some(flow_row) = flow::Entity::find_by_id(row.flow_id).one(&ctx.db).await? else {
        return Ok(());
    };
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(flow_row.tenant_id));
    span.record("flow_id", tracing::field::display(flow_row.id));
    span.record("flow", flow_row.flow_key.as_str());
    let Some(def) = definition(&flow_row.flow_key) else {
        return finish(ctx, row, FAILED, Some("unknown flow".to_owned())).await;
    };
    let settings = match crate::flows::FlowSettings::from_stored(def, &flow_row.settings) {
        Ok(s) => s,
        Err(e) => return finish(ctx, row, FAILED, Some(e)).await,
    };
    let clients = match ctx
        .clients
        .for_integration(flow_row.tenant_id, flow_row.integration_id)
        .await
    {
        Ok(c) => c,
        Err(e) => return finish(ctx, row, FAILED, Some(e.to_string())).await,
    };
    let mut row = {
        let mut active = row.into_active_model();
        active.status = Set(RUNNING.to_owned());
        active.heartbeat_at = Set(Some(Utc::now()));
        if active.started_at.as_ref().is_none() {
            active.started_at = Set(Some(Utc::now()));
        }
        active.update(&ctx.db).await?
    };
    if row.total.is_none() {
        let count_query = soql::backfill_count(def, row.modified_since);
        if let Ok(page) = clients
            .salesforce
            .query_page::<Value>(&count_query, QueryOptions::default())
            .await
        {
            let mut active = row.into_active_model();
            active.total = Set(Some(page.total_size as i64));
            row = active.update(&ctx.db).await?;
        }
    }
    let run_id = records::start_run(
        &ctx.db,
        flow_row.tenant_id,
        flow_row.id,
        if row.dry_run { "dry_run" } else { "backfill" },
    )
    .await?;
    span.record("run_id", tracing::field::display(run_id));
    let mut run_counts = Counts::default();
    loop {
        // A cancel from the page lands between pages.
        let current = backfill::Entity::find_by_id(backfill_id)
            .one(&ctx.db)
            .await?;
        if current.as_ref().is_none_or(|r| r.status != RUNNING) {
            break;
        }
        let query = soql::backfill_page(
            def,
            &settings,
            row.cursor.as_deref(),
            row.modified_since,
            PAGE_SIZE,
        );
        let page = match clients
            .salesforce
            .query_page::<IdOnly>(&query, QueryOptions::default())
            .await
        {
            Ok(p) => p,
            Err(e) if e.is_retryable() => {
                tracing::warn!(%backfill_id, error = %e, "backfill page failed; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                continue;
            }
            Err(e) => {
                records::finish_run(&ctx.db, run_id, run_counts).await?;
                return finish(ctx, row, FAILED, Some(e.to_string())).await;
            }
        };
        let ids: Vec<String> = page.records.iter().map(|r| r.id.clone()).collect();
        if ids.is_empty() {
            break;
        }
        let mut reasons: BTreeMap<String, i64> =
            serde_json::from_value(row.reasons.clone()).unwrap_or_default();
        let mut counts = Counts::default();
        if row.dry_run {
            match prepare(ctx, &flow_row, def, &ids, true).await? {
                Prepared::Ready { planned, .. } => {
                    for p in &planned {
                        let (bucket, reason) = dry_run_reason(def, &p.decision);
                        *reasons.entry(reason_key(&reason)).or_default() += 1;
                        let outcome = match bucket {
                            "created" => Outcome::Created {
                                target_id: String::new(),
                            },
                            "updated" => Outcome::Updated {
                                target_id: String::new(),
                            },
                            "unchanged" => Outcome::Unchanged {
                                target_id: String::new(),
                            },
                            "skipped" => Outcome::Skipped { reason },
                            _ => Outcome::Failed(records::FailureRecord {
                                kind: "dry_run".to_owned(),
                                code: None,
                                message: reason,
                                payload_excerpt: None,
                                waiting_on: None,
                            }),
                        };
                        counts.add(&outcome);
                    }
                }
                Prepared::Settled(outcome) => {
                    let message = match &outcome {
                        Outcome::Failed(f) => f.message.clone(),
                        Outcome::Retrying { message, .. } => message.clone(),
                        other => format!("{other:?}"),
                    };
                    records::finish_run(&ctx.db, run_id, run_counts).await?;
                    return finish(ctx, row, FAILED, Some(message)).await;
                }
            }
        } else {
            let applied = sync_records(ctx, &flow_row, def, &ids, true).await?;
            let run = RunContext {
                tenant_id: flow_row.tenant_id,
                flow_id: flow_row.id,
                flow_key: &flow_row.flow_key,
                run_id: Some(run_id),
            };
            let mut retry = Vec::new();
            let mut synced = Vec::new();
            for result in &applied {
                let key = match &result.outcome {
                    Outcome::Skipped { reason } => reason_key(reason),
                    Outcome::Failed(f) => reason_key(&f.message),
                    Outcome::Retrying { .. } => "retrying later".to_owned(),
                    other => other.code().to_owned(),
                };
                *reasons.entry(key).or_default() += 1;
                counts.add(&result.outcome);
                if matches!(result.outcome, Outcome::Retrying { .. }) {
                    // The inbox's retry machinery takes it from here.
                    retry.push(NewEvent {
                        record_id: result.record_id.clone(),
                        source: EventSource::Retry,
                        notification_id: None,
                        modstamp: None,
                    });
                }
                if result.outcome.is_success() {
                    synced.push(result.record_id.clone());
                }
            }
            let rows = applied.iter().map(Applied::as_row).collect();
            let tx = ctx.db.begin().await?;
            records::record_outcomes(&tx, &run, rows).await?;
            let retried = !retry.is_empty();
            events::add(&tx, flow_row.tenant_id, flow_row.id, retry).await?;
            tx.commit().await?;
            super::telemetry::report_outcomes(&flow_row.flow_key, &applied);
            if retried {
                ctx.waker.wake(flow_row.id).await;
            }
            if def.child_flow.is_some() && !synced.is_empty() {
                super::engine::requeue_waiting(ctx, flow_row.tenant_id, &synced).await?;
            }
        }
        run_counts.processed += counts.processed;
        run_counts.created += counts.created;
        run_counts.updated += counts.updated;
        run_counts.unchanged += counts.unchanged;
        run_counts.skipped += counts.skipped;
        run_counts.failed += counts.failed;
        let last = ids.last().cloned();
        let full_page = ids.len() as u32 == PAGE_SIZE;
        let mut active = row.clone().into_active_model();
        active.cursor = Set(last);
        active.processed = Set(row.processed + i64::from(counts.processed));
        active.created = Set(row.created + i64::from(counts.created));
        active.updated = Set(row.updated + i64::from(counts.updated));
        active.unchanged = Set(row.unchanged + i64::from(counts.unchanged));
        active.skipped = Set(row.skipped + i64::from(counts.skipped));
        active.failed = Set(row.failed + i64::from(counts.failed));
        active.reasons =
            Set(serde_json::to_value(&reasons).unwrap_or_else(|_| Value::Object(Map::new())));
        active.heartbeat_at = Set(Some(Utc::now()));
        // Only progress columns: a cancel written meanwhile must survive this update.
        active.status = sea_orm::ActiveValue::NotSet;
        row = active.update(&ctx.db).await?;
        if !full_page {
            break;
        }
    }
    records::finish_run(&ctx.db, run_id, run_counts).await?;
    let current = backfill::Entity::find_by_id(backfill_id)
        .one(&ctx.db)
        .await?;
    match current {
        Some(current) if current.status == RUNNING => finish(ctx, current, DONE, None).await,
        _ => Ok(()),
    }
}

async fn finish(
    ctx: &SyncContext,
    row: backfill::Model,
    status: &str,
    error: Option<String>,
) -> Result<(), DbErr> {
    let mut active = row.into_active_model();
    active.status = Set(status.to_owned());
    active.error = Set(error);
    active.finished_at = Set(Some(Utc::now()));
    active.update(&ctx.db).await?;
    Ok(())
}

/// Backfills whose worker died (or that were never picked up): wake them again.
pub async fn resume_stale(ctx: &SyncContext) -> Result<usize, DbErr> {
    let stale = Utc::now() - STALE_AFTER;
    let rows = backfill::Entity::find()
        .filter(backfill::Column::Status.is_in([QUEUED, RUNNING]))
        .all(&ctx.db)
        .await?;
    let mut woken = 0;
    for row in rows {
        let idle = match row.status.as_str() {
            RUNNING => row.heartbeat_at.is_none_or(|h| h < stale),
            _ => row.created_at < Utc::now() - Duration::seconds(30),
        };
        if idle {
            ctx.waker.wake_backfill(row.id).await;
            woken += 1;
        }
    }
    Ok(woken)
}
