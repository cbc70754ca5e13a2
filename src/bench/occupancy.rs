//! How much of NetSuite's concurrency limit Ferry keeps busy: the simulator's requests in
//! flight, sampled every 2 ms, over the whole run and over its steady state (between 10% and
//! 90% of the contacts done, when there is a backlog and the tail has not begun).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use ferry_sandbox::netsuite::NetsuiteState;

#[derive(Default)]
struct Counts {
    samples: AtomicU64,
    at_limit: AtomicU64,
    steady_samples: AtomicU64,
    steady_in_flight: AtomicU64,
}

/// The sampler; `done` is the number of contacts finished so far, which the bench updates.
pub struct Occupancy {
    counts: Arc<Counts>,
    running: Arc<AtomicBool>,
    pub done: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

/// What the samples showed.
pub struct Measured {
    pub share_at_limit: f64,
    /// Mean requests in flight during the steady state, divided by the limit.
    pub steady_share_in_use: f64,
}

impl Occupancy {
    pub fn start(netsuite: NetsuiteState, limit: u32, total: usize) -> Self {
        let counts = Arc::new(Counts::default());
        let running = Arc::new(AtomicBool::new(true));
        let done = Arc::new(AtomicU64::new(0));
        let task = {
            let (counts, running, done) = (counts.clone(), running.clone(), done.clone());
            let (low, high) = (total as u64 / 10, total as u64 * 9 / 10);
            tokio::spawn(async move {
                while running.load(Ordering::Relaxed) {
                    let in_flight = netsuite.governance().snapshot(limit).in_flight;
                    counts.samples.fetch_add(1, Ordering::Relaxed);
                    if in_flight >= u64::from(limit) {
                        counts.at_limit.fetch_add(1, Ordering::Relaxed);
                    }
                    let finished = done.load(Ordering::Relaxed);
                    if finished >= low && finished < high {
                        counts.steady_samples.fetch_add(1, Ordering::Relaxed);
                        counts
                            .steady_in_flight
                            .fetch_add(in_flight, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            })
        };
        Self {
            counts,
            running,
            done,
            task,
        }
    }

    pub async fn finish(self, limit: u32) -> Measured {
        self.running.store(false, Ordering::Relaxed);
        let _ = self.task.await;
        let c = &self.counts;
        let samples = c.samples.load(Ordering::Relaxed).max(1) as f64;
        let steady = c.steady_samples.load(Ordering::Relaxed).max(1) as f64;
        Measured {
            share_at_limit: c.at_limit.load(Ordering::Relaxed) as f64 / samples,
            steady_share_in_use: c.steady_in_flight.load(Ordering::Relaxed) as f64
                / steady
                / f64::from(limit.max(1)),
        }
    }
}
