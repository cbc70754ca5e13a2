//! What the sync engine tells operators once a batch's outcomes are written: a log event per
//! record (its Salesforce id as `record_id`; the tenant and flow come from the enclosing span)
//! and metrics through the `metrics` facade: outcomes by flow and kind, failures by error
//! kind, batch durations. Metrics label flows by their definition's key
//! (`sf_account_to_ns_customer`, `sf_contact_to_ns_contact`), never by tenant or flow id, so
//! the series stay few.

use std::time::Duration;

use super::apply::Applied;
use super::records::Outcome;
use crate::flows::definition;

/// Records synced, by `flow` and `kind` (created, updated, unchanged, skipped, failed,
/// retrying).
pub const OUTCOMES: &str = "ferry_sync_outcomes_total";
/// Records that failed for good (an open error), by `flow` and `error_kind` (validation,
/// dependency, auth, config…).
pub const FAILURES: &str = "ferry_sync_failures_total";
/// Seconds one batch took from claiming its events to writing its outcomes, by `flow`.
pub const BATCH_DURATION: &str = "ferry_sync_batch_duration_seconds";

/// The flow's key from its definition: a closed set, whatever a row holds.
fn flow_label(flow_key: &str) -> &'static str {
    definition(flow_key).map_or("unknown", |d| d.key)
}

/// Logs and counts the outcomes of a batch; call after they are committed.
pub fn report_outcomes(flow_key: &str, applied: &[Applied]) {
    for result in applied {
        log_outcome(&result.record_id, &result.outcome);
    }
    count_outcomes(flow_key, applied.iter().map(|a| &a.outcome));
}

/// Failures are warnings: someone has to act on them. Messages are the remote systems' and
/// the engine's words about the record, never credentials.
fn log_outcome(record_id: &str, outcome: &Outcome) {
    let kind = outcome.code();
    match outcome {
        Outcome::Failed(failure) => tracing::warn!(
            record_id,
            outcome = kind,
            error_kind = %failure.kind,
            error_code = failure.code.as_deref(),
            waiting_on = failure.waiting_on.as_deref(),
            error = %failure.message,
            "record failed"
        ),
        Outcome::Retrying { message, .. } => {
            tracing::info!(record_id, outcome = kind, error = %message, "record will be retried")
        }
        Outcome::Skipped { reason } => {
            tracing::info!(record_id, outcome = kind, reason = %reason, "record skipped")
        }
        _ => tracing::info!(
            record_id,
            outcome = kind,
            target_id = outcome.target_id(),
            "record synced"
        ),
    }
}

fn count_outcomes<'a>(flow_key: &str, outcomes: impl IntoIterator<Item = &'a Outcome>) {
    let flow = flow_label(flow_key);
    for outcome in outcomes {
        metrics::counter!(OUTCOMES, "flow" => flow, "kind" => outcome.code()).increment(1);
        if let Outcome::Failed(failure) = outcome {
            metrics::counter!(FAILURES, "flow" => flow, "error_kind" => error_kind(&failure.kind))
                .increment(1);
        }
    }
}

/// The failure kinds the engine writes; anything else is `other`, so a new kind added without
/// thought cannot grow the series unbounded.
fn error_kind(kind: &str) -> &'static str {
    match kind {
        "transient" => "transient",
        "rate_limited" => "rate_limited",
        "auth" => "auth",
        "validation" => "validation",
        "not_found" => "not_found",
        "config" => "config",
        "dependency" => "dependency",
        "ambiguous" => "ambiguous",
        _ => "other",
    }
}

pub fn record_batch_duration(flow_key: &str, elapsed: Duration) {
    metrics::histogram!(BATCH_DURATION, "flow" => flow_label(flow_key))
        .record(elapsed.as_secs_f64());
}

/// Registers the help text of these metrics with the installed recorder.
pub fn describe() {
    metrics::describe_counter!(
        OUTCOMES,
        "Records synced, by flow and outcome kind (created, updated, unchanged, skipped, failed, \
         retrying)."
    );
    metrics::describe_counter!(
        FAILURES,
        "Records that failed and opened an error, by flow and error kind."
    );
    metrics::describe_histogram!(
        BATCH_DURATION,
        metrics::Unit::Seconds,
        "Time one sync batch took, from claiming its events to writing its outcomes."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_within_closed_sets() {
        assert_eq!(
            flow_label("sf_contact_to_ns_contact"),
            "sf_contact_to_ns_contact"
        );
        assert_eq!(
            flow_label("sf_account_to_ns_customer"),
            "sf_account_to_ns_customer"
        );
        assert_eq!(flow_label("a tenant's made-up key"), "unknown");
        assert_eq!(error_kind("validation"), "validation");
        assert_eq!(error_kind("dry_run"), "other");
    }
}
