//! Getting and caching Salesforce access tokens. Salesforce tells nothing about a token's
//! lifetime (no `expires_in`), so the cache keeps a token until a data call answers
//! `INVALID_SESSION_ID`; then exactly one task fetches a new one while the others wait for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use super::config::{SalesforceConfig, SalesforceCredentials};
use super::errors;
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Salesforce refuses an `exp` more than 3 minutes ahead; 2 minutes leaves a minute for clock
/// skew either way.
const ASSERTION_LIFETIME_SECS: i64 = 120;

/// A usable access token and where to send data calls with it.
pub(crate) struct Session {
    pub access_token: SecretString,
    pub instance_url: Url,
    /// The org's 18-character id, from the identity URL of the token response (`…/id/<org>/<user>`).
    pub organization_id: Option<String>,
    /// Distinguishes tokens so a task that saw a stale one can tell whether another task has
    /// already replaced it.
    pub generation: u64,
}

/// The token of one connection, shared by every task that uses the connection.
pub(crate) struct TokenCache {
    http: reqwest::Client,
    config: SalesforceConfig,
    /// Behind a lock because refresh-token rotation replaces the refresh token.
    credentials: std::sync::Mutex<SalesforceCredentials>,
    current: Mutex<Option<Arc<Session>>>,
    generations: AtomicU64,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    instance_url: String,
    /// Present when the connected app rotates refresh tokens.
    refresh_token: Option<String>,
    /// The identity URL, `https://login.salesforce.com/id/<org id>/<user id>`.
    id: Option<String>,
}

/// The org id inside an identity URL.
fn organization_id(identity_url: &str) -> Option<String> {
    let mut segments = identity_url.rsplit('/');
    let _user = segments.next()?;
    let org = segments.next()?;
    (org.len() >= 15 && org.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| org.to_string())
}

impl TokenCache {
    pub fn new(
        http: reqwest::Client,
        config: SalesforceConfig,
        credentials: SalesforceCredentials,
    ) -> Self {
        Self {
            http,
            config,
            credentials: std::sync::Mutex::new(credentials),
            current: Mutex::new(None),
            generations: AtomicU64::new(0),
        }
    }

    /// The cached token, fetching one if there is none.
    pub async fn session(&self) -> Result<Arc<Session>, ConnectorError> {
        let mut current = self.current.lock().await;
        if let Some(session) = current.as_ref() {
            return Ok(session.clone());
        }
        let session = Arc::new(self.fetch().await?);
        *current = Some(session.clone());
        Ok(session)
    }

    /// Replaces `stale` (a token a data call refused) unless another task already did, in
    /// which case its token is returned: concurrent 401s cause one token request, not many.
    pub async fn renew(&self, stale: &Session) -> Result<Arc<Session>, ConnectorError> {
        let mut current = self.current.lock().await;
        if let Some(session) = current.as_ref()
            && session.generation != stale.generation
        {
            return Ok(session.clone());
        }
        *current = None;
        let session = Arc::new(self.fetch().await?);
        *current = Some(session.clone());
        Ok(session)
    }

    /// The refresh token currently in use: after a rotation the caller should store it.
    pub fn refresh_token(&self) -> Option<SecretString> {
        match &*self.credentials.lock().unwrap_or_else(|p| p.into_inner()) {
            SalesforceCredentials::RefreshToken { refresh_token, .. } => {
                Some(refresh_token.clone())
            }
            SalesforceCredentials::JwtBearer { .. } => None,
        }
    }

    #[tracing::instrument(name = "salesforce_token", skip_all, fields(flow))]
    async fn fetch(&self) -> Result<Session, ConnectorError> {
        let credentials = self
            .credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let form: Vec<(&str, String)> = match &credentials {
            SalesforceCredentials::JwtBearer {
                consumer_key,
                username,
                private_key_pem,
            } => {
                tracing::Span::current().record("flow", "jwt_bearer");
                let assertion = self.assertion(consumer_key, username, private_key_pem)?;
                vec![
                    ("grant_type", JWT_BEARER_GRANT.into()),
                    ("assertion", assertion),
                ]
            }
            SalesforceCredentials::RefreshToken {
                client_id,
                client_secret,
                refresh_token,
            } => {
                tracing::Span::current().record("flow", "refresh_token");
                let mut form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("refresh_token", refresh_token.expose_secret().to_string()),
                    ("client_id", client_id.clone()),
                ];
                if let Some(secret) = client_secret {
                    form.push(("client_secret", secret.expose_secret().to_string()));
                }
                form
            }
        };
        let request = self
            .http
            .post(self.config.token_url()?)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        let http::Exchange {
            status,
            headers,
            body,
        } = http::exchange(System::Salesforce, Endpoint::Token, request).await?;
        if !(200..300).contains(&status) {
            let err = errors::token_error(status, &headers, &body);
            tracing::warn!(error = %err, "Salesforce refused the token request");
            return Err(err);
        }
        let token: TokenResponse = http::decode_token(System::Salesforce, &body)?;
        if let Some(rotated) = token.refresh_token
            && let SalesforceCredentials::RefreshToken { refresh_token, .. } =
                &mut *self.credentials.lock().unwrap_or_else(|p| p.into_inner())
        {
            *refresh_token = SecretString::from(rotated);
        }
        let instance_url = match &self.config.instance_url {
            Some(url) => url.clone(),
            None => Url::parse(&token.instance_url).map_err(|e| {
                ConnectorError::config(
                    System::Salesforce,
                    format!("the token response's instance_url is not a URL: {e}"),
                )
            })?,
        };
        tracing::debug!(instance_url = %instance_url, "Salesforce token obtained");
        Ok(Session {
            access_token: SecretString::from(token.access_token),
            instance_url,
            organization_id: token.id.as_deref().and_then(organization_id),
            generation: self.generations.fetch_add(1, Ordering::Relaxed) + 1,
        })
    }

    /// The signed JWT of the bearer flow (PROTOCOLS A2.1): RS256 only.
    fn assertion(
        &self,
        consumer_key: &str,
        username: &str,
        private_key_pem: &SecretString,
    ) -> Result<String, ConnectorError> {
        let key = EncodingKey::from_rsa_pem(private_key_pem.expose_secret().as_bytes()).map_err(
            |_| ConnectorError::config(System::Salesforce, "the private key is not an RSA PEM key"),
        )?;
        let audience = self.config.audience();
        let claims = AssertionClaims {
            iss: consumer_key,
            sub: username,
            aud: &audience,
            exp: Utc::now().timestamp() + ASSERTION_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).map_err(|_| {
            ConnectorError::config(System::Salesforce, "the JWT assertion could not be signed")
        })
    }
}
