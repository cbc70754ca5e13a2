//! The NetSuite simulator: SuiteTalk REST web services for one account (PROTOCOLS.md Part B).
//!
//! - `POST /services/rest/auth/oauth2/v1/token`: M2M client credentials (PS256/ES256 assertion);
//! - `/services/rest/record/v1/{customer|contact}`: the record API;
//! - `POST /services/rest/query/v1/suiteql`: SuiteQL;
//! - `GET /services/rest/system/v1/governanceLimits`;
//! - `/__sandbox/…`: reset, seed, settings, auth clients, revocation, governance counters,
//!   external-id counts;
//! - pages: customers and contacts.
//!
//! Every REST call except the token endpoint goes through concurrency governance, then
//! authentication (Bearer token or TBA).

pub mod admin_api;
pub mod auth;
pub mod demo;
pub mod error;
pub mod governance;
pub mod pages;
pub mod paging;
pub mod patch;
pub mod readings;
pub mod record_api;
pub mod render;
pub mod schema;
pub mod seed;
pub mod settings;
pub mod state;
pub mod store;
pub mod suiteql;
pub mod suiteql_api;
pub mod token_api;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, ResponseError, web};

pub use demo::NetsuiteCredentials;
pub use settings::NetsuiteSettings;
pub use state::NetsuiteState;

use crate::faults::FaultKind;
use error::{NsError, NsErrorCode};

/// Mounts the NetSuite simulator's routes, pages and admin routes.
pub fn configure(cfg: &mut web::ServiceConfig, state: NetsuiteState) {
    cfg.app_data(web::Data::new(state))
        .configure(admin_api::configure)
        .configure(readings::configure)
        .configure(pages::configure)
        .configure(token_api::configure)
        .service(
            web::scope("/services/rest")
                .wrap(from_fn(auth::require_auth))
                // The last wrap runs first: a request over the limit is refused before its
                // credentials are even looked at.
                .wrap(from_fn(governance::govern))
                .configure(record_api::configure)
                .configure(suiteql_api::configure)
                .route(
                    "/system/v1/governanceLimits",
                    web::get().to(governance::governance_limits),
                )
                .default_service(web::to(unknown_resource)),
        );
}

/// Paths under `/services/rest` that name nothing, answered in the error envelope.
async fn unknown_resource(req: actix_web::HttpRequest) -> Result<HttpResponse, NsError> {
    Err(NsError::new(
        NsErrorCode::NonexistentId,
        format!("The requested resource {} does not exist.", req.path()),
    )
    .at_url_path(req.path().to_string()))
}

/// The response NetSuite gives for an injected fault: the usual error envelope.
pub fn fault_response(kind: FaultKind) -> HttpResponse {
    let (code, detail) = match kind {
        FaultKind::RateLimited => (
            NsErrorCode::ConcurrencyLimitExceeded,
            "Concurrency limit exceeded. Retry the request later.",
        ),
        FaultKind::Unavailable => (
            NsErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable. Retry the request later.",
        ),
        FaultKind::LockRow => (
            NsErrorCode::RecordHasBeenChanged,
            "Record has been changed. Retry the request.",
        ),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::DroppedConnection => (
            NsErrorCode::UnexpectedError,
            "An unexpected error occurred. Error ID: sandbox-fault",
        ),
    };
    let mut error = NsError::new(code, detail);
    error.status = kind.status();
    error.error_response()
}
