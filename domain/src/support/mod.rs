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
