//! Display models shared by the integration dashboard and the support area: error rows,
//! run rows, outcome rows, timeline rows, and the filter form's values.

use chrono::{DateTime, Duration, Utc};

use ferry_domain::dashboard::errors::ErrorItem;
use ferry_domain::dashboard::filter::{ErrorFilter, KINDS};
use ferry_domain::dashboard::outcomes::OutcomeItem;
use ferry_domain::dashboard::timeline::TimelineItem;
use ferry_domain::sync::reads::RunView;

use crate::pages::views::when;

/// `?a=b&c=d` from pairs (empty when there are none).
pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    serde_urlencoded::to_string(pairs)
        .map(|q| format!("?{q}"))
        .unwrap_or_default()
}

/// The link to the page after `next`, keeping the filter.
pub(crate) fn next_url(
    path: &str,
    mut pairs: Vec<(&'static str, String)>,
    next: Option<String>,
) -> Option<String> {
    let next = next?;
    pairs.push(("after", next));
    Some(format!("{path}{}", query_string(&pairs)))
}

pub struct ErrorRowView {
    pub id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub flow_id: String,
    pub flow_name: String,
    pub record_id: String,
    pub record_url: Option<String>,
    pub kind: String,
    pub code: String,
    pub message: String,
    pub hint: Option<&'static str>,
    pub payload_excerpt: Option<String>,
    pub attempts: i32,
    pub status: String,
    pub open: bool,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved: String,
    pub signature: String,
    pub waiting_on: Option<String>,
}

impl ErrorRowView {
    pub fn new(
        e: ErrorItem,
        flow_name: String,
        tenant_name: String,
        record_url: Option<String>,
    ) -> Self {
        Self {
            id: e.id.to_string(),
            tenant_id: e.tenant_id.to_string(),
            tenant_name,
            flow_id: e.flow_id.to_string(),
            flow_name,
            record_url,
            record_id: e.record_id,
            kind: e.kind,
            code: e.code.unwrap_or_default(),
            message: e.message,
            hint: e.hint,
            payload_excerpt: e.payload_excerpt,
            attempts: e.attempts,
            open: e.status == "open",
            status: e.status,
            first_seen: when(&e.first_seen_at),
            last_seen: when(&e.last_seen_at),
            resolved: match (e.resolved_at, e.resolved_by) {
                (Some(at), Some(by)) => format!("{} by {by}", when(&at)),
                (Some(at), None) => when(&at),
                _ => String::new(),
            },
            signature: e.signature,
            waiting_on: e.waiting_on,
        }
    }
}

pub struct RunRowView {
    pub id: String,
    pub flow_name: String,
    pub trigger: String,
    pub started: String,
    pub duration: String,
    pub processed: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub skipped: i32,
    pub failed: i32,
}

pub(crate) fn duration_label(ms: Option<i64>) -> String {
    match ms {
        None => "running".to_owned(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) if ms < 60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        Some(ms) => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

pub(crate) fn trigger_label(trigger: &str) -> String {
    match trigger {
        "outbound" => "real-time".to_owned(),
        "poll" => "scheduled poll".to_owned(),
        "retry" => "retry".to_owned(),
        "backfill" => "sync existing".to_owned(),
        other => other.replace('_', " "),
    }
}

impl RunRowView {
    pub fn new(r: RunView, flow_name: String) -> Self {
        Self {
            id: r.id.to_string(),
            flow_name,
            trigger: trigger_label(&r.trigger),
            started: when(&r.started_at),
            duration: duration_label(r.duration_ms),
            processed: r.processed,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r.skipped,
            failed: r.failed,
        }
    }
}

pub struct OutcomeRowView {
    pub record_id: String,
    pub record_url: Option<String>,
    pub flow_name: String,
    pub outcome: String,
    pub css: &'static str,
    pub reason: String,
    pub decision: Option<String>,
    pub detail: Option<String>,
    pub target_id: String,
    pub run_id: String,
    pub at: String,
}

pub(crate) fn outcome_css(outcome: &str) -> &'static str {
    match outcome {
        "created" | "updated" => "badge-ok",
        "failed" | "error" => "badge-error",
        "retrying" | "skipped" => "badge-warn",
        _ => "badge-muted",
    }
}

impl OutcomeRowView {
    pub fn new(o: OutcomeItem, flow_name: String, record_url: Option<String>) -> Self {
        Self {
            css: outcome_css(&o.outcome),
            record_id: o.record_id,
            record_url,
            flow_name,
            outcome: o.outcome,
            reason: o.reason,
            decision: o.decision,
            detail: o
                .detail
                .as_ref()
                .and_then(|d| serde_json::to_string_pretty(d).ok()),
            target_id: o.target_id.unwrap_or_default(),
            run_id: o.run_id.map(|r| r.to_string()).unwrap_or_default(),
            at: when(&o.at),
        }
    }
}

pub struct TimelineRowView {
    pub at: String,
    pub kind: String,
    pub css: &'static str,
    pub flow_name: String,
    pub summary: String,
    pub decision: Option<String>,
    pub detail: Option<String>,
    pub run_id: String,
    pub error_id: String,
}

impl TimelineRowView {
    pub fn new(t: TimelineItem, flow_name: String) -> Self {
        Self {
            at: when(&t.at),
            css: match t.kind.as_str() {
                "received" => "badge-muted",
                "resolved" => "badge-ok",
                other => outcome_css(other),
            },
            kind: t.kind,
            flow_name,
            summary: t.summary,
            decision: t.decision,
            detail: t
                .detail
                .as_ref()
                .and_then(|d| serde_json::to_string_pretty(d).ok()),
            run_id: t.run_id.map(|r| r.to_string()).unwrap_or_default(),
            error_id: t.error_id.map(|r| r.to_string()).unwrap_or_default(),
        }
    }
}

/// A `YYYY-MM-DD` value for a date input.
fn day(at: Option<DateTime<Utc>>, end: bool) -> String {
    at.map(|a| {
        let a = if end { a - Duration::seconds(1) } else { a };
        a.format("%Y-%m-%d").to_string()
    })
    .unwrap_or_default()
}

/// The filter form's current values.
pub struct FilterView {
    pub status: String,
    pub flow: String,
    pub code: String,
    pub signature: String,
    pub record: String,
    pub from: String,
    pub to: String,
    pub kinds: Vec<Opt>,
}

/// One option of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options with "any" first; `current` is selected.
pub(crate) fn options(
    values: impl IntoIterator<Item = (String, String)>,
    current: &str,
) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: "any".to_owned(),
        selected: current.is_empty(),
    }];
    out.extend(values.into_iter().map(|(value, label)| Opt {
        selected: value == current,
        value,
        label,
    }));
    out
}

/// Options of a list of plain words.
pub(crate) fn word_options(words: &[&str], current: &str) -> Vec<Opt> {
    options(
        words.iter().map(|w| ((*w).to_owned(), w.replace('_', " "))),
        current,
    )
}

impl FilterView {
    pub fn of(f: &ErrorFilter) -> Self {
        Self {
            status: f.status.as_str().to_owned(),
            flow: f.flow.map(|t| t.to_string()).unwrap_or_default(),
            code: f.code.clone().unwrap_or_default(),
            signature: f.signature.clone().unwrap_or_default(),
            record: f.record.clone().unwrap_or_default(),
            from: day(f.since, false),
            to: day(f.until, true),
            kinds: word_options(&KINDS, f.kind.unwrap_or_default()),
        }
    }

    pub fn dates(since: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> (String, String) {
        (day(since, false), day(until, true))
    }
}
