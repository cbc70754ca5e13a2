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
    /// How long a real-time lease this process just finished with stays parked for its next
    /// real-time request before it is released: back-to-back requests then cost no database
    /// round trip (two per request otherwise, which at zero remote latency were most of
    /// PostgreSQL's statements in `ferry bench`).
    pub linger: Duration,
    /// How long one claim may be reused. Past it the lease is released when its request ends,
    /// so other processes get their turn, and a slot another process withheld after a 429
    /// (which a parked lease cannot see) stops being used within this time.
    pub max_hold: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30),
            cooldown: DEFAULT_COOLDOWN,
            poll_min: Duration::from_millis(20),
            poll_max: Duration::from_millis(250),
            linger: Duration::from_millis(50),
            max_hold: Duration::from_secs(1),
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
