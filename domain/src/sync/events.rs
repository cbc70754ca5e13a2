//! The inbox: every notification, polled change, retry and re-queue is a row in `sync_events`
//! before anything else happens, so nothing acknowledged is ever lost. Workers claim due rows
//! in batches; a claim that outlives its worker is handed out again.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set, Value};
use uuid::Uuid;

use super::sql;
use crate::entities::sync_event;

pub const PENDING: &str = "pending";
pub const CLAIMED: &str = "claimed";
pub const DONE: &str = "done";

/// How long a claim may go unrenewed before the rows are assumed orphaned (the worker died).
/// A worker renews its claims every [`CLAIM_RENEWAL`] while it processes them, so a slow batch
/// keeps its claims and a SIGKILLed worker's claims come back within a minute (the kill drill
/// found them waiting ten).
pub const CLAIM_TIMEOUT: Duration = Duration::minutes(1);
/// How often a worker renews the claims it is processing.
pub const CLAIM_RENEWAL: std::time::Duration = std::time::Duration::from_secs(15);

/// Where an event came from; the record timeline shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// A Salesforce outbound message.
    Outbound,
    /// Scheduled polling.
    Poll,
    /// A person pressed Retry (or support did).
    Retry,
    /// The parent record synced; this one was waiting for it.
    Dependency,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Outbound => "outbound",
            EventSource::Poll => "poll",
            EventSource::Retry => "retry",
            EventSource::Dependency => "dependency",
        }
    }

    pub fn label(source: &str) -> &'static str {
        match source {
            "outbound" => "Salesforce notification",
            "poll" => "scheduled poll",
            "retry" => "manual retry",
            "dependency" => "parent synced",
            _ => "event",
        }
    }
}

/// One event to add.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub record_id: String,
    pub source: EventSource,
    pub notification_id: Option<String>,
    pub modstamp: Option<String>,
}

/// Salesforce's 18-character form of a 15-character record id: the three added characters
/// say which of the 15 are upper case, so the id survives case-insensitive comparison. Ids
/// that are not 15 letters and digits are returned unchanged.
///
/// Every event names its record in this one form, so a retry typed with the 15-character id
/// (as Salesforce's URLs show it) is the same record as a notification naming it with 18:
/// one external id in NetSuite, one link, one timeline, never two records claimed at once.
pub fn canonical_record_id(id: &str) -> String {
    const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    if id.len() != 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return id.to_owned();
    }
    let mut canonical = id.to_owned();
    for chunk in id.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0usize, |bits, (i, _)| bits | (1 << i));
        canonical.push(char::from(SUFFIX[bits]));
    }
    canonical
}

/// An event as stored: what [`add`] writes, and what the listener keeps inside a stored
/// message until the engine splits it into events ([`super::messages`]). The id is chosen when
/// the notification arrives, so splitting a message twice writes the same rows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventRow {
    pub id: Uuid,
    pub record_id: String,
    pub source: String,
    pub notification_id: Option<String>,
    pub modstamp: Option<String>,
}

impl EventRow {
    /// `rows` as the JSON array PostgreSQL's `json_to_recordset` and a stored message read.
    pub(crate) fn json(rows: &[EventRow]) -> Result<String, DbErr> {
        serde_json::to_string(rows).map_err(|e| DbErr::Custom(e.to_string()))
    }
}

impl From<NewEvent> for EventRow {
    fn from(e: NewEvent) -> Self {
        EventRow {
            id: Uuid::now_v7(),
            record_id: canonical_record_id(&e.record_id),
            source: e.source.as_str().to_owned(),
            notification_id: e.notification_id,
            modstamp: e.modstamp,
        }
    }
}

/// Adds events, dropping those already present (same notification id, or same record and
/// modstamp). Returns how many were new.
pub async fn add(
    db: &impl ConnectionTrait,
    tenant_id: Uuid,
    flow_id: Uuid,
    events: Vec<NewEvent>,
) -> Result<u64, DbErr> {
    let rows = events.into_iter().map(EventRow::from).collect();
    add_rows(db, tenant_id, flow_id, rows, Utc::now()).await
}

/// [`add`] for rows whose ids are chosen, received at `received_at`.
pub(crate) async fn add_rows(
    db: &impl ConnectionTrait,
    tenant_id: Uuid,
    flow_id: Uuid,
    rows: Vec<EventRow>,
    received_at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if rows.is_empty() {
        return Ok(0);
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        let json = EventRow::json(&rows)?;
        let statement = insert_rows("json_to_recordset($4::json)", "$1", "$2", "$3");
        let values = vec![
            tenant_id.into(),
            flow_id.into(),
            received_at.into(),
            json.into(),
        ];
        return sql::execute(db, &statement, values).await;
    }
    let rows = rows.into_iter().map(|e| sync_event::ActiveModel {
        id: Set(e.id),
        tenant_id: Set(tenant_id),
        flow_id: Set(flow_id),
        record_id: Set(e.record_id),
        source: Set(e.source),
        notification_id: Set(e.notification_id),
        modstamp: Set(e.modstamp),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        available_at: Set(received_at),
        claimed_at: Set(None),
        received_at: Set(received_at),
        done_at: Set(None),
    });
    sync_event::Entity::insert_many(rows)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await
}

/// `INSERT` of [`EventRow`]s read from JSON on PostgreSQL, dropping those already present:
/// `rows` is the `FROM` list ending in a `json_to_recordset(…)` call (the recordset is named
/// `e` here), `tenant`, `flow` and `received_at` the expressions for those columns. Both
/// writers of JSON rows use it ([`add_rows`] and the split of stored messages), so an
/// [`EventRow`] maps to its columns in one place.
///
/// Why JSON: as a multi-row `VALUES` list the statement had 13 parameters per event and a
/// different text for every batch size, so PostgreSQL parsed and planned it again for most
/// batches and bound up to 1,300 values each time; this text is fixed.
pub(crate) fn insert_rows(rows: &str, tenant: &str, flow: &str, received_at: &str) -> String {
    format!(
        "INSERT INTO sync_events (id, tenant_id, flow_id, record_id, source, notification_id, \
                                  modstamp, status, attempts, available_at, claimed_at, \
                                  received_at, done_at) \
         SELECT e.id, {tenant}, {flow}, e.record_id, e.source, e.notification_id, e.modstamp, \
                '{PENDING}', 0, {received_at}, NULL, {received_at}, NULL \
           FROM {rows} \
                AS e(id uuid, record_id text, source text, notification_id text, modstamp text) \
         ON CONFLICT DO NOTHING"
    )
}

/// A claimed event.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: Uuid,
    pub record_id: String,
    pub source: String,
    pub attempts: i32,
}

/// Ferry's class of PostgreSQL advisory locks for taking a flow's batches (the two-key form,
/// whose key space is apart from the single-key locks others take).
const FLOW_BATCH_LOCK: i32 = 0x4652_5942; // "FRYB"

/// Holds the flow's batch lock until the transaction ends (PostgreSQL; SQLite has one writer
/// at a time anyway). See `engine::take_batch`.
pub(crate) async fn lock_flow(db: &impl ConnectionTrait, flow_id: Uuid) -> Result<(), DbErr> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    sql::query(
        db,
        "SELECT pg_advisory_xact_lock($1, hashtext($2::text))::text AS locked",
        vec![FLOW_BATCH_LOCK.into(), flow_id.into()],
    )
    .await?;
    Ok(())
}

/// Claims up to `limit` due events of `flow_id`, skipping records another worker is
/// processing right now, so one record is not synced twice at once (with the flow's lock
/// held, see `engine::take_batch`: the skip sees committed claims only).
pub async fn claim(
    db: &impl ConnectionTrait,
    flow_id: Uuid,
    limit: u64,
) -> Result<Vec<Claimed>, DbErr> {
    let now = Utc::now();
    let lock = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql_text = format!(
        "UPDATE sync_events SET status = '{CLAIMED}', claimed_at = $1 \
         WHERE id IN (SELECT id FROM sync_events \
             WHERE status = '{PENDING}' AND flow_id = $2 AND available_at <= $1 \
             AND record_id NOT IN (SELECT record_id FROM sync_events \
                 WHERE status = '{CLAIMED}' AND flow_id = $2) \
             ORDER BY available_at LIMIT $3 {lock}) \
         RETURNING id, record_id, source, attempts"
    );
    let rows = sql::query(
        db,
        &sql_text,
        vec![now.into(), flow_id.into(), (limit as i64).into()],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("", "id")?,
                record_id: r.try_get("", "record_id")?,
                source: r.try_get("", "source")?,
                attempts: r.try_get("", "attempts")?,
            })
        })
        .collect()
}

/// `UPDATE sync_events SET {set} WHERE id IN (ids){and}`, with `at` as `$1`.
async fn update_listed(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    at: DateTime<Utc>,
    set: &str,
    and: &str,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let list = sql::placeholders(2, ids.len());
    let values: Vec<Value> = std::iter::once(at.into())
        .chain(ids.iter().map(|id| (*id).into()))
        .collect();
    let statement = format!("UPDATE sync_events SET {set} WHERE id IN ({list}){and}");
    sql::execute(db, &statement, values).await?;
    Ok(())
}

/// Renews claims still being processed (see [`CLAIM_TIMEOUT`]).
pub async fn renew_claims(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    let and = format!(" AND status = '{CLAIMED}'");
    update_listed(db, ids, Utc::now(), "claimed_at = $1", &and).await
}

/// Marks events processed.
pub async fn finish(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    let set = format!("status = '{DONE}', done_at = $1");
    update_listed(db, ids, Utc::now(), &set, "").await
}

/// Puts events back for a later attempt.
pub async fn retry_at(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let set = format!(
        "status = '{PENDING}', attempts = attempts + 1, available_at = $1, claimed_at = NULL"
    );
    update_listed(db, ids, at, &set, "").await
}

/// Hands out again the claims of workers that died. Returns how many.
pub async fn release_orphaned_claims(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    sql::execute(
        db,
        &format!(
            "UPDATE sync_events SET status = '{PENDING}', claimed_at = NULL \
             WHERE status = '{CLAIMED}' AND claimed_at < $1"
        ),
        vec![(Utc::now() - CLAIM_TIMEOUT).into()],
    )
    .await
}

/// Flows with events that are due and have waited at least `idle` (nobody picked them up:
/// a wake-up was lost, or a retry's time came).
pub async fn flows_with_due_events(
    db: &impl ConnectionTrait,
    idle: Duration,
) -> Result<Vec<Uuid>, DbErr> {
    let rows = sql::query(
        db,
        &format!(
            "SELECT DISTINCT flow_id FROM sync_events WHERE status = '{PENDING}' AND available_at <= $1"
        ),
        vec![(Utc::now() - idle).into()],
    )
    .await?;
    rows.iter().map(|r| r.try_get("", "flow_id")).collect()
}

/// Forgets processed events older than `age`: the timeline keeps outcomes, not triggers, for
/// longer than that.
pub async fn purge_done(db: &impl ConnectionTrait, age: Duration) -> Result<u64, DbErr> {
    sql::execute(
        db,
        &format!("DELETE FROM sync_events WHERE status = '{DONE}' AND done_at < $1"),
        vec![(Utc::now() - age).into()],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::canonical_record_id;

    #[test]
    fn fifteen_character_ids_get_their_case_suffix() {
        // Salesforce's documented example.
        assert_eq!(canonical_record_id("001A0000006Vm9r"), "001A0000006Vm9rIAC");
        assert_eq!(canonical_record_id("0035g0000000001"), "0035g0000000001AAA");
        assert_eq!(
            canonical_record_id("001A0000006Vm9rIAC"),
            "001A0000006Vm9rIAC"
        );
        assert_eq!(canonical_record_id("not-an-id-12345"), "not-an-id-12345");
        assert_eq!(canonical_record_id(""), "");
    }
}
