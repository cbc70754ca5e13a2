//! The admin API both simulators share under `/__sandbox/`: fault rules and statistics.
//!
//! Each simulator mounts its own admin routes next to these (reset, seed, auth clients,
//! settings, outbound-message rules); they use [`AdminError`], [`parse_json`] and
//! [`parse_query`] too, so every admin answer has the same shape. See `docs/sandbox.md`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::faults::{FaultConfig, FaultInjector};
use crate::stats::Stats;

/// Every admin route lives under this prefix; middleware leaves it alone.
pub const ADMIN_PREFIX: &str = "/__sandbox";

/// Errors of the admin API, answered as `{"error": code, "message": text}`.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// `bad_request`: the body is not valid JSON of the expected shape.
    #[error("{0}")]
    BadRequest(String),
    /// `not_found`: the named item does not exist.
    #[error("{0}")]
    NotFound(String),
}

impl AdminError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
        }
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .json(json!({"error": self.code(), "message": self.to_string()}))
    }
}

/// Parses an admin request body, answering bad input with a clear 400 instead of a panic.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AdminError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| AdminError::BadRequest(format!("invalid body: {e}")))
}

/// Parses an admin query string the same way, so a bad one is an admin 400 too (not the
/// simulator's own error shape).
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AdminError> {
    serde_urlencoded::from_str(query)
        .map_err(|e| AdminError::BadRequest(format!("invalid query string: {e}")))
}

/// Mounts `/__sandbox/faults` and `/__sandbox/stats`; needs `web::Data<FaultInjector>` and
/// `web::Data<Stats>` registered on the app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/__sandbox/faults")
            .route(web::get().to(get_faults))
            .route(web::put().to(put_faults))
            .route(web::delete().to(delete_faults)),
    )
    .service(
        web::resource("/__sandbox/stats")
            .route(web::get().to(get_stats))
            .route(web::delete().to(delete_stats)),
    );
}

async fn get_faults(faults: web::Data<FaultInjector>) -> HttpResponse {
    HttpResponse::Ok().json(faults.config())
}

async fn put_faults(
    faults: web::Data<FaultInjector>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let config: FaultConfig = parse_json(&body)?;
    faults
        .set_config(config)
        .map_err(|e| AdminError::BadRequest(e.to_string()))?;
    Ok(HttpResponse::Ok().json(faults.config()))
}

async fn delete_faults(faults: web::Data<FaultInjector>) -> HttpResponse {
    faults.clear();
    HttpResponse::NoContent().finish()
}

async fn get_stats(stats: web::Data<Stats>) -> HttpResponse {
    HttpResponse::Ok().json(stats.snapshot())
}

async fn delete_stats(stats: web::Data<Stats>) -> HttpResponse {
    stats.reset();
    HttpResponse::NoContent().finish()
}
