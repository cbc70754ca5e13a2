//! Helpers for the Salesforce protocol tests: an in-process sandbox on port 0, a token from
//! the demo connected app, raw HTTP helpers, and a listener for outbound messages.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod listener;

use std::time::Duration;

use chrono::Utc;
use ferry_sandbox::salesforce::{OutboundSettings, SalesforceSettings};
use ferry_sandbox::{Sandbox, SandboxOptions};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub const VERSION: &str = "v67.0";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// A key no connected app trusts.
pub const UNTRUSTED_KEY: &str = include_str!("untrusted_key.pem");

/// A running sandbox plus an HTTP client and an access token for the demo user.
pub struct TestApp {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
}

/// Settings that keep tests fast: quick redeliveries, small query batches allowed.
pub fn fast_settings() -> SalesforceSettings {
    SalesforceSettings {
        query_batch_size_min: 1,
        outbound: OutboundSettings {
            initial_backoff_ms: 50,
            max_backoff_ms: 200,
            delivery_timeout_ms: 2000,
            ..OutboundSettings::default()
        },
        ..SalesforceSettings::default()
    }
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(fast_settings()).await
    }

    pub async fn start_with(settings: SalesforceSettings) -> Self {
        let options = SandboxOptions {
            salesforce: settings,
            ..SandboxOptions::ephemeral()
        };
        let sandbox = Sandbox::start(options).await.expect("sandbox starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut app = Self {
            sandbox,
            http,
            token: String::new(),
        };
        app.token = app.jwt_token().await;
        app
    }

    pub fn base(&self) -> String {
        self.sandbox.salesforce_url().to_owned()
    }

    /// `/services/data/v67.0` + `path`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/services/data/{VERSION}{path}", self.base())
    }

    /// A signed JWT bearer assertion for the demo app with the given claims.
    pub fn assertion(&self, claims: Value) -> String {
        let creds = self.sandbox.demo_credentials().salesforce;
        sign(&claims, &creds.private_key_pem)
    }

    /// Default claims: demo app, demo user, audience = the simulator, exp in 2 minutes.
    pub fn claims(&self) -> Value {
        let creds = self.sandbox.demo_credentials().salesforce;
        json!({
            "iss": creds.consumer_key,
            "sub": creds.username,
            "aud": creds.login_url,
            "exp": Utc::now().timestamp() + 120,
        })
    }

    pub async fn token_request(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}/services/oauth2/token", self.base()))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn jwt_token(&self) -> String {
        let assertion = self.assertion(self.claims());
        let res = self
            .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// An authenticated data call with an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .http
            .request(method, self.api(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a record and returns its id.
    pub async fn create(&self, object: &str, body: Value) -> String {
        let res = self.post(&format!("/sobjects/{object}/"), body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "create {object}");
        let body: Value = res.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn query(&self, soql: &str) -> Response {
        self.http
            .get(self.api("/query"))
            .query(&[("q", soql)])
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// Admin API call on the Salesforce simulator.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .http
            .request(method, format!("{}/__sandbox{path}", self.base()));
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// Changes settings through the admin API (starting from the current ones).
    pub async fn update_settings(&self, change: impl FnOnce(&mut Value)) {
        let mut settings: Value = self
            .admin(Method::GET, "/settings", None)
            .await
            .json()
            .await
            .unwrap();
        change(&mut settings);
        let res = self.admin(Method::PUT, "/settings", Some(settings)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

pub fn sign(claims: &Value, private_key_pem: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// Reads a Salesforce error array and returns its first `(errorCode, message)`.
pub async fn first_error(res: Response) -> (String, String) {
    let body: Value = res.json().await.unwrap();
    let first = body
        .as_array()
        .and_then(|a| a.first())
        .unwrap_or_else(|| panic!("error body is not a non-empty array: {body}"));
    (
        first["errorCode"].as_str().unwrap().to_owned(),
        first["message"].as_str().unwrap().to_owned(),
    )
}

/// Polls `check` until it returns `Some`, for at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
