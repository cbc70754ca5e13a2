//! What listeners acknowledged, summed up from the delivery log: the figures a benchmark needs
//! without fetching the log itself (thousands of attempts on a large run).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::DeliveryAttempt;
use crate::percentiles::Percentiles;

/// The acknowledged attempts of a window of the delivery log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AckSummary {
    /// Acknowledged attempts, deliberate re-sends included.
    pub attempts: usize,
    /// Notifications those attempts carried.
    pub notifications: usize,
    pub first_at: Option<DateTime<Utc>>,
    pub last_at: Option<DateTime<Utc>>,
    /// How long the listener took to answer each acknowledged attempt.
    pub latency_ms: Percentiles,
}

impl AckSummary {
    /// Sums up the acknowledged attempts made at or after `since` (all when `None`) for the
    /// given rules (every rule when empty).
    pub fn of<'a>(
        log: impl IntoIterator<Item = &'a DeliveryAttempt>,
        since: Option<DateTime<Utc>>,
        rule_ids: &[String],
    ) -> Self {
        let mut summary = Self::default();
        let mut latencies = Vec::new();
        let chosen = log.into_iter().filter(|a| {
            a.acked
                && since.is_none_or(|since| a.at >= since)
                && (rule_ids.is_empty() || rule_ids.contains(&a.rule_id))
        });
        for attempt in chosen {
            summary.attempts += 1;
            summary.notifications += attempt.notification_ids.len();
            latencies.push(attempt.duration_ms);
            summary.first_at = Some(summary.first_at.map_or(attempt.at, |f| f.min(attempt.at)));
            summary.last_at = Some(summary.last_at.map_or(attempt.at, |l| l.max(attempt.at)));
        }
        summary.latency_ms = Percentiles::of(&mut latencies);
        summary
    }
}
