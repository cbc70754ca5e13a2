//! The NetSuite SuiteTalk REST client (PROTOCOLS.md Part B).

mod auth;
mod client;
mod config;
mod errors;
mod gate;
mod governance;
mod oauth1;
mod records;
mod suiteql;

pub use client::{DEFAULT_CONCURRENCY, NetsuiteClient};
pub use config::{AssertionAlgorithm, DEFAULT_TIMEOUT, NetsuiteConfig, NetsuiteCredentials};
pub use gate::{ConcurrencyGate, DEFAULT_COOLDOWN, GatePermit, Priority, SemaphoreGate};
pub use governance::GovernanceLimits;
pub use suiteql::{MAX_PAGE_SIZE, SuiteqlPage};
