//! Read models of installed integrations.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::catalog::TriggerKind;
use crate::connections::{STATUS_FAILING, STATUS_OK};
use crate::entities::{connection, flow, integration};
use crate::error::{DomainError, DomainResult};
use crate::ids::{FlowId, IntegrationId};
use crate::tenancy::Tenant;

/// The two remote systems an integration connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemKind {
    Salesforce,
    NetSuite,
}

impl SystemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Salesforce => "salesforce",
            SystemKind::NetSuite => "netsuite",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SystemKind::Salesforce => "Salesforce",
            SystemKind::NetSuite => "NetSuite",
        }
    }
}

/// What the tile says about one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionState {
    /// No credentials entered yet.
    NotConnected,
    /// Credentials saved but never tested.
    Untested,
    /// The last test (or sync) succeeded.
    Ok { checked_at: DateTime<Utc> },
    /// The last test (or sync) failed with this error.
    Broken { error: String },
}

impl ConnectionState {
    /// The one mapping from a stored `connections` row to what people see.
    pub(crate) fn from_row(row: Option<&connection::Model>) -> Self {
        let Some(row) = row else {
            return Self::NotConnected;
        };
        match (row.status.as_str(), row.last_tested_at) {
            (STATUS_OK, Some(at)) => Self::Ok { checked_at: at },
            (STATUS_FAILING, _) => Self::Broken {
                error: row
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "The last test failed.".to_owned()),
            },
            _ => Self::Untested,
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok { .. })
    }
}

#[derive(Clone, Debug)]
pub struct IntegrationTile {
    pub id: IntegrationId,
    pub name: String,
    pub environment: String,
    pub salesforce: ConnectionState,
    pub netsuite: ConnectionState,
    pub flows_on: usize,
    pub flows_total: usize,
}

#[derive(Clone, Debug)]
pub struct FlowRow {
    pub id: FlowId,
    pub section: String,
    pub name: String,
    pub trigger: TriggerKind,
    pub enabled: bool,
}

#[derive(Clone, Debug)]
pub struct IntegrationDetail {
    pub tile: IntegrationTile,
    pub installed_at: DateTime<Utc>,
    pub flows: Vec<FlowRow>,
}

fn tile(
    row: &integration::Model,
    connections: &[connection::Model],
    flows: &[flow::Model],
) -> IntegrationTile {
    let conn = |system: SystemKind| {
        ConnectionState::from_row(
            connections
                .iter()
                .find(|c| c.integration_id == row.id && c.system == system.as_str()),
        )
    };
    let own: Vec<&flow::Model> = flows
        .iter()
        .filter(|f| f.integration_id == row.id)
        .collect();
    IntegrationTile {
        id: IntegrationId(row.id),
        name: row.name.clone(),
        environment: row.environment.clone(),
        salesforce: conn(SystemKind::Salesforce),
        netsuite: conn(SystemKind::NetSuite),
        flows_on: own.iter().filter(|f| f.enabled).count(),
        flows_total: own.len(),
    }
}

/// One tile per installed integration of `tenant`, oldest first.
pub async fn integration_tiles(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
) -> DomainResult<Vec<IntegrationTile>> {
    let tid = tenant.id().0;
    let integrations = integration::Entity::find()
        .filter(integration::Column::TenantId.eq(tid))
        .order_by_asc(integration::Column::CreatedAt)
        .all(db)
        .await?;
    let connections = connection::Entity::find()
        .filter(connection::Column::TenantId.eq(tid))
        .all(db)
        .await?;
    let flows = flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tid))
        .all(db)
        .await?;
    Ok(integrations
        .iter()
        .map(|i| tile(i, &connections, &flows))
        .collect())
}

/// One integration of `tenant`; another tenant's id is simply not found.
pub async fn get_integration(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
) -> DomainResult<IntegrationDetail> {
    let tid = tenant.id().0;
    let row = integration::Entity::find_by_id(id.0)
        .filter(integration::Column::TenantId.eq(tid))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let connections = connection::Entity::find()
        .filter(connection::Column::TenantId.eq(tid))
        .filter(connection::Column::IntegrationId.eq(id.0))
        .all(db)
        .await?;
    let flows = flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tid))
        .filter(flow::Column::IntegrationId.eq(id.0))
        .order_by_asc(flow::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(IntegrationDetail {
        tile: tile(&row, &connections, &flows),
        installed_at: row.created_at,
        flows: flows
            .iter()
            .map(|f| FlowRow {
                id: FlowId(f.id),
                section: f.section.clone(),
                name: f.name.clone(),
                trigger: TriggerKind::from_stored(&f.trigger_kind),
                enabled: f.enabled,
            })
            .collect(),
    })
}
