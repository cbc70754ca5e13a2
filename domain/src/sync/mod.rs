//! Running flows: the inbox of events ([`events`]) and of stored messages not yet split into
//! events ([`messages`]), the engine that claims and syncs them in
//! batches ([`engine`]: [`plan`] then [`apply`]), what runs write down ([`records`]), and the
//! triggers that fill the inbox: the Salesforce listener ([`listener`]), scheduled polling
//! ([`polling`]), "sync existing records" ([`backfill`]) and manual retries ([`retry`]).
//!
//! The inbox is the source of truth; job queues only carry wake-ups. A lost wake-up delays a
//! sync until the sweeper notices (seconds), it never loses one.

pub(crate) mod again;
pub mod apply;
pub mod backfill;
pub mod backlog;
pub mod engine;
pub mod events;
pub mod listener;
pub mod messages;
pub mod plan;
pub mod polling;
pub mod reads;
pub mod records;
pub mod retry;
pub mod signature;
pub(crate) mod sql;
pub mod telemetry;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::connections::ClientCache;

/// Asks a worker to drain a flow's inbox soon (a job in the queue). Failures are the
/// implementation's to log: the sweeper catches up with anything a lost wake-up left.
pub trait Waker: Send + Sync {
    fn wake(&self, flow_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
    /// Asks a worker to run (or resume) a backfill.
    fn wake_backfill(&self, backfill_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// A waker that does nothing: for code paths where the sweeper's delay is acceptable.
pub struct NoWaker;

impl Waker for NoWaker {
    fn wake(&self, _flow_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }

    fn wake_backfill(&self, _backfill_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

/// What syncing needs: the database, the connector clients, and a way to wake workers.
#[derive(Clone)]
pub struct SyncContext {
    pub db: DatabaseConnection,
    pub clients: ClientCache,
    pub waker: Arc<dyn Waker>,
}
