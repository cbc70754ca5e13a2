//! `ferry bench`: drives contacts through the real product against the in-process sandbox and
//! reports throughput, latencies, remote calls, NetSuite concurrency, memory and correctness.
//! Real-time mode goes through the listener (Salesforce outbound messages); backfill mode
//! measures "Sync existing records" over contacts created beforehand.

mod drills;
mod occupancy;
mod processes;
mod report;
mod setup;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use ferry_sandbox::netsuite::schema::RecordType;
use ferry_sandbox::salesforce::schema::ObjectKind;

pub use drills::Drill;
use occupancy::Occupancy;
pub use report::Report;
use report::{Concurrency, Correctness, Percentiles, peak_rss_mb};
use setup::Bench;

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
}

const API: &str = "/services/data/v67.0";

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
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

async fn create_contacts(
    bench: &Bench,
    account: &str,
    args: &BenchArgs,
) -> anyhow::Result<HashMap<String, Instant>> {
    let n = args.contacts;
    let http = reqwest::Client::new();
    let url = format!("{}{API}/composite/sobjects", bench.sandbox.salesforce_url());
    let mut created = HashMap::with_capacity(n);
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
        let resp = http
            .post(&url)
            .bearer_auth(bench.sandbox.salesforce().issue_demo_token())
            .json(&json!({"allOrNone": true, "records": records}))
            .send()
            .await?;
        let at = Instant::now();
        let results: Vec<Value> = resp.error_for_status()?.json().await?;
        for r in results {
            let id = r["id"].as_str().context("a created contact without id")?;
            created.insert(id.to_owned(), at);
        }
    }
    Ok(created)
}

/// Contacts whose NetSuite id is written back, with when this loop first saw it.
fn written_back(
    bench: &Bench,
    created: &HashMap<String, Instant>,
    seen: &mut HashMap<String, Instant>,
) {
    let now = Instant::now();
    let sf = bench.sandbox.salesforce();
    let org = sf.lock();
    for record in org.data.live(ObjectKind::Contact) {
        if seen.contains_key(&record.id) || !created.contains_key(&record.id) {
            continue;
        }
        let has_id = record
            .values
            .get("NetSuite_Id__c")
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()));
        if has_id {
            seen.insert(record.id.clone(), now);
        }
    }
}

async fn measure(args: &BenchArgs, bench: &Bench) -> anyhow::Result<Report> {
    let db_before = bench.database_size().await;
    let account = bench.create_synced_account().await?;
    if let Some(drill) = args.drill {
        drill.prepare(bench).await?;
    }
    bench.reset_counters();
    let occupancy = Occupancy::start(bench.sandbox.netsuite(), args.netsuite_limit, args.contacts);
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
    // Creating and waiting, while the drill (if any) strikes from the first contact on.
    let work = async {
        let created = match args.mode {
            Mode::Realtime => {
                progress.set_message("syncing");
                create_contacts(bench, &account, args).await
            }
            Mode::Backfill => {
                progress.set_message("creating");
                match create_contacts(bench, &account, args).await {
                    Ok(created) => {
                        bench.reset_counters();
                        progress.set_message("backfill");
                        bench.start_contact_backfill().await.map(|()| created)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        let created = match created {
            Ok(created) => created,
            Err(e) => {
                waiting.store(false, Ordering::Relaxed);
                return Err(e);
            }
        };
        let run_started = if args.mode == Mode::Backfill {
            Instant::now()
        } else {
            started
        };
        let mut seen: HashMap<String, Instant> = HashMap::with_capacity(created.len());
        while seen.len() < created.len()
            && Instant::now() < deadline
            && !drill_failed.load(Ordering::Relaxed)
        {
            written_back(bench, &created, &mut seen);
            progress.set_position(seen.len() as u64);
            occupancy.done.store(seen.len() as u64, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        waiting.store(false, Ordering::Relaxed);
        Ok((created, seen, run_started))
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
    let (created, mut seen, run_started) = work?;
    let drill = drill?;
    written_back(bench, &created, &mut seen);
    progress.finish_and_clear();
    let occupied = occupancy.finish(args.netsuite_limit).await;
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

    let (ack_latency, acks_per_second, notifications_acknowledged) = bench.ack_stats(run_started);
    let calls = bench.calls_per_contact(seen.len().max(1));
    let governance = bench
        .sandbox
        .netsuite()
        .governance()
        .snapshot(args.netsuite_limit);
    let correctness = bench.correctness(&created, seen.len());
    Ok(Report {
        mode: format!("{:?}", args.mode).to_lowercase(),
        contacts: args.contacts,
        database: bench.database_label(),
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
    /// Ack latencies of the acknowledged deliveries since `since`, notifications per second and
    /// how many were acknowledged.
    fn ack_stats(&self, since: Instant) -> (Percentiles, f64, u64) {
        let elapsed = since.elapsed();
        let from = chrono::Utc::now() - chrono::Duration::from_std(elapsed).unwrap_or_default();
        let log = self.sandbox.salesforce().lock().outbound.log();
        let mut latencies = Vec::new();
        let mut notifications = 0usize;
        let (mut first, mut last) = (None, None);
        for attempt in log.iter().filter(|a| a.acked && a.at >= from) {
            latencies.push(attempt.duration_ms);
            notifications += attempt.notification_ids.len();
            first = Some(
                first.map_or(attempt.at, |f: chrono::DateTime<chrono::Utc>| {
                    f.min(attempt.at)
                }),
            );
            last = Some(last.map_or(attempt.at, |l: chrono::DateTime<chrono::Utc>| {
                l.max(attempt.at)
            }));
        }
        let span = match (first, last) {
            (Some(f), Some(l)) => ((l - f).num_milliseconds() as f64 / 1000.0).max(0.001),
            _ => 1.0,
        };
        (
            Percentiles::of(&mut latencies),
            notifications as f64 / span,
            notifications as u64,
        )
    }

    fn correctness(&self, created: &HashMap<String, Instant>, written_back: usize) -> Correctness {
        let ns = self.sandbox.netsuite();
        let store = ns.store();
        let mut by_external: HashMap<String, usize> = HashMap::new();
        for record in store.records(RecordType::Contact) {
            if let Some(eid) = record
                .text("externalId")
                .filter(|e| created.contains_key(*e))
            {
                *by_external.entry(eid.to_owned()).or_default() += 1;
            }
        }
        let found: HashSet<&String> = by_external.keys().collect();
        Correctness {
            expected: created.len(),
            found: found.len(),
            written_back,
            duplicates: by_external
                .values()
                .filter(|n| **n > 1)
                .map(|n| n - 1)
                .sum(),
        }
    }
}
