//! Periodic clean-up that keeps tables from growing without bound.

use sea_orm::DatabaseConnection;

use ferry_domain::{DomainResult, invitations};

/// What one housekeeping run removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub expired_invitations_removed: u64,
    pub processed_events_removed: u64,
    pub finished_jobs_removed: u64,
}

/// Finished queue jobs are wake-ups (the inbox keeps the history): a day is plenty.
const KEEP_FINISHED_JOBS_SECS: i64 = 24 * 3600;

/// Deletes finished apalis jobs older than a day; without this the queue table grows with
/// every outbound message. The table lives in the same database as Ferry's own.
pub async fn purge_finished_jobs(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "DELETE FROM apalis.jobs WHERE status IN ('Done', 'Failed', 'Killed') \
             AND done_at < now() - make_interval(secs => $1)"
        }
        _ => {
            "DELETE FROM Jobs WHERE status IN ('Done', 'Failed', 'Killed') \
             AND done_at < strftime('%s', 'now') - $1"
        }
    };
    let value: sea_orm::Value = match backend {
        DatabaseBackend::Postgres => (KEEP_FINISHED_JOBS_SECS as f64).into(),
        _ => KEEP_FINISHED_JOBS_SECS.into(),
    };
    let sql = if backend == DatabaseBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    Ok(db
        .execute_raw(Statement::from_sql_and_values(backend, sql, [value]))
        .await?
        .rows_affected())
}

/// Processed inbox rows are kept this long: longer than Salesforce redelivers a message
/// (24 hours), so a late duplicate is still recognised.
const KEEP_PROCESSED_EVENTS_DAYS: i64 = 7;

/// Removes invitations that expired long ago. Idempotent: safe to run on
/// several workers at once or twice in a row.
pub async fn run_housekeeping(db: &DatabaseConnection) -> DomainResult<HousekeepingReport> {
    let removed = invitations::purge_expired_invitations(db).await?;
    if removed > 0 {
        tracing::info!(removed, "purged expired invitations");
    }
    let events = ferry_domain::sync::events::purge_done(
        db,
        chrono::Duration::days(KEEP_PROCESSED_EVENTS_DAYS),
    )
    .await?;
    if events > 0 {
        tracing::info!(events, "purged processed inbox events");
    }
    let jobs = match purge_finished_jobs(db).await {
        Ok(n) => n,
        // The queue tables are apalis': a change of theirs must not stop the rest.
        Err(e) => {
            tracing::warn!(error = %e, "could not purge finished queue jobs");
            0
        }
    };
    Ok(HousekeepingReport {
        expired_invitations_removed: removed,
        processed_events_removed: events,
        finished_jobs_removed: jobs,
    })
}
