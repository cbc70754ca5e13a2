//! The one error type of the Salesforce REST boundary (`/services/data/…`).
//!
//! Salesforce always answers errors as a JSON array of `{message, errorCode, fields?}` objects
//! (PROTOCOLS.md A7); inside sObject Collections results the same error uses `statusCode`
//! instead of `errorCode` (see [`SfError::collection_json`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

/// A Salesforce API error: HTTP status, `errorCode`, message and the fields it concerns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SfError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<String>,
}

impl SfError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn with_fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }

    /// 401 `INVALID_SESSION_ID`: missing, expired or revoked access token.
    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 403 `REQUEST_LIMIT_EXCEEDED`: the org's daily API request limit is used up.
    pub fn request_limit_exceeded() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
    }

    /// 404 `NOT_FOUND`: unknown resource or record.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 404 `ENTITY_IS_DELETED`: the record is in the Recycle Bin.
    pub fn entity_is_deleted() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ENTITY_IS_DELETED",
            "entity is deleted",
        )
    }

    /// 404 `NOT_FOUND` for an sObject type the org does not have.
    pub fn unknown_sobject(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!(
                "The requested resource does not exist: sObject type '{name}' is not supported."
            ),
        )
    }

    /// 400 `JSON_PARSER_ERROR`: the body is not the JSON the resource expects.
    pub fn json_parser(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", message)
    }

    /// 400 `INVALID_FIELD`.
    pub fn invalid_field(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_FIELD", message)
    }

    /// 405 `METHOD_NOT_ALLOWED`.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("HTTP Method '{method}' not allowed. Allowed are GET,HEAD,PATCH,DELETE,POST"),
        )
    }

    /// The top-level JSON body: always an array.
    pub fn body(&self) -> Value {
        json!([self.item("errorCode")])
    }

    /// The error as it appears inside an sObject Collections result, under `code_key`
    /// (`statusCode` by default) rather than `errorCode`.
    pub fn collection_json(&self, code_key: &str) -> Value {
        self.item(code_key)
    }

    fn item(&self, code_key: &str) -> Value {
        let mut item = serde_json::Map::new();
        item.insert("message".into(), Value::String(self.message.clone()));
        item.insert(code_key.into(), Value::String(self.code.into()));
        if !self.fields.is_empty() || code_key != "errorCode" {
            item.insert("fields".into(), json!(self.fields));
        }
        Value::Object(item)
    }
}

impl ResponseError for SfError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(self.body())
    }
}
