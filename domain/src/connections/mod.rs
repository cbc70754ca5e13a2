//! A tenant's connections to its Salesforce org and NetSuite account: storage (secrets
//! encrypted under the master key), read models for the pages and API, and *Test connection*.

mod clients;
mod crypto;
mod inputs;
mod probe;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use secrecy::SecretSlice;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::entities::{connection, integration};
use crate::error::{DomainError, DomainResult, FieldErrors};
use crate::ids::IntegrationId;
use crate::integrations::{ConnectionState, SystemKind};
use crate::tenancy::{Role, Tenant, TenantAccess};

pub use clients::{
    CALL_OPTIONS_CLIENT, ClientCache, ClientsError, GateFactory, IntegrationClients,
    build_netsuite, build_salesforce, in_process_gates,
};
pub use crypto::{decrypt, encrypt, key_id};
pub use inputs::{
    AuthKind, ConnectionInput, ConnectionParams, ConnectionSettings, SecretValues, parse_system,
};
pub use probe::describe_error;

/// Status values stored in `connections.status`.
const STATUS_UNTESTED: &str = "untested";
pub(crate) const STATUS_OK: &str = "ok";
pub(crate) const STATUS_FAILING: &str = "failing";

/// One connection as the pages and the API show it: never a secret, only which secret
/// fields are stored.
#[derive(Clone, Debug)]
pub struct ConnectionView {
    pub system: SystemKind,
    /// `None` until something was saved.
    pub kind: Option<AuthKind>,
    pub settings: ConnectionSettings,
    /// Names of the secret fields that hold a stored value.
    pub stored_secrets: Vec<String>,
    pub state: ConnectionState,
    pub last_tested_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl ConnectionView {
    fn empty(system: SystemKind) -> Self {
        Self {
            system,
            kind: None,
            settings: ConnectionSettings::default(),
            stored_secrets: Vec::new(),
            state: ConnectionState::NotConnected,
            last_tested_at: None,
            last_error: None,
            updated_at: None,
        }
    }

    fn from_row(system: SystemKind, row: &connection::Model, secret_names: Vec<String>) -> Self {
        Self {
            system,
            kind: AuthKind::parse(system, &row.auth_kind),
            settings: serde_json::from_value(row.settings.clone()).unwrap_or_default(),
            stored_secrets: secret_names,
            state: ConnectionState::from_row(Some(row)),
            last_tested_at: row.last_tested_at,
            last_error: row.last_error.clone(),
            updated_at: Some(row.updated_at),
        }
    }

    /// Whether `field` has a stored secret (the form says "stored, leave blank to keep").
    pub fn has_secret(&self, field: &str) -> bool {
        self.stored_secrets.iter().any(|s| s == field)
    }
}

/// The integration's name and both connections, Salesforce first.
#[derive(Clone, Debug)]
pub struct ConnectionsOverview {
    pub integration_id: IntegrationId,
    pub integration_name: String,
    pub connections: Vec<ConnectionView>,
}

async fn find_integration(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
) -> DomainResult<integration::Model> {
    integration::Entity::find_by_id(id.0)
        .filter(integration::Column::TenantId.eq(tenant.id().0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

async fn find_row(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
    system: SystemKind,
) -> DomainResult<Option<connection::Model>> {
    Ok(connection::Entity::find()
        .filter(connection::Column::TenantId.eq(tenant.id().0))
        .filter(connection::Column::IntegrationId.eq(id.0))
        .filter(connection::Column::System.eq(system.as_str()))
        .one(db)
        .await?)
}

/// Names of the stored secrets, read from the settings JSON's companion list (the names are
/// not secret; the values stay encrypted).
fn secret_names(row: &connection::Model) -> Vec<String> {
    row.settings
        .get("stored_secrets")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

fn view_of(system: SystemKind, row: Option<&connection::Model>) -> ConnectionView {
    match row {
        Some(row) => ConnectionView::from_row(system, row, secret_names(row)),
        None => ConnectionView::empty(system),
    }
}

/// Both connections of one integration of `tenant`; another tenant's id is not found.
pub async fn list_connections(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
) -> DomainResult<ConnectionsOverview> {
    let integration = find_integration(db, tenant, id).await?;
    let rows = connection::Entity::find()
        .filter(connection::Column::TenantId.eq(tenant.id().0))
        .filter(connection::Column::IntegrationId.eq(id.0))
        .all(db)
        .await?;
    let connections = [SystemKind::Salesforce, SystemKind::NetSuite]
        .into_iter()
        .map(|s| view_of(s, rows.iter().find(|r| r.system == s.as_str())))
        .collect();
    Ok(ConnectionsOverview {
        integration_id: id,
        integration_name: integration.name,
        connections,
    })
}

/// One connection of one integration (an empty view when nothing is saved yet).
pub async fn get_connection(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
    system: SystemKind,
) -> DomainResult<(String, ConnectionView)> {
    let integration = find_integration(db, tenant, id).await?;
    let row = find_row(db, tenant, id, system).await?;
    Ok((integration.name, view_of(system, row.as_ref())))
}

fn stored_secrets(key: &SecretSlice<u8>, row: &connection::Model) -> DomainResult<SecretValues> {
    match &row.secrets_ciphertext {
        Some(blob) => SecretValues::from_plain_json(&decrypt(key, row.key_id.as_deref(), blob)?),
        None => Ok(SecretValues::default()),
    }
}

/// The audit snapshot of a connection: kind, settings and which secrets are stored, never a
/// secret value.
fn audit_snapshot(kind: &str, settings: &serde_json::Value) -> serde_json::Value {
    json!({ "auth_kind": kind, "settings": settings })
}

/// Creates or replaces `system`'s connection of integration `id`. Secrets entered blank keep
/// their stored value when the auth kind is unchanged. The connection becomes untested.
#[tracing::instrument(skip_all, fields(tenant_id = %access.tenant.id(), system = system.as_str()))]
pub async fn save_connection(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    access: &TenantAccess,
    id: IntegrationId,
    system: SystemKind,
    input: ConnectionInput,
) -> DomainResult<ConnectionView> {
    access.require(Role::Admin)?;
    if input.kind.system() != system {
        return Err(DomainError::invalid(
            "auth_kind",
            "Choose how to authenticate.",
        ));
    }
    let tx = db.begin().await?;
    find_integration(&tx, &access.tenant, id).await?;
    let existing = find_row(&tx, &access.tenant, id, system).await?;
    let mut secrets = SecretValues::default();
    if let Some(row) = existing
        .as_ref()
        .filter(|r| r.auth_kind == input.kind.as_str())
    {
        // A stored value that can no longer be read (key rotated away) is simply not kept.
        if let Ok(old) = stored_secrets(key, row) {
            for field in input.kind.secret_fields() {
                if let Some(v) = old.get(field) {
                    secrets.0.insert((*field).to_owned(), v.clone());
                }
            }
        }
    }
    for (name, value) in input.new_secrets.0 {
        secrets.0.insert(name, value);
    }
    let mut errors = FieldErrors::default();
    for field in input.kind.required_secrets() {
        if secrets.get(field).is_none() {
            errors.push(*field, inputs::missing_secret_message(field));
        }
    }
    errors.into_result()?;
    let (ciphertext, key_id) = encrypt(key, &secrets.to_plain_json())?;
    let mut settings =
        serde_json::to_value(&input.settings).map_err(|e| DomainError::Internal(e.to_string()))?;
    if let Some(map) = settings.as_object_mut() {
        map.insert("stored_secrets".to_owned(), json!(secrets.names()));
    }
    let now = Utc::now();
    let before = existing
        .as_ref()
        .map(|r| audit_snapshot(&r.auth_kind, &r.settings));
    let (saved, action) = match existing {
        Some(row) => {
            let mut active = row.into_active_model();
            active.auth_kind = Set(input.kind.as_str().to_owned());
            active.settings = Set(settings.clone());
            active.secrets_ciphertext = Set(Some(ciphertext));
            active.key_id = Set(Some(key_id));
            active.status = Set(STATUS_UNTESTED.to_owned());
            active.last_tested_at = Set(None);
            active.last_error = Set(None);
            active.updated_at = Set(now);
            (active.update(&tx).await?, "connection.updated")
        }
        None => {
            let inserted = connection::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(access.tenant.id().0),
                integration_id: Set(id.0),
                system: Set(system.as_str().to_owned()),
                auth_kind: Set(input.kind.as_str().to_owned()),
                settings: Set(settings.clone()),
                secrets_ciphertext: Set(Some(ciphertext)),
                key_id: Set(Some(key_id)),
                status: Set(STATUS_UNTESTED.to_owned()),
                last_tested_at: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?;
            (inserted, "connection.created")
        }
    };
    let mut change = Change::new(action, "connection", saved.id)
        .after(audit_snapshot(input.kind.as_str(), &settings));
    if let Some(before) = before {
        change = change.before(before);
    }
    audit::record(&tx, access.tenant.id(), &access.actor, change).await?;
    tx.commit().await?;
    tracing::info!(action, "connection saved");
    Ok(view_of(system, Some(&saved)))
}

/// What *Test connection* found.
#[derive(Clone, Debug)]
pub enum TestOutcome {
    Connected,
    /// The test failed; the message is for a person and keeps the remote code.
    Failed(String),
}

/// Obtains a token with the stored credentials and makes one cheap call, then stores the
/// result (`ok` or `failing` with a message a person understands).
#[tracing::instrument(skip_all, fields(tenant_id = %access.tenant.id(), system = system.as_str()))]
pub async fn test_connection(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    access: &TenantAccess,
    id: IntegrationId,
    system: SystemKind,
) -> DomainResult<TestOutcome> {
    access.require(Role::Admin)?;
    find_integration(db, &access.tenant, id).await?;
    let Some(row) = find_row(db, &access.tenant, id, system).await? else {
        return Err(DomainError::Conflict(format!(
            "Save the {} connection before testing it.",
            system.label()
        )));
    };
    let mut probed = probe::Probed::default();
    let mut stored = None;
    let outcome = match (
        AuthKind::parse(system, &row.auth_kind),
        stored_secrets(key, &row),
    ) {
        (Some(kind), Ok(secrets)) => {
            let settings: ConnectionSettings =
                serde_json::from_value(row.settings.clone()).unwrap_or_default();
            let result = probe::probe(kind, &settings, &secrets).await;
            stored = Some(secrets);
            match result {
                Ok(found) => {
                    probed = found;
                    TestOutcome::Connected
                }
                Err(e) => {
                    tracing::warn!(error = %e, "connection test failed");
                    TestOutcome::Failed(describe_error(&e))
                }
            }
        }
        (None, _) => TestOutcome::Failed(
            "The stored authentication kind is unknown. Save the connection again.".to_owned(),
        ),
        (_, Err(e)) => {
            tracing::error!(error = %e, "stored connection secrets unreadable");
            TestOutcome::Failed(
                "The stored secrets cannot be read with the current master key. Enter them again."
                    .to_owned(),
            )
        }
    };
    let (status, error) = match &outcome {
        TestOutcome::Connected => (STATUS_OK, None),
        TestOutcome::Failed(msg) => (STATUS_FAILING, Some(msg.clone())),
    };
    let tx = db.begin().await?;
    let row_id = row.id;
    let now = Utc::now();
    let mut settings = row.settings.clone();
    if let (Some(org), Some(map)) = (&probed.organization_id, settings.as_object_mut()) {
        map.insert("organization_id".to_owned(), json!(org));
    }
    let mut active = row.into_active_model();
    // The connected app rotated the refresh token during the test: the stored one is spent.
    if let (Some(token), Some(mut secrets)) = (probed.rotated_refresh_token, stored) {
        secrets.0.insert("refresh_token".to_owned(), token);
        let (ciphertext, key_id) = encrypt(key, &secrets.to_plain_json())?;
        active.secrets_ciphertext = Set(Some(ciphertext));
        active.key_id = Set(Some(key_id));
    }
    active.settings = Set(settings);
    active.status = Set(status.to_owned());
    active.last_tested_at = Set(Some(now));
    active.last_error = Set(error.clone());
    active.updated_at = Set(now);
    active.update(&tx).await?;
    audit::record(
        &tx,
        access.tenant.id(),
        &access.actor,
        Change::new("connection.tested", "connection", row_id)
            .after(json!({ "system": system.as_str(), "status": status, "error": error })),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Replaces the stored Salesforce refresh token after the connected app rotated it. Only the
/// secret changes: status and settings stay, so flows keep running.
pub(crate) async fn store_rotated_refresh_token(
    db: &DatabaseConnection,
    key: &SecretSlice<u8>,
    connection_id: Uuid,
    token: secrecy::SecretString,
) -> DomainResult<()> {
    let tx = db.begin().await?;
    let Some(row) = connection::Entity::find_by_id(connection_id)
        .one(&tx)
        .await?
    else {
        return Err(DomainError::NotFound);
    };
    let mut secrets = stored_secrets(key, &row)?;
    secrets.0.insert("refresh_token".to_owned(), token);
    let (ciphertext, key_id) = encrypt(key, &secrets.to_plain_json())?;
    let tenant_id = row.tenant_id;
    let mut active = row.into_active_model();
    active.secrets_ciphertext = Set(Some(ciphertext));
    active.key_id = Set(Some(key_id));
    active.updated_at = Set(Utc::now());
    active.update(&tx).await?;
    audit::record(
        &tx,
        crate::ids::TenantId(tenant_id),
        &crate::tenancy::Actor::system(),
        Change::new(
            "connection.refresh_token_rotated",
            "connection",
            connection_id,
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%connection_id, "stored a rotated Salesforce refresh token");
    Ok(())
}
