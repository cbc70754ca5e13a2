//! The one error type of the NetSuite REST boundary (record, query and system APIs).
//!
//! Every failure leaves the simulator in NetSuite's documented envelope (PROTOCOLS.md B6):
//! `type` / `title` / `status` / `o:errorDetails[{detail, o:errorCode, o:errorPath?, ...}]`.
//! The token endpoint speaks OAuth 2.0 instead and has its own type in `auth::token_error`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

/// Content type NetSuite uses for error bodies (UNCONFIRMED in PROTOCOLS.md B6, kept as default).
pub const ERROR_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=error";

/// Stable `o:errorCode` values the simulator emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsErrorCode {
    /// 401: missing, malformed, expired, revoked or badly signed credentials; also the
    /// "quirk mode" answer to a request over the concurrency limit.
    InvalidLogin,
    /// 400: the request body is malformed or names an unknown, read-only or invalid field.
    InvalidContent,
    /// 400: a business rule failed (missing required field, duplicate external id, ...).
    UserError,
    /// 404: no record with that internal or external id.
    NonexistentId,
    /// 400: a bad query parameter or a bad SuiteQL statement.
    InvalidParameter,
    /// 400: a required request header is missing or has a wrong value (`Prefer: transient`).
    InvalidHeader,
    /// 429: the account's concurrency limit is exhausted.
    ConcurrencyLimitExceeded,
    /// 405: the resource does not support the HTTP method.
    InvalidMethod,
    /// 500: an unexpected server error (injected faults).
    UnexpectedError,
    /// 503: the service is unavailable (injected faults, maintenance).
    ServiceUnavailable,
    /// 400: the record was changed by someone else meanwhile (injected lock contention).
    RecordHasBeenChanged,
}

impl NsErrorCode {
    /// The wire spelling of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidLogin => "INVALID_LOGIN",
            Self::InvalidContent => "INVALID_CONTENT",
            Self::UserError => "USER_ERROR",
            Self::NonexistentId => "NONEXISTENT_ID",
            Self::InvalidParameter => "INVALID_PARAMETER",
            Self::InvalidHeader => "INVALID_HEADER",
            Self::ConcurrencyLimitExceeded => "CONCURRENCY_LIMIT_EXCEEDED",
            Self::InvalidMethod => "INVALID_METHOD",
            Self::UnexpectedError => "UNEXPECTED_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::RecordHasBeenChanged => "RCRD_HAS_BEEN_CHANGED",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::InvalidLogin => StatusCode::UNAUTHORIZED,
            Self::NonexistentId => StatusCode::NOT_FOUND,
            Self::ConcurrencyLimitExceeded => StatusCode::TOO_MANY_REQUESTS,
            Self::InvalidMethod => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnexpectedError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::RecordHasBeenChanged
            | Self::InvalidContent
            | Self::UserError
            | Self::InvalidParameter
            | Self::InvalidHeader => StatusCode::BAD_REQUEST,
        }
    }
}

/// Where in the request the error points (the optional `o:error…` members).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorLocation {
    None,
    /// `o:errorPath`: a JSON path into the request body.
    Path(String),
    /// `o:errorQueryParam`: the offending query parameter.
    QueryParam(String),
    /// `o:errorHeader`: the offending request header.
    Header(String),
    /// `o:urlPath`: the offending part of the URL.
    UrlPath(String),
}

/// A NetSuite REST error, rendered as the documented envelope.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} {}: {detail}", code.as_str(), status.as_u16())]
pub struct NsError {
    pub code: NsErrorCode,
    pub status: StatusCode,
    pub detail: String,
    pub location: ErrorLocation,
    /// `WWW-Authenticate` value for 401 answers.
    pub www_authenticate: Option<String>,
}

impl NsError {
    pub fn new(code: NsErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            status: code.status(),
            detail: detail.into(),
            location: ErrorLocation::None,
            www_authenticate: None,
        }
    }

    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.location = ErrorLocation::Path(path.into());
        self
    }

    pub fn at_query_param(mut self, param: impl Into<String>) -> Self {
        self.location = ErrorLocation::QueryParam(param.into());
        self
    }

    pub fn at_header(mut self, name: impl Into<String>) -> Self {
        self.location = ErrorLocation::Header(name.into());
        self
    }

    pub fn at_url_path(mut self, path: impl Into<String>) -> Self {
        self.location = ErrorLocation::UrlPath(path.into());
        self
    }

    pub fn with_www_authenticate(mut self, value: impl Into<String>) -> Self {
        self.www_authenticate = Some(value.into());
        self
    }

    pub fn invalid_content(detail: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(NsErrorCode::InvalidContent, detail).at_path(path)
    }

    pub fn nonexistent_id(record_type: &str, id: &str) -> Self {
        Self::new(
            NsErrorCode::NonexistentId,
            format!(
                "The record instance does not exist. Provide a valid record instance ID. \
                 (record type: {record_type}, id: {id})"
            ),
        )
    }

    /// The documented 401: "Invalid login attempt." plus a pointer to the Login Audit Trail.
    pub fn invalid_login(www_authenticate: String) -> Self {
        Self::new(
            NsErrorCode::InvalidLogin,
            "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite \
             UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
        )
        .with_www_authenticate(www_authenticate)
    }

    /// The envelope as JSON.
    pub fn body(&self) -> Value {
        let mut detail = Map::new();
        detail.insert("detail".into(), Value::String(self.detail.clone()));
        detail.insert(
            "o:errorCode".into(),
            Value::String(self.code.as_str().into()),
        );
        match &self.location {
            ErrorLocation::None => {}
            ErrorLocation::Path(p) => {
                detail.insert("o:errorPath".into(), Value::String(p.clone()));
            }
            ErrorLocation::QueryParam(p) => {
                detail.insert("o:errorQueryParam".into(), Value::String(p.clone()));
            }
            ErrorLocation::Header(h) => {
                detail.insert("o:errorHeader".into(), Value::String(h.clone()));
            }
            ErrorLocation::UrlPath(u) => {
                detail.insert("o:urlPath".into(), Value::String(u.clone()));
            }
        }
        json!({
            "type": status_type_url(self.status),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "o:errorDetails": [Value::Object(detail)],
        })
    }
}

/// The `type` member: the URL of the HTTP status definition, as NetSuite sends it.
fn status_type_url(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        401 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
        403 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4",
        404 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5",
        405 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        503 => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4",
        _ => "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1",
    }
}

impl ResponseError for NsError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, ERROR_CONTENT_TYPE));
        if let Some(value) = &self.www_authenticate
            && let Ok(value) = HeaderValue::from_str(value)
        {
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        response.body(self.body().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_carries_type_title_status_and_details() {
        let err =
            NsError::invalid_content("Invalid field value 9999 for field company.", "company");
        let body = err.body();
        assert_eq!(body["status"], 400);
        assert_eq!(body["title"], "Bad Request");
        assert_eq!(body["o:errorDetails"][0]["o:errorCode"], "INVALID_CONTENT");
        assert_eq!(body["o:errorDetails"][0]["o:errorPath"], "company");
    }
}
