//! Salesforce error bodies (PROTOCOLS A7) turned into [`ConnectorError`]s: data calls answer a
//! JSON array of `{message, errorCode, fields}`, the token endpoint `{error, error_description}`.

use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::error::{self, ConnectorError, ErrorKind, System};

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    message: String,
    #[serde(rename = "errorCode", alias = "statusCode")]
    error_code: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorBody {
    Many(Vec<ApiError>),
    One(ApiError),
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Whether a 401 body says the session expired or was revoked (the one case worth a new token).
pub(crate) fn is_invalid_session(body: &str) -> bool {
    first_error(body).and_then(|e| e.error_code).as_deref() == Some("INVALID_SESSION_ID")
}

fn first_error(body: &str) -> Option<ApiError> {
    match serde_json::from_str::<ErrorBody>(body).ok()? {
        ErrorBody::Many(errors) => errors.into_iter().next(),
        ErrorBody::One(error) => Some(error),
    }
}

/// The error for a data call that did not succeed.
pub(crate) fn api_error(status: u16, headers: &HeaderMap, body: &str) -> ConnectorError {
    if status == 300 {
        // Upsert matched several records: the data (duplicate external ids) must be fixed.
        return ConnectorError::remote(
            ErrorKind::Validation,
            System::Salesforce,
            status,
            Some("MULTIPLE_CHOICES".into()),
            "the external id matches more than one record",
        );
    }
    let (code, message, fields) = match first_error(body) {
        Some(e) => (e.error_code, e.message, e.fields),
        None => (None, fallback_message(status, body), Vec::new()),
    };
    let kind = classify(status, code.as_deref(), &message);
    ConnectorError::remote(kind, System::Salesforce, status, code, message)
        .with_fields(fields)
        .with_retry_after(error::retry_after(headers))
}

/// The error for a refused token request.
pub(crate) fn token_error(status: u16, headers: &HeaderMap, body: &str) -> ConnectorError {
    let Ok(oauth) = serde_json::from_str::<OAuthError>(body) else {
        return api_error(status, headers, body);
    };
    let kind = match (status, oauth.error.as_str()) {
        (429, _) => ErrorKind::RateLimited,
        (500.., _) => ErrorKind::Transient,
        // The request itself is malformed: our configuration, not the credentials.
        (_, "unsupported_grant_type" | "invalid_request" | "unsupported_response_type") => {
            ErrorKind::Config
        }
        _ => ErrorKind::Auth,
    };
    ConnectorError::remote(
        kind,
        System::Salesforce,
        status,
        Some(oauth.error),
        oauth.error_description,
    )
    .with_retry_after(error::retry_after(headers))
}

/// Classifies one Salesforce error code (also used for sObject Collections results, which have
/// no HTTP status of their own).
pub(crate) fn classify(status: u16, code: Option<&str>, message: &str) -> ErrorKind {
    match code {
        Some("REQUEST_LIMIT_EXCEEDED") => return ErrorKind::RateLimited,
        Some("UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE" | "UNKNOWN_EXCEPTION") => {
            return ErrorKind::Transient;
        }
        Some("INVALID_SESSION_ID") => return ErrorKind::Auth,
        Some("NOT_FOUND" | "ENTITY_IS_DELETED" | "INVALID_QUERY_LOCATOR") => {
            return ErrorKind::NotFound;
        }
        // The mapping or query names a field or object the org does not have (or that cannot
        // be written): fixing the connection's mapping, not the record, is what helps.
        Some(
            "MALFORMED_QUERY"
            | "INVALID_TYPE"
            | "INVALID_QUERY_FILTER_OPERATOR"
            | "INVALID_FIELD_FOR_INSERT_UPDATE"
            | "INSUFFICIENT_ACCESS"
            | "INSUFFICIENT_ACCESS_OR_READONLY"
            | "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY"
            | "API_DISABLED_FOR_ORG"
            | "API_CURRENTLY_DISABLED"
            | "NOT_API_ENABLED"
            | "FUNCTIONALITY_NOT_ENABLED",
        ) => return ErrorKind::Config,
        Some("INVALID_FIELD") if message.contains("No such column") => return ErrorKind::Config,
        _ => {}
    }
    match status {
        429 => ErrorKind::RateLimited,
        500.. => ErrorKind::Transient,
        401 => ErrorKind::Auth,
        403 => ErrorKind::Config,
        404 => ErrorKind::NotFound,
        // Remaining 4xx (and per-record results) are about the data sent.
        _ => ErrorKind::Validation,
    }
}

fn fallback_message(status: u16, body: &str) -> String {
    let text: String = body.trim().chars().take(300).collect();
    if text.is_empty() {
        format!("HTTP {status} without a body")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(status: u16, body: &str) -> ErrorKind {
        api_error(status, &HeaderMap::new(), body).kind
    }

    #[test]
    fn error_arrays_keep_the_first_code_message_and_fields() {
        let err = api_error(
            400,
            &HeaderMap::new(),
            r#"[{"message":"Required fields are missing: [LastName]","errorCode":"REQUIRED_FIELD_MISSING","fields":["LastName"]}]"#,
        );
        assert_eq!(err.kind, ErrorKind::Validation);
        assert_eq!(err.code.as_deref(), Some("REQUIRED_FIELD_MISSING"));
        assert_eq!(err.fields, vec!["LastName".to_string()]);
        assert_eq!(err.status, Some(400));
    }

    #[test]
    fn each_documented_error_code_lands_in_its_class() {
        let body = |code: &str, message: &str| {
            format!(r#"[{{"message":"{message}","errorCode":"{code}"}}]"#)
        };
        assert_eq!(
            kind_of(
                403,
                &body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            ),
            ErrorKind::RateLimited
        );
        assert_eq!(
            kind_of(
                400,
                &body("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")
            ),
            ErrorKind::Transient
        );
        assert_eq!(
            kind_of(503, &body("SERVER_UNAVAILABLE", "down")),
            ErrorKind::Transient
        );
        assert_eq!(
            kind_of(404, &body("ENTITY_IS_DELETED", "entity is deleted")),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind_of(400, &body("DUPLICATE_VALUE", "duplicate value found")),
            ErrorKind::Validation
        );
        assert_eq!(
            kind_of(
                400,
                &body(
                    "INVALID_FIELD",
                    "The Id field should not be specified in the sobject data."
                )
            ),
            ErrorKind::Validation
        );
        assert_eq!(
            kind_of(
                400,
                &body(
                    "INVALID_FIELD",
                    "No such column 'Foo__c' on sobject of type Contact"
                )
            ),
            ErrorKind::Config
        );
        assert_eq!(
            kind_of(403, &body("INSUFFICIENT_ACCESS", "no access")),
            ErrorKind::Config
        );
        assert_eq!(
            kind_of(300, r#"["/services/data/v67.0/sobjects/Contact/003A"]"#),
            ErrorKind::Validation
        );
        assert_eq!(
            kind_of(502, "<html>bad gateway</html>"),
            ErrorKind::Transient
        );
    }

    #[test]
    fn token_errors_are_auth_unless_the_request_itself_is_malformed() {
        let err = token_error(
            400,
            &HeaderMap::new(),
            r#"{"error":"invalid_grant","error_description":"audience is invalid"}"#,
        );
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::Auth, Some("invalid_grant"))
        );
        assert_eq!(err.message, "audience is invalid");
        let err = token_error(
            400,
            &HeaderMap::new(),
            r#"{"error":"unsupported_grant_type","error_description":"grant type not supported"}"#,
        );
        assert_eq!(err.kind, ErrorKind::Config);
    }
}
