//! What a tenant does with a flow: look at it, turn it on or off, rotate its listener URL.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set, TransactionTrait,
};
use secrecy::SecretSlice;
use serde::Serialize;
use serde_json::json;

use super::definition::{FlowDefinition, definition};
use super::settings::FlowSettings;
use crate::audit::{self, Change};
use crate::entities::{connection, flow};
use crate::error::{DomainError, DomainResult};
use crate::ids::{FlowId, IntegrationId};
use crate::integrations::{ConnectionState, SystemKind, TriggerKind};
use crate::sync::listener::listener_token;
use crate::tenancy::{Role, TenantAccess};

/// A flow as its page and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlowView {
    pub id: FlowId,
    pub integration_id: IntegrationId,
    pub key: String,
    pub section: String,
    pub name: String,
    pub trigger: &'static str,
    pub enabled: bool,
    pub version: i32,
    pub source_object: &'static str,
    pub target_label: &'static str,
    /// The secret part of the listener URL; only for admins.
    #[serde(skip)]
    pub listener_token: Option<String>,
    pub criteria_summary: String,
    pub poll_interval_minutes: u32,
    pub polled_at: Option<DateTime<Utc>>,
}

async fn own_flow(
    db: &impl sea_orm::ConnectionTrait,
    access: &TenantAccess,
    id: FlowId,
) -> DomainResult<flow::Model> {
    flow::Entity::find_by_id(id.0)
        .filter(flow::Column::TenantId.eq(access.tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

fn definition_of(row: &flow::Model) -> DomainResult<&'static FlowDefinition> {
    definition(&row.flow_key)
        .ok_or_else(|| DomainError::Internal(format!("unknown flow {}", row.flow_key)))
}

fn view(row: &flow::Model, key: &SecretSlice<u8>, show_token: bool) -> DomainResult<FlowView> {
    let def = definition_of(row)?;
    let settings =
        FlowSettings::from_stored(def, &row.settings).unwrap_or_else(|_| def.default_settings());
    Ok(FlowView {
        id: FlowId(row.id),
        integration_id: IntegrationId(row.integration_id),
        key: row.flow_key.clone(),
        section: row.section.clone(),
        name: row.name.clone(),
        trigger: TriggerKind::from_stored(&row.trigger_kind).as_str(),
        enabled: row.enabled,
        version: row.version,
        source_object: def.source_object,
        target_label: def.target_label,
        listener_token: if show_token {
            row.listener_token
                .as_deref()
                .and_then(|nonce| listener_token(key, row.id, nonce))
        } else {
            None
        },
        criteria_summary: settings.criteria.summary(),
        poll_interval_minutes: settings.poll_interval_minutes,
        polled_at: row.polled_at,
    })
}

/// One flow of the tenant. The listener token is shown to admins only: with it, anyone can
/// post notifications.
pub async fn get_flow(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    access: &TenantAccess,
    id: FlowId,
) -> DomainResult<FlowView> {
    let row = own_flow(db, access, id).await?;
    view(&row, key, access.role >= Role::Admin)
}

/// Why a flow cannot be turned on, in words for the person pressing the toggle.
async fn refusal(
    db: &impl sea_orm::ConnectionTrait,
    row: &flow::Model,
) -> DomainResult<Option<String>> {
    let rows = connection::Entity::find()
        .filter(connection::Column::TenantId.eq(row.tenant_id))
        .filter(connection::Column::IntegrationId.eq(row.integration_id))
        .all(db)
        .await?;
    for system in [SystemKind::Salesforce, SystemKind::NetSuite] {
        let conn = rows.iter().find(|r| r.system == system.as_str());
        match ConnectionState::from_row(conn) {
            ConnectionState::Ok { .. } => {}
            ConnectionState::NotConnected => {
                return Ok(Some(format!(
                    "Connect {} first (Connections).",
                    system.label()
                )));
            }
            ConnectionState::Broken { error: message } => {
                return Ok(Some(format!(
                    "The {} connection is failing: {message} Fix it under Connections first.",
                    system.label()
                )));
            }
            ConnectionState::Untested => {
                return Ok(Some(format!(
                    "Test the {} connection first (Connections › Test connection).",
                    system.label()
                )));
            }
        }
    }
    Ok(None)
}

/// Turns a flow on or off. Turning on is refused, with the reason, while a connection it
/// needs is missing or not working.
pub async fn set_enabled(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    access: &TenantAccess,
    id: FlowId,
    enabled: bool,
) -> DomainResult<FlowView> {
    access.require(Role::Admin)?;
    let tx = db.begin().await?;
    let row = own_flow(&tx, access, id).await?;
    if row.enabled == enabled {
        return view(&row, key, true);
    }
    if enabled && let Some(reason) = refusal(&tx, &row).await? {
        return Err(DomainError::Conflict(reason));
    }
    let flow_id = row.id;
    let scheduled = row.trigger_kind == TriggerKind::Scheduled.as_str();
    let mut active = row.into_active_model();
    active.enabled = Set(enabled);
    if enabled && scheduled {
        // Polling starts from now; existing records are what "Sync existing records" is for.
        active.poll_watermark = Set(Some(Utc::now().to_rfc3339()));
        active.polled_at = Set(Some(Utc::now()));
    }
    active.updated_at = Set(Utc::now());
    let row = active.update(&tx).await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new(
            if enabled {
                "flow.enabled"
            } else {
                "flow.disabled"
            },
            "flow",
            flow_id,
        )
        .before(json!({ "enabled": !enabled }))
        .after(json!({ "enabled": enabled })),
    )
    .await?;
    tx.commit().await?;
    view(&row, key, true)
}

/// Replaces the listener URL: the old one stops working at once.
pub async fn rotate_listener(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    access: &TenantAccess,
    id: FlowId,
) -> DomainResult<FlowView> {
    access.require(Role::Admin)?;
    let tx = db.begin().await?;
    let row = own_flow(&tx, access, id).await?;
    let flow_id = row.id;
    let mut active = row.into_active_model();
    active.listener_token = Set(Some(crate::secret_tokens::generate("")));
    active.updated_at = Set(Utc::now());
    let row = active.update(&tx).await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new("flow.listener_rotated", "flow", flow_id),
    )
    .await?;
    tx.commit().await?;
    view(&row, key, true)
}

/// Switches between real-time (listener) and scheduled polling.
pub async fn set_trigger(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    access: &TenantAccess,
    id: FlowId,
    trigger: TriggerKind,
) -> DomainResult<FlowView> {
    access.require(Role::Admin)?;
    let tx = db.begin().await?;
    let row = own_flow(&tx, access, id).await?;
    let flow_id = row.id;
    let before = row.trigger_kind.clone();
    let mut active = row.into_active_model();
    active.trigger_kind = Set(trigger.as_str().to_owned());
    if trigger == TriggerKind::Scheduled {
        active.poll_watermark = Set(Some(Utc::now().to_rfc3339()));
        active.polled_at = Set(Some(Utc::now()));
    }
    active.updated_at = Set(Utc::now());
    let row = active.update(&tx).await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new("flow.trigger_changed", "flow", flow_id)
            .before(json!({ "trigger": before }))
            .after(json!({ "trigger": trigger.as_str() })),
    )
    .await?;
    tx.commit().await?;
    view(&row, key, true)
}
