//! NetSuite error bodies (PROTOCOLS B6) turned into [`ConnectorError`]s: the REST envelope
//! `{type, title, status, o:errorDetails: [{detail, o:errorCode, o:errorPath…}]}`, and OAuth's
//! `{error, error_description}` from the token endpoint.

use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::error::{self, ConnectorError, ErrorKind, System};

#[derive(Deserialize)]
struct Envelope {
    title: Option<String>,
    #[serde(rename = "o:errorDetails", default)]
    details: Vec<Detail>,
}

#[derive(Deserialize)]
struct Detail {
    #[serde(default)]
    detail: String,
    #[serde(rename = "o:errorCode")]
    code: Option<String>,
    #[serde(rename = "o:errorPath")]
    path: Option<String>,
    #[serde(rename = "o:errorQueryParam")]
    query_param: Option<String>,
    #[serde(rename = "o:errorHeader")]
    header: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The first `o:errorCode` of a body, if it is the REST envelope.
pub(crate) fn error_code(body: &str) -> Option<String> {
    serde_json::from_str::<Envelope>(body)
        .ok()?
        .details
        .into_iter()
        .find_map(|d| d.code)
}

/// The error for a data call that did not succeed.
pub(crate) fn api_error(status: u16, headers: &HeaderMap, body: &str) -> ConnectorError {
    let (code, message, fields) = match serde_json::from_str::<Envelope>(body) {
        Ok(envelope) => {
            let fields = envelope
                .details
                .iter()
                .filter_map(|d| {
                    d.path
                        .clone()
                        .or(d.query_param.clone())
                        .or(d.header.clone())
                })
                .collect();
            let first = envelope.details.into_iter().next();
            let message = match &first {
                Some(d) if !d.detail.is_empty() => d.detail.clone(),
                _ => envelope.title.unwrap_or_else(|| format!("HTTP {status}")),
            };
            (first.and_then(|d| d.code), message, fields)
        }
        Err(_) => (None, fallback_message(status, body), Vec::new()),
    };
    let kind = classify(status, code.as_deref());
    ConnectorError::remote(kind, System::Netsuite, status, code, message)
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
        (_, "invalid_request" | "unsupported_grant_type") => ErrorKind::Config,
        _ => ErrorKind::Auth,
    };
    ConnectorError::remote(
        kind,
        System::Netsuite,
        status,
        Some(oauth.error),
        oauth.error_description,
    )
    .with_retry_after(error::retry_after(headers))
}

/// Classifies one NetSuite answer. `INVALID_LOGIN` is [`ErrorKind::Auth`] here; the client
/// decides after a retry whether it was really the credentials (PROTOCOLS B7).
fn classify(status: u16, code: Option<&str>) -> ErrorKind {
    match code {
        Some(
            "CONCURRENCY_LIMIT_EXCEEDED"
            | "SSS_REQUEST_LIMIT_EXCEEDED"
            | "WS_REQUEST_BLOCKED"
            | "WS_CONCUR_SESSION_DISALLWD",
        ) => return ErrorKind::RateLimited,
        // Another process changed the record meanwhile: the same request can succeed again.
        Some("RCRD_HAS_BEEN_CHANGED") => return ErrorKind::Transient,
        Some("NONEXISTENT_ID" | "RCRD_DSNT_EXIST") => return ErrorKind::NotFound,
        Some("USER_ERROR" | "INVALID_CONTENT") => return ErrorKind::Validation,
        // A bad query, record type, header or method is how the connection is set up.
        Some(
            "INVALID_PARAMETER" | "INVALID_HEADER" | "INVALID_METHOD" | "INSUFFICIENT_PERMISSION",
        ) => {
            return ErrorKind::Config;
        }
        _ => {}
    }
    match status {
        429 => ErrorKind::RateLimited,
        500.. => ErrorKind::Transient,
        401 => ErrorKind::Auth,
        403 | 405 => ErrorKind::Config,
        404 => ErrorKind::NotFound,
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

    fn envelope(status: u16, code: &str, extra: &str) -> String {
        format!(
            r#"{{"type":"https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html","title":"T","status":{status},"o:errorDetails":[{{"detail":"d","o:errorCode":"{code}"{extra}}}]}}"#
        )
    }

    #[test]
    fn the_error_envelope_keeps_code_detail_and_path() {
        let err = api_error(
            400,
            &HeaderMap::new(),
            &envelope(400, "INVALID_CONTENT", r#","o:errorPath":"company""#),
        );
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::Validation, Some("INVALID_CONTENT"))
        );
        assert_eq!(err.message, "d");
        assert_eq!(err.fields, vec!["company".to_string()]);
    }

    #[test]
    fn each_documented_error_code_lands_in_its_class() {
        let kind =
            |status, code| api_error(status, &HeaderMap::new(), &envelope(status, code, "")).kind;
        assert_eq!(
            kind(429, "CONCURRENCY_LIMIT_EXCEEDED"),
            ErrorKind::RateLimited
        );
        assert_eq!(
            kind(400, "SSS_REQUEST_LIMIT_EXCEEDED"),
            ErrorKind::RateLimited
        );
        assert_eq!(kind(400, "RCRD_HAS_BEEN_CHANGED"), ErrorKind::Transient);
        assert_eq!(kind(500, "UNEXPECTED_ERROR"), ErrorKind::Transient);
        assert_eq!(kind(503, "SERVICE_UNAVAILABLE"), ErrorKind::Transient);
        assert_eq!(kind(404, "NONEXISTENT_ID"), ErrorKind::NotFound);
        assert_eq!(kind(400, "USER_ERROR"), ErrorKind::Validation);
        assert_eq!(kind(400, "INVALID_PARAMETER"), ErrorKind::Config);
        assert_eq!(kind(401, "INVALID_LOGIN"), ErrorKind::Auth);
    }

    #[test]
    fn a_retry_after_header_is_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::RETRY_AFTER,
            reqwest::header::HeaderValue::from_static("7"),
        );
        let err = api_error(429, &headers, "");
        assert_eq!(err.kind, ErrorKind::RateLimited);
        assert_eq!(err.retry_after, Some(std::time::Duration::from_secs(7)));
    }
}
