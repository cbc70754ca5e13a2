//! How much of NetSuite's concurrency limit Ferry keeps busy, over the whole run and over its
//! steady state (between 10% and 90% of the contacts done, when there is a backlog and the tail
//! has not begun). The simulator integrates its requests in flight over time at every
//! admission and release (`GET /__sandbox/governance`), so two readings give the exact mean
//! between them: the bench reads the counters as the run crosses each mark instead of
//! sampling them, which over HTTP would be too coarse.

use ferry_sandbox::netsuite::governance::GovernanceSnapshot;

use super::sandbox_client::SandboxClient;

/// The readings at the steady state's marks; `progress` takes them as contacts finish.
pub struct Occupancy {
    low: usize,
    high: usize,
    steady_start: Option<GovernanceSnapshot>,
    steady_end: Option<GovernanceSnapshot>,
}

/// What the counters showed.
pub struct Measured {
    /// Share of the run with every slot in use.
    pub share_at_limit: f64,
    /// Mean requests in flight during the steady state, divided by the limit.
    pub steady_share_in_use: f64,
}

impl Occupancy {
    pub fn new(total: usize) -> Self {
        Self {
            low: total / 10,
            high: total * 9 / 10,
            steady_start: None,
            steady_end: None,
        }
    }

    /// Takes a reading when `done` contacts first reach a mark. A run that jumps both marks
    /// at once has no steady state to speak of (its share is then 0).
    pub async fn progress(&mut self, done: usize, client: &SandboxClient) -> anyhow::Result<()> {
        if self.steady_start.is_none() && done >= self.low {
            let reading = client.governance().await?;
            if done >= self.high {
                self.steady_end = Some(reading.clone());
            }
            self.steady_start = Some(reading);
        } else if self.steady_end.is_none() && done >= self.high {
            self.steady_end = Some(client.governance().await?);
        }
        Ok(())
    }

    /// The figures, given the reading at the end of the run (the counters were zeroed at its
    /// start). A run that timed out before the upper mark ends its steady state there.
    pub fn measured(&self, end: &GovernanceSnapshot, limit: u32) -> Measured {
        let share_at_limit = ratio(end.at_limit_us, end.window_us);
        let steady_share_in_use =
            match (&self.steady_start, self.steady_end.as_ref().unwrap_or(end)) {
                (Some(start), end) => {
                    ratio(
                        end.in_flight_us.saturating_sub(start.in_flight_us),
                        end.window_us.saturating_sub(start.window_us),
                    ) / f64::from(limit.max(1))
                }
                (None, _) => 0.0,
            };
        Measured {
            share_at_limit,
            steady_share_in_use,
        }
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(window_us: u64, in_flight_us: u64, at_limit_us: u64) -> GovernanceSnapshot {
        GovernanceSnapshot {
            limit: 5,
            in_flight: 0,
            max_concurrency_seen: 5,
            rejected_over_limit: 0,
            window_us,
            in_flight_us,
            at_limit_us,
        }
    }

    #[test]
    fn the_steady_share_is_the_mean_in_flight_between_the_marks_over_the_limit() {
        let occupancy = Occupancy {
            low: 10,
            high: 90,
            steady_start: Some(reading(1_000, 1_000, 0)),
            steady_end: Some(reading(3_000, 9_000, 1_000)),
        };
        let measured = occupancy.measured(&reading(4_000, 9_500, 2_000), 5);
        // 8,000 request·µs over 2,000 µs: 4 in flight of 5.
        assert!((measured.steady_share_in_use - 0.8).abs() < 1e-9);
        assert!((measured.share_at_limit - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_run_without_readings_has_no_steady_share() {
        let occupancy = Occupancy::new(100);
        let measured = occupancy.measured(&reading(0, 0, 0), 5);
        assert_eq!(
            (measured.steady_share_in_use, measured.share_at_limit),
            (0.0, 0.0)
        );
    }
}
