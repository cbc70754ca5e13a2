//! The job queues in the database (apalis' PostgreSQL or SQLite storage) and the [`Waker`]
//! the rest of Ferry uses to put wake-ups in them. Queue names are set here, explicitly, so a
//! renamed Rust type never strands queued jobs.

use std::future::Future;
use std::pin::Pin;

use anyhow::Context;
use apalis::prelude::TaskSink;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use sea_orm::sqlx;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use uuid::Uuid;

use ferry_domain::sync::Waker;

use crate::sync_jobs::{RunBackfill, SyncFlow};

pub const SYNC_QUEUE: &str = "ferry.sync";
pub const BACKFILL_QUEUE: &str = "ferry.backfill";

/// apalis' worker heartbeat, which also makes a worker look for jobs: a wake-up that the poll
/// missed waits at most this long (apalis' default is 30 s). It does miss: under a steady
/// stream of wake-ups (`ferry bench` at 500 contacts/s) every drain had ended and jobs sat
/// queued, unfetched, until the next heartbeat, about one run in three, stalling the flow for
/// up to the whole interval (seen at 2 s in the engine's own timings). A heartbeat is one
/// small `UPDATE` per worker, so twice a second costs little and bounds the stall.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_millis(500);

/// Heartbeats a worker may miss before apalis deems it dead and queues its jobs again: ten
/// seconds' worth, so a process busy for a moment is not taken for a dead one.
const MISSED_HEARTBEATS: usize = 20;

/// The queue's own connections, whose commits do not wait for the WAL flush. Queue jobs are
/// wake-ups, not data (the inbox is the data, committed durably): a crash that forgets the
/// last fraction of a second of queue changes loses at most a wake-up, which the sweeper
/// repairs within seconds. Every push, fetch, completion and heartbeat would otherwise wait
/// for a disk flush, and under load they queued behind each other and the listener's commits.
fn wake_up_pool(db: &DatabaseConnection) -> sqlx::PgPool {
    ferry_domain::db::relaxed_postgres_pool(db, QUEUE_CONNECTIONS)
}

/// Two workers polling, the pusher, heartbeats: a handful of connections is plenty.
const QUEUE_CONNECTIONS: u32 = 6;

/// The queues of one database.
#[derive(Clone)]
pub enum JobQueues {
    Postgres {
        sync: PostgresStorage<SyncFlow>,
        backfill: PostgresStorage<RunBackfill>,
    },
    Sqlite {
        sync: SqliteStorage<SyncFlow>,
        backfill: SqliteStorage<RunBackfill>,
    },
}

impl JobQueues {
    /// Creates apalis' tables if needed and opens the queues. On SQLite the queue shares
    /// Ferry's single connection (one writer, no lock contention); apalis' setup switches it
    /// to `synchronous=OFF`, which is put back to `NORMAL` right after, so an acknowledged
    /// notification survives a crash.
    pub async fn open(db: &DatabaseConnection) -> anyhow::Result<Self> {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = wake_up_pool(db);
                PostgresStorage::setup(&pool)
                    .await
                    .context("creating the job queue tables")?;
                let config = |queue: &str| {
                    apalis_postgres::Config::default()
                        .queue(queue)
                        .heartbeat_interval(HEARTBEAT)
                        .missed_heartbeats(MISSED_HEARTBEATS)
                };
                Ok(Self::Postgres {
                    sync: PostgresStorage::new(&pool).with_config(config(SYNC_QUEUE)),
                    backfill: PostgresStorage::new(&pool).with_config(config(BACKFILL_QUEUE)),
                })
            }
            _ => {
                let pool = db.get_sqlite_connection_pool().clone();
                SqliteStorage::setup(&pool)
                    .await
                    .context("creating the job queue tables")?;
                ferry_domain::db::restore_sqlite_durability(db).await?;
                let config = |queue: &str| {
                    apalis_sqlite::Config::default()
                        .queue(queue)
                        .heartbeat_interval(HEARTBEAT)
                        .missed_heartbeats(MISSED_HEARTBEATS)
                };
                Ok(Self::Sqlite {
                    sync: SqliteStorage::new(&pool).with_config(config(SYNC_QUEUE)),
                    backfill: SqliteStorage::new(&pool).with_config(config(BACKFILL_QUEUE)),
                })
            }
        }
    }

    async fn push_sync(&self, job: SyncFlow) -> Result<(), String> {
        match self {
            Self::Postgres { sync, .. } => sync.clone().push(job).await.map_err(|e| e.to_string()),
            Self::Sqlite { sync, .. } => sync.clone().push(job).await.map_err(|e| e.to_string()),
        }
    }

    async fn push_backfill(&self, job: RunBackfill) -> Result<(), String> {
        match self {
            Self::Postgres { backfill, .. } => {
                backfill.clone().push(job).await.map_err(|e| e.to_string())
            }
            Self::Sqlite { backfill, .. } => {
                backfill.clone().push(job).await.map_err(|e| e.to_string())
            }
        }
    }
}

impl Waker for JobQueues {
    fn wake(&self, flow_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            if let Err(error) = self.push_sync(SyncFlow { flow_id }).await {
                // The event is in the inbox already; the sweeper wakes the flow instead.
                tracing::warn!(%flow_id, %error, "could not queue a sync; the sweeper will");
            }
        })
    }

    fn wake_backfill(&self, backfill_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            if let Err(error) = self.push_backfill(RunBackfill { backfill_id }).await {
                tracing::warn!(%backfill_id, %error, "could not queue a backfill; the sweeper will");
            }
        })
    }
}
