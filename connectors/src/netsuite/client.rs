//! The NetSuite REST client: one per connection, cheap to clone. Every call goes through
//! [`NetsuiteClient::send`], which waits for a concurrency slot, signs the request (bearer
//! token or OAuth 1.0a), and handles NetSuite's ambiguous `401 INVALID_LOGIN` (PROTOCOLS B7).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use super::auth::{AccessToken, M2mKeys, TokenCache};
use super::config::{NetsuiteConfig, NetsuiteCredentials};
use super::errors;
use super::gate::{ConcurrencyGate, Priority, SemaphoreGate};
use super::oauth1;
use crate::error::{ConnectorError, ErrorKind, System};
use crate::http;
use crate::metrics::{self, Endpoint};

/// NetSuite's base concurrency limit (Standard tier without SuiteCloud Plus).
pub const DEFAULT_CONCURRENCY: u32 = 5;

/// A NetSuite account reached through one connection's credentials.
#[derive(Clone)]
pub struct NetsuiteClient {
    inner: Arc<Inner>,
    /// Which queue of the gate this handle's requests wait in.
    priority: Priority,
}

struct Inner {
    http: reqwest::Client,
    config: NetsuiteConfig,
    auth: Auth,
    gate: Arc<dyn ConcurrencyGate>,
    /// Set after the first accepted request: from then on a refused login with credentials
    /// just proven good (fresh token, fresh signature) is NetSuite under load, not credentials
    /// that stopped working. Before it, the refusal may be a role without REST permission,
    /// which retrying would never fix.
    verified: AtomicBool,
}

enum Auth {
    M2m(Box<TokenCache>),
    Tba {
        consumer_key: SecretString,
        consumer_secret: SecretString,
        token_id: SecretString,
        token_secret: SecretString,
    },
}

/// One request, kept whole so it can be replayed.
pub(crate) struct Call<'a> {
    /// What kind of call this is, for metrics.
    pub endpoint: Endpoint,
    pub method: Method,
    /// Path below `/services/rest/`.
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<&'a Value>,
    pub headers: Vec<(&'static str, &'static str)>,
}

impl<'a> Call<'a> {
    pub fn new(endpoint: Endpoint, method: Method, path: String) -> Self {
        Self {
            endpoint,
            method,
            path,
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
        }
    }

    pub fn query(mut self, key: &'a str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub fn body(mut self, body: &'a Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// A successful answer.
pub(crate) struct Answer {
    pub headers: HeaderMap,
    pub body: String,
}

struct Attempt {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Attempt {
    /// NetSuite's 401s all mean "login refused" (documented code `INVALID_LOGIN`); a body
    /// without the envelope is treated the same rather than as final.
    fn is_login_refused(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Debug for NetsuiteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetsuiteClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl NetsuiteClient {
    /// A client with an in-process gate of [`DEFAULT_CONCURRENCY`] slots.
    pub fn new(
        config: NetsuiteConfig,
        credentials: NetsuiteCredentials,
    ) -> Result<Self, ConnectorError> {
        Self::with_gate(
            config,
            credentials,
            Arc::new(SemaphoreGate::new(DEFAULT_CONCURRENCY)),
        )
    }

    /// A client admitting requests through `gate`, which may be shared with other clients of
    /// the same account.
    pub fn with_gate(
        config: NetsuiteConfig,
        credentials: NetsuiteCredentials,
        gate: Arc<dyn ConcurrencyGate>,
    ) -> Result<Self, ConnectorError> {
        let http = http::client(System::Netsuite, config.timeout)?;
        let auth = match credentials {
            NetsuiteCredentials::ClientCredentials {
                client_id,
                certificate_id,
                algorithm,
                private_key_pem,
                scopes,
            } => Auth::M2m(Box::new(TokenCache::new(
                http.clone(),
                config.clone(),
                M2mKeys {
                    client_id,
                    certificate_id,
                    algorithm,
                    private_key_pem,
                    scopes,
                },
            ))),
            NetsuiteCredentials::Tba {
                consumer_key,
                consumer_secret,
                token_id,
                token_secret,
            } => Auth::Tba {
                consumer_key,
                consumer_secret,
                token_id,
                token_secret,
            },
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                auth,
                gate,
                verified: AtomicBool::new(false),
            }),
            priority: Priority::RealTime,
        })
    }

    /// The same connection (token, gate) for backfill work, which yields slots to real-time
    /// work.
    pub fn for_backfill(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            priority: Priority::Backfill,
        }
    }

    pub fn config(&self) -> &NetsuiteConfig {
        &self.inner.config
    }

    /// Obtains an access token now (client credentials); TBA has no token to obtain, so its
    /// credentials are only proven by a call.
    pub async fn authenticate(&self) -> Result<(), ConnectorError> {
        match &self.inner.auth {
            Auth::M2m(tokens) => tokens.token().await.map(|_| ()),
            Auth::Tba { .. } => Ok(()),
        }
    }

    #[tracing::instrument(name = "netsuite_call", skip_all, fields(method = %call.method, endpoint = call.endpoint.as_str(), path = %call.path))]
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Answer, ConnectorError> {
        let asked = Instant::now();
        let _slot = self.inner.gate.acquire(self.priority).await?;
        metrics::record_slot_wait(self.priority, asked.elapsed());
        let mut url = self.inner.config.rest_url(&call.path)?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let result = self.send_authenticated(call, &url).await;
        match &result {
            Ok(_) => self.inner.verified.store(true, Ordering::Relaxed),
            Err(err) => {
                tracing::debug!(error = %err, "NetSuite call failed");
                if err.kind == ErrorKind::RateLimited {
                    metrics::count_rejection();
                    self.inner.gate.rate_limited();
                }
            }
        }
        result
    }

    async fn send_authenticated(
        &self,
        call: &Call<'_>,
        url: &Url,
    ) -> Result<Answer, ConnectorError> {
        let attempt = match &self.inner.auth {
            Auth::M2m(tokens) => {
                let token = tokens.token().await?;
                let first = self.attempt(call, url, Some(&token)).await?;
                if !first.is_login_refused() {
                    first
                } else {
                    // Either the token was revoked or expired early, or NetSuite is overloaded
                    // (B7). A fresh token settles the first case; if it is refused too, the
                    // connection's history decides (see `verified`).
                    tracing::debug!("INVALID_LOGIN; replaying once with a fresh token");
                    let fresh = tokens.renew(&token).await?;
                    self.attempt(call, url, Some(&fresh)).await?
                }
            }
            Auth::Tba { .. } => {
                let first = self.attempt(call, url, None).await?;
                if !first.is_login_refused() {
                    first
                } else {
                    tracing::debug!("INVALID_LOGIN; replaying once with a fresh nonce");
                    self.attempt(call, url, None).await?
                }
            }
        };
        if attempt.is_login_refused() && self.inner.verified.load(Ordering::Relaxed) {
            return Err(overload_error(&attempt));
        }
        if (200..300).contains(&attempt.status) {
            Ok(Answer {
                headers: attempt.headers,
                body: attempt.body,
            })
        } else {
            Err(errors::api_error(
                attempt.status,
                &attempt.headers,
                &attempt.body,
            ))
        }
    }

    async fn attempt(
        &self,
        call: &Call<'_>,
        url: &Url,
        token: Option<&AccessToken>,
    ) -> Result<Attempt, ConnectorError> {
        let authorization = match (&self.inner.auth, token) {
            (Auth::M2m(_), Some(token)) => http::bearer(System::Netsuite, &token.token)?,
            (Auth::M2m(_), None) => {
                return Err(ConnectorError::config(
                    System::Netsuite,
                    "no access token to send",
                ));
            }
            (
                Auth::Tba {
                    consumer_key,
                    consumer_secret,
                    token_id,
                    token_secret,
                    ..
                },
                _,
            ) => {
                let keys = oauth1::Keys {
                    consumer_key: consumer_key.expose_secret(),
                    consumer_secret: consumer_secret.expose_secret(),
                    token: token_id.expose_secret(),
                    token_secret: token_secret.expose_secret(),
                };
                let header = oauth1::authorization(
                    &self.inner.config.realm(),
                    call.method.as_str(),
                    url,
                    &keys,
                    &oauth1::Nonce::fresh(),
                );
                http::sensitive(System::Netsuite, &header)?
            }
        };
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url.clone())
            .header(AUTHORIZATION, authorization)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &call.headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let answer = http::exchange(System::Netsuite, call.endpoint, request).await?;
        let (status, headers, body) = (answer.status, answer.headers, answer.body);
        Ok(Attempt {
            status,
            headers,
            body,
        })
    }
}

/// `INVALID_LOGIN` for credentials known to be good: NetSuite's overload quirk (B7).
fn overload_error(attempt: &Attempt) -> ConnectorError {
    ConnectorError::remote(
        ErrorKind::RateLimited,
        System::Netsuite,
        attempt.status,
        errors::error_code(&attempt.body).or_else(|| Some("INVALID_LOGIN".into())),
        "NetSuite refused credentials it has just accepted; it does so when the account is over \
         its concurrency limit, so the request should be retried later",
    )
}
