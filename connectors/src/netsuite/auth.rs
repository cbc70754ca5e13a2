//! NetSuite OAuth 2.0 client credentials (PROTOCOLS B2.1): a JWT assertion signed with PS256 or
//! ES256 (`kid` = certificate id, `scope` as a JSON array, `aud` = the token URL) exchanged for
//! a 60-minute access token, cached for every task until shortly before it expires.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use tokio::sync::Mutex;

use super::config::{AssertionAlgorithm, NetsuiteConfig};
use super::errors;
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The assertion is used once, right away; NetSuite allows up to an hour.
const ASSERTION_LIFETIME_SECS: i64 = 300;
/// A token is replaced this long before NetSuite says it expires, so a request started with
/// it does not arrive with an expired token.
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// A bearer token and when to stop using it.
pub(crate) struct AccessToken {
    pub token: SecretString,
    refresh_at: Instant,
    pub generation: u64,
}

/// What the client-credentials flow needs.
pub(crate) struct M2mKeys {
    pub client_id: String,
    pub certificate_id: String,
    pub algorithm: AssertionAlgorithm,
    pub private_key_pem: SecretString,
    pub scopes: Vec<String>,
}

/// The access token of one connection, shared by every task.
pub(crate) struct TokenCache {
    http: reqwest::Client,
    config: NetsuiteConfig,
    keys: M2mKeys,
    current: Mutex<Option<Arc<AccessToken>>>,
    generations: AtomicU64,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    scope: &'a [String],
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default, deserialize_with = "seconds")]
    expires_in: Option<u64>,
}

/// `expires_in` as a JSON string (`"3600"`, what Oracle documents) or a number.
fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Seconds>::deserialize(deserializer)? {
        Some(Seconds::Number(n)) => Some(n),
        Some(Seconds::Text(s)) => s.trim().parse().ok(),
        None => None,
    })
}

impl TokenCache {
    pub fn new(http: reqwest::Client, config: NetsuiteConfig, keys: M2mKeys) -> Self {
        Self {
            http,
            config,
            keys,
            current: Mutex::new(None),
            generations: AtomicU64::new(0),
        }
    }

    /// A token that is not about to expire, fetching one when needed. One task fetches while
    /// the others wait for its result.
    pub async fn token(&self) -> Result<Arc<AccessToken>, ConnectorError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.clone());
        }
        let token = Arc::new(self.fetch().await?);
        *current = Some(token.clone());
        Ok(token)
    }

    /// Replaces a token NetSuite refused, unless another task already did.
    pub async fn renew(&self, stale: &AccessToken) -> Result<Arc<AccessToken>, ConnectorError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref()
            && token.generation != stale.generation
            && Instant::now() < token.refresh_at
        {
            return Ok(token.clone());
        }
        *current = None;
        let token = Arc::new(self.fetch().await?);
        *current = Some(token.clone());
        Ok(token)
    }

    #[tracing::instrument(name = "netsuite_token", skip_all)]
    async fn fetch(&self) -> Result<AccessToken, ConnectorError> {
        let token_url = self.config.token_url()?;
        let assertion = self.assertion(token_url.as_str())?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        let request = self
            .http
            .post(token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        let http::Exchange {
            status,
            headers,
            body,
        } = http::exchange(System::Netsuite, Endpoint::Token, request).await?;
        if !(200..300).contains(&status) {
            let err = errors::token_error(status, &headers, &body);
            tracing::warn!(error = %err, "NetSuite refused the token request");
            return Err(err);
        }
        let response: TokenResponse = http::decode_token(System::Netsuite, &body)?;
        // NetSuite documents 60-minute tokens; trust that when `expires_in` is unreadable.
        let lifetime = Duration::from_secs(response.expires_in.unwrap_or(3600));
        let margin = EXPIRY_MARGIN.min(lifetime / 10);
        tracing::debug!(
            lifetime_secs = lifetime.as_secs(),
            "NetSuite token obtained"
        );
        Ok(AccessToken {
            token: SecretString::from(response.access_token),
            refresh_at: Instant::now() + lifetime - margin,
            generation: self.generations.fetch_add(1, Ordering::Relaxed) + 1,
        })
    }

    fn assertion(&self, audience: &str) -> Result<String, ConnectorError> {
        let pem = self.keys.private_key_pem.expose_secret().as_bytes();
        let (algorithm, key) = match self.keys.algorithm {
            AssertionAlgorithm::Ps256 => (Algorithm::PS256, EncodingKey::from_rsa_pem(pem)),
            AssertionAlgorithm::Es256 => (Algorithm::ES256, EncodingKey::from_ec_pem(pem)),
        };
        let key = key.map_err(|_| {
            ConnectorError::config(
                System::Netsuite,
                format!("the private key is not a PEM key for {algorithm:?}"),
            )
        })?;
        let mut header = Header::new(algorithm);
        header.kid = Some(self.keys.certificate_id.clone());
        header.typ = Some("JWT".to_string());
        let iat = Utc::now().timestamp();
        let claims = AssertionClaims {
            iss: &self.keys.client_id,
            scope: &self.keys.scopes,
            aud: audience,
            iat,
            exp: iat + ASSERTION_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&header, &claims, &key).map_err(|_| {
            ConnectorError::config(System::Netsuite, "the client assertion could not be signed")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_in_is_read_as_a_string_or_a_number() {
        let read = |body: &str| {
            serde_json::from_str::<TokenResponse>(body)
                .unwrap()
                .expires_in
        };
        assert_eq!(
            read(r#"{"access_token":"t","expires_in":"3600"}"#),
            Some(3600)
        );
        assert_eq!(
            read(r#"{"access_token":"t","expires_in":1800}"#),
            Some(1800)
        );
        assert_eq!(read(r#"{"access_token":"t"}"#), None);
    }
}
