//! CRM pages of the Salesforce simulator: Accounts and Contacts lists, record pages, New / Edit
//! forms whose Save fires outbound messages, and the outbound-message setup with its delivery
//! log. Everything here is also possible through the REST and admin APIs.

mod outbound;
mod records;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

/// The page frame every template extends.
pub struct Chrome {
    pub title: String,
    pub nav: &'static str,
    pub org_id: String,
    pub flash: Option<String>,
}

/// A table cell or field value, linked when `href` is not empty.
pub struct Cell {
    pub text: String,
    pub href: String,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: String::new(),
        }
    }

    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: href.into(),
        }
    }
}

pub struct Row {
    pub cells: Vec<Cell>,
}

const CSS: &str = include_str!("../../../assets/sandbox.css");

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "max-age=3600"))
        .body(CSS)
}

async fn home() -> HttpResponse {
    see_other("/accounts")
}

/// Renders a page with a status other than 200 (a form shown again with its error).
pub fn render_with_status(page: &impl askama::Template, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(error) => {
            tracing::error!(%error, "rendering a sandbox page failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// Post/redirect/get.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `/{id}` opens a record, as on a real org (`https://instance/001…`): by the id's key prefix.
async fn record_by_id(id: web::Path<String>) -> HttpResponse {
    let path = match id.get(..3) {
        Some("001") => "accounts",
        Some("003") => "contacts",
        _ => {
            return HttpResponse::NotFound()
                .body("<h1>Not found</h1><p><a href=\"/accounts\">Back to Accounts</a></p>");
        }
    };
    see_other(&format!("/{path}/{id}"))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home)))
        .service(web::resource("/__sandbox/assets/sandbox.css").route(web::get().to(stylesheet)))
        .configure(outbound::configure)
        .configure(records::configure)
        .service(
            web::resource("/{id:[0-9A-Za-z]{15}|[0-9A-Za-z]{18}}")
                .route(web::get().to(record_by_id)),
        );
}
