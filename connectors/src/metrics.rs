//! What the connectors count, through the `metrics` facade: every request to Salesforce or
//! NetSuite (by system, endpoint class and status class, with its latency) and every wait for
//! a NetSuite concurrency slot. Without an installed recorder these are no-ops.
//!
//! Labels are closed sets (never an org, account, record id or URL), so the number of series
//! stays the same however many tenants and records there are.

use std::time::Duration;

use crate::error::System;
use crate::netsuite::Priority;

/// Requests sent, by `system`, `endpoint` and `status` (`2xx`, `4xx`, `5xx`, or `error` when no
/// answer came: timeout, refused connection).
pub const REMOTE_REQUESTS: &str = "ferry_remote_requests_total";
/// Seconds from sending a request to having read its whole answer, by `system` and `endpoint`.
pub const REMOTE_DURATION: &str = "ferry_remote_request_duration_seconds";
/// Seconds each NetSuite request waited for a concurrency slot, by `priority`.
pub const GOVERNOR_WAIT: &str = "ferry_governor_wait_seconds";
/// NetSuite requests that found every slot of their account taken and had to wait.
pub const GOVERNOR_WAITS: &str = "ferry_governor_waits_total";
/// Concurrency rejections from NetSuite (429, or its `INVALID_LOGIN` under load): each one
/// withholds a slot for a while.
pub const GOVERNOR_REJECTIONS: &str = "ferry_governor_rejections_total";

/// Which kind of remote endpoint a request went to: a closed set, unlike paths, which hold
/// object names and record ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// OAuth token requests (both systems).
    Token,
    /// Salesforce SOQL queries and their next pages.
    Soql,
    /// Salesforce single-record sObject calls: get, create, update, upsert, delete.
    Sobject,
    /// Salesforce sObject Collections (up to 200 records a call).
    SobjectCollections,
    /// Salesforce describe.
    Describe,
    /// NetSuite REST record calls.
    Record,
    /// NetSuite SuiteQL queries.
    Suiteql,
    /// NetSuite governance limits.
    Governance,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Soql => "soql",
            Self::Sobject => "sobject",
            Self::SobjectCollections => "sobject_collections",
            Self::Describe => "describe",
            Self::Record => "record",
            Self::Suiteql => "suiteql",
            Self::Governance => "governance",
        }
    }
}

fn system_label(system: System) -> &'static str {
    match system {
        System::Salesforce => "salesforce",
        System::Netsuite => "netsuite",
    }
}

fn priority_label(priority: Priority) -> &'static str {
    match priority {
        Priority::RealTime => "realtime",
        Priority::Backfill => "backfill",
    }
}

/// `2xx`, `4xx`… for an answer; `error` when there was none.
pub fn status_class(status: Option<u16>) -> &'static str {
    match status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        _ => "error",
    }
}

/// Counts one request and its latency.
pub(crate) fn record_request(
    system: System,
    endpoint: Endpoint,
    status: Option<u16>,
    elapsed: Duration,
) {
    let (system, endpoint) = (system_label(system), endpoint.as_str());
    metrics::counter!(
        REMOTE_REQUESTS,
        "system" => system,
        "endpoint" => endpoint,
        "status" => status_class(status),
    )
    .increment(1);
    metrics::histogram!(REMOTE_DURATION, "system" => system, "endpoint" => endpoint)
        .record(elapsed.as_secs_f64());
}

/// Records how long a request waited for its NetSuite slot.
pub(crate) fn record_slot_wait(priority: Priority, waited: Duration) {
    metrics::histogram!(GOVERNOR_WAIT, "priority" => priority_label(priority))
        .record(waited.as_secs_f64());
}

/// A request found its account's slots all taken: call once per request that waits, from
/// whichever [`ConcurrencyGate`](crate::netsuite::ConcurrencyGate) admits it.
pub fn count_slot_wait(priority: Priority) {
    metrics::counter!(GOVERNOR_WAITS, "priority" => priority_label(priority)).increment(1);
}

pub(crate) fn count_rejection() {
    metrics::counter!(GOVERNOR_REJECTIONS).increment(1);
}

/// Registers the help text of these metrics with the installed recorder.
pub fn describe() {
    metrics::describe_counter!(
        REMOTE_REQUESTS,
        "Requests sent to Salesforce and NetSuite, by system, endpoint class and status class \
         (error: no answer)."
    );
    metrics::describe_histogram!(
        REMOTE_DURATION,
        metrics::Unit::Seconds,
        "Time from sending a request to Salesforce or NetSuite to having read its answer."
    );
    metrics::describe_histogram!(
        GOVERNOR_WAIT,
        metrics::Unit::Seconds,
        "Time NetSuite requests waited for a concurrency slot of their account."
    );
    metrics::describe_counter!(
        GOVERNOR_WAITS,
        "NetSuite requests that found every concurrency slot of their account taken."
    );
    metrics::describe_counter!(
        GOVERNOR_REJECTIONS,
        "Concurrency rejections from NetSuite (429 or INVALID_LOGIN under load)."
    );
}

#[cfg(test)]
mod tests {
    use super::status_class;

    #[test]
    fn statuses_fall_into_classes_and_no_answer_is_an_error() {
        assert_eq!(status_class(Some(200)), "2xx");
        assert_eq!(status_class(Some(204)), "2xx");
        assert_eq!(status_class(Some(429)), "4xx");
        assert_eq!(status_class(Some(503)), "5xx");
        assert_eq!(status_class(Some(42)), "error");
        assert_eq!(status_class(None), "error");
    }
}
