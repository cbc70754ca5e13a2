//! One Salesforce record's story, newest first: every notification that arrived, every
//! decision and remote call outcome, every error opened and resolved. The answer to "why
//! didn't this sync?".

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::filter::parse_record_id;
use super::outcomes::decision_summary;
use super::overview::IntegrationFlows;
use crate::entities::{flow, sync_error, sync_event, sync_outcome};
use crate::error::DomainResult;
use crate::ids::TenantId;
use crate::sync::events::EventSource;
use crate::tenancy::{SupportAccess, Tenant};

/// One line of the timeline.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    pub at: DateTime<Utc>,
    pub flow_id: Uuid,
    /// `received`; an outcome (created, updated, unchanged, skipped, failed, retrying);
    /// `error` (opened) or `resolved`.
    pub kind: String,
    pub summary: String,
    /// The decision in one line, for outcomes.
    pub decision: Option<String>,
    pub detail: Option<Value>,
    pub target_id: Option<String>,
    pub run_id: Option<Uuid>,
    pub error_id: Option<Uuid>,
}

/// The inbox rows of one record within `flows` of `tenant`, newest first (through the
/// `(flow_id, record_id, …)` index).
pub fn events_query(
    tenant: Uuid,
    flows: &[Uuid],
    record_id: &str,
    limit: u64,
) -> Select<sync_event::Entity> {
    sync_event::Entity::find()
        .filter(sync_event::Column::TenantId.eq(tenant))
        .filter(sync_event::Column::RecordId.eq(record_id))
        .filter(sync_event::Column::FlowId.is_in(flows.iter().copied()))
        .order_by_desc(sync_event::Column::ReceivedAt)
        .limit(limit)
}

/// The record's timeline within `flows` of `tenant`.
async fn timeline(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    flows: &[Uuid],
    record_id: &str,
    limit: u64,
) -> DomainResult<Vec<TimelineItem>> {
    let record_id = parse_record_id(record_id)?;
    let events = events_query(tenant, flows, &record_id, limit)
        .all(db)
        .await?;
    let outcomes = sync_outcome::Entity::find()
        .filter(sync_outcome::Column::TenantId.eq(tenant))
        .filter(sync_outcome::Column::RecordId.eq(record_id.as_str()))
        .filter(sync_outcome::Column::FlowId.is_in(flows.iter().copied()))
        .order_by_desc(sync_outcome::Column::At)
        .limit(limit)
        .all(db)
        .await?;
    let errors = sync_error::Entity::find()
        .filter(sync_error::Column::TenantId.eq(tenant))
        .filter(sync_error::Column::FlowId.is_in(flows.iter().copied()))
        .filter(sync_error::Column::RecordId.eq(record_id.as_str()))
        .order_by_desc(sync_error::Column::LastSeenAt)
        .limit(limit)
        .all(db)
        .await?;
    let mut items: Vec<TimelineItem> = Vec::new();
    for e in events {
        items.push(TimelineItem {
            at: e.received_at,
            flow_id: e.flow_id,
            kind: "received".to_owned(),
            summary: match &e.notification_id {
                Some(n) => format!("{} {n}", EventSource::label(&e.source)),
                None => EventSource::label(&e.source).to_owned(),
            },
            decision: None,
            detail: None,
            target_id: None,
            run_id: None,
            error_id: None,
        });
    }
    for o in outcomes {
        items.push(TimelineItem {
            at: o.at,
            flow_id: o.flow_id,
            decision: o.detail.as_ref().and_then(decision_summary),
            kind: o.outcome,
            summary: o.reason,
            detail: o.detail,
            target_id: o.target_id,
            run_id: o.run_id,
            error_id: None,
        });
    }
    for e in errors {
        let code = e
            .code
            .as_deref()
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        items.push(TimelineItem {
            at: e.first_seen_at,
            flow_id: e.flow_id,
            kind: "error".to_owned(),
            summary: format!(
                "error opened ({}{code}), {} attempt{} so far: {}",
                e.kind,
                e.attempts,
                if e.attempts == 1 { "" } else { "s" },
                e.message
            ),
            decision: None,
            detail: None,
            target_id: None,
            run_id: None,
            error_id: Some(e.id),
        });
        if let Some(at) = e.resolved_at {
            items.push(TimelineItem {
                at,
                flow_id: e.flow_id,
                kind: "resolved".to_owned(),
                summary: format!(
                    "error resolved by {}",
                    e.resolved_by.as_deref().unwrap_or("someone")
                ),
                decision: None,
                detail: None,
                target_id: None,
                run_id: None,
                error_id: Some(e.id),
            });
        }
    }
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    items.truncate(limit as usize);
    Ok(items)
}

/// A record's timeline within an integration of the caller's tenant.
pub async fn for_integration(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration: &IntegrationFlows,
    record_id: &str,
    limit: u64,
) -> DomainResult<Vec<TimelineItem>> {
    let flows: Vec<Uuid> = integration.flows.iter().map(|f| f.id.0).collect();
    timeline(db, tenant.id().0, &flows, record_id, limit).await
}

/// A record's timeline in every flow of `tenant`.
pub async fn for_tenant(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    record_id: &str,
    limit: u64,
) -> DomainResult<Vec<TimelineItem>> {
    let flows = tenant_flows(db, tenant.id().0).await?;
    timeline(db, tenant.id().0, &flows, record_id, limit).await
}

/// Support's drill-down: a record of any tenant.
pub async fn for_support(
    db: &impl ConnectionTrait,
    _support: &SupportAccess,
    tenant: TenantId,
    record_id: &str,
    limit: u64,
) -> DomainResult<Vec<TimelineItem>> {
    let flows = tenant_flows(db, tenant.0).await?;
    timeline(db, tenant.0, &flows, record_id, limit).await
}

async fn tenant_flows(db: &impl ConnectionTrait, tenant: Uuid) -> DomainResult<Vec<Uuid>> {
    Ok(flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tenant))
        .select_only()
        .column(flow::Column::Id)
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}
