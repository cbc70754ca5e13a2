//! Outbound messages as the listener stores them: one row per message, committed durably
//! before the `Ack`, holding its notifications as [`EventRow`]s. The engine splits a flow's
//! stored messages into inbox events at the start of every batch it claims ([`split`]).
//!
//! Why a message is not written as inbox events straight away: those are one row per
//! notification, each checked against two foreign keys and four indexes, and the `Ack` waited
//! for all of them (3-4 ms of a 5 ms `Ack` for 50 notifications, measured). The engine writes
//! the same rows moments later, off the path Salesforce waits on.
//!
//! Why nothing is lost or doubled: a message is deleted in the transaction that adds its
//! events, so a crash leaves it either stored or split, never both or neither; its event ids
//! were chosen when it arrived, and redelivered notifications are dropped as before (the same
//! notification id, or the same record and modstamp). A flow whose messages nobody split (a
//! lost wake-up) is woken by the sweeper like one whose events wait.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use super::events::{self, EventRow, NewEvent};
use super::sql;
use crate::entities::inbox_message;

/// Messages one split takes: with up to 100 notifications each, a full batch of events.
pub const SPLIT_MESSAGES: u64 = 20;

/// Stores a message's notifications as one row, committed when this returns.
pub async fn store(
    db: &impl ConnectionTrait,
    tenant_id: Uuid,
    flow_id: Uuid,
    notifications: Vec<NewEvent>,
) -> Result<(), DbErr> {
    let rows: Vec<EventRow> = notifications.into_iter().map(EventRow::from).collect();
    let count = i32::try_from(rows.len()).map_err(|e| DbErr::Custom(e.to_string()))?;
    let json = EventRow::json(&rows)?;
    let row = inbox_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant_id),
        flow_id: Set(flow_id),
        received_at: Set(Utc::now()),
        notifications: Set(count),
        events: Set(json),
    };
    inbox_message::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What one [`split`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Split {
    /// Stored messages taken (and deleted).
    pub messages: u64,
    /// Inbox events added: the notifications not seen before.
    pub added: u64,
}

/// Splits up to [`SPLIT_MESSAGES`] of the flow's stored messages, oldest first, into inbox
/// events, and deletes them. Run it inside the transaction that claims events, so the claim
/// sees them; two workers splitting at once take different messages.
pub async fn split(db: &impl ConnectionTrait, flow_id: Uuid) -> Result<Split, DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        return split_in_one_statement(db, flow_id).await;
    }
    let rows = sql::query(
        db,
        "SELECT id, tenant_id, received_at, events FROM inbox_messages \
         WHERE flow_id = $1 ORDER BY id LIMIT $2",
        vec![flow_id.into(), (SPLIT_MESSAGES as i64).into()],
    )
    .await?;
    let mut done = Split::default();
    let mut ids: Vec<Uuid> = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: Uuid = row.try_get("", "id")?;
        let tenant_id: Uuid = row.try_get("", "tenant_id")?;
        let received_at: DateTime<Utc> = row.try_get("", "received_at")?;
        let json: String = row.try_get("", "events")?;
        let events: Vec<EventRow> = serde_json::from_str(&json)
            .map_err(|e| DbErr::Custom(format!("stored message {id} is unreadable: {e}")))?;
        done.added += events::add_rows(db, tenant_id, flow_id, events, received_at).await?;
        done.messages += 1;
        ids.push(id);
    }
    if !ids.is_empty() {
        let delete = format!(
            "DELETE FROM inbox_messages WHERE id IN ({})",
            sql::placeholders(1, ids.len())
        );
        sql::execute(db, &delete, ids.into_iter().map(Into::into).collect()).await?;
    }
    Ok(done)
}

/// [`split`] on PostgreSQL: the delete, the insert and the count in one statement, with
/// messages another worker is splitting skipped rather than waited for.
async fn split_in_one_statement(db: &impl ConnectionTrait, flow_id: Uuid) -> Result<Split, DbErr> {
    let insert = events::insert_rows(
        "taken t, json_to_recordset(t.events::json)",
        "t.tenant_id",
        "t.flow_id",
        "t.received_at",
    );
    let statement = format!(
        "WITH taken AS (
             DELETE FROM inbox_messages WHERE id IN (
                 SELECT id FROM inbox_messages WHERE flow_id = $1
                  ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING tenant_id, flow_id, received_at, events),
         added AS ({insert} RETURNING 1)
         SELECT (SELECT COUNT(*) FROM taken) AS messages, (SELECT COUNT(*) FROM added) AS added"
    );
    let rows = sql::query(
        db,
        &statement,
        vec![flow_id.into(), (SPLIT_MESSAGES as i64).into()],
    )
    .await?;
    let count = |column: &str| -> Result<u64, DbErr> {
        let n: i64 = match rows.first() {
            Some(row) => row.try_get("", column)?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    };
    Ok(Split {
        messages: count("messages")?,
        added: count("added")?,
    })
}

/// Flows with a message stored at least `idle` ago and not split yet (its wake-up was lost).
pub async fn flows_waiting(db: &impl ConnectionTrait, idle: Duration) -> Result<Vec<Uuid>, DbErr> {
    let rows = sql::query(
        db,
        "SELECT DISTINCT flow_id FROM inbox_messages WHERE received_at <= $1",
        vec![(Utc::now() - idle).into()],
    )
    .await?;
    rows.iter().map(|r| r.try_get("", "flow_id")).collect()
}
