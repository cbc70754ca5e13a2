//! What a NetSuite connection needs to be reached: the account, an optional base-URL override
//! (the sandbox, or a proxy), a timeout, and the credentials of one of the two auth kinds.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::error::{ConnectorError, System};

/// Time allowed for one request when the connection does not say. NetSuite itself kills a
/// request after 15 minutes; a sync call that takes minutes is better retried.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Endpoints and limits of a NetSuite connection (no secrets).
#[derive(Debug, Clone)]
pub struct NetsuiteConfig {
    /// Account id as NetSuite shows it: `1234567` or `1234567_SB1`.
    pub account_id: String,
    /// Replaces `https://<account>.suitetalk.api.netsuite.com` (the sandbox, a test double).
    pub base_url: Option<Url>,
    pub timeout: Duration,
}

impl NetsuiteConfig {
    pub fn new(account_id: &str) -> Result<Self, ConnectorError> {
        let account_id = account_id.trim();
        if account_id.is_empty()
            || !account_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ConnectorError::config(
                System::Netsuite,
                format!("{account_id:?} is not a NetSuite account id"),
            ));
        }
        Ok(Self {
            account_id: account_id.to_string(),
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Points the connection at another base URL, e.g. the sandbox.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, ConnectorError> {
        let url = Url::parse(base_url.trim()).map_err(|e| {
            ConnectorError::config(System::Netsuite, format!("{base_url:?} is not a URL: {e}"))
        })?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(ConnectorError::config(
                System::Netsuite,
                format!("{base_url:?} is not an http(s) URL"),
            ));
        }
        self.base_url = Some(url);
        Ok(self)
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The account's host label: lowercase, `_` → `-` (`1234567_SB1` → `1234567-sb1`).
    pub fn host_label(&self) -> String {
        self.account_id.to_ascii_lowercase().replace('_', "-")
    }

    /// The TBA realm: the account id in NetSuite's own form (`1234567_SB1`).
    pub fn realm(&self) -> String {
        self.account_id.to_ascii_uppercase().replace('-', "_")
    }

    /// Base URL of SuiteTalk REST for this account.
    pub fn base_url(&self) -> Result<Url, ConnectorError> {
        match &self.base_url {
            Some(url) => Ok(url.clone()),
            None => Url::parse(&format!(
                "https://{}.suitetalk.api.netsuite.com/",
                self.host_label()
            ))
            .map_err(|e| {
                ConnectorError::config(System::Netsuite, format!("bad account host: {e}"))
            }),
        }
    }

    /// `<base>/services/rest/<rest>`.
    pub(crate) fn rest_url(&self, rest: &str) -> Result<Url, ConnectorError> {
        let mut base = self.base_url()?;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(&format!("services/rest/{}", rest.trim_start_matches('/')))
            .map_err(|e| {
                ConnectorError::config(System::Netsuite, format!("bad URL path {rest:?}: {e}"))
            })
    }

    /// The OAuth 2.0 token endpoint, also the assertion's `aud`.
    pub fn token_url(&self) -> Result<Url, ConnectorError> {
        self.rest_url("auth/oauth2/v1/token")
    }
}

/// Signature algorithm of the client-credentials assertion; NetSuite no longer takes RS256.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssertionAlgorithm {
    /// RSA-PSS with SHA-256 (RSA key of 3072 or 4096 bits).
    Ps256,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

/// Credentials of a NetSuite connection. `Debug` never shows a secret.
#[derive(Clone)]
pub enum NetsuiteCredentials {
    /// OAuth 2.0 client credentials (machine to machine) with a signed JWT assertion.
    ClientCredentials {
        /// The integration record's client id (the assertion's `iss`).
        client_id: String,
        /// The certificate id from the M2M setup (the assertion's `kid`).
        certificate_id: String,
        algorithm: AssertionAlgorithm,
        /// PKCS#8 PEM private key matching the uploaded certificate.
        private_key_pem: SecretString,
        /// E.g. `["rest_webservices"]`; sent as a JSON array.
        scopes: Vec<String>,
    },
    /// Token-based authentication (OAuth 1.0a, HMAC-SHA256).
    Tba {
        consumer_key: SecretString,
        consumer_secret: SecretString,
        token_id: SecretString,
        token_secret: SecretString,
    },
}

impl NetsuiteCredentials {
    /// Client credentials with the `rest_webservices` scope.
    pub fn client_credentials(
        client_id: impl Into<String>,
        certificate_id: impl Into<String>,
        algorithm: AssertionAlgorithm,
        private_key_pem: SecretString,
    ) -> Self {
        Self::ClientCredentials {
            client_id: client_id.into(),
            certificate_id: certificate_id.into(),
            algorithm,
            private_key_pem,
            scopes: vec!["rest_webservices".to_string()],
        }
    }
}

impl fmt::Debug for NetsuiteCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientCredentials {
                client_id,
                certificate_id,
                algorithm,
                scopes,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("certificate_id", certificate_id)
                .field("algorithm", algorithm)
                .field("private_key_pem", &"[redacted]")
                .field("scopes", scopes)
                .finish(),
            Self::Tba { .. } => f
                .debug_struct("Tba")
                .field("consumer_key", &"[redacted]")
                .field("consumer_secret", &"[redacted]")
                .field("token_id", &"[redacted]")
                .field("token_secret", &"[redacted]")
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_account_ids_become_lowercase_dashed_hosts_and_keep_their_realm() {
        let config = NetsuiteConfig::new("1234567_SB1").unwrap();
        assert_eq!(
            config.base_url().unwrap().as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/"
        );
        assert_eq!(config.realm(), "1234567_SB1");
        assert_eq!(
            config.token_url().unwrap().as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(
            NetsuiteConfig::new("1234567-sb1").unwrap().realm(),
            "1234567_SB1"
        );
    }

    #[test]
    fn a_base_url_override_replaces_the_account_host() {
        let config = NetsuiteConfig::new("1234567")
            .unwrap()
            .with_base_url("http://127.0.0.1:8082")
            .unwrap();
        assert_eq!(
            config.rest_url("record/v1/contact").unwrap().as_str(),
            "http://127.0.0.1:8082/services/rest/record/v1/contact"
        );
    }

    #[test]
    fn account_ids_that_could_change_the_host_are_refused() {
        assert!(NetsuiteConfig::new("evil.example.com/").is_err());
        assert!(NetsuiteConfig::new("").is_err());
    }
}
