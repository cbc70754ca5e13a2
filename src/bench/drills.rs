//! Fault drills: a bench run with something going wrong on purpose all along. The run's own
//! correctness check is the drill's verdict: every contact in NetSuite exactly once, with its
//! id written back to Salesforce.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use serde_json::json;

use super::BenchArgs;
use super::sandbox_client::Simulator;
use super::setup::Bench;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Drill {
    /// SIGKILL a random `ferry worker` process at random moments, restarting it each time
    /// (needs `--workers` ≥ 1 and PostgreSQL).
    KillWorkers,
    /// Run `--restart-command` (which restarts the PostgreSQL server) every interval: the
    /// listener must not acknowledge what it did not commit, and work resumes afterwards.
    RestartPostgres,
    /// Both simulators answer 10% of API calls with a 5xx, 5% with 429 and let 1% time out;
    /// every access token is revoked every interval.
    RemoteFaults,
    /// Every notification is delivered three times, in shuffled order.
    Redeliver,
}

/// What a drill did, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct DrillReport {
    pub drill: Drill,
    pub what: String,
    /// How many times it struck (kills, restarts, token revocations).
    pub actions: u64,
}

impl Drill {
    fn description(self) -> &'static str {
        match self {
            Self::KillWorkers => "ferry worker processes SIGKILLed and restarted",
            Self::RestartPostgres => "PostgreSQL restarts",
            Self::RemoteFaults => {
                "10% 5xx, 5% 429, 1% timeouts on API calls; access-token revocations"
            }
            Self::Redeliver => "every notification delivered three times, shuffled",
        }
    }

    /// Refuses combinations that cannot run, before anything starts.
    pub fn check(self, args: &BenchArgs) -> anyhow::Result<()> {
        let postgres = args
            .database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"));
        match self {
            Self::KillWorkers if args.workers == 0 || !postgres => {
                anyhow::bail!("--drill kill-workers needs --workers 1 or more and PostgreSQL")
            }
            Self::RestartPostgres if args.restart_command.is_none() || !postgres => {
                anyhow::bail!("--drill restart-postgres needs PostgreSQL and --restart-command")
            }
            _ => Ok(()),
        }
    }

    /// Sets the simulators up for the drill, before the first contact is created (through
    /// the admin API, so every drill runs against an external sandbox too).
    pub async fn prepare(self, bench: &Bench) -> anyhow::Result<()> {
        let client = &bench.sandbox.client;
        match self {
            Self::RemoteFaults => {
                let rates = json!({"server_error": 0.10, "rate_limited": 0.05, "timeout": 0.01});
                // Ferry's calls only: the bench's own creates (POST) are left alone.
                let salesforce = json!({"seed": 8, "rules": [
                    {"method": "GET", "path": "/services/data/*", "error_rates": rates, "timeout_ms": 3000},
                    {"method": "PATCH", "path": "/services/data/*", "error_rates": rates, "timeout_ms": 3000},
                ]});
                let netsuite = json!({"seed": 8, "rules": [
                    {"path": "/services/rest/*", "error_rates": rates, "timeout_ms": 3000},
                ]});
                client
                    .put_faults(Simulator::Salesforce, &salesforce)
                    .await?;
                client.put_faults(Simulator::NetSuite, &netsuite).await
            }
            Self::Redeliver => {
                let mut settings = client.salesforce_settings().await?;
                settings.outbound.extra_deliveries = 2;
                settings.outbound.reorder = true;
                client.put_salesforce_settings(&settings).await
            }
            Self::KillWorkers | Self::RestartPostgres => Ok(()),
        }
    }

    /// Strikes every interval until `running` goes false.
    pub async fn run(
        self,
        bench: &Bench,
        args: &BenchArgs,
        running: &AtomicBool,
    ) -> anyhow::Result<DrillReport> {
        let mut actions = 0u64;
        let interval = Duration::from_millis(args.drill_interval_ms);
        while running.load(Ordering::Relaxed) {
            // Random moments: a fixed rhythm could keep missing the same phase of a batch.
            let wait = interval.mul_f64(rand::random_range(0.5..1.5));
            let slept = sleep_while(running, wait).await;
            if !slept {
                break;
            }
            match self {
                Self::KillWorkers => {
                    bench.kill_and_restart_worker(rand::random_range(0..usize::MAX))?
                }
                Self::RestartPostgres => {
                    let command = args.restart_command.as_deref().unwrap_or_default();
                    restart_postgres(command).await?;
                }
                Self::RemoteFaults => bench.sandbox.client.revoke_access_tokens().await?,
                Self::Redeliver => break,
            }
            actions += 1;
        }
        Ok(DrillReport {
            drill: self,
            what: self.description().to_owned(),
            actions,
        })
    }
}

/// Sleeps `wait` unless `running` goes false first; true when the whole wait passed.
async fn sleep_while(running: &AtomicBool, wait: Duration) -> bool {
    let step = Duration::from_millis(50);
    let mut left = wait;
    while !left.is_zero() {
        if !running.load(Ordering::Relaxed) {
            return false;
        }
        let now = left.min(step);
        tokio::time::sleep(now).await;
        left -= now;
    }
    running.load(Ordering::Relaxed)
}

async fn restart_postgres(command: &str) -> anyhow::Result<()> {
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .status()
        .await
        .context("running --restart-command")?;
    anyhow::ensure!(status.success(), "--restart-command failed: {status}");
    Ok(())
}
