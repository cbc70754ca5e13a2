//! Helpers for the NetSuite simulator's protocol tests: an in-process sandbox on port 0, raw
//! HTTP through reqwest, and client-side signing written independently of the simulator
//! (JWT assertions with jsonwebtoken, OAuth 1.0a signatures by hand).
// Test helpers panic on purpose: a failed setup step is a failed test. Each test binary uses
// only some of them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ferry_sandbox::netsuite::NetsuiteCredentials;
use ferry_sandbox::{Sandbox, SandboxOptions};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::Rng;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use sha2::Sha256;

pub struct TestNetsuite {
    pub sandbox: Sandbox,
    pub base: String,
    pub http: reqwest::Client,
    pub creds: NetsuiteCredentials,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl TestNetsuite {
    /// A fresh, empty simulator.
    pub async fn start() -> Self {
        Self::start_with(SandboxOptions::ephemeral()).await
    }

    /// A simulator loaded with the data set of `seed`.
    pub async fn seeded(seed: u64) -> Self {
        Self::start_with(SandboxOptions {
            seed: Some(seed),
            ..SandboxOptions::ephemeral()
        })
        .await
    }

    pub async fn start_with(opts: SandboxOptions) -> Self {
        let sandbox = Sandbox::start(opts).await.unwrap();
        let base = sandbox.netsuite_url();
        let creds = sandbox.demo_credentials().netsuite;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            sandbox,
            base,
            http,
            creds,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token_url(&self) -> String {
        self.url("/services/rest/auth/oauth2/v1/token")
    }

    /// Standard claims of a valid assertion.
    pub fn claims(&self) -> Value {
        let now = now();
        json!({
            "iss": self.creds.client_id,
            "scope": ["restlets", "rest_webservices"],
            "aud": self.token_url(),
            "iat": now,
            "exp": now + 3000,
        })
    }

    /// Signs `claims` with the demo key of `alg` (PS256 → RSA, ES256 → EC) under `kid`.
    pub fn sign(&self, alg: Algorithm, kid: &str, claims: &Value) -> String {
        let key = match alg {
            Algorithm::ES256 => {
                EncodingKey::from_ec_pem(self.creds.es256.private_key_pem.as_bytes()).unwrap()
            }
            _ => EncodingKey::from_rsa_pem(self.creds.ps256.private_key_pem.as_bytes()).unwrap(),
        };
        let mut header = Header::new(alg);
        header.typ = Some("JWT".into());
        header.kid = Some(kid.to_string());
        jsonwebtoken::encode(&header, claims, &key).unwrap()
    }

    pub fn ps256_assertion(&self) -> String {
        self.sign(
            Algorithm::PS256,
            &self.creds.ps256.certificate_id,
            &self.claims(),
        )
    }

    /// Posts a token request with the given form.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.token_url())
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn token_for(&self, assertion: &str) -> Response {
        self.token_request(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ])
        .await
    }

    /// A valid M2M access token.
    pub async fn access_token(&self) -> String {
        let response = self.token_for(&self.ps256_assertion()).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A request with a fresh bearer token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let token = self.access_token().await;
        self.call_with_token(&token, method, path, body).await
    }

    pub async fn call_with_token(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// Creates a record and returns its internal id from `Location`.
    pub async fn create(&self, record_type: &str, body: Value) -> String {
        let response = self
            .call(
                Method::POST,
                &format!("/services/rest/record/v1/{record_type}"),
                Some(body),
            )
            .await;
        assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
        let location = response.headers()["location"].to_str().unwrap().to_string();
        location.rsplit('/').next().unwrap().to_string()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.call(Method::GET, path, None).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Runs SuiteQL with `Prefer: transient`.
    pub async fn suiteql(&self, query: &str, params: &str) -> (u16, Value) {
        let token = self.access_token().await;
        let response = self
            .http
            .post(self.url(&format!("/services/rest/query/v1/suiteql{params}")))
            .bearer_auth(token)
            .header("Prefer", "transient")
            .json(&json!({"q": query}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn admin_settings(&self, changes: Value) {
        let response = self
            .http
            .patch(self.url("/__sandbox/settings"))
            .json(&changes)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    pub async fn admin_post(&self, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The OAuth 1.0a header for a request, signed with the demo TBA credentials.
    pub fn tba_header(&self, method: &str, url: &str, nonce: &str, timestamp: i64) -> String {
        let tba = &self.creds.tba;
        tba_header(
            method,
            url,
            &self.creds.account_id,
            (&tba.consumer_key, &tba.consumer_secret),
            (&tba.token_id, &tba.token_secret),
            nonce,
            timestamp,
        )
    }
}

/// RFC 3986 encoding, written here separately from the simulator's on purpose.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn random_nonce() -> String {
    let mut rng = rand::rng();
    (0..24)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect()
}

/// Signs a request the way OAuth 1.0a clients do: query parameters are part of the base
/// string, `realm` is not.
pub fn tba_header(
    method: &str,
    url: &str,
    realm: &str,
    consumer: (&str, &str),
    token: (&str, &str),
    nonce: &str,
    timestamp: i64,
) -> String {
    let (base_url, query) = url.split_once('?').unwrap_or((url, ""));
    let timestamp = timestamp.to_string();
    let mut params: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), consumer.0.into()),
        ("oauth_token".into(), token.0.into()),
        ("oauth_signature_method".into(), "HMAC-SHA256".into()),
        ("oauth_timestamp".into(), timestamp.clone()),
        ("oauth_nonce".into(), nonce.into()),
        ("oauth_version".into(), "1.0".into()),
    ];
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((k.replace("%20", " "), v.replace("%20", " ")));
    }
    let mut encoded: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    encoded.sort();
    let base = format!("{}&{}&{}", method, enc(base_url), enc(&encoded.join("&")));
    let key = format!("{}&{}", enc(consumer.1), enc(token.1));
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    format!(
        "OAuth realm=\"{realm}\", oauth_consumer_key=\"{}\", oauth_token=\"{}\", \
         oauth_signature_method=\"HMAC-SHA256\", oauth_timestamp=\"{timestamp}\", \
         oauth_nonce=\"{nonce}\", oauth_version=\"1.0\", oauth_signature=\"{}\"",
        consumer.0,
        token.0,
        enc(&signature)
    )
}

/// The single `o:errorDetails` entry of an error envelope, after checking the envelope.
pub fn error_detail(body: &Value, status: u16) -> Value {
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("https://"),
        "{body}"
    );
    assert!(body["title"].is_string(), "{body}");
    body["o:errorDetails"][0].clone()
}
