//! The bench's numbers: percentiles, the report, and how it prints.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::drills::DrillReport;

/// p50/p95/p99 of a sample, in milliseconds: the same shape the sandbox sums up Ack
/// latencies in.
pub use ferry_sandbox::percentiles::Percentiles;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Concurrency {
    pub limit: u32,
    pub max_observed: u64,
    /// Share of the run's time with every slot in use.
    pub share_at_limit: f64,
    /// Mean slots in use between 10% and 90% of the contacts done, as a share of the limit.
    pub steady_share_in_use: f64,
    pub rejected_requests: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Correctness {
    pub expected: usize,
    pub found: usize,
    pub written_back: usize,
    pub duplicates: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub mode: String,
    pub contacts: usize,
    pub database: String,
    /// `in-process`, or `external (<Salesforce URL>, <NetSuite URL>)`.
    pub sandbox: String,
    pub workers: usize,
    pub remote_latency_ms: u64,
    pub seconds: f64,
    pub contacts_per_second: f64,
    /// Throughput between 10 % and 90 % of the contacts synced.
    pub steady_contacts_per_second: f64,
    pub acks_per_second: f64,
    /// Notifications the listener acknowledged during the run (re-sends included).
    pub notifications_acknowledged: u64,
    pub ack_latency_ms: Percentiles,
    pub end_to_end_latency_ms: Percentiles,
    /// Remote calls per synced contact by endpoint ("NetSuite PUT /services/rest/record/…").
    pub calls_per_contact: BTreeMap<String, f64>,
    pub calls_per_contact_total: f64,
    pub netsuite_concurrency: Concurrency,
    pub peak_rss_mb: f64,
    pub database_growth_mb: f64,
    pub correctness: Correctness,
    /// The fault drill that ran during the measurement, if any.
    pub drill: Option<DrillReport>,
}

impl Report {
    pub fn render(&self) -> String {
        let mut out = String::new();
        let p = |p: &Percentiles| {
            format!(
                "p50 {:.1} ms · p95 {:.1} ms · p99 {:.1} ms",
                p.p50, p.p95, p.p99
            )
        };
        let _ = writeln!(
            out,
            "Ferry bench — {} mode, {} contacts",
            self.mode, self.contacts
        );
        let _ = writeln!(
            out,
            "  setup            {} · {} worker process(es) · remote latency {} ms · sandbox {}",
            self.database,
            self.workers.max(1),
            self.remote_latency_ms,
            self.sandbox
        );
        let _ = writeln!(
            out,
            "  throughput       {:.0} contacts/s end to end ({:.1} s); steady state {:.0} contacts/s",
            self.contacts_per_second, self.seconds, self.steady_contacts_per_second
        );
        if self.ack_latency_ms.samples > 0 {
            let _ = writeln!(
                out,
                "  listener         {:.0} notifications/s acknowledged; Ack {}",
                self.acks_per_second,
                p(&self.ack_latency_ms)
            );
        }
        if self.end_to_end_latency_ms.samples > 0 {
            let _ = writeln!(
                out,
                "  end to end       save → id written back: {}",
                p(&self.end_to_end_latency_ms)
            );
        }
        let _ = writeln!(
            out,
            "  remote calls     {:.3} per contact",
            self.calls_per_contact_total
        );
        for (endpoint, n) in &self.calls_per_contact {
            let _ = writeln!(out, "    {n:>8.3}  {endpoint}");
        }
        let c = &self.netsuite_concurrency;
        let _ = writeln!(
            out,
            "  NetSuite         limit {} · max in flight {} · {:.0}% of the limit in use in steady state · at the limit {:.0}% of the time · rejected {}",
            c.limit,
            c.max_observed,
            c.steady_share_in_use * 100.0,
            c.share_at_limit * 100.0,
            c.rejected_requests
        );
        let _ = writeln!(
            out,
            "  resources        peak RSS {:.0} MB · database +{:.1} MB",
            self.peak_rss_mb, self.database_growth_mb
        );
        if let Some(d) = &self.drill {
            let _ = writeln!(
                out,
                "  drill            {}: {} × {}",
                serde_json::to_value(d.drill)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                d.actions,
                d.what
            );
        }
        let k = &self.correctness;
        let _ = writeln!(
            out,
            "  correctness      NetSuite contacts {} of {} · written back {} · duplicates {}",
            k.found, k.expected, k.written_back, k.duplicates
        );
        out
    }
}

/// Peak resident memory of this process in MB (Linux), 0 elsewhere.
pub fn peak_rss_mb(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}
