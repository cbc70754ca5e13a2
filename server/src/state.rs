//! What every handler can reach: the database and the web settings.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use secrecy::{SecretSlice, SecretString};

use ferry_domain::connections::{AuthKind, ConnectionParams};
use ferry_domain::integrations::SystemKind;

/// Web-layer settings, typed and passed in by the binary.
#[derive(Clone, Debug)]
pub struct WebSettings {
    /// How long a login lasts.
    pub session_ttl: chrono::Duration,
    /// Force the `Secure` cookie flag even when the request looks like plain
    /// HTTP (behind a TLS-terminating proxy that does not say so).
    pub force_secure_cookies: bool,
    /// Public base URL (e.g. `https://ferry.example.com`), used for links shown
    /// to people such as invitation links. `None`: derived from the request.
    pub public_url: Option<String>,
    /// Whether e-mail (SMTP) is configured: the digest setting says so when it is not.
    pub mail_configured: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            force_secure_cookies: false,
            public_url: None,
            mail_configured: false,
        }
    }
}

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Signs session JWTs and CSRF tokens. At least 32 bytes.
    pub session_key: Arc<SecretSlice<u8>>,
    /// Encrypts connection secrets (AES-256-GCM). 32 bytes.
    pub master_key: Arc<SecretSlice<u8>>,
    pub settings: WebSettings,
    /// The in-process sandbox, when one runs (`ferry serve --sandbox`, tests): its endpoints
    /// and demo credentials behind the "Use the sandbox" button.
    pub sandbox: Option<Arc<SandboxLink>>,
    /// What the listener, retries and backfills need: the inbox and a way to wake workers.
    pub sync: ferry_domain::sync::SyncContext,
    /// Salesforce field lists for the flow settings form, kept a few minutes.
    pub describe: ferry_domain::flows::describe::DescribeCache,
}

/// Where the in-process simulators listen and the demo credentials registered on them. A
/// plain struct so the server does not depend on the sandbox crate. The credentials are the
/// sandbox's public demo ones, not secrets of any tenant.
#[derive(Clone)]
pub struct SandboxLink {
    /// Salesforce login host, also the instance URL.
    pub salesforce_url: String,
    pub salesforce_consumer_key: String,
    pub salesforce_username: String,
    pub salesforce_private_key_pem: String,
    pub netsuite_base_url: String,
    pub netsuite_account_id: String,
    pub netsuite_client_id: String,
    pub netsuite_certificate_id: String,
    /// `PS256` or `ES256`.
    pub netsuite_algorithm: String,
    pub netsuite_private_key_pem: String,
}

impl SandboxLink {
    /// The in-process sandbox as a connection: Salesforce with the JWT bearer flow, NetSuite
    /// with client credentials.
    pub fn connection_params(&self, system: SystemKind) -> ConnectionParams {
        let link = self;
        let secret = |v: &str| Some(SecretString::from(v.to_owned()));
        match system {
            SystemKind::Salesforce => ConnectionParams {
                auth_kind: AuthKind::JwtBearer.as_str().to_owned(),
                login_url: link.salesforce_url.clone(),
                instance_url: link.salesforce_url.clone(),
                username: link.salesforce_username.clone(),
                consumer_key: secret(&link.salesforce_consumer_key),
                private_key_pem: secret(&link.salesforce_private_key_pem),
                ..ConnectionParams::default()
            },
            SystemKind::NetSuite => ConnectionParams {
                auth_kind: AuthKind::ClientCredentials.as_str().to_owned(),
                account_id: link.netsuite_account_id.clone(),
                base_url: link.netsuite_base_url.clone(),
                client_id: link.netsuite_client_id.clone(),
                certificate_id: link.netsuite_certificate_id.clone(),
                algorithm: link.netsuite_algorithm.clone(),
                private_key_pem: secret(&link.netsuite_private_key_pem),
                ..ConnectionParams::default()
            },
        }
    }
}

impl std::fmt::Debug for SandboxLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxLink")
            .field("salesforce_url", &self.salesforce_url)
            .field("netsuite_base_url", &self.netsuite_base_url)
            .finish_non_exhaustive()
    }
}
