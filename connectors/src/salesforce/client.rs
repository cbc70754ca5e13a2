//! The Salesforce REST client: one per connection, cheap to clone, shared by all tasks. Every
//! data call goes through [`SalesforceClient::send`], which adds the token, replays once on an
//! expired session, records `Sforce-Limit-Info` and turns failures into [`ConnectorError`]s.

use std::sync::{Arc, Mutex};

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::SecretString;
use serde_json::Value;

use super::auth::{Session, TokenCache};
use super::config::{SalesforceConfig, SalesforceCredentials, join};
use super::errors;
use super::limits::LimitInfo;
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

const LIMIT_INFO: &str = "Sforce-Limit-Info";

/// A Salesforce org reached through one connection's credentials.
#[derive(Clone)]
pub struct SalesforceClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: SalesforceConfig,
    tokens: TokenCache,
    limits: Mutex<Option<LimitInfo>>,
}

/// One data-call request; kept whole so it can be replayed after a token renewal.
pub(crate) struct Call<'a> {
    /// What kind of call this is, for metrics.
    pub endpoint: Endpoint,
    pub method: Method,
    /// Path from the instance root, e.g. `/services/data/v67.0/sobjects/Contact`.
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<&'a Value>,
    pub headers: Vec<(&'static str, String)>,
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

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A successful answer.
pub(crate) struct Answer {
    pub status: u16,
    pub body: String,
}

impl std::fmt::Debug for SalesforceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl SalesforceClient {
    pub fn new(
        config: SalesforceConfig,
        credentials: SalesforceCredentials,
    ) -> Result<Self, ConnectorError> {
        let http = http::client(System::Salesforce, config.timeout)?;
        Ok(Self {
            inner: Arc::new(Inner {
                tokens: TokenCache::new(http.clone(), config.clone(), credentials),
                http,
                config,
                limits: Mutex::new(None),
            }),
        })
    }

    pub fn config(&self) -> &SalesforceConfig {
        &self.inner.config
    }

    /// Obtains a token now (or reuses the cached one): what "Test connection" needs first.
    pub async fn authenticate(&self) -> Result<(), ConnectorError> {
        self.inner.tokens.session().await.map(|_| ())
    }

    /// The latest `Sforce-Limit-Info` seen on any response of this connection.
    pub fn limit_info(&self) -> Option<LimitInfo> {
        self.inner
            .limits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The refresh token in use, which differs from the configured one after the connected
    /// app rotated it; the caller should store it. `None` for the JWT bearer flow.
    pub fn current_refresh_token(&self) -> Option<SecretString> {
        self.inner.tokens.refresh_token()
    }

    /// The org this connection's user belongs to (18 characters), fetching a token if needed.
    /// Outbound messages name their org, and the listener checks it against this.
    pub async fn organization_id(&self) -> Result<Option<String>, ConnectorError> {
        Ok(self.inner.tokens.session().await?.organization_id.clone())
    }

    /// `/services/data/vNN.N/<rest>`.
    pub(crate) fn data_path(&self, rest: &str) -> String {
        format!("/services/data/{}/{}", self.inner.config.api_version, rest)
    }

    #[tracing::instrument(name = "salesforce_call", skip_all, fields(method = %call.method, endpoint = call.endpoint.as_str(), path = %call.path))]
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<Answer, ConnectorError> {
        let session = self.inner.tokens.session().await?;
        let (status, headers, body) = self.send_once(&session, call).await?;
        let (status, headers, body) = if status == 401 && errors::is_invalid_session(&body) {
            tracing::debug!("session expired or revoked; renewing the token and replaying once");
            let fresh = self.inner.tokens.renew(&session).await?;
            self.send_once(&fresh, call).await?
        } else {
            (status, headers, body)
        };
        if (200..300).contains(&status) {
            Ok(Answer { status, body })
        } else {
            let err = errors::api_error(status, &headers, &body);
            tracing::debug!(error = %err, "Salesforce call failed");
            Err(err)
        }
    }

    async fn send_once(
        &self,
        session: &Session,
        call: &Call<'_>,
    ) -> Result<(u16, HeaderMap, String), ConnectorError> {
        let url = join(&session.instance_url, &call.path)?;
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), url)
            .header(
                AUTHORIZATION,
                http::bearer(System::Salesforce, &session.access_token)?,
            )
            .header(reqwest::header::ACCEPT, "application/json");
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(client) = &self.inner.config.call_options_client {
            request = request.header("Sforce-Call-Options", format!("client={client}"));
        }
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let answer = http::exchange(System::Salesforce, call.endpoint, request).await?;
        if let Some(info) = answer.headers.get(LIMIT_INFO).and_then(|v| v.to_str().ok()) {
            *self.inner.limits.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(LimitInfo::parse(info));
        }
        let (status, headers, body) = (answer.status, answer.headers, answer.body);
        Ok((status, headers, body))
    }
}
