//! The flows of one integration as the Settings page lists them: trigger, state, last run,
//! open errors.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::definition::definition;
use super::settings::FlowSettings;
use crate::entities::{flow, flow_run, integration, sync_error};
use crate::error::{DomainError, DomainResult};
use crate::ids::{FlowId, IntegrationId};
use crate::integrations::TriggerKind;
use crate::tenancy::Tenant;

/// The last run of a flow, in brief.
#[derive(Clone, Debug)]
pub struct LastRun {
    pub started_at: DateTime<Utc>,
    pub status: String,
    pub processed: i32,
    pub failed: i32,
}

/// One flow row of the Settings page.
#[derive(Clone, Debug)]
pub struct FlowOverview {
    pub id: FlowId,
    pub section: String,
    pub name: String,
    pub trigger: TriggerKind,
    pub poll_interval_minutes: u32,
    pub enabled: bool,
    pub version: i32,
    pub criteria_summary: String,
    pub last_run: Option<LastRun>,
    pub open_errors: u64,
}

async fn overview(db: &impl ConnectionTrait, row: &flow::Model) -> DomainResult<FlowOverview> {
    let settings = definition(&row.flow_key)
        .and_then(|def| FlowSettings::from_stored(def, &row.settings).ok());
    let last_run = flow_run::Entity::find()
        .filter(flow_run::Column::TenantId.eq(row.tenant_id))
        .filter(flow_run::Column::FlowId.eq(row.id))
        .order_by_desc(flow_run::Column::StartedAt)
        .one(db)
        .await?
        .map(|r| LastRun {
            started_at: r.started_at,
            status: r.status,
            processed: r.processed,
            failed: r.failed,
        });
    let open_errors = sync_error::Entity::find()
        .filter(sync_error::Column::TenantId.eq(row.tenant_id))
        .filter(sync_error::Column::FlowId.eq(row.id))
        .filter(sync_error::Column::Status.eq("open"))
        .count(db)
        .await?;
    Ok(FlowOverview {
        id: FlowId(row.id),
        section: row.section.clone(),
        name: row.name.clone(),
        trigger: TriggerKind::from_stored(&row.trigger_kind),
        poll_interval_minutes: settings.as_ref().map_or(15, |s| s.poll_interval_minutes),
        enabled: row.enabled,
        version: row.version,
        criteria_summary: settings.map_or_else(
            || "Settings cannot be read".to_owned(),
            |s| s.criteria.summary(),
        ),
        last_run,
        open_errors,
    })
}

/// Every flow of the integration, in install order (Account before Contact).
pub async fn integration_flows(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration_id: IntegrationId,
) -> DomainResult<Vec<FlowOverview>> {
    let tid = tenant.id().0;
    integration::Entity::find_by_id(integration_id.0)
        .filter(integration::Column::TenantId.eq(tid))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let rows = flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tid))
        .filter(flow::Column::IntegrationId.eq(integration_id.0))
        .order_by_asc(flow::Column::CreatedAt)
        .order_by_asc(flow::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(overview(db, row).await?);
    }
    Ok(out)
}

/// One flow row (after its toggle was pressed).
pub async fn flow_overview(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    flow_id: FlowId,
) -> DomainResult<(IntegrationId, FlowOverview)> {
    let row = flow::Entity::find_by_id(flow_id.0)
        .filter(flow::Column::TenantId.eq(tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok((IntegrationId(row.integration_id), overview(db, &row).await?))
}
