//! How much work waits in the inbox, for the metrics scrape: one indexed statement over the
//! pending and claimed rows and one over the stored messages not split yet (whose
//! notifications count as due), the same on PostgreSQL and SQLite.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::events::{CLAIMED, PENDING};
use super::sql;

/// Inbox events not yet processed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct InboxBacklog {
    /// Pending and due now, and notifications in stored messages not split into events yet:
    /// a worker should be on them.
    pub due: i64,
    /// Pending with a later time: retries waiting out their back-off.
    pub scheduled: i64,
    /// Being processed by a worker.
    pub claimed: i64,
    /// How long the oldest due event (or stored message) has waited; 0 when none is due.
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
    let stored = sql::query(
        db,
        "SELECT SUM(notifications) AS notifications, MIN(received_at) AS oldest \
         FROM inbox_messages",
        vec![],
    )
    .await?;
    let (waiting, oldest_stored): (i64, Option<DateTime<Utc>>) = match stored.first() {
        Some(row) => (
            row.try_get::<Option<i64>>("", "notifications")?
                .unwrap_or(0),
            row.try_get("", "oldest")?,
        ),
        None => (0, None),
    };
    // Aggregates always answer one row; none would mean no events.
    let row = rows.first();
    let count = |column: &str| -> Result<i64, DbErr> {
        Ok(match row {
            Some(row) => row.try_get::<Option<i64>>("", column)?.unwrap_or(0),
            None => 0,
        })
    };
    let oldest_event: Option<DateTime<Utc>> = match row {
        Some(row) => row.try_get("", "oldest_due")?,
        None => None,
    };
    let oldest = match (oldest_event, oldest_stored) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(InboxBacklog {
        due: count("due")? + waiting,
        scheduled: count("scheduled")?,
        claimed: count("claimed")?,
        oldest_due_seconds: oldest
            .map(|at| ((now - at).num_milliseconds().max(0) as f64) / 1000.0)
            .unwrap_or(0.0),
    })
}
