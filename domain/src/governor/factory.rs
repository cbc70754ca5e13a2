//! One gate per NetSuite account and process, of the kind the database allows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ferry_connectors::netsuite::{ConcurrencyGate, SemaphoreGate};
use sea_orm::{DatabaseConnection, DbBackend, SqlxPostgresConnector};

use super::{MAX_SLOTS, PgLeaseGate, normalize_account};

struct Cached {
    limit: u32,
    gate: Arc<dyn ConcurrencyGate>,
}

/// A small pool of its own for the lease statements, whose commits do not wait for the WAL
/// to reach the disk (`synchronous_commit = off`). A lease is ephemeral, it lapses by itself
/// within its TTL, so a database crash that forgets its last fraction of a second of lease
/// changes costs at most a brief over-admission that NetSuite answers with a 429 (retried);
/// nothing else is written on these connections. Measured with `ferry bench` on PostgreSQL:
/// with synchronous commits every NetSuite request waited for two WAL flushes (take and free),
/// the slot statements queued on `WALWrite`/`WALSync`, and throughput stayed under 100
/// contacts/s.
fn lease_connection(db: &DatabaseConnection) -> DatabaseConnection {
    SqlxPostgresConnector::from_sqlx_postgres_pool(crate::db::relaxed_postgres_pool(
        db,
        LEASE_CONNECTIONS,
    ))
}

/// Lease statements are single short round trips; a few connections serve any limit.
const LEASE_CONNECTIONS: u32 = 4;

/// The gates of one process for one database, by account. Owned by whoever owns the database
/// handle (the sync runtime), not global: a test binary runs many databases in one process.
#[derive(Clone)]
pub struct GateRegistry {
    db: DatabaseConnection,
    gates: Arc<Mutex<HashMap<String, Cached>>>,
}

impl GateRegistry {
    pub fn new(db: DatabaseConnection) -> Self {
        let db = match db.get_database_backend() {
            DbBackend::Postgres => lease_connection(&db),
            _ => db,
        };
        Self {
            db,
            gates: Arc::default(),
        }
    }

    /// The gate for requests to the NetSuite account `account_key` (its id, e.g. from
    /// `NetsuiteConfig::realm`) with `limit` concurrent requests. Every call for the same
    /// account returns the same gate, so all clients of the account in this process share it;
    /// a different `limit` replaces it (requests already admitted keep their slots).
    ///
    /// PostgreSQL: a [`PgLeaseGate`], which holds across every process sharing the database.
    /// SQLite (one process): an in-process [`SemaphoreGate`].
    pub fn gate(&self, account_key: &str, limit: u32) -> Arc<dyn ConcurrencyGate> {
        let limit = limit.clamp(1, MAX_SLOTS);
        let key = normalize_account(account_key);
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cached) = gates.get(&key)
            && cached.limit == limit
        {
            return cached.gate.clone();
        }
        let gate: Arc<dyn ConcurrencyGate> = match self.db.get_database_backend() {
            DbBackend::Postgres => Arc::new(PgLeaseGate::new(self.db.clone(), &key, limit)),
            _ => Arc::new(SemaphoreGate::new(limit)),
        };
        gates.insert(
            key,
            Cached {
                limit,
                gate: gate.clone(),
            },
        );
        gate
    }
}
