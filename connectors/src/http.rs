//! What both clients share about outbound HTTP: a client with timeouts and no redirects, and
//! authorization headers marked sensitive so `Debug` output of requests never shows them.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ConnectorError, System};
use crate::metrics::{self, Endpoint};

/// Time allowed to open a connection, separate from the whole-request timeout so an
/// unreachable host fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client whose every request times out after `timeout`. Redirects are not followed: neither
/// API redirects data calls, and following one could carry the token to another host.
pub(crate) fn client(system: System, timeout: Duration) -> Result<reqwest::Client, ConnectorError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ferry-connectors/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            ConnectorError::config(system, "the HTTP client could not be built").with_source(e)
        })
}

/// `Bearer <token>`, flagged sensitive so reqwest redacts it in `Debug`.
pub(crate) fn bearer(system: System, token: &SecretString) -> Result<HeaderValue, ConnectorError> {
    sensitive(system, &format!("Bearer {}", token.expose_secret()))
}

/// A header value flagged sensitive.
pub(crate) fn sensitive(system: System, value: &str) -> Result<HeaderValue, ConnectorError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        ConnectorError::config(
            system,
            "a credential holds characters not allowed in a header",
        )
    })?;
    header.set_sensitive(true);
    Ok(header)
}

/// A remote answer, read whole.
pub(crate) struct Exchange {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

/// Sends a request and reads its answer: the one place every request of both clients (data
/// calls and token requests) goes through, so each is counted and timed once, by endpoint
/// class rather than URL. A failure to send or to read the body is classified as transient.
pub(crate) async fn exchange(
    system: System,
    endpoint: Endpoint,
    request: reqwest::RequestBuilder,
) -> Result<Exchange, ConnectorError> {
    let started = Instant::now();
    let answer = async {
        let response = request
            .send()
            .await
            .map_err(|e| ConnectorError::from_transport(system, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .text()
            .await
            .map_err(|e| ConnectorError::from_transport(system, e))?;
        Ok(Exchange {
            status,
            headers,
            body,
        })
    }
    .await;
    let elapsed = started.elapsed();
    metrics::record_request(
        system,
        endpoint,
        answer.as_ref().ok().map(|a| a.status),
        elapsed,
    );
    tracing::debug!(
        endpoint = endpoint.as_str(),
        status = answer.as_ref().ok().map(|a| a.status),
        elapsed_ms = elapsed.as_millis() as u64,
        "{system} answered"
    );
    answer
}

/// Decodes a JSON success body; a body that does not match is the remote breaking the
/// protocol, which a retry will not fix, so it is a configuration-class error with the reason.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    system: System,
    body: &str,
) -> Result<T, ConnectorError> {
    serde_json::from_str(body).map_err(|e| {
        ConnectorError::config(system, format!("unexpected response from {system}: {e}"))
    })
}

/// Characters escaped in a URL path segment: everything except RFC 3986 unreserved ones, so a
/// value such as an external id holding `/` or `?` stays one segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment taken from data.
pub(crate) fn segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// Decodes a token response without quoting any of it: serde's message can include a value,
/// and here a value may be a token.
pub(crate) fn decode_token<T: serde::de::DeserializeOwned>(
    system: System,
    body: &str,
) -> Result<T, ConnectorError> {
    serde_json::from_str(body).map_err(|e| {
        ConnectorError::config(
            system,
            format!(
                "unexpected token response from {system} ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
        )
    })
}
