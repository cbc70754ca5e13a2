//! Connector clients built from stored connections. Building one decrypts secrets and makes a
//! token cache, so the engine keeps them: one client per connection per process, rebuilt when
//! the connection is saved again (its `updated_at` moves).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ferry_connectors::netsuite::{
    AssertionAlgorithm, ConcurrencyGate, DEFAULT_CONCURRENCY, NetsuiteClient, NetsuiteConfig,
    NetsuiteCredentials, SemaphoreGate,
};
use ferry_connectors::salesforce::{SalesforceClient, SalesforceConfig, SalesforceCredentials};
use ferry_connectors::{ConnectorError, System};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use uuid::Uuid;

use super::inputs::{AuthKind, ConnectionSettings, SecretValues};
use super::{STATUS_OK, stored_secrets};
use crate::entities::connection;
use crate::integrations::SystemKind;

/// Ferry's writes carry `Sforce-Call-Options: client=ferry`, so change events can tell them
/// from a person's.
pub const CALL_OPTIONS_CLIENT: &str = "ferry";

/// Data calls of flows may take a while under load; a hung request must still end.
const FLOW_TIMEOUT: Duration = Duration::from_secs(60);

fn need_secret(
    system: System,
    secrets: &SecretValues,
    field: &str,
) -> Result<SecretString, ConnectorError> {
    secrets
        .get(field)
        .cloned()
        .ok_or_else(|| ConnectorError::config(system, format!("no {field} is stored")))
}

fn need_text(
    system: System,
    value: &Option<String>,
    field: &str,
) -> Result<String, ConnectorError> {
    value
        .clone()
        .ok_or_else(|| ConnectorError::config(system, format!("no {field} is stored")))
}

/// A Salesforce client for a stored connection.
pub fn build_salesforce(
    kind: AuthKind,
    settings: &ConnectionSettings,
    secrets: &SecretValues,
    timeout: Duration,
) -> Result<SalesforceClient, ConnectorError> {
    let sys = System::Salesforce;
    let mut config = SalesforceConfig::new(&need_text(sys, &settings.login_url, "login URL")?)?
        .with_timeout(timeout)
        .with_call_options_client(CALL_OPTIONS_CLIENT)?;
    if let Some(instance) = &settings.instance_url {
        config = config.with_instance_url(instance)?;
    }
    let credentials = match kind {
        AuthKind::JwtBearer => SalesforceCredentials::JwtBearer {
            consumer_key: need_text(sys, &settings.consumer_key, "consumer key")?,
            username: need_text(sys, &settings.username, "username")?,
            private_key_pem: need_secret(sys, secrets, "private_key_pem")?,
        },
        AuthKind::RefreshToken => SalesforceCredentials::RefreshToken {
            client_id: need_text(sys, &settings.client_id, "client id")?,
            client_secret: secrets.get("client_secret").cloned(),
            refresh_token: need_secret(sys, secrets, "refresh_token")?,
        },
        _ => {
            return Err(ConnectorError::config(
                sys,
                "not a Salesforce authentication kind",
            ));
        }
    };
    SalesforceClient::new(config, credentials)
}

/// A NetSuite client for a stored connection, admitting requests through `gate`.
pub fn build_netsuite(
    kind: AuthKind,
    settings: &ConnectionSettings,
    secrets: &SecretValues,
    timeout: Duration,
    gate: Arc<dyn ConcurrencyGate>,
) -> Result<NetsuiteClient, ConnectorError> {
    let sys = System::Netsuite;
    let mut config = NetsuiteConfig::new(&need_text(sys, &settings.account_id, "account id")?)?
        .with_timeout(timeout);
    if let Some(base) = &settings.base_url {
        config = config.with_base_url(base)?;
    }
    let credentials = match kind {
        AuthKind::ClientCredentials => {
            let algorithm = match settings.algorithm.as_deref() {
                Some("ES256") => AssertionAlgorithm::Es256,
                _ => AssertionAlgorithm::Ps256,
            };
            NetsuiteCredentials::client_credentials(
                need_text(sys, &settings.client_id, "client id")?,
                need_text(sys, &settings.certificate_id, "certificate id")?,
                algorithm,
                need_secret(sys, secrets, "private_key_pem")?,
            )
        }
        AuthKind::Tba => NetsuiteCredentials::Tba {
            consumer_key: need_secret(sys, secrets, "consumer_key")?,
            consumer_secret: need_secret(sys, secrets, "consumer_secret")?,
            token_id: need_secret(sys, secrets, "token_id")?,
            token_secret: need_secret(sys, secrets, "token_secret")?,
        },
        _ => {
            return Err(ConnectorError::config(
                sys,
                "not a NetSuite authentication kind",
            ));
        }
    };
    NetsuiteClient::with_gate(config, credentials, gate)
}

/// Makes the concurrency gate of one NetSuite account (keyed by account id).
pub type GateFactory = Arc<dyn Fn(&str, u32) -> Arc<dyn ConcurrencyGate> + Send + Sync>;

/// In-process gates: right for a single process (the embedded SQLite default).
pub fn in_process_gates() -> GateFactory {
    type Gates = HashMap<(String, u32), Arc<dyn ConcurrencyGate>>;
    let gates: Arc<Mutex<Gates>> = Arc::default();
    Arc::new(move |account: &str, limit: u32| {
        let mut gates = gates.lock().unwrap_or_else(|p| p.into_inner());
        gates
            .entry((account.to_ascii_lowercase(), limit))
            .or_insert_with(|| Arc::new(SemaphoreGate::new(limit)))
            .clone()
    })
}

/// The clients of one integration.
#[derive(Clone)]
pub struct IntegrationClients {
    pub salesforce: SalesforceClient,
    pub netsuite: NetsuiteClient,
    /// The Salesforce org the connection was tested against.
    pub organization_id: Option<String>,
    salesforce_connection: Uuid,
    stored_refresh_token: Option<String>,
}

/// Why an integration's clients cannot be built: a person has to fix the connection.
#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error("the {0} connection is missing; connect it under Connections")]
    Missing(&'static str),
    #[error("the {0} connection failed its last test; fix it under Connections")]
    NotWorking(&'static str),
    #[error("the stored {0} secrets cannot be read with the current master key; enter them again")]
    Secrets(&'static str),
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

type CacheKey = (Uuid, DateTime<Utc>, Uuid, DateTime<Utc>);

/// Clients per integration, shared by every task of the process.
#[derive(Clone)]
pub struct ClientCache {
    db: DatabaseConnection,
    master_key: Arc<SecretSlice<u8>>,
    gates: GateFactory,
    cached: Arc<Mutex<HashMap<Uuid, (CacheKey, IntegrationClients)>>>,
}

impl ClientCache {
    pub fn new(
        db: DatabaseConnection,
        master_key: Arc<SecretSlice<u8>>,
        gates: GateFactory,
    ) -> Self {
        Self {
            db,
            master_key,
            gates,
            cached: Arc::default(),
        }
    }

    /// Both clients of `integration_id` (of `tenant_id`: the caller's flow row says which).
    pub async fn for_integration(
        &self,
        tenant_id: Uuid,
        integration_id: Uuid,
    ) -> Result<IntegrationClients, ClientsError> {
        let rows = connection::Entity::find()
            .filter(connection::Column::TenantId.eq(tenant_id))
            .filter(connection::Column::IntegrationId.eq(integration_id))
            .all(&self.db)
            .await?;
        let find = |system: SystemKind| rows.iter().find(|r| r.system == system.as_str());
        let sf = find(SystemKind::Salesforce).ok_or(ClientsError::Missing("Salesforce"))?;
        let ns = find(SystemKind::NetSuite).ok_or(ClientsError::Missing("NetSuite"))?;
        for (row, name) in [(sf, "Salesforce"), (ns, "NetSuite")] {
            if row.status != STATUS_OK {
                return Err(ClientsError::NotWorking(name));
            }
        }
        let key = (sf.id, sf.updated_at, ns.id, ns.updated_at);
        if let Some((cached_key, clients)) = self
            .cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&integration_id)
            && *cached_key == key
        {
            return Ok(clients.clone());
        }
        let clients = self.build(sf, ns)?;
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(integration_id, (key, clients.clone()));
        Ok(clients)
    }

    fn build(
        &self,
        sf: &connection::Model,
        ns: &connection::Model,
    ) -> Result<IntegrationClients, ClientsError> {
        let settings = |row: &connection::Model| -> ConnectionSettings {
            serde_json::from_value(row.settings.clone()).unwrap_or_default()
        };
        let (sf_settings, ns_settings) = (settings(sf), settings(ns));
        let sf_secrets = stored_secrets(&self.master_key, sf)
            .map_err(|_| ClientsError::Secrets("Salesforce"))?;
        let ns_secrets =
            stored_secrets(&self.master_key, ns).map_err(|_| ClientsError::Secrets("NetSuite"))?;
        let sf_kind = AuthKind::parse(SystemKind::Salesforce, &sf.auth_kind)
            .ok_or(ClientsError::NotWorking("Salesforce"))?;
        let ns_kind = AuthKind::parse(SystemKind::NetSuite, &ns.auth_kind)
            .ok_or(ClientsError::NotWorking("NetSuite"))?;
        let account = ns_settings.account_id.clone().unwrap_or_default();
        let limit = ns_settings.concurrency_limit.unwrap_or(DEFAULT_CONCURRENCY);
        let gate = (self.gates)(&account, limit);
        Ok(IntegrationClients {
            salesforce: build_salesforce(sf_kind, &sf_settings, &sf_secrets, FLOW_TIMEOUT)?,
            netsuite: build_netsuite(ns_kind, &ns_settings, &ns_secrets, FLOW_TIMEOUT, gate)?,
            organization_id: sf_settings.organization_id.clone(),
            salesforce_connection: sf.id,
            stored_refresh_token: sf_secrets
                .get("refresh_token")
                .map(|s| s.expose_secret().to_owned()),
        })
    }

    /// Stores a refresh token the connected app rotated while these clients ran, so the next
    /// process (or a restart) does not log in with a revoked one.
    pub async fn persist_rotated_token(
        &self,
        clients: &IntegrationClients,
    ) -> Result<(), ClientsError> {
        let Some(current) = clients.salesforce.current_refresh_token() else {
            return Ok(());
        };
        if clients.stored_refresh_token.as_deref() == Some(current.expose_secret()) {
            return Ok(());
        }
        super::store_rotated_refresh_token(
            &self.db,
            &self.master_key,
            clients.salesforce_connection,
            current,
        )
        .await
        .map_err(|e| {
            ClientsError::Connector(ConnectorError::config(System::Salesforce, e.to_string()))
        })?;
        // The stored row changed: drop every cached client built from the old one.
        self.cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, (_, c)| c.salesforce_connection != clients.salesforce_connection);
        Ok(())
    }
}
