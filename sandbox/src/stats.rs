//! Request statistics of one simulator: what benchmarks and fault drills read afterwards.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::admin::ADMIN_PREFIX;

/// Counters of one simulator.
#[derive(Default)]
pub struct Stats {
    /// `"METHOD /route/pattern"` → status code → count.
    requests: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    current_concurrency: AtomicU64,
    max_concurrency: AtomicU64,
    rejected_over_limit: AtomicU64,
    outbound_deliveries: AtomicU64,
    outbound_acks: AtomicU64,
    outbound_failures: AtomicU64,
    outbound_notifications_acked: AtomicU64,
}

/// JSON view of [`Stats`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub requests: BTreeMap<String, BTreeMap<u16, u64>>,
    pub total_requests: u64,
    pub concurrency: ConcurrencySnapshot,
    pub rejected_over_limit: u64,
    pub outbound: OutboundSnapshot,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConcurrencySnapshot {
    pub current: u64,
    pub max: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboundSnapshot {
    /// Delivery attempts (one SOAP POST each).
    pub deliveries: u64,
    /// Attempts answered with a proper `<Ack>true</Ack>`.
    pub acks: u64,
    /// Attempts that failed (transport error, non-2xx, fault, missing or false Ack).
    pub failures: u64,
    /// Notifications covered by acknowledged attempts.
    pub notifications_acked: u64,
}

/// Decrements the current concurrency when the request ends, however it ends.
pub struct ConcurrencyGuard<'a> {
    stats: &'a Stats,
}

impl Drop for ConcurrencyGuard<'_> {
    fn drop(&mut self) {
        self.stats
            .current_concurrency
            .fetch_sub(1, Ordering::SeqCst);
    }
}

impl Stats {
    fn requests(&self) -> MutexGuard<'_, BTreeMap<String, BTreeMap<u16, u64>>> {
        // Each update is a single increment; a poisoned map is still consistent.
        self.requests.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks a request as in flight until the guard drops.
    pub fn enter(&self) -> ConcurrencyGuard<'_> {
        let now = self.current_concurrency.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_concurrency.fetch_max(now, Ordering::SeqCst);
        ConcurrencyGuard { stats: self }
    }

    pub fn record_request(&self, endpoint: String, status: u16) {
        *self
            .requests()
            .entry(endpoint)
            .or_default()
            .entry(status)
            .or_default() += 1;
    }

    /// A request refused because a concurrency limit was exhausted.
    pub fn record_rejected_over_limit(&self) {
        self.rejected_over_limit.fetch_add(1, Ordering::SeqCst);
    }

    /// One outbound delivery attempt and whether it was acknowledged.
    pub fn record_outbound_delivery(&self, acked: bool, notifications: u64) {
        self.outbound_deliveries.fetch_add(1, Ordering::SeqCst);
        if acked {
            self.outbound_acks.fetch_add(1, Ordering::SeqCst);
            self.outbound_notifications_acked
                .fetch_add(notifications, Ordering::SeqCst);
        } else {
            self.outbound_failures.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let requests = self.requests().clone();
        let total_requests = requests
            .values()
            .flat_map(|by_status| by_status.values())
            .sum();
        StatsSnapshot {
            requests,
            total_requests,
            concurrency: ConcurrencySnapshot {
                current: self.current_concurrency.load(Ordering::SeqCst),
                max: self.max_concurrency.load(Ordering::SeqCst),
            },
            rejected_over_limit: self.rejected_over_limit.load(Ordering::SeqCst),
            outbound: OutboundSnapshot {
                deliveries: self.outbound_deliveries.load(Ordering::SeqCst),
                acks: self.outbound_acks.load(Ordering::SeqCst),
                failures: self.outbound_failures.load(Ordering::SeqCst),
                notifications_acked: self.outbound_notifications_acked.load(Ordering::SeqCst),
            },
        }
    }

    /// Zeroes every counter except the requests currently in flight.
    pub fn reset(&self) {
        self.requests().clear();
        self.max_concurrency.store(
            self.current_concurrency.load(Ordering::SeqCst),
            Ordering::SeqCst,
        );
        for counter in [
            &self.rejected_over_limit,
            &self.outbound_deliveries,
            &self.outbound_acks,
            &self.outbound_failures,
            &self.outbound_notifications_acked,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
    }
}

/// Middleware (use with `actix_web::middleware::from_fn`): counts requests by route pattern and
/// status and tracks concurrency. Admin routes are not counted.
pub async fn record(
    stats: web::Data<Stats>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path().starts_with(ADMIN_PREFIX) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let _in_flight = stats.enter();
    let result = next.call(req).await;
    let (pattern, status) = match &result {
        Ok(res) => (
            res.request().match_pattern().unwrap_or(path),
            res.status().as_u16(),
        ),
        Err(err) => (path, err.as_response_error().status_code().as_u16()),
    };
    stats.record_request(format!("{method} {pattern}"), status);
    Ok(result?.map_into_boxed_body())
}
