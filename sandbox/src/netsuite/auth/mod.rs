//! Authentication of REST calls: `Authorization: Bearer <M2M access token>` or
//! `Authorization: OAuth …` (TBA). Every failure is the documented 401 INVALID_LOGIN with a
//! `WWW-Authenticate` header; the reason goes to the log only, as NetSuite keeps it for its
//! Login Audit Trail.

pub mod m2m;
pub mod percent;
pub mod registry;
pub mod tba;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use chrono::Utc;

use super::error::NsError;
use super::state::NetsuiteState;

/// The `WWW-Authenticate` value for a 401, in the scheme the client tried.
pub fn www_authenticate_for(headers: &HeaderMap, account_id: &str) -> String {
    let oauth1 = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("oauth "));
    if oauth1 {
        format!(
            "OAuth realm=\"{account_id}\", error=\"token_rejected\", \
             error_description=\"Invalid login attempt.\""
        )
    } else {
        format!(
            "Bearer realm=\"{account_id}\", error=\"invalid_token\", \
             error_description=\"Invalid login attempt.\""
        )
    }
}

/// Middleware over the REST routes that need a caller.
pub async fn require_auth(
    state: web::Data<NetsuiteState>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Err(reason) = authenticate(&state, &req) {
        tracing::info!(
            reason,
            path = req.path(),
            "NetSuite simulator rejected a login"
        );
        let account_id = state.settings().account_id;
        let error = NsError::invalid_login(www_authenticate_for(req.headers(), &account_id));
        return Ok(req.into_response(error.error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Checks the caller's credentials; the error is the reason, for the log.
fn authenticate(state: &NetsuiteState, req: &ServiceRequest) -> Result<(), String> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or("no Authorization header")?
        .to_str()
        .map_err(|_| "Authorization header is not ASCII")?;
    let trimmed = value.trim();
    if let Some(token) = trimmed
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
    {
        return check_bearer(state, token);
    }
    match tba::parse_authorization(trimmed) {
        Some(header) => check_tba(state, req, &header),
        None => Err("Authorization is neither Bearer nor OAuth".into()),
    }
}

fn check_bearer(state: &NetsuiteState, token: &str) -> Result<(), String> {
    let registry = state.auth();
    let issued = registry.access_token(token).ok_or("unknown access token")?;
    if issued.revoked {
        return Err("access token was revoked".into());
    }
    if issued.expires_at <= Utc::now() {
        return Err("access token has expired".into());
    }
    Ok(())
}

fn check_tba(
    state: &NetsuiteState,
    req: &ServiceRequest,
    header: &tba::OAuthHeader,
) -> Result<(), String> {
    let settings = state.settings();
    let normalize = |s: &str| s.to_ascii_uppercase().replace('-', "_");
    match &header.realm {
        Some(realm) if normalize(realm) == normalize(&settings.account_id) => {}
        Some(realm) => return Err(format!("realm {realm} is not this account")),
        None => return Err("realm is missing".into()),
    }
    let param = |name: &str| header.get(name).ok_or_else(|| format!("{name} is missing"));
    let consumer_key = param("oauth_consumer_key")?;
    let token_id = param("oauth_token")?;
    let method = param("oauth_signature_method")?;
    let timestamp = param("oauth_timestamp")?;
    let nonce = param("oauth_nonce")?;
    let signature = param("oauth_signature")?;
    if method != "HMAC-SHA256" {
        return Err(format!(
            "signature method {method} is not accepted; use HMAC-SHA256"
        ));
    }
    if header.get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err("oauth_version must be 1.0".into());
    }
    if nonce.len() < 6 {
        return Err("oauth_nonce is shorter than 6 characters".into());
    }
    let timestamp: i64 = timestamp
        .parse()
        .map_err(|_| "oauth_timestamp is not a number")?;
    let now = Utc::now().timestamp();
    let window = i64::try_from(settings.tba_timestamp_window_secs).unwrap_or(i64::MAX);
    if (now - timestamp).abs() > window {
        return Err("oauth_timestamp is outside the accepted window".into());
    }

    let mut registry = state.auth();
    let consumer_secret = registry
        .consumer_secret(consumer_key)
        .ok_or("unknown consumer key")?
        .to_string();
    let token = registry.tba_token(token_id).ok_or("unknown token id")?;
    if token.revoked {
        return Err("token was revoked".into());
    }
    if token.consumer_key != consumer_key {
        return Err("token belongs to another consumer".into());
    }
    let token_secret = token.token_secret.clone();

    let info = req.connection_info();
    let base_url = tba::base_url(info.scheme(), info.host(), req.uri().path());
    let query = tba::query_pairs(req.query_string());
    let base = tba::base_string(req.method().as_str(), &base_url, &header.params, &query);
    if !tba::verify(&base, &consumer_secret, &token_secret, signature) {
        return Err(format!("signature does not match base string {base}"));
    }
    if !registry.use_nonce(consumer_key, token_id, nonce, timestamp, now, window) {
        return Err("nonce was already used".into());
    }
    Ok(())
}
