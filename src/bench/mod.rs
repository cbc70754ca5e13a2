//! `ferry bench`: drives contacts through the real product against the sandbox (started
//! in-process, or an external one) and reports throughput, latencies, remote calls, NetSuite
//! concurrency, memory and correctness. Real-time mode goes through the listener (Salesforce
//! outbound messages); backfill mode measures "Sync existing records" over contacts created
//! beforehand. Whichever sandbox it is, the bench reaches it only over HTTP
//! (`sandbox_client.rs`): the admin API for settings and readings, the Salesforce data API for
//! the records it creates.

mod drills;
mod occupancy;
mod processes;
mod report;
mod sandbox;
mod sandbox_client;
mod setup;
mod written_back;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

pub use drills::Drill;
use occupancy::Occupancy;
pub use report::Report;
use report::{Concurrency, Correctness, Percentiles, peak_rss_mb};
use setup::Bench;
use written_back::WrittenBack;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Contacts created one after another, each notifying Ferry's listener.
    Realtime,
    /// Contacts created first (no notifications), then "Sync existing records".
    Backfill,
}

/// Options of `ferry bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// How many contacts to sync.
    #[arg(long, default_value_t = 10_000)]
    pub contacts: usize,
    #[arg(long, value_enum, default_value = "realtime")]
    pub mode: Mode,
    /// Latency the simulators add to every API call.
    #[arg(long, default_value_t = 0)]
    pub remote_latency_ms: u64,
    /// The simulated NetSuite account's concurrency limit (Ferry is told the same).
    #[arg(long, default_value_t = 5)]
    pub netsuite_limit: u32,
    /// `ferry worker` processes to spawn against the same database (0: workers in this process).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// A PostgreSQL server URL (`postgres://user:pass@host/db`): the bench creates a fresh
    /// database there and drops it afterwards. Default: a temporary SQLite file.
    #[arg(long, env = "FERRY_BENCH_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Create the contacts at this rate (0: as fast as Salesforce takes them, 200 per call).
    #[arg(long, default_value_t = 0)]
    pub create_per_second: usize,
    /// Run a fault drill during the run (see docs/operations.md); the run fails if anything
    /// is lost or duplicated.
    #[arg(long, value_enum)]
    pub drill: Option<Drill>,
    /// How often the drill strikes, on average (each wait is drawn between half and one and
    /// a half times this).
    #[arg(long, default_value_t = 1500)]
    pub drill_interval_ms: u64,
    /// `--drill restart-postgres`: the shell command that restarts the PostgreSQL server.
    #[arg(long)]
    pub restart_command: Option<String>,
    /// Give up after this long.
    #[arg(long, default_value_t = 900)]
    pub timeout_secs: u64,
    /// Run against a sandbox started elsewhere (`ferry sandbox`) instead of one in this
    /// process: its Salesforce simulator's URL. Goes with `--netsuite-url`.
    #[arg(long, requires = "netsuite_url")]
    pub salesforce_url: Option<String>,
    /// The external sandbox's NetSuite simulator URL. Goes with `--salesforce-url`.
    #[arg(long, requires = "salesforce_url")]
    pub netsuite_url: Option<String>,
}

impl BenchArgs {
    /// The external sandbox's Salesforce and NetSuite URLs, or `None` for an in-process one.
    pub fn sandbox_urls(&self) -> anyhow::Result<Option<(&str, &str)>> {
        match (&self.salesforce_url, &self.netsuite_url) {
            (Some(salesforce), Some(netsuite)) => Ok(Some((salesforce, netsuite))),
            (None, None) => Ok(None),
            _ => anyhow::bail!(
                "--salesforce-url and --netsuite-url go together: give both to run against an \
                 external sandbox, or neither to let the bench start its own"
            ),
        }
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    args.sandbox_urls()?;
    if let Some(drill) = args.drill {
        drill.check(&args)?;
    }
    let bench = Bench::start(&args).await?;
    let result = measure(&args, &bench).await;
    bench.stop().await;
    let report = result?;
    print!("{}", report.render());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("Report written to {}", path.display());
    }
    if report.correctness.duplicates > 0 || report.correctness.found < report.correctness.expected {
        anyhow::bail!("correctness check failed: {:?}", report.correctness);
    }
    Ok(())
}

/// Creates the run's contacts, noting each one's id and creation time in `created` as its
/// call returns, so the poller sees write-backs while later contacts are still being created.
async fn create_contacts(
    bench: &Bench,
    account: &str,
    args: &BenchArgs,
    created: &RefCell<HashMap<String, Instant>>,
) -> anyhow::Result<()> {
    let n = args.contacts;
    // Paced: a tenth of a second's worth per call, so the contacts trickle in (drills strike
    // while they arrive). Unpaced: Salesforce's largest composite call, as fast as it answers.
    let chunk = match args.create_per_second {
        0 => 200,
        rate => (rate / 10).clamp(1, 200),
    };
    let begun = Instant::now();
    for chunk_start in (0..n).step_by(chunk) {
        if args.create_per_second > 0 {
            let due = Duration::from_secs_f64(chunk_start as f64 / args.create_per_second as f64);
            if let Some(wait) = due.checked_sub(begun.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        let records: Vec<Value> = (chunk_start..(chunk_start + chunk).min(n))
            .map(|i| {
                json!({"attributes": {"type": "Contact"}, "FirstName": "Bench", "LastName": format!("Contact {i}"),
                       "Email": format!("bench.{i}@example.com"), "Phone": "+1 555 0100", "Title": "Tester",
                       "AccountId": account})
            })
            .collect();
        let ids = bench.sandbox.client.create_records(records).await?;
        let at = Instant::now();
        created
            .borrow_mut()
            .extend(ids.into_iter().map(|id| (id, at)));
    }
    Ok(())
}

async fn measure(args: &BenchArgs, bench: &Bench) -> anyhow::Result<Report> {
    let db_before = bench.database_size().await;
    let account = bench.create_synced_account().await?;
    if let Some(drill) = args.drill {
        drill.prepare(bench).await?;
    }
    let client = &bench.sandbox.client;
    let mut written_back = WrittenBack::start(client).await?;
    let mut occupancy = Occupancy::new(args.contacts);
    bench.reset_counters().await?;
    let progress = ProgressBar::new(args.contacts as u64);
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:>10} [{bar:40}] {pos}/{len} contacts · {per_sec} · {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.timeout_secs);
    let (waiting, drill_failed) = (AtomicBool::new(true), AtomicBool::new(false));
    // Creating and waiting at once, while the drill (if any) strikes from the first contact
    // on. The poller runs from the start: a paced run's early contacts are written back
    // while later ones are still being created, and their latency must say so.
    let created = RefCell::new(HashMap::with_capacity(args.contacts));
    let creating_done = Cell::new(false);
    let mut run_started = started;
    let work = async {
        let creating = async {
            let result = match args.mode {
                Mode::Realtime => {
                    progress.set_message("syncing");
                    create_contacts(bench, &account, args, &created).await
                }
                Mode::Backfill => {
                    async {
                        progress.set_message("creating");
                        create_contacts(bench, &account, args, &created).await?;
                        bench.reset_counters().await?;
                        progress.set_message("backfill");
                        run_started = Instant::now();
                        bench.start_contact_backfill().await
                    }
                    .await
                }
            };
            creating_done.set(true);
            result
        };
        let polling = async {
            loop {
                written_back.poll(client).await?;
                let done = written_back.count_among(&created.borrow());
                progress.set_position(done as u64);
                occupancy.progress(done, client).await?;
                let all_done = creating_done.get() && done >= created.borrow().len();
                if all_done || Instant::now() >= deadline || drill_failed.load(Ordering::Relaxed) {
                    return anyhow::Ok(());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let result = tokio::try_join!(creating, polling);
        waiting.store(false, Ordering::Relaxed);
        result
    };
    let drill = async {
        match args.drill {
            Some(drill) => {
                let report = drill.run(bench, args, &waiting).await;
                drill_failed.store(report.is_err(), Ordering::Relaxed);
                report.map(Some)
            }
            None => Ok(None),
        }
    };
    let (work, drill) = tokio::join!(work, drill);
    work?;
    let drill = drill?;
    written_back.poll(client).await?;
    progress.finish_and_clear();
    let created = created.into_inner();
    let governance = client.governance().await?;
    let occupied = occupancy.measured(&governance, args.netsuite_limit);
    let seen = written_back.among(&created);
    if seen.len() < created.len() {
        eprintln!(
            "Timed out: {} of {} contacts written back.",
            seen.len(),
            created.len()
        );
    }

    let mut finished: Vec<Instant> = seen.values().copied().collect();
    finished.sort();
    let last = finished.last().copied().unwrap_or(run_started);
    let seconds = last.duration_since(run_started).as_secs_f64().max(0.001);
    let steady = if finished.len() >= 10 {
        let (a, b) = (
            finished[finished.len() / 10],
            finished[finished.len() * 9 / 10],
        );
        let span = b.duration_since(a).as_secs_f64();
        if span > 0.0 {
            (finished.len() * 8 / 10) as f64 / span
        } else {
            0.0
        }
    } else {
        0.0
    };
    let mut e2e: Vec<f64> = if args.mode == Mode::Realtime {
        seen.iter()
            .filter_map(|(id, done)| {
                Some(done.duration_since(*created.get(id)?).as_secs_f64() * 1000.0)
            })
            .collect()
    } else {
        Vec::new()
    };

    let (ack_latency, acks_per_second, notifications_acknowledged) =
        bench.ack_stats(run_started).await?;
    let calls = bench.calls_per_contact(seen.len().max(1)).await?;
    let correctness = bench.correctness(&created, seen.len()).await?;
    Ok(Report {
        mode: format!("{:?}", args.mode).to_lowercase(),
        contacts: args.contacts,
        database: bench.database_label(),
        sandbox: bench.sandbox.label(),
        workers: args.workers,
        remote_latency_ms: args.remote_latency_ms,
        seconds,
        contacts_per_second: seen.len() as f64 / seconds,
        steady_contacts_per_second: steady,
        acks_per_second,
        notifications_acknowledged,
        ack_latency_ms: ack_latency,
        end_to_end_latency_ms: Percentiles::of(&mut e2e),
        calls_per_contact_total: calls.values().sum(),
        calls_per_contact: calls,
        netsuite_concurrency: Concurrency {
            limit: args.netsuite_limit,
            max_observed: governance.max_concurrency_seen,
            share_at_limit: occupied.share_at_limit,
            steady_share_in_use: occupied.steady_share_in_use,
            rejected_requests: governance.rejected_over_limit,
        },
        peak_rss_mb: peak_rss_mb(None) + bench.children_rss_mb(),
        database_growth_mb: (bench.database_size().await - db_before) as f64 / 1_048_576.0,
        correctness,
        drill,
    })
}

impl Bench {
    /// Ack latencies of the bench's rules' acknowledged deliveries since `since`,
    /// notifications per second and how many were acknowledged.
    async fn ack_stats(&self, since: Instant) -> anyhow::Result<(Percentiles, f64, u64)> {
        let from =
            chrono::Utc::now() - chrono::Duration::from_std(since.elapsed()).unwrap_or_default();
        let acks = self
            .sandbox
            .client
            .ack_summary(from, self.sandbox.rule_ids())
            .await?;
        let span = match (acks.first_at, acks.last_at) {
            (Some(f), Some(l)) => ((l - f).num_milliseconds() as f64 / 1000.0).max(0.001),
            _ => 1.0,
        };
        Ok((
            acks.latency_ms,
            acks.notifications as f64 / span,
            acks.notifications as u64,
        ))
    }

    async fn correctness(
        &self,
        created: &HashMap<String, Instant>,
        written_back: usize,
    ) -> anyhow::Result<Correctness> {
        let ids = created.keys().map(String::as_str).collect();
        let counts = self
            .sandbox
            .client
            .count_external_ids("contact", ids)
            .await?;
        Ok(Correctness {
            expected: created.len(),
            found: counts.found,
            written_back,
            duplicates: counts.duplicates,
        })
    }
}
