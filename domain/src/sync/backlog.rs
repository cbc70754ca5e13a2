//! How much work waits in the inbox, for the metrics scrape: one indexed statement over the
//! pending and claimed rows, the same on PostgreSQL and SQLite.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::events::{CLAIMED, PENDING};
use super::sql;

/// Inbox events not yet processed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InboxBacklog {
    /// Pending and due now: a worker should be on them.
    pub due: i64,
    /// Pending with a later time: retries waiting out their back-off.
    pub scheduled: i64,
    /// Being processed by a worker.
    pub claimed: i64,
    /// How long the oldest due event has waited; 0 when none is due.
    pub oldest_due_seconds: f64,
}

pub async fn inbox_backlog(db: &impl ConnectionTrait) -> Result<InboxBacklog, DbErr> {
    let now = Utc::now();
    let rows = sql::query(
        db,
        &format!(
            "SELECT \
               SUM(CASE WHEN status = '{PENDING}' AND available_at <= $1 THEN 1 ELSE 0 END) AS due, \
               SUM(CASE WHEN status = '{PENDING}' AND available_at > $1 THEN 1 ELSE 0 END) AS scheduled, \
               SUM(CASE WHEN status = '{CLAIMED}' THEN 1 ELSE 0 END) AS claimed, \
               MIN(CASE WHEN status = '{PENDING}' AND available_at <= $1 THEN available_at END) \
                 AS oldest_due \
             FROM sync_events WHERE status IN ('{PENDING}', '{CLAIMED}')"
        ),
        vec![now.into()],
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(InboxBacklog::default());
    };
    let count = |column: &str| -> Result<i64, DbErr> {
        Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
    };
    let oldest: Option<DateTime<Utc>> = row.try_get("", "oldest_due")?;
    Ok(InboxBacklog {
        due: count("due")?,
        scheduled: count("scheduled")?,
        claimed: count("claimed")?,
        oldest_due_seconds: oldest
            .map(|at| ((now - at).num_milliseconds().max(0) as f64) / 1000.0)
            .unwrap_or(0.0),
    })
}
