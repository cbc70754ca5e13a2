//! Read models of what flows did: runs, errors, and one record's timeline. Every read is
//! scoped to the caller's tenant; another tenant's ids are simply not found.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Serialize;
use uuid::Uuid;

use super::events::EventSource;
use crate::entities::{flow, flow_run, sync_error, sync_event, sync_outcome};
use crate::error::{DomainError, DomainResult};
use crate::ids::FlowId;
use crate::tenancy::Tenant;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub id: Uuid,
    pub flow_id: Uuid,
    pub trigger: String,
    pub status: String,
    pub processed: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub skipped: i32,
    pub failed: i32,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorView {
    pub id: Uuid,
    pub flow_id: Uuid,
    pub record_id: String,
    pub kind: String,
    pub code: Option<String>,
    pub message: String,
    pub payload_excerpt: Option<String>,
    pub attempts: i32,
    pub status: String,
    pub signature: String,
    pub waiting_on: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
}

/// One line of a record's timeline: a trigger that arrived, or what a run did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub flow_id: Uuid,
    /// `received` for triggers; otherwise the outcome (created, updated, unchanged, skipped,
    /// failed, retrying).
    pub kind: String,
    pub summary: String,
    pub target_id: Option<String>,
    pub detail: Option<serde_json::Value>,
    pub run_id: Option<Uuid>,
}

impl From<flow_run::Model> for RunView {
    fn from(r: flow_run::Model) -> Self {
        Self {
            duration_ms: r.finished_at.map(|f| (f - r.started_at).num_milliseconds()),
            id: r.id,
            flow_id: r.flow_id,
            trigger: r.trigger,
            status: r.status,
            processed: r.processed,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r.skipped,
            failed: r.failed,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

impl From<sync_error::Model> for ErrorView {
    fn from(e: sync_error::Model) -> Self {
        Self {
            id: e.id,
            flow_id: e.flow_id,
            record_id: e.record_id,
            kind: e.kind,
            code: e.code,
            message: e.message,
            payload_excerpt: e.payload_excerpt,
            attempts: e.attempts,
            status: e.status,
            signature: e.signature,
            waiting_on: e.waiting_on,
            first_seen_at: e.first_seen_at,
            last_seen_at: e.last_seen_at,
            resolved_at: e.resolved_at,
            resolved_by: e.resolved_by,
        }
    }
}

async fn own_flow(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: FlowId,
) -> DomainResult<flow::Model> {
    flow::Entity::find_by_id(id.0)
        .filter(flow::Column::TenantId.eq(tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// The latest runs of a flow, newest first.
pub async fn recent_runs(
    db: &DatabaseConnection,
    tenant: &Tenant,
    flow_id: FlowId,
    limit: u64,
) -> DomainResult<Vec<RunView>> {
    own_flow(db, tenant, flow_id).await?;
    Ok(flow_run::Entity::find()
        .filter(flow_run::Column::TenantId.eq(tenant.id().0))
        .filter(flow_run::Column::FlowId.eq(flow_id.0))
        .order_by_desc(flow_run::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(RunView::from)
        .collect())
}

/// A flow's errors with `status` (open or resolved), most recent first.
pub async fn flow_errors(
    db: &DatabaseConnection,
    tenant: &Tenant,
    flow_id: FlowId,
    status: &str,
    limit: u64,
) -> DomainResult<Vec<ErrorView>> {
    own_flow(db, tenant, flow_id).await?;
    Ok(sync_error::Entity::find()
        .filter(sync_error::Column::TenantId.eq(tenant.id().0))
        .filter(sync_error::Column::FlowId.eq(flow_id.0))
        .filter(sync_error::Column::Status.eq(status))
        .order_by_desc(sync_error::Column::LastSeenAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(ErrorView::from)
        .collect())
}

/// The inbox rows of one record of `tenant_id`, newest first. Read through the tenant's
/// flows, so that the `(flow_id, record_id, …)` index serves it: the inbox keeps no index of
/// its own for the timeline, since every index costs each of its writes.
pub fn events_of_record(
    tenant_id: Uuid,
    record_id: &str,
    limit: u64,
) -> Select<sync_event::Entity> {
    let flows = Query::select()
        .column(flow::Column::Id)
        .from(flow::Entity)
        .and_where(flow::Column::TenantId.eq(tenant_id))
        .to_owned();
    sync_event::Entity::find()
        .filter(sync_event::Column::TenantId.eq(tenant_id))
        .filter(sync_event::Column::FlowId.in_subquery(flows))
        .filter(sync_event::Column::RecordId.eq(record_id))
        .order_by_desc(sync_event::Column::ReceivedAt)
        .limit(limit)
}

/// Everything that happened to one Salesforce record, newest first: the answer to "why
/// didn't this sync?".
pub async fn record_timeline(
    db: &DatabaseConnection,
    tenant: &Tenant,
    record_id: &str,
    limit: u64,
) -> DomainResult<Vec<TimelineEntry>> {
    let record_id = super::events::canonical_record_id(record_id.trim());
    let record_id = record_id.as_str();
    let events = events_of_record(tenant.id().0, record_id, limit)
        .all(db)
        .await?;
    let outcomes = sync_outcome::Entity::find()
        .filter(sync_outcome::Column::TenantId.eq(tenant.id().0))
        .filter(sync_outcome::Column::RecordId.eq(record_id))
        .order_by_desc(sync_outcome::Column::At)
        .limit(limit)
        .all(db)
        .await?;
    let mut entries: Vec<TimelineEntry> = events
        .into_iter()
        .map(|e| TimelineEntry {
            at: e.received_at,
            flow_id: e.flow_id,
            kind: "received".to_owned(),
            summary: match &e.notification_id {
                Some(n) => format!("{} {n}", EventSource::label(&e.source)),
                None => EventSource::label(&e.source).to_owned(),
            },
            target_id: None,
            detail: None,
            run_id: None,
        })
        .chain(outcomes.into_iter().map(|o| TimelineEntry {
            at: o.at,
            flow_id: o.flow_id,
            kind: o.outcome,
            summary: o.reason,
            target_id: o.target_id,
            detail: o.detail,
            run_id: o.run_id,
        }))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(limit as usize);
    Ok(entries)
}
