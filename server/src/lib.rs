//! Ferry's HTTP layer: pages, the JSON API, sessions and CSRF, error pages.
//! Handlers are thin; the domain crate does the work.

pub mod api;
mod assets;
pub mod error;
mod health;
pub mod layout;
pub mod listeners;
pub mod pages;
pub mod routes;
pub mod session;
pub mod state;
pub mod telemetry;

use actix_web::http::StatusCode;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{HttpRequest, HttpResponse, web};

pub use routes::{Access, Method, RouteSpec, all_routes};
pub use state::{AppState, SandboxLink, WebSettings};

/// Mounts everything on an actix `App`: state, middleware, routes, 404 page.
/// Used by `ferry serve` and by the tests, so both run the same app.
pub fn configure_app(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(state))
            .app_data(
                web::FormConfig::default()
                    .limit(256 * 1024)
                    .error_handler(|err, _| {
                        actix_web::error::InternalError::from_response(
                            err,
                            error::render_error_page(
                                StatusCode::BAD_REQUEST,
                                "That did not work",
                                "The form could not be read. Go back and try again.".into(),
                            ),
                        )
                        .into()
                    }),
            )
            .app_data(web::JsonConfig::default().limit(1024 * 1024));
        cfg.service(
            web::scope("")
                .wrap(from_fn(session::web_session))
                .wrap(Compress::default())
                .wrap(security_headers())
                .wrap(from_fn(telemetry::observe_requests))
                .configure(routes::configure)
                .default_service(web::to(not_found)),
        );
    }
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'",
        ))
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        return HttpResponse::NotFound().json(serde_json::json!({
            "error": { "code": "not_found", "message": "No such endpoint." }
        }));
    }
    error::render_error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing here. The link may be wrong, or the item was removed.".into(),
    )
}
