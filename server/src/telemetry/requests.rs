//! Every request gets an id (the caller's `X-Request-Id` when it is a plain token, else a new
//! one, echoed in the response), a span carrying it with the method and the matched route,
//! one log line with status and duration, and its count and latency in the metrics.
//!
//! Routes are logged and labelled by their pattern (`/listeners/{token}/salesforce`), never
//! the raw path: some paths hold secrets (listener and invitation tokens), and patterns are a
//! closed set, so the metrics' series stay few.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use tracing::Instrument;

/// Requests answered, by `method`, `route` (the matched pattern, or `unmatched`) and `status`
/// class.
pub const HTTP_REQUESTS: &str = "ferry_http_requests_total";
/// Seconds from receiving a request to having its response ready, by `method` and `route`.
pub const HTTP_DURATION: &str = "ferry_http_request_duration_seconds";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The route pattern of a path no route matched.
const UNMATCHED: &str = "unmatched";

/// A caller's request id is kept only when it cannot forge a log line or grow unbounded.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The middleware (`from_fn(observe_requests)`), outermost so it times everything else.
pub async fn observe_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // Known before the handler runs, so events inside it carry the route too.
    let route = req
        .resource_map()
        .match_pattern(req.path())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| UNMATCHED.to_owned());
    let method = method_label(req.method());
    let request_id = request_id(&req);
    let span =
        tracing::info_span!("http_request", request_id = %request_id, method, route = %route);
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    metrics::counter!(
        HTTP_REQUESTS,
        "method" => method,
        "route" => route.clone(),
        "status" => status_class(status),
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            duration_ms = elapsed.as_micros() as f64 / 1000.0,
            "request"
        )
    });
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

pub(super) fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route pattern and status class."
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        metrics::Unit::Seconds,
        "Time from receiving an HTTP request to having its response ready, by method and route \
         pattern."
    );
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_plain_request_id_is_kept_and_anything_else_replaced() {
        let id = |value: &str| {
            request_id(
                &TestRequest::default()
                    .insert_header((REQUEST_ID, value))
                    .to_srv_request(),
            )
        };
        assert_eq!(id("abc-123_x.y"), "abc-123_x.y");
        assert_eq!(id(&"a".repeat(64)), "a".repeat(64));
        for forged in ["", "two words", "a\"b", &"a".repeat(65), "line\tbreak"] {
            let replaced = id(forged);
            assert_ne!(replaced, forged);
            assert_eq!(replaced.len(), 32, "a new UUID for {forged:?}");
        }
    }

    #[test]
    fn statuses_and_methods_fall_into_closed_sets() {
        assert_eq!(status_class(StatusCode::OK), "2xx");
        assert_eq!(status_class(StatusCode::SEE_OTHER), "3xx");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::BAD_GATEWAY), "5xx");
        assert_eq!(method_label(&Method::PUT), "PUT");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
