//! The one error type of the connectors. It keeps what the remote system said (HTTP status,
//! error code, message) because users need it, and classifies it so the sync engine can decide
//! between retrying, backing off, and parking the record for a person.

use std::fmt;
use std::time::Duration;

/// Which remote system an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Salesforce,
    Netsuite,
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Salesforce => "Salesforce",
            Self::Netsuite => "NetSuite",
        })
    }
}

/// What the caller should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Network failure, timeout, 5xx, row-lock contention: retry with back-off.
    Transient,
    /// 429, NetSuite concurrency rejection, Salesforce's daily `REQUEST_LIMIT_EXCEEDED`:
    /// wait (`retry_after` when the remote said how long) and retry.
    RateLimited,
    /// The credentials were refused even with a freshly obtained token.
    Auth,
    /// The record's data was refused (required field, duplicate, bad value…): retrying the
    /// same data fails the same way; a person must fix the record.
    Validation,
    /// The record or resource does not exist (or was deleted).
    NotFound,
    /// The connection or mapping is wrong: missing permission, unknown field, bad query.
    Config,
}

impl ErrorKind {
    /// Stable snake_case code for logs and the product's error pages.
    pub fn code(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::RateLimited => "rate_limited",
            Self::Auth => "auth",
            Self::Validation => "validation",
            Self::NotFound => "not_found",
            Self::Config => "config",
        }
    }

    /// Whether retrying the same request later can succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Transient | Self::RateLimited)
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from a Salesforce or NetSuite call.
#[derive(Debug, thiserror::Error)]
pub struct ConnectorError {
    pub kind: ErrorKind,
    pub system: System,
    /// HTTP status of the remote answer, when there was one.
    pub status: Option<u16>,
    /// The remote error code (`errorCode`, `o:errorCode`, OAuth `error`), when there was one.
    pub code: Option<String>,
    /// The remote message, or ours when the failure happened before an answer.
    pub message: String,
    /// Fields or JSON paths the remote named.
    pub fields: Vec<String>,
    /// How long to wait before retrying, when known.
    pub retry_after: Option<Duration>,
    #[source]
    source: Option<Source>,
}

/// `NetSuite validation error USER_ERROR: Please enter value(s) for: Name (HTTP 400)`.
impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} error", self.system, self.kind.code())?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        Ok(())
    }
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, system: System, message: impl Into<String>) -> Self {
        Self {
            kind,
            system,
            status: None,
            code: None,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
            source: None,
        }
    }

    /// An error the remote system answered with.
    pub fn remote(
        kind: ErrorKind,
        system: System,
        status: u16,
        code: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status: Some(status),
            code,
            ..Self::new(kind, system, message)
        }
    }

    /// A configuration problem found on our side (bad URL, unreadable key…).
    pub fn config(system: System, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, system, message)
    }

    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    pub fn with_fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }

    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// A failure to get any answer: connection refused or dropped, timeout, unreadable body.
    /// Building the request is the one case that is ours to fix.
    pub fn from_transport(system: System, err: reqwest::Error) -> Self {
        let kind = if err.is_builder() {
            ErrorKind::Config
        } else {
            ErrorKind::Transient
        };
        let message = if err.is_timeout() {
            "the request timed out".to_string()
        } else if err.is_connect() {
            "could not connect".to_string()
        } else if err.is_decode() || err.is_body() {
            "the response could not be read".to_string()
        } else {
            "the request failed".to_string()
        };
        Self::new(kind, system, message).with_source(err.without_url())
    }

    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

/// Parses `Retry-After` when it is a number of seconds (the HTTP-date form is not used by
/// either system as far as we know, and a wrong guess would only shorten a back-off).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_keeps_the_remote_code_message_and_status() {
        let err = ConnectorError::remote(
            ErrorKind::Validation,
            System::Salesforce,
            400,
            Some("REQUIRED_FIELD_MISSING".into()),
            "Required fields are missing: [LastName]",
        );
        assert_eq!(
            err.to_string(),
            "Salesforce validation error REQUIRED_FIELD_MISSING: Required fields are missing: \
             [LastName] (HTTP 400)"
        );
    }

    #[test]
    fn only_transient_and_rate_limited_errors_are_retryable() {
        assert!(ErrorKind::Transient.is_retryable());
        assert!(ErrorKind::RateLimited.is_retryable());
        for kind in [
            ErrorKind::Auth,
            ErrorKind::Validation,
            ErrorKind::NotFound,
            ErrorKind::Config,
        ] {
            assert!(!kind.is_retryable(), "{kind:?}");
        }
    }
}
