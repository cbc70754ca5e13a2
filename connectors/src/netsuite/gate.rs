//! How many requests one process sends to a NetSuite account at once. NetSuite rejects
//! requests over the account's concurrency limit at once instead of queueing them (PROTOCOLS
//! B7), so the client waits for a slot here first. The trait lets a cross-process
//! implementation (leases in PostgreSQL) replace the in-process semaphore.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;

use crate::error::{ConnectorError, System};

/// Held while a request is in flight; dropping it frees the slot.
pub struct GatePermit {
    _slot: Box<dyn Send + Sync>,
}

impl GatePermit {
    /// Wraps whatever keeps the slot taken until dropped.
    pub fn new(slot: impl Send + Sync + 'static) -> Self {
        Self {
            _slot: Box::new(slot),
        }
    }
}

/// Whose request it is: real-time work (a change a user just made) goes before backfill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    #[default]
    RealTime,
    Backfill,
}

/// Admission of requests to one NetSuite account.
pub trait ConcurrencyGate: Send + Sync {
    /// Waits until a request may be sent (requests over the limit wait rather than fail).
    /// A request that has to wait is counted with [`crate::metrics::count_slot_wait`].
    fn acquire(&self, priority: Priority) -> BoxFuture<'_, Result<GatePermit, ConnectorError>>;

    /// NetSuite refused a request for concurrency: send fewer at once for a while, since other
    /// clients of the account are using slots this gate does not see.
    fn rate_limited(&self);
}

/// How long a 429 keeps one slot withheld.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(30);

/// An in-process semaphore of `limit` slots. Backfill may hold at most `limit - 1` of them (all
/// of a single slot), so real-time work always finds one free soon. Each 429 withholds one more slot (never the
/// last) for the cooldown.
pub struct SemaphoreGate {
    semaphore: Arc<Semaphore>,
    backfill: Arc<Semaphore>,
    limit: u32,
    withheld: Arc<AtomicU32>,
    cooldown: Duration,
}

impl SemaphoreGate {
    /// A gate of `limit` slots (at least 1): NetSuite's base limit is 5; `governanceLimits`
    /// tells the account's.
    pub fn new(limit: u32) -> Self {
        let limit = limit.max(1);
        Self {
            semaphore: Arc::new(Semaphore::new(limit as usize)),
            backfill: Arc::new(Semaphore::new((limit as usize - 1).max(1))),
            limit,
            withheld: Arc::new(AtomicU32::new(0)),
            cooldown: DEFAULT_COOLDOWN,
        }
    }

    pub fn with_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// Slots requests may use now.
    pub fn effective_limit(&self) -> u32 {
        self.limit - self.withheld.load(Ordering::Acquire)
    }
}

impl ConcurrencyGate for SemaphoreGate {
    fn acquire(&self, priority: Priority) -> BoxFuture<'_, Result<GatePermit, ConnectorError>> {
        let closed = || ConnectorError::config(System::Netsuite, "the concurrency gate was closed");
        Box::pin(async move {
            let backfill = match priority {
                Priority::RealTime => None,
                Priority::Backfill => Some(
                    self.backfill
                        .clone()
                        .acquire_owned()
                        .await
                        .map_err(|_| closed())?,
                ),
            };
            let permit = match self.semaphore.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    crate::metrics::count_slot_wait(priority);
                    self.semaphore
                        .clone()
                        .acquire_owned()
                        .await
                        .map_err(|_| closed())?
                }
            };
            Ok(GatePermit::new((permit, backfill)))
        })
    }

    fn rate_limited(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let limit = self.limit;
        if self
            .withheld
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |w| {
                (w + 1 < limit).then_some(w + 1)
            })
            .is_err()
        {
            return;
        }
        let (semaphore, withheld, cooldown) =
            (self.semaphore.clone(), self.withheld.clone(), self.cooldown);
        tracing::debug!(
            cooldown_ms = cooldown.as_millis() as u64,
            "NetSuite concurrency rejection; withholding a slot"
        );
        runtime.spawn(async move {
            // Taking a slot (once one is free) and sitting on it is what shrinks the limit.
            if let Ok(permit) = semaphore.acquire_owned().await {
                tokio::time::sleep(cooldown).await;
                drop(permit);
            }
            withheld.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_rate_limit_withholds_a_slot_for_the_cooldown_but_never_the_last() {
        let gate = SemaphoreGate::new(2).with_cooldown(Duration::from_millis(100));
        gate.rate_limited();
        gate.rate_limited();
        assert_eq!(gate.effective_limit(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(gate.semaphore.available_permits(), 1);
        let _one = gate.acquire(Priority::RealTime).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(gate.effective_limit(), 2);
        assert_eq!(gate.semaphore.available_permits(), 1);
    }

    #[tokio::test]
    async fn backfill_never_takes_the_last_slot_from_real_time_work() {
        let gate = SemaphoreGate::new(2);
        let _backfill = gate.acquire(Priority::Backfill).await.unwrap();
        let second_backfill =
            tokio::time::timeout(Duration::from_millis(30), gate.acquire(Priority::Backfill)).await;
        assert!(second_backfill.is_err(), "backfill must wait");
        let real_time =
            tokio::time::timeout(Duration::from_millis(30), gate.acquire(Priority::RealTime)).await;
        assert!(real_time.is_ok_and(|p| p.is_ok()));
    }

    #[tokio::test]
    async fn requests_over_the_limit_wait_for_a_free_slot() {
        let gate = Arc::new(SemaphoreGate::new(1));
        let first = gate.acquire(Priority::RealTime).await.unwrap();
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.acquire(Priority::RealTime).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.unwrap().unwrap();
    }
}
