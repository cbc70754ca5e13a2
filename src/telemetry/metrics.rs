//! The Prometheus recorder behind the `metrics` facade the library crates write to.
//!
//! The recorder is process-wide by nature (the facade has one global slot), so it is installed
//! at most once and every caller (`serve`, `worker`, each test app of a test binary) shares
//! its [`PrometheusHandle`]. Nothing is installed unless metrics are served: without a
//! recorder the facade's calls cost a branch.

use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Histogram buckets (seconds) for every latency Ferry measures: HTTP requests, remote calls,
/// slot waits, batches, jobs. From 5 ms (a cached page) to 2 minutes (a batch waiting out a
/// NetSuite limit), roughly ×2.5 apart.
const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

/// How often histogram samples are folded into their buckets. Without it they pile up in
/// memory between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);

/// Installs the recorder (once per process) and returns the handle that renders it.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    // Held while installing, so apps started at once (tests) share one recorder.
    let mut installed = HANDLE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(handle) = installed.as_ref() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)
        .context("invalid histogram buckets")?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder)
        .context("another metrics recorder is installed in this process")?;
    describe();
    let upkeep = handle.clone();
    // A plain thread: it must outlive any one async runtime (tests start many).
    std::thread::Builder::new()
        .name("ferry-metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })
        .context("starting the metrics upkeep thread")?;
    *installed = Some(handle.clone());
    Ok(handle)
}

/// The help text of every metric, from the crate that emits it.
fn describe() {
    ferry_connectors::metrics::describe();
    ferry_domain::sync::telemetry::describe();
    ferry_jobs::metrics::describe();
    ferry_server::telemetry::describe();
}
