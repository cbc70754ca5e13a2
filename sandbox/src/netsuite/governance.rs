//! Concurrency governance (PROTOCOLS.md B7): one limit per account shared by every REST call;
//! a request over it is refused at once — 429, or 401 INVALID_LOGIN in quirk mode — never
//! queued. The highest admitted concurrency and the refusals are recorded, and so is how busy
//! the slots were over time (integrated at every admission and release, so a reader polling
//! now and then still gets the exact mean, unlike sampling).

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::www_authenticate_for;
use super::error::{NsError, NsErrorCode};
use super::state::NetsuiteState;

/// Slots in use and what was seen, behind one lock so the time integrals and the slot count
/// always change together.
#[derive(Debug)]
pub struct Governance {
    counters: Mutex<Counters>,
}

#[derive(Debug)]
struct Counters {
    in_flight: u64,
    max_seen: u64,
    rejected: u64,
    /// The limit of the latest admission: "at the limit" until the next one is judged by it.
    limit: u64,
    /// When the counters were last zeroed.
    window_start: Instant,
    /// When `in_flight` (or `limit`) last changed; the integrals are complete up to here.
    last_change: Instant,
    /// Requests in flight integrated over time, in request·nanoseconds.
    in_flight_ns: u128,
    /// Time with every slot taken, in nanoseconds.
    at_limit_ns: u128,
}

impl Counters {
    /// Brings the integrals up to `now` with the state that held since the last change.
    fn accrue(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last_change).as_nanos();
        self.in_flight_ns += elapsed * u128::from(self.in_flight);
        if self.in_flight > 0 && self.in_flight >= self.limit {
            self.at_limit_ns += elapsed;
        }
        self.last_change = now;
    }
}

impl Default for Governance {
    fn default() -> Self {
        let now = Instant::now();
        Self {
            counters: Mutex::new(Counters {
                in_flight: 0,
                max_seen: 0,
                rejected: 0,
                limit: u64::MAX,
                window_start: now,
                last_change: now,
                in_flight_ns: 0,
                at_limit_ns: 0,
            }),
        }
    }
}

/// JSON view of the governance counters (admin API).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GovernanceSnapshot {
    pub limit: u32,
    pub in_flight: u64,
    /// Highest number of requests admitted at the same time.
    pub max_concurrency_seen: u64,
    /// Requests refused because the limit was exhausted.
    pub rejected_over_limit: u64,
    /// Time since the counters were last zeroed, in microseconds.
    pub window_us: u64,
    /// Requests in flight integrated over that time, in request·microseconds: divided by
    /// `window_us` it is the mean number in flight. Two readings give the mean between them.
    pub in_flight_us: u64,
    /// Time with every slot taken, in microseconds.
    pub at_limit_us: u64,
}

/// Frees the slot when the request ends, however it ends.
pub struct Slot<'a> {
    governance: &'a Governance,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut counters = self.governance.counters();
        counters.accrue(Instant::now());
        counters.in_flight = counters.in_flight.saturating_sub(1);
    }
}

fn micros(nanos: u128) -> u64 {
    u64::try_from(nanos / 1000).unwrap_or(u64::MAX)
}

impl Governance {
    /// Every update leaves the counters consistent, so a lock poisoned by a panic elsewhere
    /// still guards valid numbers.
    fn counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a slot if fewer than `limit` are in use.
    pub fn try_acquire(&self, limit: u32) -> Option<Slot<'_>> {
        let mut counters = self.counters();
        counters.accrue(Instant::now());
        counters.limit = u64::from(limit);
        if counters.in_flight >= counters.limit {
            counters.rejected += 1;
            return None;
        }
        counters.in_flight += 1;
        counters.max_seen = counters.max_seen.max(counters.in_flight);
        Some(Slot { governance: self })
    }

    pub fn snapshot(&self, limit: u32) -> GovernanceSnapshot {
        let mut counters = self.counters();
        let now = Instant::now();
        counters.accrue(now);
        GovernanceSnapshot {
            limit,
            in_flight: counters.in_flight,
            max_concurrency_seen: counters.max_seen,
            rejected_over_limit: counters.rejected,
            window_us: micros(
                now.saturating_duration_since(counters.window_start)
                    .as_nanos(),
            ),
            in_flight_us: micros(counters.in_flight_ns),
            at_limit_us: micros(counters.at_limit_ns),
        }
    }

    /// Zeroes the counters, keeping the requests in flight.
    pub fn reset(&self) {
        let mut counters = self.counters();
        let now = Instant::now();
        counters.max_seen = counters.in_flight;
        counters.rejected = 0;
        counters.window_start = now;
        counters.last_change = now;
        counters.in_flight_ns = 0;
        counters.at_limit_ns = 0;
    }
}

/// Middleware over the governed REST routes.
pub async fn govern(
    state: web::Data<NetsuiteState>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let settings = state.settings();
    let Some(_slot) = state.governance().try_acquire(settings.concurrency_limit) else {
        state.stats().record_rejected_over_limit();
        let error = if settings.quirk_mode {
            if settings.quirk_delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(settings.quirk_delay_ms)).await;
            }
            NsError::invalid_login(www_authenticate_for(req.headers(), &settings.account_id))
        } else {
            NsError::new(
                NsErrorCode::ConcurrencyLimitExceeded,
                format!(
                    "Concurrency limit exceeded: the account allows {} concurrent requests. \
                     Retry the request later.",
                    settings.concurrency_limit
                ),
            )
        };
        return Ok(req.into_response(error.error_response()));
    };
    if settings.governance_latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.governance_latency_ms)).await;
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// `GET /services/rest/system/v1/governanceLimits`.
pub async fn governance_limits(state: web::Data<NetsuiteState>) -> HttpResponse {
    let limit = state.settings().concurrency_limit;
    HttpResponse::Ok().json(json!({
        "accountConcurrencyLimit": limit,
        "accountUnallocatedConcurrencyLimit": limit,
        "limitType": "accountLimit",
    }))
}
