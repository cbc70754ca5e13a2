//! Salesforce simulator: OAuth, the REST data API for Account and Contact, SOQL, collections,
//! composite, limits, outbound messages, an admin API and small CRM pages (PROTOCOLS.md Part A).

pub mod admin;
pub mod api;
pub mod auth;
pub mod cdc;
pub mod error;
pub mod ids;
pub mod outbound;
pub mod pages;
pub mod readings;
pub mod schema;
pub mod seed;
pub mod settings;
pub mod soql;
pub mod store;
pub mod values;

use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::SimContext;
use crate::faults::FaultKind;
use crate::keys;
use crate::seed::SeedPlan;

use self::auth::{AuthRegistry, ConnectedApp};
use self::cdc::ChangeLog;
use self::error::SfError;
use self::outbound::Outbound;
use self::soql::cursor::Cursors;
use self::store::{OrgData, User};

pub use self::settings::{OutboundSettings, SalesforceSettings};

/// Demo connected app registered at start.
pub const DEMO_CONSUMER_KEY: &str = "3MVG9ferrySandboxDemoConsumerKey";
/// Its secret (for the refresh-token grant).
pub const DEMO_CONSUMER_SECRET: &str = "ferry-sandbox-demo-secret";
/// Demo user pre-authorized for the demo app.
pub const DEMO_USERNAME: &str = "integration@ferry-sandbox.example";
const DEMO_PRIVATE_KEY: &str = include_str!("demo_keys/private_key.pem");
const DEMO_CERTIFICATE: &str = include_str!("demo_keys/certificate.pem");

/// What a client needs to reach the Salesforce simulator with the pre-registered demo app.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SalesforceCredentials {
    /// Token host (`/services/oauth2/token`); also the JWT `aud` the simulator accepts.
    pub login_url: String,
    /// Where data calls go (what token responses call `instance_url`).
    pub instance_url: String,
    pub api_version: String,
    pub org_id: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    pub username: String,
    /// RSA private key (PKCS#8 PEM) that signs JWT bearer assertions.
    pub private_key_pem: String,
    /// The certificate registered for the demo app.
    pub certificate_pem: String,
    /// A refresh token for the demo app and user, as if granted by a web-server flow.
    pub refresh_token: String,
}

/// The org's daily API usage.
#[derive(Debug, Clone)]
pub struct ApiUsage {
    pub day: NaiveDate,
    pub used: u64,
}

impl ApiUsage {
    fn today() -> Self {
        Self {
            day: Utc::now().date_naive(),
            used: 0,
        }
    }
}

/// Everything that changes in the simulated org, behind one lock.
pub struct Org {
    pub data: OrgData,
    pub auth: AuthRegistry,
    pub outbound: Outbound,
    pub cursors: Cursors,
    pub cdc: ChangeLog,
    pub usage: ApiUsage,
    /// The demo refresh token (re-issued on reset).
    pub demo_refresh_token: String,
}

impl Org {
    /// Queues outbound notifications for records just created or updated (and committed).
    pub fn notify_written(&mut self, record_ids: &[String]) -> usize {
        let mut queued = 0;
        for id in record_ids {
            if let Some(record) = self.data.record(id) {
                let record = record.clone();
                queued += self.outbound.record_written(&record);
            }
        }
        queued
    }

    /// Publishes the committed writes of the data journal as change events; `origin` is the
    /// `changeOrigin` (empty for page edits, like Salesforce's UI outside Lightning).
    pub fn publish_changes(&mut self, origin: &str) -> usize {
        let changes = std::mem::take(&mut self.data.journal);
        self.cdc.publish(changes, &self.data, origin)
    }

    /// The user pages act as: the first user of the org.
    pub fn page_user(&self) -> String {
        self.data
            .users
            .first()
            .map(|u| u.id.clone())
            .unwrap_or_default()
    }
}

struct Inner {
    ctx: SimContext,
    org_id: String,
    org: Mutex<Org>,
    settings: RwLock<SalesforceSettings>,
    wake_deliverer: Notify,
    wake_cdc: Notify,
}

/// Cloneable in-process handle to the Salesforce simulator.
#[derive(Clone)]
pub struct SalesforceState {
    inner: Arc<Inner>,
}

impl SalesforceState {
    pub fn new(ctx: SimContext, settings: SalesforceSettings) -> Self {
        let org_id = ids::record_id(ids::ORG_PREFIX, 1);
        let org = fresh_org(&settings);
        Self {
            inner: Arc::new(Inner {
                ctx,
                org_id,
                org: Mutex::new(org),
                settings: RwLock::new(settings),
                wake_deliverer: Notify::new(),
                wake_cdc: Notify::new(),
            }),
        }
    }

    /// Base URL: login host and instance URL at once.
    pub fn base_url(&self) -> &str {
        &self.inner.ctx.base_url
    }

    pub fn org_id(&self) -> &str {
        &self.inner.org_id
    }

    pub fn context(&self) -> &SimContext {
        &self.inner.ctx
    }

    /// Locks the org. Every write keeps the data consistent before it returns, so a poisoned
    /// lock (a panic elsewhere) still guards valid data.
    pub fn lock(&self) -> MutexGuard<'_, Org> {
        self.inner.org.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn settings(&self) -> SalesforceSettings {
        self.inner
            .settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_settings(&self, settings: SalesforceSettings) -> Result<(), String> {
        settings.validate()?;
        apply_data_rules(&mut self.lock().data, &settings);
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(|p| p.into_inner()) = settings;
        self.wake_deliverer();
        Ok(())
    }

    /// Lets the background deliverers (outbound messages, change events) look at their
    /// queues now.
    pub fn wake_deliverer(&self) {
        self.inner.wake_deliverer.notify_one();
        self.inner.wake_cdc.notify_one();
    }

    /// Back to a fresh org: no records, rules, tokens or usage; demo app re-registered;
    /// faults and stats cleared.
    pub fn reset(&self) {
        let settings = self.settings();
        *self.lock() = fresh_org(&settings);
        self.inner.ctx.faults.clear();
        self.inner.ctx.stats.reset();
    }

    /// Adds the plan's accounts and contacts.
    pub fn seed(&self, plan: &SeedPlan) {
        let mut org = self.lock();
        seed::apply(&mut org, plan);
        // Seed data is the starting state, not a change anyone should react to.
        org.data.journal.clear();
    }

    /// Starts the outbound-message and change-event deliverers; aborting the handle stops
    /// both.
    pub fn spawn_background(&self) -> JoinHandle<()> {
        let (outbound, cdc) = (self.clone(), self.clone());
        tokio::spawn(async move {
            tokio::join!(outbound::deliver::run(outbound), cdc::deliver::run(cdc));
        })
    }

    pub(crate) async fn deliverer_wait(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.inner.wake_deliverer.notified()).await;
    }

    pub(crate) async fn cdc_wait(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.inner.wake_cdc.notified()).await;
    }

    pub fn demo_credentials(&self) -> SalesforceCredentials {
        let settings = self.settings();
        SalesforceCredentials {
            login_url: self.base_url().to_owned(),
            instance_url: self.base_url().to_owned(),
            api_version: settings.api_version,
            org_id: self.inner.org_id.clone(),
            consumer_key: DEMO_CONSUMER_KEY.into(),
            consumer_secret: DEMO_CONSUMER_SECRET.into(),
            username: DEMO_USERNAME.into(),
            private_key_pem: DEMO_PRIVATE_KEY.into(),
            certificate_pem: DEMO_CERTIFICATE.into(),
            refresh_token: self.lock().demo_refresh_token.clone(),
        }
    }

    /// Issues an access token for the demo user without an OAuth round trip (for in-process
    /// callers that only need to reach the data API).
    pub fn issue_demo_token(&self) -> String {
        let mut org = self.lock();
        let user = org.page_user();
        org.auth
            .issue_session(&self.inner.org_id, &user, DEMO_CONSUMER_KEY)
    }
}

/// The settings the store itself enforces.
fn apply_data_rules(data: &mut OrgData, settings: &SalesforceSettings) {
    data.unique_external_id = settings.unique_external_id;
    data.external_id_case_sensitive = settings.external_id_case_sensitive;
    data.entity_is_deleted_status =
        actix_web::http::StatusCode::from_u16(settings.entity_is_deleted_status)
            .unwrap_or(actix_web::http::StatusCode::NOT_FOUND);
}

fn fresh_org(settings: &SalesforceSettings) -> Org {
    let user = User {
        id: ids::record_id(ids::USER_PREFIX, 1),
        username: DEMO_USERNAME.into(),
        name: "Integration User".into(),
    };
    let mut data = OrgData::new(vec![user.clone()]);
    apply_data_rules(&mut data, settings);
    let mut auth = AuthRegistry::default();
    auth.register_app(ConnectedApp {
        consumer_key: DEMO_CONSUMER_KEY.into(),
        consumer_secret: DEMO_CONSUMER_SECRET.into(),
        require_secret: true,
        rotate_refresh_tokens: false,
        // The embedded certificate is valid PEM; a failure here would only disable JWT for
        // the demo app, which the token endpoint then reports as an invalid assertion.
        verifying_key: keys::verifying_key_from_pem(DEMO_CERTIFICATE).ok(),
        certificate_pem: Some(DEMO_CERTIFICATE.into()),
        authorized_usernames: [DEMO_USERNAME.to_lowercase()].into_iter().collect(),
    });
    let demo_refresh_token = auth.issue_refresh_token(DEMO_CONSUMER_KEY, &user.id);
    Org {
        data,
        auth,
        outbound: Outbound::new(0),
        cursors: Cursors::default(),
        cdc: ChangeLog::default(),
        usage: ApiUsage::today(),
        demo_refresh_token,
    }
}

/// Mounts the Salesforce simulator's routes.
pub fn configure(cfg: &mut web::ServiceConfig, state: SalesforceState) {
    let max_body = state.settings().max_body_bytes;
    // A query string that does not decode gets a Salesforce-shaped 400, not actix's text.
    let query_config = web::QueryConfig::default().error_handler(|err, _| {
        SfError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            format!("Malformed query string: {err}"),
        )
        .into()
    });
    cfg.app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(query_config)
        .configure(auth::token::configure)
        .configure(api::configure)
        .configure(admin::configure)
        .configure(readings::configure)
        .configure(pages::configure);
}

/// The body Salesforce sends for an injected fault.
pub fn fault_response(kind: FaultKind) -> HttpResponse {
    let error = match kind {
        FaultKind::ServerError => SfError::new(
            kind.status(),
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: \
             1234567890-12345 (-1234567890)",
        ),
        FaultKind::Unavailable => SfError::new(
            kind.status(),
            "SERVER_UNAVAILABLE",
            "Server is temporarily unavailable. Please try again later.",
        ),
        FaultKind::RateLimited => SfError::new(
            kind.status(),
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        ),
        FaultKind::LockRow => SfError::new(
            kind.status(),
            "UNABLE_TO_LOCK_ROW",
            "unable to obtain exclusive access to this record or 1 records",
        ),
        FaultKind::Timeout | FaultKind::DroppedConnection => {
            return HttpResponse::build(kind.status()).json(json!([]));
        }
    };
    HttpResponse::build(error.status).json(error.body())
}
