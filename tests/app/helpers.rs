//! The test harness: `TestApp` (server + database) and `TestClient` (a browser
//! with its own cookie jar and CSRF token).

use std::sync::Arc;
use std::time::Duration;

use ferry::app::{Application, migrate};
use ferry::config::{LogFormat, Settings};
use ferry::keys::Keys;
use reqwest::redirect::Policy;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::SecretSlice;

pub const PASSWORD: &str = "correct horse battery";

/// A fresh database for one test: a PostgreSQL database created for it (dropped with this
/// value) when `FERRY_TEST_DATABASE_URL` is set, else a SQLite file in a temporary folder.
pub enum TestDatabase {
    Postgres { admin_url: String, name: String },
    Sqlite { _dir: tempfile::TempDir },
}

impl TestDatabase {
    /// The new database and its URL.
    pub async fn create() -> (TestDatabase, String) {
        match std::env::var("FERRY_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("ferry_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let url = replace_db_name(&admin_url, &name);
                (TestDatabase::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("test.sqlite").display()
                );
                (TestDatabase::Sqlite { _dir: dir }, url)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let TestDatabase::Postgres { admin_url, name } = self else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // A separate thread with its own runtime drops the database (the test's runtime may
        // be blocked here); FORCE ends the connections a pool still holds.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    admin.execute_unprepared(&sql).await.ok();
                    admin.close().await.ok();
                }
            });
        });
        let _ = cleanup.join();
    }
}

pub struct TestApp {
    pub address: String,
    /// The Prometheus endpoint, on its own port like in production.
    #[allow(dead_code)]
    pub metrics_address: String,
    /// The bearer token `/metrics` wants.
    #[allow(dead_code)]
    pub metrics_token: String,
    pub db: DatabaseConnection,
    /// Where the database is (the secrets sweep dumps it).
    pub database_url: String,
    /// The master and session keys the app runs with, to look for them where they must not be.
    pub master_key: Vec<u8>,
    pub session_key: Vec<u8>,
    /// A fresh in-process sandbox per test, offered by "Use the sandbox".
    pub sandbox: ferry_sandbox::Sandbox,
    /// The app's sync runtime, for driving jobs (polls, sweeps) directly.
    #[allow(dead_code)]
    pub sync: ferry_domain::sync::SyncContext,
    handle: actix_web::dev::ServerHandle,
    workers: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    // Dropped last: the server and workers stop before their database goes.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(true).await
    }

    /// The app on PostgreSQL, or `None` (the test is skipped, saying so) when the tests run
    /// on SQLite: for checks of what only PostgreSQL has (plans, apalis' worker registry).
    pub async fn spawn_on_postgres(check: &str) -> Option<TestApp> {
        let app = Self::spawn().await;
        if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            return Some(app);
        }
        eprintln!("skipped: {check} runs on PostgreSQL only");
        None
    }

    /// PostgreSQL's plan for `stmt` (`EXPLAIN`), one line per node: the index tests check
    /// plans, not timings, so they hold on any machine.
    pub async fn plan(&self, stmt: sea_orm::Statement) -> String {
        let explain = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            format!("EXPLAIN {}", stmt.sql),
            stmt.values.map(|v| v.0).unwrap_or_default(),
        );
        self.db
            .query_all_raw(explain)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The app without background workers: what is queued stays queued.
    #[allow(dead_code)]
    pub async fn spawn_without_workers() -> TestApp {
        Self::spawn_with(false).await
    }

    async fn spawn_with(run_workers: bool) -> TestApp {
        // `FERRY_TEST_LOG=ferry_domain=debug,info` shows what the app did in a failing test.
        if let Ok(filter) = std::env::var("FERRY_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        let (database, url) = TestDatabase::create().await;
        let db = ferry_domain::db::connect(&url).await.expect("connect");
        migrate(&db).await.expect("migrate");
        let metrics_token = format!("metrics-{}", uuid::Uuid::new_v4().simple());
        let settings = Settings {
            database_url: Some(url.clone()),
            data_dir: std::env::temp_dir(),
            bind: "127.0.0.1:0".parse().unwrap(),
            public_url: None,
            session_ttl_hours: 12,
            secure_cookies: false,
            log_format: LogFormat::Text,
            master_key: None,
            session_key: None,
            smtp_url: None,
            smtp_from: None,
            metrics_bind: Some("127.0.0.1:0".parse().unwrap()),
            metrics_token: Some(metrics_token.clone().into()),
        };
        let (master_key, session_key) = (random_bytes(), random_bytes());
        let keys = Keys {
            master: SecretSlice::from(master_key.clone()),
            session: SecretSlice::from(session_key.clone()),
        };
        let sandbox = ferry_sandbox::Sandbox::start(ferry_sandbox::SandboxOptions::ephemeral())
            .await
            .expect("start the sandbox");
        let (sync, queues) = ferry::app::sync_runtime(&keys, &db)
            .await
            .expect("sync runtime");
        let workers = run_workers.then(|| {
            tokio::spawn(ferry_jobs::run_workers(
                sync.clone(),
                queues,
                None,
                std::future::pending(),
            ))
        });
        let app = Application::build_with_sandbox(
            &settings,
            &keys,
            sync.clone(),
            Some(ferry::app::sandbox_link(&sandbox)),
        )
        .expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = format!(
            "http://127.0.0.1:{}",
            app.metrics_port().expect("metrics are served")
        );
        let handle = app.server_handle();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            metrics_address,
            metrics_token,
            db,
            database_url: url,
            master_key,
            session_key,
            sandbox,
            sync,
            handle,
            workers,
            _database: database,
        }
    }

    /// A new browser with an empty cookie jar.
    pub async fn client(&self) -> TestClient {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut client = TestClient {
            http,
            base: self.address.clone(),
            csrf: String::new(),
        };
        client.refresh_csrf("/login").await;
        client
    }

    /// A new browser logged in as the owner of a new tenant.
    pub async fn owner(&self, company: &str) -> TestClient {
        self.owner_with_email(company).await.0
    }

    /// [`TestApp::owner`], and the owner's e-mail (the password is [`PASSWORD`]).
    pub async fn owner_with_email(&self, company: &str) -> (TestClient, String) {
        let mut c = self.client().await;
        let email = unique_email(company);
        let resp = c.signup(company, "Owner", &email, PASSWORD).await;
        assert_eq!(resp.status(), 303, "signup failed");
        (c, email)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Ask the server to stop without waiting: it runs on this test's
        // runtime, which is blocked here, so awaiting would deadlock.
        drop(self.handle.stop(false));
        if let Some(workers) = &self.workers {
            workers.abort();
        }
    }
}

fn random_bytes() -> Vec<u8> {
    (0..32).map(|_| rand::random::<u8>()).collect()
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    format!("{}/{name}{query}", &base[..cut])
}

pub fn unique_email(hint: &str) -> String {
    let slug: String = hint
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    format!("{slug}-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// One browser.
pub struct TestClient {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl TestClient {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.text().await.unwrap()
    }

    /// POSTs a form with this browser's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("csrf_token", &self.csrf));
        self.post_raw(path, &body).await
    }

    /// POSTs exactly `fields`, no CSRF token added.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Reads the CSRF token from a page (it changes when the session does).
    pub async fn refresh_csrf(&mut self, path: &str) {
        let html = self.get(path).await.text().await.unwrap();
        self.csrf = csrf_in(&html).unwrap_or_default();
    }

    pub async fn signup(
        &mut self,
        company: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let resp = self
            .post_form(
                "/signup",
                &[
                    ("company", company),
                    ("name", name),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        if resp.status() == 303 {
            self.refresh_csrf("/").await;
        }
        resp
    }

    pub async fn login(&mut self, email: &str, password: &str) -> reqwest::Response {
        let resp = self
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        if resp.status() == 303 {
            self.refresh_csrf("/").await;
        }
        resp
    }

    pub async fn logout(&mut self) -> reqwest::Response {
        let resp = self.post_form("/logout", &[]).await;
        self.refresh_csrf("/login").await;
        resp
    }

    pub async fn home_html(&self) -> String {
        self.get_html("/").await
    }

    /// The id of the first integration tile on the home page.
    pub async fn first_integration_id(&self) -> String {
        let html = self.home_html().await;
        between(&html, "data-integration=\"", "\"").expect("an integration tile")
    }

    /// The ids of the integration's flows, Account first then Contact, read from the
    /// Settings page's section tabs.
    pub async fn flow_ids(&self, integration: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for section in ["Account", "Contact"] {
            let html = self
                .get_html(&format!(
                    "/integrations/{integration}/settings?section={section}"
                ))
                .await;
            ids.extend(all_between(&html, "data-flow-id=\"", "\""));
        }
        ids
    }

    /// Invites `email` with `role` and returns the invitation link's path.
    pub async fn invite(&self, email: &str, role: &str) -> String {
        let resp = self
            .post_form(
                "/settings/users/invite",
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(resp.status(), 200, "invite failed");
        let html = resp.text().await.unwrap();
        let link = between(&html, "id=\"invite-link\" class=\"mono\" value=\"", "\"")
            .expect("invite link");
        link.split_once("/invites/")
            .map(|(_, t)| format!("/invites/{t}"))
            .unwrap()
    }

    /// Creates an API token and returns its secret.
    pub async fn create_token(&self, name: &str, role: &str) -> String {
        let resp = self
            .post_form("/settings/api-tokens", &[("name", name), ("role", role)])
            .await;
        assert_eq!(resp.status(), 200, "token creation failed");
        let html = resp.text().await.unwrap();
        between(&html, "id=\"new-token\" class=\"mono\" value=\"", "\"").expect("token shown")
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    between(html, "name=\"csrf_token\" value=\"", "\"")
}

/// The text between the first `start` and the next `end`.
pub fn between(haystack: &str, start: &str, end: &str) -> Option<String> {
    let from = haystack.find(start)? + start.len();
    let len = haystack[from..].find(end)?;
    Some(haystack[from..from + len].to_owned())
}

/// Every match of `start…end`.
pub fn all_between(haystack: &str, start: &str, end: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = haystack;
    while let Some(i) = rest.find(start) {
        let from = i + start.len();
        match rest[from..].find(end) {
            Some(len) => {
                out.push(rest[from..from + len].to_owned());
                rest = &rest[from + len..];
            }
            None => break,
        }
    }
    out
}

pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Connection helpers: the pages under `/integrations/{id}/connections`.
impl TestClient {
    pub fn connection_path(integration: &str, system: &str) -> String {
        format!("/integrations/{integration}/connections/{system}")
    }

    /// Saves a connection through the form; `fields` include `auth_kind`.
    pub async fn save_connection(
        &self,
        integration: &str,
        system: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form(&Self::connection_path(integration, system), fields)
            .await
    }

    /// Presses *Test connection* and returns the page it leads to (with the flash message).
    pub async fn test_connection(&self, integration: &str, system: &str) -> String {
        let path = Self::connection_path(integration, system);
        let resp = self.post_form(&format!("{path}/test"), &[]).await;
        assert_eq!(resp.status(), 303, "test connection");
        assert_eq!(location(&resp), path);
        self.get_html(&path).await
    }

    /// The state badge on a connection's page: `Connected`, `Broken`, `Not tested`…
    pub async fn connection_state(&self, integration: &str, system: &str) -> String {
        let html = self
            .get_html(&Self::connection_path(integration, system))
            .await;
        state_in(&html)
    }
}

/// The connection state badge of a connection page.
pub fn state_in(html: &str) -> String {
    between(html, "id=\"connection-state\">", "<").expect("state badge")
}

/// The Salesforce connection form filled in with the sandbox's demo credentials (refresh token).
pub fn salesforce_form(
    sf: &ferry_sandbox::salesforce::SalesforceCredentials,
) -> Vec<(&'static str, &str)> {
    vec![
        ("auth_kind", "refresh_token"),
        ("login_url", &sf.login_url),
        ("client_id", &sf.consumer_key),
        ("client_secret", &sf.consumer_secret),
        ("refresh_token", &sf.refresh_token),
    ]
}

/// The NetSuite connection form filled in with the sandbox's demo token-based credentials.
pub fn netsuite_tba_form(
    ns: &ferry_sandbox::netsuite::demo::NetsuiteCredentials,
) -> Vec<(&'static str, &str)> {
    vec![
        ("auth_kind", "tba"),
        ("account_id", &ns.account_id),
        ("base_url", &ns.base_url),
        ("consumer_key", &ns.tba.consumer_key),
        ("consumer_secret", &ns.tba.consumer_secret),
        ("token_id", &ns.tba.token_id),
        ("token_secret", &ns.tba.token_secret),
    ]
}
