//! Helpers for the connector tests: an in-process sandbox on port 0, clients of both systems
//! built from its demo credentials, its admin API over raw HTTP, and a log capture.
// A failed setup step is a failed test; each test binary uses only some helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_connectors::netsuite::{
    AssertionAlgorithm, NetsuiteClient, NetsuiteConfig, NetsuiteCredentials, SemaphoreGate,
};
use ferry_connectors::salesforce::{SalesforceClient, SalesforceConfig, SalesforceCredentials};
use ferry_sandbox::netsuite::NetsuiteSettings;
use ferry_sandbox::salesforce::SalesforceSettings;
use ferry_sandbox::{Sandbox, SandboxOptions};
use secrecy::SecretString;
use serde_json::{Value, json};

pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub admin: reqwest::Client,
}

/// Sandbox settings that let tests use small query batches.
pub fn salesforce_settings() -> SalesforceSettings {
    SalesforceSettings {
        query_batch_size_min: 1,
        ..SalesforceSettings::default()
    }
}

impl TestSandbox {
    pub async fn start() -> Self {
        Self::start_with(salesforce_settings(), NetsuiteSettings::default(), None).await
    }

    pub async fn seeded(seed: u64) -> Self {
        Self::start_with(
            salesforce_settings(),
            NetsuiteSettings::default(),
            Some(seed),
        )
        .await
    }

    pub async fn start_with(
        salesforce: SalesforceSettings,
        netsuite: NetsuiteSettings,
        seed: Option<u64>,
    ) -> Self {
        let sandbox = Sandbox::start(SandboxOptions {
            salesforce,
            netsuite,
            seed,
            ..SandboxOptions::ephemeral()
        })
        .await
        .expect("sandbox starts");
        Self {
            sandbox,
            admin: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    // --- Salesforce -------------------------------------------------------------------

    pub fn salesforce_config(&self) -> SalesforceConfig {
        let creds = self.sandbox.demo_credentials().salesforce;
        SalesforceConfig::new(&creds.login_url)
            .unwrap()
            .with_timeout(Duration::from_secs(10))
    }

    pub fn jwt_credentials(&self) -> SalesforceCredentials {
        let creds = self.sandbox.demo_credentials().salesforce;
        SalesforceCredentials::JwtBearer {
            consumer_key: creds.consumer_key,
            username: creds.username,
            private_key_pem: SecretString::from(creds.private_key_pem),
        }
    }

    pub fn refresh_credentials(&self) -> SalesforceCredentials {
        let creds = self.sandbox.demo_credentials().salesforce;
        SalesforceCredentials::RefreshToken {
            client_id: creds.consumer_key,
            client_secret: Some(SecretString::from(creds.consumer_secret)),
            refresh_token: SecretString::from(creds.refresh_token),
        }
    }

    /// A client using the JWT bearer flow.
    pub fn salesforce(&self) -> SalesforceClient {
        SalesforceClient::new(self.salesforce_config(), self.jwt_credentials()).unwrap()
    }

    pub async fn sf_admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        admin(
            &self.admin,
            method,
            self.sandbox.salesforce_url(),
            path,
            body,
        )
        .await
    }

    /// Token requests the Salesforce simulator has answered.
    pub async fn salesforce_token_requests(&self) -> u64 {
        let stats = self
            .sf_admin(reqwest::Method::GET, "/__sandbox/stats", None)
            .await;
        count(&stats, "/services/oauth2/token")
    }

    /// Injects faults on Salesforce data calls matching `path`.
    pub async fn salesforce_fault(&self, path: &str, kind: &str, remaining: Option<u32>) {
        let rule = fault_rule(path, kind, remaining);
        self.sf_admin(reqwest::Method::PUT, "/__sandbox/faults", Some(rule))
            .await;
    }

    // --- NetSuite ---------------------------------------------------------------------

    pub fn netsuite_config(&self) -> NetsuiteConfig {
        let creds = self.sandbox.demo_credentials().netsuite;
        NetsuiteConfig::new(&creds.account_id)
            .unwrap()
            .with_base_url(&creds.base_url)
            .unwrap()
            .with_timeout(Duration::from_secs(10))
    }

    pub fn m2m_credentials(&self, algorithm: AssertionAlgorithm) -> NetsuiteCredentials {
        let creds = self.sandbox.demo_credentials().netsuite;
        let key = match algorithm {
            AssertionAlgorithm::Ps256 => creds.ps256,
            AssertionAlgorithm::Es256 => creds.es256,
        };
        NetsuiteCredentials::client_credentials(
            creds.client_id,
            key.certificate_id,
            algorithm,
            SecretString::from(key.private_key_pem),
        )
    }

    pub fn tba_credentials(&self) -> NetsuiteCredentials {
        let tba = self.sandbox.demo_credentials().netsuite.tba;
        NetsuiteCredentials::Tba {
            consumer_key: SecretString::from(tba.consumer_key),
            consumer_secret: SecretString::from(tba.consumer_secret),
            token_id: SecretString::from(tba.token_id),
            token_secret: SecretString::from(tba.token_secret),
        }
    }

    /// A PS256 client-credentials client.
    pub fn netsuite(&self) -> NetsuiteClient {
        NetsuiteClient::new(
            self.netsuite_config(),
            self.m2m_credentials(AssertionAlgorithm::Ps256),
        )
        .unwrap()
    }

    /// A client whose gate is `gate`.
    pub fn netsuite_gated(&self, gate: Arc<SemaphoreGate>) -> NetsuiteClient {
        NetsuiteClient::with_gate(
            self.netsuite_config(),
            self.m2m_credentials(AssertionAlgorithm::Ps256),
            gate,
        )
        .unwrap()
    }

    pub async fn ns_admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        admin(
            &self.admin,
            method,
            &self.sandbox.netsuite_url(),
            path,
            body,
        )
        .await
    }

    pub async fn netsuite_settings(&self, patch: Value) {
        self.ns_admin(reqwest::Method::PATCH, "/__sandbox/settings", Some(patch))
            .await;
    }

    pub async fn netsuite_token_requests(&self) -> u64 {
        let stats = self
            .ns_admin(reqwest::Method::GET, "/__sandbox/stats", None)
            .await;
        count(&stats, "/auth/oauth2/v1/token")
    }

    pub async fn netsuite_fault(&self, path: &str, kind: &str, remaining: Option<u32>) {
        let rule = fault_rule(path, kind, remaining);
        self.ns_admin(reqwest::Method::PUT, "/__sandbox/faults", Some(rule))
            .await;
    }
}

fn fault_rule(path: &str, kind: &str, remaining: Option<u32>) -> Value {
    json!({
        "seed": 1,
        "rules": [{
            "path": path,
            "error_rates": { kind: 1.0 },
            "timeout_ms": 3000,
            "remaining": remaining,
        }]
    })
}

async fn admin(
    http: &reqwest::Client,
    method: reqwest::Method,
    base: &str,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http.request(method, format!("{base}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("admin call");
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "admin {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Requests (any status) to routes whose key contains `route`.
fn count(stats: &Value, route: &str) -> u64 {
    stats["requests"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.contains(route))
        .flat_map(|(_, statuses)| statuses.as_object().into_iter().flatten())
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum()
}

/// Everything logged (at every level) while the guard lives, on this thread.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        let capture = Self::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        // Callsite interest is cached process-wide. While a single dispatcher exists,
        // tracing computes the interest of a callsite first hit on another test's thread from
        // that thread's default (none: "never"), and this thread's subscriber then misses the
        // callsite's events. A second dispatcher kept for the whole process makes tracing ask
        // every registered dispatcher instead.
        static SECOND_DISPATCHER: std::sync::OnceLock<tracing::Dispatch> =
            std::sync::OnceLock::new();
        SECOND_DISPATCHER.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
        (capture, tracing::subscriber::set_default(subscriber))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
