//! One gate per NetSuite account and process, of the kind the database allows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ferry_connectors::netsuite::{ConcurrencyGate, SemaphoreGate};
use sea_orm::{DatabaseConnection, DbBackend};

use super::{MAX_SLOTS, PgLeaseGate, normalize_account};

struct Cached {
    limit: u32,
    gate: Arc<dyn ConcurrencyGate>,
}

/// The gates of one process for one database, by account. Owned by whoever owns the database
/// handle (the sync runtime), not global: a test binary runs many databases in one process.
#[derive(Clone)]
pub struct GateRegistry {
    db: DatabaseConnection,
    gates: Arc<Mutex<HashMap<String, Cached>>>,
}

impl GateRegistry {
    pub fn new(db: DatabaseConnection) -> Self {
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
