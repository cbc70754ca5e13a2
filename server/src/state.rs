//! What every handler can reach: the database and the web settings.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use secrecy::SecretSlice;

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
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::hours(12),
            force_secure_cookies: false,
            public_url: None,
        }
    }
}

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Signs session JWTs and CSRF tokens. At least 32 bytes.
    pub session_key: Arc<SecretSlice<u8>>,
    pub settings: WebSettings,
}
