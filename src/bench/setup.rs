//! The bench's world: a database of its own, the sandbox (in-process or external), Ferry
//! (listener and workers, in this process or in `ferry worker` processes), and the demo tenant
//! wired to the sandbox.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;

use ferry_domain::demo::{DemoTenant, ensure_demo_tenant};
use ferry_domain::integrations::SystemKind;
use ferry_jobs::RunningWorkers;

use super::processes::WorkerProcesses;
use super::sandbox::BenchSandbox;
use super::sandbox_client::Simulator;
use super::{BenchArgs, Mode};
use crate::app::{Application, migrate, sandbox_link_from, sync_runtime};
use crate::config::{LogFormat, Settings};
use crate::keys::Keys;

pub struct Bench {
    pub sandbox: BenchSandbox,
    db: DatabaseConnection,
    url: String,
    /// PostgreSQL: the server URL and the bench's database, dropped at the end.
    postgres: Option<(String, String)>,
    dir: PathBuf,
    /// `ferry worker` processes, when the bench runs its workers out of process.
    processes: Option<WorkerProcesses>,
    server: actix_web::dev::ServerHandle,
    workers: Option<RunningWorkers>,
    demo: DemoTenant,
    sync: ferry_domain::sync::SyncContext,
}

fn with_database(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(i) if url[..i].contains("://") && !url[..i].ends_with('/') => {
            let query = url[i..].find('?').map(|q| &url[i + q..]).unwrap_or("");
            format!("{}/{name}{query}", &url[..i])
        }
        _ => format!("{}/{name}", url.trim_end_matches('/')),
    }
}

impl Bench {
    pub async fn start(args: &BenchArgs) -> anyhow::Result<Bench> {
        let tag: String = (0..8)
            .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
            .collect();
        let dir = std::env::temp_dir().join(format!("ferry-bench-{tag}"));
        std::fs::create_dir_all(&dir)?;
        let (url, postgres) = match &args.database_url {
            Some(server) if server.starts_with("postgres") => {
                let name = format!("ferry_bench_{tag}");
                let admin = Database::connect(server.as_str())
                    .await
                    .context("connecting to PostgreSQL")?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await.ok();
                (with_database(server, &name), Some((server.clone(), name)))
            }
            Some(other) => (other.clone(), None),
            None => (
                format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()),
                None,
            ),
        };
        let db = ferry_domain::db::connect(&url).await?;
        migrate(&db).await?;
        let keys = Keys::load_or_create(&dir, None, None)?;

        let mut sandbox = BenchSandbox::start(args).await?;
        let ferry = Ferry::start(args, &keys, &db, &url, &dir, &mut sandbox).await;
        let ferry = match ferry {
            Ok(ferry) => ferry,
            Err(e) => {
                sandbox.stop().await;
                return Err(e);
            }
        };
        Ok(Bench {
            sandbox,
            db,
            url,
            postgres,
            dir,
            processes: ferry.processes,
            server: ferry.server,
            workers: ferry.workers,
            demo: ferry.demo,
            sync: ferry.sync,
        })
    }
}

/// How long stopping waits for the batches in hand (the write-back echoes of the last
/// contacts are usually still being synced) before it gives up on them.
const WORKERS_STOP: Duration = Duration::from_secs(10);

/// Ferry as the bench runs it: the web app (the listener) and the workers, with the demo
/// tenant connected to the sandbox and its outbound messages pointed at the listener.
struct Ferry {
    processes: Option<WorkerProcesses>,
    server: actix_web::dev::ServerHandle,
    workers: Option<RunningWorkers>,
    demo: DemoTenant,
    sync: ferry_domain::sync::SyncContext,
}

impl Ferry {
    async fn start(
        args: &BenchArgs,
        keys: &Keys,
        db: &DatabaseConnection,
        url: &str,
        dir: &std::path::Path,
        sandbox: &mut BenchSandbox,
    ) -> anyhow::Result<Self> {
        let link = sandbox_link_from(sandbox.client.demo_credentials().await?);
        let (sync, queues) = sync_runtime(keys, db).await?;
        let settings = Settings {
            database_url: Some(url.to_owned()),
            data_dir: dir.to_owned(),
            bind: "127.0.0.1:0".parse()?,
            public_url: None,
            session_ttl_hours: 12,
            secure_cookies: false,
            log_format: LogFormat::Text,
            master_key: None,
            session_key: None,
            smtp_url: None,
            smtp_from: None,
            metrics_bind: None,
            metrics_token: None,
        };
        let app =
            Application::build_with_sandbox(&settings, keys, sync.clone(), Some(link.clone()))?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let server = app.server_handle();
        tokio::spawn(app.run_until_stopped());
        let limit = args.netsuite_limit;
        let demo = ensure_demo_tenant(db, &keys.master, |system| {
            let mut params = link.connection_params(system);
            if system == SystemKind::NetSuite {
                params.concurrency_limit = limit.to_string();
            }
            params
        })
        .await
        .context("setting up the bench tenant")?;
        for (_, _, object, token) in &demo.flows {
            // Backfill mode measures "sync existing": contacts send no notifications.
            if args.mode == Mode::Backfill && *object == "Contact" {
                continue;
            }
            let listener = format!("{base}/listeners/{token}/salesforce");
            sandbox.add_listener_rule(object, &listener).await?;
        }
        let (workers, processes) = if args.workers == 0 {
            (
                Some(RunningWorkers::start(sync.clone(), queues, None)),
                None,
            )
        } else {
            let processes = WorkerProcesses::spawn(args.workers, url, dir)?;
            (None, Some(processes))
        };
        Ok(Self {
            processes,
            server,
            workers,
            demo,
            sync,
        })
    }
}

impl Bench {
    pub fn database_label(&self) -> String {
        match self.db.get_database_backend() {
            DbBackend::Postgres => "PostgreSQL".to_owned(),
            _ => "SQLite".to_owned(),
        }
    }

    pub async fn database_size(&self) -> u64 {
        match self.db.get_database_backend() {
            DbBackend::Postgres => self
                .db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT pg_database_size(current_database())::BIGINT AS n",
                ))
                .await
                .ok()
                .flatten()
                .and_then(|r| r.try_get::<i64>("", "n").ok())
                .unwrap_or(0) as u64,
            _ => std::fs::read_dir(&self.dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| e.file_name().to_string_lossy().starts_with("bench.sqlite"))
                        .filter_map(|e| e.metadata().ok())
                        .map(|m| m.len())
                        .sum()
                })
                .unwrap_or(0),
        }
    }

    /// One account, synced to NetSuite in real time, for the contacts to belong to.
    pub async fn create_synced_account(&self) -> anyhow::Result<String> {
        let client = &self.sandbox.client;
        let account = json!({"attributes": {"type": "Account"}, "Name": "Bench Industries"});
        let id = client
            .create_records(vec![account])
            .await?
            .pop()
            .context("no account id")?;
        for _ in 0..600 {
            let synced = client.filled_ids("Account", "NetSuite_Id__c", None).await?;
            if synced.ids.contains(&id) {
                return Ok(id);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the bench account did not sync within a minute")
    }

    pub async fn start_contact_backfill(&self) -> anyhow::Result<()> {
        let flow = self
            .demo
            .flows
            .iter()
            .find(|(_, _, object, _)| *object == "Contact")
            .map(|(_, id, _, _)| *id)
            .context("no contact flow")?;
        ferry_domain::sync::backfill::start_backfill(
            &self.db,
            self.sync.waker.as_ref(),
            &self.demo.access,
            flow,
            false,
            None,
        )
        .await?;
        Ok(())
    }

    /// Zeroes the simulators' counters, so only the measured run counts.
    pub async fn reset_counters(&self) -> anyhow::Result<()> {
        self.sandbox.client.reset_counters().await
    }

    /// Remote calls per contact, by simulator and endpoint.
    pub async fn calls_per_contact(
        &self,
        contacts: usize,
    ) -> anyhow::Result<BTreeMap<String, f64>> {
        let mut calls = BTreeMap::new();
        for (system, simulator) in [
            ("Salesforce", Simulator::Salesforce),
            ("NetSuite", Simulator::NetSuite),
        ] {
            let snapshot = self.sandbox.client.stats(simulator).await?;
            for (endpoint, statuses) in snapshot.requests {
                // The bench's own creates are not Ferry's calls.
                if system == "Salesforce" && endpoint.starts_with("POST ") {
                    continue;
                }
                let n: u64 = statuses.values().sum();
                calls.insert(format!("{system} {endpoint}"), n as f64 / contacts as f64);
            }
        }
        Ok(calls)
    }

    pub fn children_rss_mb(&self) -> f64 {
        self.processes.as_ref().map_or(0.0, WorkerProcesses::rss_mb)
    }

    pub fn kill_and_restart_worker(&self, index: usize) -> anyhow::Result<()> {
        match &self.processes {
            Some(processes) => processes.kill_and_restart(index),
            None => Ok(()),
        }
    }

    pub async fn stop(mut self) {
        if let Some(processes) = &self.processes {
            processes.stop();
        }
        if let Some(workers) = self.workers.take() {
            workers.stop(WORKERS_STOP).await;
        }
        self.server.stop(true).await;
        self.db.close_by_ref().await.ok();
        if let Some((server, name)) = &self.postgres
            && let Ok(admin) = Database::connect(server.as_str()).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = &self.url;
        self.sandbox.stop().await;
    }
}
