//! How long leases live and how waiting polls.

use std::time::Duration;

use ferry_connectors::netsuite::DEFAULT_COOLDOWN;

/// Timings of a [`super::PgLeaseGate`]. The defaults suit production; tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct LeaseOptions {
    /// How long a lease lasts without renewal. A live process renews its leases every third
    /// of this, so it is how long a slot of a killed process stays taken.
    pub ttl: Duration,
    /// How long a 429 withholds a slot from every process.
    pub cooldown: Duration,
    /// First wait between two claim attempts of a waiting request; it doubles up to
    /// `poll_max`, with ±50 % jitter so that waiters of several processes spread out.
    pub poll_min: Duration,
    pub poll_max: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30),
            cooldown: DEFAULT_COOLDOWN,
            poll_min: Duration::from_millis(20),
            poll_max: Duration::from_millis(250),
        }
    }
}

impl LeaseOptions {
    /// How often leases and the waiting mark are renewed (never zero: a timer needs a period).
    pub(super) fn renew_every(&self) -> Duration {
        (self.ttl / 3).max(Duration::from_millis(10))
    }

    /// The first pause between claim attempts (never zero, which would spin).
    pub(super) fn first_pause(&self) -> Duration {
        self.poll_min.max(Duration::from_millis(1))
    }
}
