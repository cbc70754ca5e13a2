//! The lease statements (PostgreSQL only). Each is one round trip in autocommit; `now()` is
//! the database's clock, so processes never compare their own clocks.
//!
//! A slot row is free when it has no holder or its lease has lapsed, and it is not withheld.
//! Slot 0 is kept for real-time work: backfill never takes it and a 429 never withholds it, so
//! real-time work always has a slot that only it competes for, and the limit never drops to zero.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use uuid::Uuid;

use ferry_connectors::netsuite::Priority;

/// Creates the missing slot rows `0..limit` of the account.
const ENSURE_SLOTS: &str = "\
INSERT INTO netsuite_slots (account_key, slot)
SELECT $1, g FROM generate_series(0, $2 - 1) AS g
ON CONFLICT (account_key, slot) DO NOTHING";

/// Claims one free slot for `$3` (the lease id). `FOR UPDATE SKIP LOCKED` makes concurrent
/// claimers pick different rows; a row another claimer changed since this statement's snapshot
/// is re-checked before it is locked, so one slot never gets two holders. Real-time work
/// (`$6` true) takes the highest free slot, leaving slot 0 for last. Backfill skips slot 0
/// (unless every other slot is withheld, so a cooled-down account still makes progress) and
/// claims nothing while any process has real-time work waiting.
const CLAIM: &str = "\
UPDATE netsuite_slots AS s
   SET holder = $3, priority = $4, expires_at = now() + make_interval(secs => $5)
 WHERE s.account_key = $1
   AND s.slot = (
       SELECT c.slot FROM netsuite_slots AS c
        WHERE c.account_key = $1 AND c.slot < $2
          AND (c.holder IS NULL OR c.expires_at < now())
          AND (c.withheld_until IS NULL OR c.withheld_until < now())
          AND ($6 OR (
                (c.slot > 0 OR NOT EXISTS (
                    SELECT 1 FROM netsuite_slots AS o
                     WHERE o.account_key = $1 AND o.slot > 0 AND o.slot < $2
                       AND (o.withheld_until IS NULL OR o.withheld_until < now())))
                AND NOT EXISTS (
                    SELECT 1 FROM netsuite_waiters AS w
                     WHERE w.account_key = $1 AND w.expires_at > now())))
        ORDER BY c.slot DESC
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
RETURNING s.slot";

/// Frees the lease `$2`; a no-op when it lapsed and someone else holds the slot now.
const RELEASE: &str = "\
UPDATE netsuite_slots SET holder = NULL, priority = NULL, expires_at = NULL
 WHERE account_key = $1 AND holder = $2";

/// Extends the leases whose ids are in the comma-separated `$2`.
const RENEW: &str = "\
UPDATE netsuite_slots SET expires_at = now() + make_interval(secs => $3)
 WHERE account_key = $1 AND holder = ANY(string_to_array($2, ',')::uuid[])";

/// Withholds one more slot (never slot 0) for `$3` seconds, a free one first. A held slot
/// that is withheld keeps its request running but is not claimed again until the cooldown ends.
const WITHHOLD: &str = "\
UPDATE netsuite_slots AS s
   SET withheld_until = now() + make_interval(secs => $3)
 WHERE s.account_key = $1
   AND s.slot = (
       SELECT c.slot FROM netsuite_slots AS c
        WHERE c.account_key = $1 AND c.slot > 0 AND c.slot < $2
          AND (c.withheld_until IS NULL OR c.withheld_until < now())
        ORDER BY (c.holder IS NULL OR c.expires_at < now()) DESC, c.slot DESC
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
RETURNING s.slot";

const WITHHELD: &str = "\
SELECT count(*) AS withheld FROM netsuite_slots
 WHERE account_key = $1 AND slot < $2 AND withheld_until > now()";

const MARK_WAITING: &str = "\
INSERT INTO netsuite_waiters (account_key, waiter, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (account_key, waiter) DO UPDATE SET expires_at = EXCLUDED.expires_at";

/// Removes this gate's marker, and the markers dead processes left behind.
const UNMARK_WAITING: &str = "\
DELETE FROM netsuite_waiters
 WHERE account_key = $1 AND (waiter = $2 OR expires_at < now())";

/// The statements for one account and limit.
pub(super) struct Store {
    db: DatabaseConnection,
    account: String,
    limit: i32,
}

impl Store {
    pub(super) fn new(db: DatabaseConnection, account: String, limit: u32) -> Self {
        Self {
            db,
            account,
            limit: i32::try_from(limit).unwrap_or(i32::MAX),
        }
    }

    fn statement(&self, sql: &str, mut values: Vec<Value>) -> Statement {
        values.insert(0, self.account.clone().into());
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }

    pub(super) async fn ensure_slots(&self) -> Result<(), DbErr> {
        let stmt = self.statement(ENSURE_SLOTS, vec![self.limit.into()]);
        self.db.execute_raw(stmt).await.map(|_| ())
    }

    /// The slot claimed for `holder`, or `None` when no slot is free for this priority.
    pub(super) async fn claim(
        &self,
        holder: Uuid,
        priority: Priority,
        ttl: Duration,
    ) -> Result<Option<i32>, DbErr> {
        let real_time = priority == Priority::RealTime;
        let label = if real_time { "real_time" } else { "backfill" };
        let stmt = self.statement(
            CLAIM,
            vec![
                self.limit.into(),
                holder.into(),
                label.into(),
                ttl.as_secs_f64().into(),
                real_time.into(),
            ],
        );
        match self.db.query_one_raw(stmt).await? {
            Some(row) => row.try_get::<i32>("", "slot").map(Some),
            None => Ok(None),
        }
    }

    pub(super) async fn release(&self, holder: Uuid) -> Result<(), DbErr> {
        let stmt = self.statement(RELEASE, vec![holder.into()]);
        self.db.execute_raw(stmt).await.map(|_| ())
    }

    pub(super) async fn renew(&self, holders: &[Uuid], ttl: Duration) -> Result<(), DbErr> {
        let ids = holders
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let stmt = self.statement(RENEW, vec![ids.into(), ttl.as_secs_f64().into()]);
        self.db.execute_raw(stmt).await.map(|_| ())
    }

    /// True when a slot was withheld; false when only slot 0 is left.
    pub(super) async fn withhold(&self, cooldown: Duration) -> Result<bool, DbErr> {
        let stmt = self.statement(
            WITHHOLD,
            vec![self.limit.into(), cooldown.as_secs_f64().into()],
        );
        Ok(self.db.query_one_raw(stmt).await?.is_some())
    }

    pub(super) async fn withheld(&self) -> Result<u32, DbErr> {
        let stmt = self.statement(WITHHELD, vec![self.limit.into()]);
        let count = match self.db.query_one_raw(stmt).await? {
            Some(row) => row.try_get::<i64>("", "withheld")?,
            None => 0,
        };
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub(super) async fn mark_waiting(&self, waiter: Uuid, ttl: Duration) -> Result<(), DbErr> {
        let stmt = self.statement(MARK_WAITING, vec![waiter.into(), ttl.as_secs_f64().into()]);
        self.db.execute_raw(stmt).await.map(|_| ())
    }

    pub(super) async fn unmark_waiting(&self, waiter: Uuid) -> Result<(), DbErr> {
        let stmt = self.statement(UNMARK_WAITING, vec![waiter.into()]);
        self.db.execute_raw(stmt).await.map(|_| ())
    }
}
