//! The support staff's cross-tenant overview. Takes [`SupportAccess`], so only
//! a verified support user can call it; it reads counts, never settings or
//! secrets.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::entities::{flow, integration, membership, tenant};
use crate::error::DomainResult;
use crate::ids::TenantId;
use crate::tenancy::SupportAccess;

#[derive(Clone, Debug)]
pub struct TenantOverviewRow {
    pub id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub members: usize,
    pub integrations: usize,
    pub flows_on: usize,
}

/// Every tenant with its size, newest first.
pub async fn tenant_overview(
    db: &impl ConnectionTrait,
    _support: &SupportAccess,
) -> DomainResult<Vec<TenantOverviewRow>> {
    let tenants = tenant::Entity::find()
        .order_by_desc(tenant::Column::CreatedAt)
        .all(db)
        .await?;
    let mut members: HashMap<Uuid, usize> = HashMap::new();
    for m in membership::Entity::find().all(db).await? {
        *members.entry(m.tenant_id).or_default() += 1;
    }
    let mut integrations: HashMap<Uuid, usize> = HashMap::new();
    for i in integration::Entity::find().all(db).await? {
        *integrations.entry(i.tenant_id).or_default() += 1;
    }
    let mut flows_on: HashMap<Uuid, usize> = HashMap::new();
    for f in flow::Entity::find().all(db).await? {
        if f.enabled {
            *flows_on.entry(f.tenant_id).or_default() += 1;
        }
    }
    Ok(tenants
        .into_iter()
        .map(|t| TenantOverviewRow {
            id: TenantId(t.id),
            members: members.get(&t.id).copied().unwrap_or(0),
            integrations: integrations.get(&t.id).copied().unwrap_or(0),
            flows_on: flows_on.get(&t.id).copied().unwrap_or(0),
            name: t.name,
            created_at: t.created_at,
        })
        .collect())
}

/// A tenant's name, for support's drill-down pages.
pub async fn tenant_name(
    db: &impl ConnectionTrait,
    _support: &SupportAccess,
    id: TenantId,
) -> DomainResult<String> {
    tenant::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(|t| t.name)
        .ok_or(crate::error::DomainError::NotFound)
}

/// Synced and failed per hour over the last week, every tenant together.
pub async fn trend(
    db: &impl ConnectionTrait,
    _support: &SupportAccess,
) -> DomainResult<Vec<crate::dashboard::overview::HourBucket>> {
    use crate::dashboard::overview::{CHART_HOURS, buckets, hourly};
    let now = Utc::now();
    let since = now - chrono::Duration::hours(CHART_HOURS);
    let counts = hourly(db, None, None, since).await?;
    Ok(buckets(counts.get(&None), now, CHART_HOURS))
}

/// Names of flows and their tenants, for support's lists.
#[derive(Clone, Debug, Default)]
pub struct FlowLabels(HashMap<Uuid, (String, String)>);

impl FlowLabels {
    /// (tenant name, flow name).
    pub fn get(&self, flow: &Uuid) -> (String, String) {
        self.0.get(flow).cloned().unwrap_or_default()
    }
}

pub async fn flow_labels(
    db: &impl ConnectionTrait,
    _support: &SupportAccess,
    flows: impl IntoIterator<Item = Uuid>,
) -> DomainResult<FlowLabels> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let ids: Vec<Uuid> = flows.into_iter().collect();
    if ids.is_empty() {
        return Ok(FlowLabels::default());
    }
    let rows = flow::Entity::find()
        .filter(flow::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let tenants: HashMap<Uuid, String> = tenant::Entity::find()
        .filter(tenant::Column::Id.is_in(rows.iter().map(|f| f.tenant_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(FlowLabels(
        rows.into_iter()
            .map(|f| {
                (
                    f.id,
                    (
                        tenants.get(&f.tenant_id).cloned().unwrap_or_default(),
                        f.name,
                    ),
                )
            })
            .collect(),
    ))
}

/// Every tenant's name and id, for the support filters.
pub async fn tenant_choices(
    db: &impl ConnectionTrait,
    _support: &SupportAccess,
) -> DomainResult<Vec<(TenantId, String)>> {
    Ok(tenant::Entity::find()
        .order_by_asc(tenant::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|t| (TenantId(t.id), t.name))
        .collect())
}
