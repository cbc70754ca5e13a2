//! Concurrency governance (PROTOCOLS.md B7): one limit per account shared by every REST call;
//! a request over it is refused at once — 429, or 401 INVALID_LOGIN in quirk mode — never
//! queued. The highest admitted concurrency and the refusals are recorded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Serialize;
use serde_json::json;

use super::auth::www_authenticate_for;
use super::error::{NsError, NsErrorCode};
use super::state::NetsuiteState;

/// Slots in use and what was seen.
#[derive(Debug, Default)]
pub struct Governance {
    in_flight: AtomicU64,
    max_seen: AtomicU64,
    rejected: AtomicU64,
}

/// JSON view of the governance counters (admin API).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GovernanceSnapshot {
    pub limit: u32,
    pub in_flight: u64,
    /// Highest number of requests admitted at the same time.
    pub max_concurrency_seen: u64,
    /// Requests refused because the limit was exhausted.
    pub rejected_over_limit: u64,
}

/// Frees the slot when the request ends, however it ends.
pub struct Slot<'a> {
    governance: &'a Governance,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.governance.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Governance {
    /// Takes a slot if fewer than `limit` are in use.
    pub fn try_acquire(&self, limit: u32) -> Option<Slot<'_>> {
        let limit = u64::from(limit);
        let taken = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < limit).then_some(n + 1)
            });
        match taken {
            Ok(previous) => {
                self.max_seen.fetch_max(previous + 1, Ordering::SeqCst);
                Some(Slot { governance: self })
            }
            Err(_) => {
                self.rejected.fetch_add(1, Ordering::SeqCst);
                None
            }
        }
    }

    pub fn snapshot(&self, limit: u32) -> GovernanceSnapshot {
        GovernanceSnapshot {
            limit,
            in_flight: self.in_flight.load(Ordering::SeqCst),
            max_concurrency_seen: self.max_seen.load(Ordering::SeqCst),
            rejected_over_limit: self.rejected.load(Ordering::SeqCst),
        }
    }

    /// Zeroes the counters, keeping the requests in flight.
    pub fn reset(&self) {
        self.max_seen
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
        self.rejected.store(0, Ordering::SeqCst);
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
