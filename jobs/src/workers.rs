//! apalis wiring: which job runs when, on which queue. No logic lives here.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use apalis::layers::WorkerBuilderExt;
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use cron::Schedule;
use sea_orm::DatabaseConnection;

use ferry_domain::sync::SyncContext;

use crate::digests::{Mailer, send_error_digests};
use crate::housekeeping::run_housekeeping;
use crate::metrics;
use crate::queues::JobQueues;
use crate::sync_jobs::{self, RunBackfill, SyncFlow};

/// Hourly, at minute 17 (off the hour, away from everyone else's cron jobs).
const HOUSEKEEPING_SCHEDULE: &str = "0 17 * * * *";
/// Every 5 seconds: orphaned claims, due retries, stale backfills.
const SWEEP_SCHEDULE: &str = "*/5 * * * * *";
/// Every minute: scheduled flows whose interval has passed.
const POLL_SCHEDULE: &str = "0 * * * * *";
/// Every 5 minutes: e-mail digests of new error signatures.
const DIGEST_SCHEDULE: &str = "0 */5 * * * *";
/// Flow drains at once per process. Each is a batch of up to 200 records.
const SYNC_CONCURRENCY: usize = 4;
/// SQLite has no LISTEN/NOTIFY; a short poll keeps real-time real.
const SQLITE_POLL: Duration = Duration::from_millis(100);
/// PostgreSQL: a short poll rather than apalis' LISTEN/NOTIFY, which (measured with
/// `ferry bench`) left wake-ups waiting for the next heartbeat under load. An indexed poll
/// every 50 ms is cheap for PostgreSQL and bounds the wait.
const POSTGRES_POLL: Duration = Duration::from_millis(50);

async fn housekeeping_tick(_tick: Tick, db: Data<DatabaseConnection>) -> Result<(), BoxDynError> {
    metrics::timed("housekeeping", run_housekeeping(&db)).await?;
    Ok(())
}

async fn sweep_tick(_tick: Tick, ctx: Data<SyncContext>) -> Result<(), BoxDynError> {
    metrics::timed("sweep", sync_jobs::sweep(&ctx)).await?;
    Ok(())
}

async fn poll_tick(_tick: Tick, ctx: Data<SyncContext>) -> Result<(), BoxDynError> {
    metrics::timed("poll", sync_jobs::poll(&ctx)).await?;
    Ok(())
}

async fn digest_tick(
    _tick: Tick,
    mailer: Data<Mailer>,
    ctx: Data<SyncContext>,
) -> Result<(), BoxDynError> {
    metrics::timed("digest", send_error_digests(&ctx.db, &mailer)).await?;
    Ok(())
}

async fn sync_flow(job: SyncFlow, ctx: Data<SyncContext>) -> Result<(), BoxDynError> {
    metrics::timed("sync", sync_jobs::sync_flow(&ctx, &job)).await?;
    Ok(())
}

async fn run_backfill(job: RunBackfill, ctx: Data<SyncContext>) -> Result<(), BoxDynError> {
    metrics::timed("backfill", sync_jobs::run_backfill(&ctx, &job)).await?;
    Ok(())
}

/// A queue worker's name, new at every start (`ferry-sync-<pid>-<random>`).
///
/// apalis-postgres registers a queue worker under its name, and registering a name that is
/// already there takes a session-level advisory lock, which the next registration of that
/// name then cannot get. With one name for every process, a worker process restarted while
/// another process held that lock never registered its sync worker again: it was restarted in
/// a tight loop, logging `WorkerAlreadyExists` about 10,000 times a second and syncing
/// nothing (found in the kill drill's log). A dead worker's name is simply never seen again;
/// its jobs go back to the queue once its heartbeats stop.
fn queue_worker_name(worker: &str) -> String {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    format!("{worker}-{}-{}", std::process::id(), &tag[..8])
}

/// Registers the sync and backfill queue workers: a macro, because the PostgreSQL and SQLite
/// storages are different types with the same methods.
macro_rules! queue_workers {
    ($monitor:expr, $ctx:expr, $sync:expr, $backfill:expr, $poll:expr) => {{
        let (sync, backfill) = ($sync, $backfill);
        $monitor
            .register({
                let ctx = $ctx.clone();
                move |_| {
                    WorkerBuilder::new(queue_worker_name("ferry-sync"))
                        .backend(sync.clone().poll_with_interval($poll))
                        .data(ctx.clone())
                        .concurrency(SYNC_CONCURRENCY)
                        .build(sync_flow)
                }
            })
            .register({
                let ctx = $ctx.clone();
                move |_| {
                    WorkerBuilder::new(queue_worker_name("ferry-backfill"))
                        .backend(backfill.clone().poll_with_interval($poll))
                        .data(ctx.clone())
                        .concurrency(1)
                        .build(run_backfill)
                }
            })
    }};
}

/// Runs every worker until `shutdown` completes. Without a mailer (no SMTP configured) no
/// e-mail digests are sent.
pub async fn run_workers(
    ctx: SyncContext,
    queues: JobQueues,
    mailer: Option<Mailer>,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    let cron = |s: &str| Schedule::from_str(s);
    let (housekeeping, sweep, poll) = (
        cron(HOUSEKEEPING_SCHEDULE)?,
        cron(SWEEP_SCHEDULE)?,
        cron(POLL_SCHEDULE)?,
    );
    let db = ctx.db.clone();
    let mut monitor = Monitor::new()
        // A queue worker whose poll fails (PostgreSQL restarting, a network blip) ends; left
        // alone, the process would go on answering and never sync again (found by the
        // restart drill). A restarted worker's first poll waits in the pool's acquire, which
        // keeps retrying the connection, so this does not spin while the database is away.
        .should_restart(|worker, error| {
            tracing::warn!(
                worker = worker.name(),
                restarts = worker.restarts(),
                %error,
                "a job worker stopped; restarting it"
            );
            true
        })
        .register({
            let db = db.clone();
            move |_| {
                WorkerBuilder::new("ferry-housekeeping")
                    .backend(CronScheduler::new(housekeeping.clone()))
                    .data(db.clone())
                    .build(housekeeping_tick)
            }
        })
        .register({
            let ctx = ctx.clone();
            move |_| {
                WorkerBuilder::new("ferry-sweep")
                    .backend(CronScheduler::new(sweep.clone()))
                    .data(ctx.clone())
                    .build(sweep_tick)
            }
        })
        .register({
            let ctx = ctx.clone();
            move |_| {
                WorkerBuilder::new("ferry-poll")
                    .backend(CronScheduler::new(poll.clone()))
                    .data(ctx.clone())
                    .build(poll_tick)
            }
        });
    if let Some(mailer) = mailer {
        let digest = cron(DIGEST_SCHEDULE)?;
        monitor = monitor.register({
            let ctx = ctx.clone();
            move |_| {
                WorkerBuilder::new("ferry-digest")
                    .backend(CronScheduler::new(digest.clone()))
                    .data(ctx.clone())
                    .data(mailer.clone())
                    .build(digest_tick)
            }
        });
    }
    monitor = match queues {
        JobQueues::Postgres { sync, backfill } => {
            queue_workers!(monitor, ctx, sync, backfill, POSTGRES_POLL)
        }
        JobQueues::Sqlite { sync, backfill } => {
            queue_workers!(monitor, ctx, sync, backfill, SQLITE_POLL)
        }
    };
    monitor.run_with_signal(shutdown).await?;
    Ok(())
}

/// [`run_workers`] on the current runtime, stopped on request rather than by a signal: for a
/// process that runs the workers beside something else and ends them itself (`ferry bench`,
/// the tests' extra worker sets).
pub struct RunningWorkers {
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningWorkers {
    pub fn start(ctx: SyncContext, queues: JobQueues, mailer: Option<Mailer>) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
            Ok(())
        };
        let handle = tokio::spawn(run_workers(ctx, queues, mailer, shutdown));
        Self { stop, handle }
    }

    /// Lets the running jobs finish, as `ferry worker` does on SIGTERM, for up to `within`;
    /// then stops them mid-batch (what they did is redone: see the inbox's claims). Aborted at
    /// once, they failed on the closing pool and logged errors after a clean run.
    pub async fn stop(self, within: Duration) {
        let _ = self.stop.send(());
        let abort = self.handle.abort_handle();
        match tokio::time::timeout(within, self.handle).await {
            Ok(Ok(Ok(()))) | Ok(Err(_)) => {}
            Ok(Ok(Err(error))) => tracing::warn!(
                error = format!("{error:#}"),
                "workers stopped with an error"
            ),
            Err(_) => {
                tracing::warn!(
                    ?within,
                    "workers did not stop in time; stopping them mid-batch"
                );
                abort.abort();
            }
        }
    }
}
