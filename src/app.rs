//! Wiring: open the database, run migrations, build the web server. Used by
//! `ferry serve` and by the test harness, so both run exactly the same app.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer};
use anyhow::Context;
use ferry_migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use ferry_domain::connections::{ClientCache, GateFactory};
use ferry_domain::sync::SyncContext;
use ferry_jobs::JobQueues;
use ferry_server::telemetry::{MetricsEndpoint, configure_metrics};

use crate::config::Settings;
use crate::keys::Keys;

/// Opens (creating the embedded SQLite file's folder if needed) and migrates.
pub async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    if settings.is_embedded_database() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    }
    let url = settings.database_url();
    let db = ferry_domain::db::connect(&url)
        .await
        .with_context(|| format!("cannot open the database at {}", redact_url(&url)))?;
    migrate(&db).await?;
    Ok(db)
}

/// What syncing needs (database, client cache with the NetSuite governor, job queues), and the
/// queues for the workers. The same for `serve`, `worker` and the tests.
pub async fn sync_runtime(
    keys: &Keys,
    db: &DatabaseConnection,
) -> anyhow::Result<(SyncContext, JobQueues)> {
    let queues = JobQueues::open(db).await?;
    let registry = ferry_domain::governor::GateRegistry::new(db.clone());
    let gates: GateFactory =
        Arc::new(move |account: &str, limit: u32| registry.gate(account, limit));
    let ctx = SyncContext {
        db: db.clone(),
        clients: ClientCache::new(db.clone(), Arc::new(keys.master.clone()), gates),
        waker: Arc::new(ferry_jobs::CoalescingWaker::start(queues.clone())),
    };
    Ok((ctx, queues))
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, which is what container runtimes and systemd
/// send to stop a process: the workers then finish their batches instead of leaving claims
/// that only the sweeper hands out again, ten minutes later.
pub async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

/// The mailer for the error digests, when SMTP is configured.
pub fn mailer(settings: &Settings) -> anyhow::Result<Option<ferry_jobs::Mailer>> {
    let (Some(url), Some(from)) = (&settings.smtp_url, &settings.smtp_from) else {
        return Ok(None);
    };
    let mailer = ferry_jobs::Mailer::new(&ferry_jobs::MailSettings {
        url: url.clone(),
        from: from.clone(),
        public_url: settings.public_url.clone(),
    })
    .context("invalid e-mail settings")?;
    Ok(Some(mailer))
}

/// Any fixed number, the same in every Ferry process: the key of the advisory lock that
/// lets one process at a time migrate.
const MIGRATION_LOCK: i64 = 0x4645_5252_595f_4d49;

/// Applies pending migrations; a no-op when there are none.
///
/// On PostgreSQL several processes (`serve` and `worker`s started together) may get here at
/// once; sea-orm's migrator takes no lock, so each holds a session advisory lock while it
/// migrates and the others wait, then find nothing left to do.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Migrator::up(db, None)
            .await
            .context("database migration failed");
    }
    let mut lock = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .context("cannot reach the database to migrate it")?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await
        .context("cannot take the migration lock")?;
    let migrated = Migrator::up(db, None)
        .await
        .context("database migration failed");
    // Closing the connection would release the lock too; unlocking keeps it for the pool.
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await;
    if let Err(error) = unlocked {
        tracing::warn!(%error, "could not release the migration lock; closing its connection");
        drop(lock.detach());
    }
    migrated
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The endpoints and demo credentials of a running sandbox, as the server shows them.
pub fn sandbox_link(sandbox: &ferry_sandbox::Sandbox) -> ferry_server::SandboxLink {
    sandbox_link_from(sandbox.demo_credentials())
}

/// [`sandbox_link`] from the demo credentials a sandbox publishes (`GET
/// /__sandbox/demo-credentials`), for a sandbox running elsewhere.
pub fn sandbox_link_from(demo: ferry_sandbox::DemoCredentials) -> ferry_server::SandboxLink {
    ferry_server::SandboxLink {
        salesforce_url: demo.salesforce.login_url,
        salesforce_consumer_key: demo.salesforce.consumer_key,
        salesforce_username: demo.salesforce.username,
        salesforce_private_key_pem: demo.salesforce.private_key_pem,
        netsuite_base_url: demo.netsuite.base_url,
        netsuite_account_id: demo.netsuite.account_id,
        netsuite_client_id: demo.netsuite.client_id,
        netsuite_certificate_id: demo.netsuite.ps256.certificate_id,
        netsuite_algorithm: demo.netsuite.ps256.algorithm,
        netsuite_private_key_pem: demo.netsuite.ps256.private_key_pem,
    }
}

/// The Prometheus endpoint on its own address (`metrics_bind`), for `serve` and `worker`.
pub struct MetricsServer {
    port: u16,
    server: Server,
}

impl MetricsServer {
    /// Installs the metrics recorder and binds `metrics_bind`; `None` when it is not set.
    pub fn build(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<Option<Self>> {
        let Some(bind) = settings.metrics_bind else {
            return Ok(None);
        };
        let handle = crate::telemetry::metrics::install()?;
        let listener = TcpListener::bind(bind)
            .with_context(|| format!("cannot listen on {bind} for metrics"))?;
        let port = listener.local_addr()?.port();
        let (db, token) = (db.clone(), settings.metrics_token.clone());
        let server = HttpServer::new(move || {
            App::new().configure(configure_metrics(MetricsEndpoint {
                handle: handle.clone(),
                db: db.clone(),
                token: token.clone(),
            }))
        })
        // Scrapes are few and small.
        .workers(1)
        .listen(listener)?
        .run();
        Ok(Some(Self { port, server }))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (Ctrl-C).
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}

pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<MetricsServer>,
    db: DatabaseConnection,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and builds the server, and the metrics
    /// endpoint when `metrics_bind` is set.
    pub fn build(settings: &Settings, keys: &Keys, sync: SyncContext) -> anyhow::Result<Self> {
        Self::build_with_sandbox(settings, keys, sync, None)
    }

    /// [`Application::build`], offering "Use the sandbox" on the connection pages when an
    /// in-process sandbox runs.
    pub fn build_with_sandbox(
        settings: &Settings,
        keys: &Keys,
        sync: SyncContext,
        sandbox: Option<ferry_server::SandboxLink>,
    ) -> anyhow::Result<Self> {
        let db = sync.db.clone();
        let metrics = MetricsServer::build(settings, &db)?;
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let state = ferry_server::AppState {
            db: db.clone(),
            session_key: Arc::new(keys.session.clone()),
            master_key: Arc::new(keys.master.clone()),
            sandbox: sandbox.map(Arc::new),
            sync,
            describe: Default::default(),
            settings: ferry_server::WebSettings {
                session_ttl: chrono::Duration::hours(settings.session_ttl_hours),
                force_secure_cookies: settings.secure_cookies,
                public_url: settings.public_url.clone(),
                mail_configured: settings.mail_configured(),
            },
        };
        // Requests are logged by `ferry_server::telemetry`, by route pattern: raw paths can
        // hold secrets (listener and invitation tokens).
        let server = HttpServer::new(move || {
            App::new().configure(ferry_server::configure_app(state.clone()))
        })
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            metrics,
            db,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics endpoint's port, when `metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsServer::port)
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until the server is stopped (Ctrl-C, or the handle); the metrics endpoint stops
    /// with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some(metrics) = self.metrics else {
            return self.server.await;
        };
        let metrics_handle = metrics.server.handle();
        let metrics = tokio::spawn(metrics.run());
        let served = self.server.await;
        metrics_handle.stop(true).await;
        let _ = metrics.await;
        served
    }

    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn database_passwords_never_reach_messages() {
        assert_eq!(
            redact_url("postgres://ferry:s3cret@db:5432/ferry"),
            "postgres://ferry:***@db:5432/ferry"
        );
        assert_eq!(
            redact_url("sqlite://data/ferry.sqlite"),
            "sqlite://data/ferry.sqlite"
        );
    }
}
