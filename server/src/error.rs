//! The web layer's two error boundaries: [`PageError`] for HTML pages and
//! [`ApiError`] for `/api/v1`. Both log the whole cause and show a clean message.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use ferry_domain::DomainError;

use crate::layout::Layout;

/// An error while serving a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No valid session: send the person to the login page.
    #[error("login required")]
    LoginRequired { next: String },
    /// Go elsewhere (e.g. a page that needs a workspace, for a user with none).
    #[error("redirect to {0}")]
    Redirect(String),
    /// The CSRF token was missing or wrong.
    #[error("the form has expired")]
    Csrf,
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Internal(String),
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

impl PageError {
    fn heading_and_message(&self) -> (&'static str, String) {
        match self {
            PageError::LoginRequired { .. } | PageError::Redirect(_) => {
                ("Please log in", "Log in to continue.".into())
            }
            PageError::Csrf => (
                "This form has expired",
                "For your security the form could not be accepted: it was open too long, or \
                 came from another site. Go back, reload the page and try again."
                    .into(),
            ),
            PageError::Domain(DomainError::NotFound) => (
                "Page not found",
                "There is nothing here. The link may be wrong, or the item was removed.".into(),
            ),
            PageError::Domain(DomainError::Forbidden(why)) => (
                "Not allowed",
                format!("Your role does not allow this: {why}."),
            ),
            PageError::Domain(DomainError::Invalid(errors)) => {
                ("That did not work", errors.to_string())
            }
            PageError::Domain(DomainError::Conflict(msg)) => ("That did not work", msg.clone()),
            PageError::Domain(DomainError::Unauthenticated(msg)) => {
                ("Please log in", (*msg).to_owned())
            }
            PageError::Domain(DomainError::Database(_) | DomainError::Internal(_))
            | PageError::Internal(_) => (
                "Something went wrong",
                "Ferry hit an unexpected error. It has been logged; please try again.".into(),
            ),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::LoginRequired { .. } | PageError::Redirect(_) => StatusCode::SEE_OTHER,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::Domain(e) => domain_status(e),
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let target = match self {
            PageError::LoginRequired { next } => Some(format!("/login?next={}", urlencode(next))),
            PageError::Redirect(to) => Some(to.clone()),
            _ => None,
        };
        if let Some(target) = target {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, target.clone()))
                .insert_header(("HX-Redirect", target))
                .finish();
        }
        if status.is_server_error() {
            tracing::error!(error = ?self, "page request failed");
        }
        let (heading, message) = self.heading_and_message();
        render_error_page(status, heading, message)
    }
}

/// Renders the error page; used for errors and for actix's own 404.
pub fn render_error_page(
    status: StatusCode,
    heading: &'static str,
    message: String,
) -> HttpResponse {
    let page = ErrorPage {
        layout: Layout::bare(heading),
        status: status.as_u16(),
        heading,
        message,
    };
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            HttpResponse::build(status).body(heading)
        }
    }
}

fn domain_status(e: &DomainError) -> StatusCode {
    match e {
        DomainError::NotFound => StatusCode::NOT_FOUND,
        DomainError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
        DomainError::Conflict(_) => StatusCode::CONFLICT,
        DomainError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        DomainError::Database(_) | DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// An error of the JSON API: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Domain(e) => domain_status(e),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "API request failed");
        }
        let (code, message, fields) = match self {
            ApiError::Unauthorized => (
                "unauthorized",
                "Send `Authorization: Bearer <token>` with a valid API token.".to_owned(),
                None,
            ),
            ApiError::Domain(DomainError::Invalid(errors)) => (
                "invalid_input",
                errors.to_string(),
                Some(
                    errors
                        .0
                        .iter()
                        .map(|e| FieldProblem {
                            field: e.field.to_string(),
                            message: e.message.clone(),
                        })
                        .collect(),
                ),
            ),
            ApiError::Domain(e) if status.is_server_error() => (
                e.code(),
                "Internal error; it has been logged.".to_owned(),
                None,
            ),
            ApiError::Domain(e) => (e.code(), e.to_string(), None),
        };
        let body = ApiErrorBody {
            error: ApiErrorDetail {
                code,
                message,
                fields,
            },
        };
        let mut resp = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"ferry\""));
        }
        resp.json(body)
    }
}

/// The body of every API error: `{"error": {"code": "...", "message": "...", "fields": [...]}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    /// Stable code: `unauthorized`, `not_found`, `invalid_input`, `forbidden`, `conflict`,
    /// `unauthenticated`, `database_error`, `internal_error`.
    pub code: &'static str,
    pub message: String,
    /// For `invalid_input`: which fields were refused and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldProblem>>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}
