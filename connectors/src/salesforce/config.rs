//! What a Salesforce connection needs to be reached: endpoints, API version, timeout, and the
//! credentials of one of the two server-side flows.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::error::{ConnectorError, System};

/// API version used when the connection does not name one (Summer '26).
pub const DEFAULT_API_VERSION: &str = "v67.0";
/// Time allowed for one request when the connection does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Endpoints and limits of a Salesforce connection (no secrets).
#[derive(Debug, Clone)]
pub struct SalesforceConfig {
    /// Token host: `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain,
    /// or the sandbox.
    pub login_url: Url,
    /// Where data calls go when set; otherwise the token response's `instance_url`.
    pub instance_url: Option<Url>,
    /// `vNN.N`.
    pub api_version: String,
    /// JWT `aud`; derived from `login_url` when absent (see [`SalesforceConfig::audience`]).
    pub jwt_audience: Option<String>,
    /// Time allowed for each request.
    pub timeout: Duration,
    /// Sent as `Sforce-Call-Options: client=<id>` on every data call, so change events of our
    /// own writes carry it in `changeOrigin` and the sync can skip them (no echo loops).
    pub call_options_client: Option<String>,
}

impl SalesforceConfig {
    /// A connection to `login_url` with the default version and timeout.
    pub fn new(login_url: &str) -> Result<Self, ConnectorError> {
        Ok(Self {
            login_url: parse_url(login_url)?,
            instance_url: None,
            api_version: DEFAULT_API_VERSION.to_string(),
            jwt_audience: None,
            timeout: DEFAULT_TIMEOUT,
            call_options_client: None,
        })
    }

    /// Sends data calls to `instance_url` instead of the token response's.
    pub fn with_instance_url(mut self, instance_url: &str) -> Result<Self, ConnectorError> {
        self.instance_url = Some(parse_url(instance_url)?);
        Ok(self)
    }

    /// Sets the API version; `67.0` and `v67.0` are both accepted.
    pub fn with_api_version(mut self, version: &str) -> Result<Self, ConnectorError> {
        let version = version.trim();
        let bare = version.strip_prefix('v').unwrap_or(version);
        let valid = bare.split_once('.').is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major
                    .bytes()
                    .chain(minor.bytes())
                    .all(|b| b.is_ascii_digit())
        });
        if !valid {
            return Err(ConnectorError::config(
                System::Salesforce,
                format!("API version {version:?} is not of the form v67.0"),
            ));
        }
        self.api_version = format!("v{bare}");
        Ok(self)
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Tags every data call with `Sforce-Call-Options: client=<client>`.
    pub fn with_call_options_client(mut self, client: &str) -> Result<Self, ConnectorError> {
        // The header value is `key=value` pairs separated by commas; keep the id one token.
        if client.is_empty()
            || !client
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ConnectorError::config(
                System::Salesforce,
                format!("{client:?} is not a valid Sforce-Call-Options client id"),
            ));
        }
        self.call_options_client = Some(client.to_string());
        Ok(self)
    }

    /// The JWT `aud`. Salesforce accepts only `https://login.salesforce.com`,
    /// `https://test.salesforce.com` or an Experience Cloud site, never a My Domain
    /// (PROTOCOLS A2.1), so a My Domain login URL maps to the production or sandbox login host;
    /// any other login URL (the sandbox, a site) is used as its own origin.
    pub fn audience(&self) -> String {
        if let Some(aud) = &self.jwt_audience {
            return aud.clone();
        }
        let host = self
            .login_url
            .host_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if host.ends_with(".sandbox.my.salesforce.com") {
            "https://test.salesforce.com".to_string()
        } else if host.ends_with(".my.salesforce.com") {
            "https://login.salesforce.com".to_string()
        } else {
            self.login_url.origin().ascii_serialization()
        }
    }

    pub(crate) fn token_url(&self) -> Result<Url, ConnectorError> {
        join(&self.login_url, "services/oauth2/token")
    }
}

/// Credentials of a Salesforce connection. `Debug` shows who, never the secrets.
#[derive(Clone)]
pub enum SalesforceCredentials {
    /// OAuth 2.0 JWT bearer flow (server to server): an assertion signed with the private key
    /// whose certificate is uploaded to the connected app.
    JwtBearer {
        consumer_key: String,
        username: String,
        /// RSA private key, PEM (PKCS#1 or PKCS#8).
        private_key_pem: SecretString,
    },
    /// OAuth 2.0 refresh-token flow, from a refresh token granted by the web-server flow.
    RefreshToken {
        client_id: String,
        /// Needed unless the connected app has "Require Secret" off.
        client_secret: Option<SecretString>,
        refresh_token: SecretString,
    },
}

impl fmt::Debug for SalesforceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::JwtBearer {
                consumer_key,
                username,
                ..
            } => f
                .debug_struct("JwtBearer")
                .field("consumer_key", consumer_key)
                .field("username", username)
                .field("private_key_pem", &"[redacted]")
                .finish(),
            Self::RefreshToken {
                client_id,
                client_secret,
                ..
            } => f
                .debug_struct("RefreshToken")
                .field("client_id", client_id)
                .field(
                    "client_secret",
                    &client_secret.as_ref().map(|_| "[redacted]"),
                )
                .field("refresh_token", &"[redacted]")
                .finish(),
        }
    }
}

fn parse_url(value: &str) -> Result<Url, ConnectorError> {
    let url = Url::parse(value.trim()).map_err(|e| {
        ConnectorError::config(System::Salesforce, format!("{value:?} is not a URL: {e}"))
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(ConnectorError::config(
            System::Salesforce,
            format!("{value:?} is not an http(s) URL"),
        ));
    }
    Ok(url)
}

/// Joins a path below `base`, keeping any path `base` already has.
pub(crate) fn join(base: &Url, path: &str) -> Result<Url, ConnectorError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path.trim_start_matches('/')).map_err(|e| {
        ConnectorError::config(System::Salesforce, format!("bad URL path {path:?}: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_is_the_login_host_and_never_a_my_domain() {
        let aud = |url: &str| SalesforceConfig::new(url).unwrap().audience();
        assert_eq!(
            aud("https://login.salesforce.com/"),
            "https://login.salesforce.com"
        );
        assert_eq!(
            aud("https://test.salesforce.com"),
            "https://test.salesforce.com"
        );
        assert_eq!(
            aud("https://acme.my.salesforce.com"),
            "https://login.salesforce.com"
        );
        assert_eq!(
            aud("https://acme--dev.sandbox.my.salesforce.com"),
            "https://test.salesforce.com"
        );
        assert_eq!(aud("http://127.0.0.1:8081"), "http://127.0.0.1:8081");
    }

    #[test]
    fn api_version_accepts_both_spellings_and_refuses_others() {
        let config = SalesforceConfig::new("https://login.salesforce.com").unwrap();
        assert_eq!(
            config.clone().with_api_version("61.0").unwrap().api_version,
            "v61.0"
        );
        assert_eq!(
            config
                .clone()
                .with_api_version("v68.0")
                .unwrap()
                .api_version,
            "v68.0"
        );
        assert!(config.with_api_version("latest").is_err());
    }

    #[test]
    fn credentials_debug_output_names_the_user_but_not_the_secrets() {
        let creds = SalesforceCredentials::RefreshToken {
            client_id: "app".into(),
            client_secret: Some(SecretString::from("s3cret-client")),
            refresh_token: SecretString::from("5Aep-refresh"),
        };
        let shown = format!("{creds:?}");
        assert!(shown.contains("app"));
        assert!(!shown.contains("s3cret-client") && !shown.contains("5Aep-refresh"));
    }
}
