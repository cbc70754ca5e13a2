//! `ferry demo`: a ready-made tenant whose connections point at the in-process sandbox, both
//! flows on. Running it again reuses the tenant and refreshes its connections.

use sea_orm::DatabaseConnection;
use secrecy::SecretSlice;

use crate::accounts::{Email, NewPassword, PersonName, SignupInput, TenantName, signup};
use crate::connections::{self, ConnectionInput, ConnectionParams, TestOutcome};
use crate::entities::{flow, membership, user};
use crate::error::{DomainError, DomainResult};
use crate::flows::manage;
use crate::ids::{FlowId, IntegrationId, TenantId, UserId};
use crate::integrations::{self, SystemKind};
use crate::tenancy::{TenantAccess, access_for_user};

pub const DEMO_EMAIL: &str = "demo@ferry.localhost";
pub const DEMO_PASSWORD: &str = "ferry-demo-password";

/// What the demo set up.
pub struct DemoTenant {
    /// The demo owner's access, for driving the tenant from code (`ferry bench`).
    pub access: TenantAccess,
    pub tenant_id: TenantId,
    pub integration_id: IntegrationId,
    /// (flow key, flow id, source object, listener token)
    pub flows: Vec<(String, FlowId, &'static str, String)>,
}

async fn demo_access(db: &DatabaseConnection) -> DomainResult<TenantAccess> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_EMAIL))
        .one(db)
        .await?;
    let (user_id, tenant_id) = match existing {
        Some(u) => {
            let m = membership::Entity::find()
                .filter(membership::Column::UserId.eq(u.id))
                .order_by_asc(membership::Column::CreatedAt)
                .one(db)
                .await?
                .ok_or(DomainError::NotFound)?;
            (UserId(u.id), TenantId(m.tenant_id))
        }
        None => {
            signup(
                db,
                SignupInput {
                    company: TenantName::parse("Demo Company")?,
                    name: PersonName::parse("Demo Admin")?,
                    email: Email::parse(DEMO_EMAIL)?,
                    password: NewPassword::parse(DEMO_PASSWORD)?,
                },
            )
            .await?
        }
    };
    access_for_user(db, user_id, tenant_id)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Creates (or refreshes) the demo tenant: connections from `params`, tested, flows on.
pub async fn ensure_demo_tenant(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    params: impl Fn(SystemKind) -> ConnectionParams,
) -> DomainResult<DemoTenant> {
    let access = demo_access(db).await?;
    let tiles = integrations::integration_tiles(db, &access.tenant).await?;
    let integration_id = tiles.first().map(|t| t.id).ok_or(DomainError::NotFound)?;
    for system in [SystemKind::Salesforce, SystemKind::NetSuite] {
        let input = ConnectionInput::parse(system, &params(system))?;
        connections::save_connection(db, key, &access, integration_id, system, input).await?;
        if let TestOutcome::Failed(message) =
            connections::test_connection(db, key, &access, integration_id, system).await?
        {
            return Err(DomainError::Conflict(format!(
                "the demo's {} connection failed its test: {message}",
                system.label()
            )));
        }
    }
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let rows = flow::Entity::find()
        .filter(flow::Column::IntegrationId.eq(integration_id.0))
        .order_by_asc(flow::Column::CreatedAt)
        .all(db)
        .await?;
    let mut flows = Vec::new();
    for row in rows {
        let view = manage::set_enabled(db, key, &access, FlowId(row.id), true).await?;
        let token = view
            .listener_token
            .ok_or_else(|| DomainError::Internal("a flow without a listener token".into()))?;
        flows.push((view.key, view.id, view.source_object, token));
    }
    Ok(DemoTenant {
        tenant_id: access.tenant.id(),
        access,
        integration_id,
        flows,
    })
}
