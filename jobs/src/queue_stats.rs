//! The depth of Ferry's job queues and the age of their oldest waiting job, read from apalis'
//! tables at scrape time. One grouped statement per scrape, over the partial index apalis
//! keeps for fetching exactly these rows.

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

use crate::queues::{BACKFILL_QUEUE, SYNC_QUEUE};

/// One queue's waiting jobs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueStats {
    pub queue: &'static str,
    /// Jobs waiting for a worker: pending, or failed with attempts left.
    pub waiting: i64,
    /// How long the oldest of them has been due; 0 when none is.
    pub oldest_seconds: f64,
}

/// Every Ferry queue, in a fixed order, with zeros for an empty one.
pub async fn queue_stats(db: &impl ConnectionTrait) -> Result<Vec<QueueStats>, DbErr> {
    let backend = db.get_database_backend();
    // The ages are computed by the database against its own clock, the one `run_at` was
    // written with. apalis keeps `run_at` as timestamptz on PostgreSQL and as Unix seconds
    // on SQLite.
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "SELECT job_type, COUNT(*) AS waiting, \
               CAST(GREATEST(EXTRACT(EPOCH FROM (now() - MIN(run_at))), 0) AS DOUBLE PRECISION) \
                 AS oldest \
             FROM apalis.jobs \
             WHERE job_type IN ($1, $2) \
               AND (status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts)) \
             GROUP BY job_type"
        }
        _ => {
            "SELECT job_type, COUNT(*) AS waiting, \
               CAST(MAX(CAST(strftime('%s', 'now') AS INTEGER) - MIN(run_at), 0) AS REAL) \
                 AS oldest \
             FROM Jobs \
             WHERE job_type IN ($1, $2) \
               AND (status = 'Pending' OR (status = 'Failed' AND attempts < max_attempts)) \
             GROUP BY job_type"
        }
    };
    let sql = match backend {
        DatabaseBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [SYNC_QUEUE.into(), BACKFILL_QUEUE.into()],
        ))
        .await?;
    let mut stats = [SYNC_QUEUE, BACKFILL_QUEUE].map(|queue| QueueStats {
        queue,
        waiting: 0,
        oldest_seconds: 0.0,
    });
    for row in rows {
        let queue: String = row.try_get("", "job_type")?;
        if let Some(s) = stats.iter_mut().find(|s| s.queue == queue) {
            s.waiting = row.try_get("", "waiting")?;
            s.oldest_seconds = row.try_get::<Option<f64>>("", "oldest")?.unwrap_or(0.0);
        }
    }
    Ok(stats.to_vec())
}
