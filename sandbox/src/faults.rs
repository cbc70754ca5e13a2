//! Fault injection shared by both simulators.
//!
//! Rules are matched per endpoint (HTTP method + a `*` glob over the path). A matching rule adds
//! latency (fixed, uniform or normal) and, drawing from a seeded ChaCha RNG so a run repeats
//! exactly, answers with an injected error instead of the real handler. How an error looks on the
//! wire is each simulator's business, so the injector carries a per-simulator responder.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::admin::ADMIN_PREFIX;

/// Kinds of injected failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// HTTP 500.
    ServerError,
    /// HTTP 503.
    Unavailable,
    /// HTTP 429.
    RateLimited,
    /// Row-lock contention: Salesforce answers 400 `UNABLE_TO_LOCK_ROW` (retryable).
    LockRow,
    /// No answer within the client's patience: the request hangs for `timeout_ms`, then the
    /// connection is dropped.
    Timeout,
    /// The connection is closed without a complete response.
    DroppedConnection,
}

impl FaultKind {
    /// Status code an error kind maps to when the simulator sends a response at all.
    pub fn status(self) -> StatusCode {
        match self {
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::LockRow => StatusCode::BAD_REQUEST,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::DroppedConnection => StatusCode::BAD_GATEWAY,
        }
    }
}

/// Probability of each error kind for a matching request; they add up to at most 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErrorRates {
    pub server_error: f64,
    pub unavailable: f64,
    pub rate_limited: f64,
    pub lock_row: f64,
    pub timeout: f64,
    pub dropped_connection: f64,
}

impl ErrorRates {
    fn entries(&self) -> [(FaultKind, f64); 6] {
        [
            (FaultKind::ServerError, self.server_error),
            (FaultKind::Unavailable, self.unavailable),
            (FaultKind::RateLimited, self.rate_limited),
            (FaultKind::LockRow, self.lock_row),
            (FaultKind::Timeout, self.timeout),
            (FaultKind::DroppedConnection, self.dropped_connection),
        ]
    }
}

/// Added response latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    /// Always this many milliseconds.
    FixedMs(u64),
    /// Uniform between `min` and `max` milliseconds.
    UniformMs { min: u64, max: u64 },
    /// Normal distribution in milliseconds, cut at zero.
    NormalMs { mean: f64, std_dev: f64 },
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method to match; any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Path glob; `*` matches any run of characters (including `/`). `*` alone matches all.
    pub path: String,
    #[serde(default)]
    pub error_rates: ErrorRates,
    #[serde(default)]
    pub latency: Option<Latency>,
    /// How long a `timeout` fault hangs before the connection is dropped.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Apply to this many more matching requests, then retire; unlimited when absent.
    #[serde(default)]
    pub remaining: Option<u64>,
}

fn default_timeout_ms() -> u64 {
    30_000
}

/// The whole fault configuration of one simulator, as set and read through the admin API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// RNG seed; re-seeds the generator when the configuration is replaced.
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// Why a fault configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultConfigError {
    #[error("rule {0}: error rates must each be between 0 and 1 and add up to at most 1")]
    BadRates(usize),
    #[error("rule {0}: latency bounds are invalid")]
    BadLatency(usize),
    #[error("rule {0}: path must not be empty")]
    EmptyPath(usize),
}

impl FaultConfig {
    /// Checks the invariants the injector relies on.
    pub fn validate(&self) -> Result<(), FaultConfigError> {
        for (index, rule) in self.rules.iter().enumerate() {
            if rule.path.is_empty() {
                return Err(FaultConfigError::EmptyPath(index));
            }
            let entries = rule.error_rates.entries();
            let sum: f64 = entries.iter().map(|(_, rate)| rate).sum();
            let each_ok = entries
                .iter()
                .all(|(_, rate)| rate.is_finite() && (0.0..=1.0).contains(rate));
            if !each_ok || sum > 1.0 + 1e-9 {
                return Err(FaultConfigError::BadRates(index));
            }
            let latency_ok = match &rule.latency {
                None | Some(Latency::FixedMs(_)) => true,
                Some(Latency::UniformMs { min, max }) => min <= max,
                Some(Latency::NormalMs { mean, std_dev }) => {
                    mean.is_finite() && std_dev.is_finite() && *mean >= 0.0 && *std_dev >= 0.0
                }
            };
            if !latency_ok {
                return Err(FaultConfigError::BadLatency(index));
            }
        }
        Ok(())
    }
}

/// What the injector decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decision {
    pub delay: Duration,
    pub fault: Option<FaultKind>,
    pub timeout: Duration,
}

/// Renders an injected error the way the simulator's real counterpart would.
pub type FaultResponder = fn(FaultKind) -> HttpResponse;

struct InjectorState {
    config: FaultConfig,
    rng: ChaCha8Rng,
}

/// Per-simulator fault injector.
pub struct FaultInjector {
    state: Mutex<InjectorState>,
    default_seed: u64,
    responder: FaultResponder,
}

impl FaultInjector {
    pub fn new(seed: Option<u64>, responder: FaultResponder) -> Self {
        let default_seed = seed.unwrap_or(0);
        Self {
            state: Mutex::new(InjectorState {
                config: FaultConfig::default(),
                rng: ChaCha8Rng::seed_from_u64(default_seed),
            }),
            default_seed,
            responder,
        }
    }

    fn lock(&self) -> MutexGuard<'_, InjectorState> {
        // A panic while holding this lock cannot leave the config half-written (every write is
        // a single assignment), so a poisoned lock is safe to reuse.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current configuration.
    pub fn config(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    /// Replaces the configuration and re-seeds the RNG, so the same config gives the same run.
    pub fn set_config(&self, config: FaultConfig) -> Result<(), FaultConfigError> {
        config.validate()?;
        let mut state = self.lock();
        state.rng = ChaCha8Rng::seed_from_u64(config.seed.unwrap_or(self.default_seed));
        state.config = config;
        Ok(())
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.config = FaultConfig::default();
        state.rng = ChaCha8Rng::seed_from_u64(self.default_seed);
    }

    /// Decides latency and fault for a request.
    pub fn decide(&self, method: &str, path: &str) -> Decision {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(index) = state.config.rules.iter().position(|rule| {
            rule.remaining != Some(0)
                && rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && glob_matches(&rule.path, path)
        }) else {
            return Decision::default();
        };
        let rule = &mut state.config.rules[index];
        if let Some(remaining) = rule.remaining.as_mut() {
            *remaining -= 1;
        }
        let delay = match &rule.latency {
            None => Duration::ZERO,
            Some(Latency::FixedMs(ms)) => Duration::from_millis(*ms),
            Some(Latency::UniformMs { min, max }) => {
                Duration::from_millis(state.rng.random_range(*min..=*max))
            }
            Some(Latency::NormalMs { mean, std_dev }) => {
                // Box-Muller: two uniforms give one standard normal sample.
                let u1: f64 = state.rng.random_range(f64::EPSILON..1.0);
                let u2: f64 = state.rng.random();
                let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                Duration::from_secs_f64((mean + z * std_dev).max(0.0) / 1000.0)
            }
        };
        let draw: f64 = state.rng.random();
        let mut cumulative = 0.0;
        let mut fault = None;
        for (kind, rate) in rule.error_rates.entries() {
            cumulative += rate;
            if rate > 0.0 && draw < cumulative {
                fault = Some(kind);
                break;
            }
        }
        Decision {
            delay,
            fault,
            timeout: Duration::from_millis(rule.timeout_ms),
        }
    }

    fn respond(&self, kind: FaultKind) -> HttpResponse {
        (self.responder)(kind)
    }
}

/// `*` glob over a whole path.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(tail) => rest = tail,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// A response whose body fails at once: actix closes the connection without completing it,
/// which is what a client sees from a dropped connection.
fn dropped_connection() -> HttpResponse {
    let failing = futures_util::stream::once(async {
        Err::<web::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault injection: dropped connection",
        ))
    });
    HttpResponse::Ok().streaming(failing)
}

/// Middleware (use with `actix_web::middleware::from_fn`): applies the simulator's fault rules.
/// Admin routes are never faulted, so a test can always switch faults off again.
pub async fn inject(
    injector: web::Data<FaultInjector>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path().starts_with(ADMIN_PREFIX) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let decision = injector.decide(req.method().as_str(), req.path());
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let response = match decision.fault {
        None => return Ok(next.call(req).await?.map_into_boxed_body()),
        Some(FaultKind::DroppedConnection) => dropped_connection(),
        Some(FaultKind::Timeout) => {
            tokio::time::sleep(decision.timeout).await;
            dropped_connection()
        }
        Some(kind) => injector.respond(kind),
    };
    Ok(req.into_response(response).map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injector() -> FaultInjector {
        FaultInjector::new(Some(7), |kind| HttpResponse::build(kind.status()).finish())
    }

    #[test]
    fn glob_matches_prefixes_suffixes_and_middles() {
        assert!(glob_matches("*", "/anything"));
        assert!(glob_matches("/services/*", "/services/data/v67.0/query"));
        assert!(glob_matches(
            "/services/*/query",
            "/services/data/v67.0/query"
        ));
        assert!(!glob_matches(
            "/services/*/query",
            "/services/data/v67.0/sobjects"
        ));
        assert!(glob_matches("/exact", "/exact"));
        assert!(!glob_matches("/exact", "/exact/more"));
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence_of_faults() {
        let config = FaultConfig {
            seed: Some(42),
            rules: vec![FaultRule {
                method: None,
                path: "*".into(),
                error_rates: ErrorRates {
                    server_error: 0.3,
                    unavailable: 0.3,
                    ..ErrorRates::default()
                },
                latency: Some(Latency::UniformMs { min: 0, max: 10 }),
                timeout_ms: 10,
                remaining: None,
            }],
        };
        let run = || {
            let injector = injector();
            injector.set_config(config.clone()).unwrap();
            (0..50)
                .map(|_| injector.decide("GET", "/x"))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_rule_with_remaining_retires_after_that_many_requests() {
        let injector = injector();
        injector
            .set_config(FaultConfig {
                seed: None,
                rules: vec![FaultRule {
                    method: Some("POST".into()),
                    path: "/a".into(),
                    error_rates: ErrorRates {
                        unavailable: 1.0,
                        ..ErrorRates::default()
                    },
                    latency: None,
                    timeout_ms: 10,
                    remaining: Some(1),
                }],
            })
            .unwrap();
        assert_eq!(injector.decide("GET", "/a").fault, None);
        assert_eq!(
            injector.decide("POST", "/a").fault,
            Some(FaultKind::Unavailable)
        );
        assert_eq!(injector.decide("POST", "/a").fault, None);
    }

    #[test]
    fn rates_above_one_are_refused() {
        let config = FaultConfig {
            seed: None,
            rules: vec![FaultRule {
                method: None,
                path: "*".into(),
                error_rates: ErrorRates {
                    server_error: 0.8,
                    unavailable: 0.8,
                    ..ErrorRates::default()
                },
                latency: None,
                timeout_ms: 1,
                remaining: None,
            }],
        };
        assert_eq!(config.validate(), Err(FaultConfigError::BadRates(0)));
    }
}
