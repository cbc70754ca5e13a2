//! The NetSuite concurrency governor: requests to one NetSuite account never exceed its
//! concurrency limit across every worker process sharing the database (PROTOCOLS B7). NetSuite
//! refuses requests over the limit instead of queueing them, and a per-process semaphore
//! cannot see the other processes, so on PostgreSQL the slots are leased in the database
//! ([`PgLeaseGate`]). On SQLite, the embedded single-process default, an in-process
//! [`SemaphoreGate`](ferry_connectors::netsuite::SemaphoreGate) is enough.
//!
//! Build clients through [`GateRegistry`] so that all clients of one account in a process
//! share one gate:
//!
//! ```text
//! let gate = GateRegistry::new(db).gate(&config.realm(), limit);
//! let client = NetsuiteClient::with_gate(config, credentials, gate)?;
//! ```

mod factory;
mod lease_gate;
mod options;
mod store;

pub use factory::GateRegistry;
pub use lease_gate::PgLeaseGate;
pub use options::LeaseOptions;

/// More slots than any NetSuite tier offers (the largest is 140), as a bound on the rows.
const MAX_SLOTS: u32 = 1000;

/// The account id in NetSuite's realm form (`1234567-sb1` → `1234567_SB1`), so that both
/// spellings of one account share its slots.
fn normalize_account(account: &str) -> String {
    account.trim().to_ascii_uppercase().replace('-', "_")
}
