//! What the workers count, through the `metrics` facade: each job run by job and result, and
//! how long it took. Queue depth is not counted here but read at scrape time
//! ([`crate::queue_stats`]), so every process reports the same truth from the database.

use std::future::Future;
use std::time::Instant;

/// Job runs, by `job` (sync, backfill, sweep, poll, housekeeping, digest) and `result` (ok,
/// error).
pub const JOB_RUNS: &str = "ferry_job_runs_total";
/// Seconds one job run took, by `job`.
pub const JOB_DURATION: &str = "ferry_job_duration_seconds";

/// Runs one job, counting and timing it.
pub async fn timed<T, E>(
    job: &'static str,
    run: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let started = Instant::now();
    let result = run.await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::counter!(JOB_RUNS, "job" => job, "result" => outcome).increment(1);
    metrics::histogram!(JOB_DURATION, "job" => job).record(started.elapsed().as_secs_f64());
    result
}

/// Registers the help text of the workers' metrics with the installed recorder.
pub fn describe() {
    metrics::describe_counter!(
        JOB_RUNS,
        "Background job runs, by job and result (ok, error)."
    );
    metrics::describe_histogram!(
        JOB_DURATION,
        metrics::Unit::Seconds,
        "Time one background job run took."
    );
}
