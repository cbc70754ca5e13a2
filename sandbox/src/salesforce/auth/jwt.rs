//! The JWT bearer assertion checks of PROTOCOLS.md A2.1: RS256 signature against the connected
//! app's certificate, `iss` a known consumer key, `aud` an allowed login host, `exp` not past and
//! at most three minutes ahead, `sub` (or `prn`, which wins) a pre-authorized user.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::AuthRegistry;
use super::token::OAuthError;

/// The claims Salesforce reads, before any of them is trusted.
#[derive(Debug, Deserialize)]
struct RawClaims {
    iss: Option<String>,
    sub: Option<String>,
    prn: Option<String>,
    aud: Option<Value>,
    exp: Option<Value>,
}

/// A verified assertion: which app asks, for which username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub consumer_key: String,
    pub username: String,
}

/// Rules the checks apply.
pub struct JwtRules<'a> {
    pub allowed_audiences: &'a [String],
    pub max_exp_secs: i64,
    pub now: i64,
}

/// Checks an assertion against the registered apps.
pub fn verify(
    assertion: &str,
    registry: &AuthRegistry,
    rules: &JwtRules<'_>,
) -> Result<VerifiedAssertion, OAuthError> {
    let header =
        jsonwebtoken::decode_header(assertion).map_err(|_| OAuthError::invalid_assertion())?;
    let claims = unverified_claims(assertion)?;
    let consumer_key = claims.iss.clone().unwrap_or_default();
    let app = registry
        .apps
        .get(&consumer_key)
        .ok_or_else(OAuthError::invalid_client_id)?;
    // Salesforce accepts RS256 only, whatever the key could verify.
    if header.alg != Algorithm::RS256 {
        return Err(OAuthError::invalid_assertion());
    }
    let key = app
        .verifying_key
        .as_ref()
        .ok_or_else(OAuthError::invalid_assertion)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.validate_nbf = false;
    validation.required_spec_claims = HashSet::new();
    jsonwebtoken::decode::<Value>(assertion, &key.key, &validation)
        .map_err(|_| OAuthError::invalid_assertion())?;

    let audiences: Vec<String> = match &claims.aud {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let audience_ok = audiences.iter().any(|aud| {
        rules
            .allowed_audiences
            .iter()
            .any(|allowed| allowed.trim_end_matches('/') == aud.trim_end_matches('/'))
    });
    if !audience_ok {
        return Err(OAuthError::invalid_grant("audience is invalid"));
    }

    let exp = claims
        .exp
        .as_ref()
        .and_then(Value::as_f64)
        .ok_or_else(OAuthError::invalid_assertion)?;
    // Fractional seconds are allowed on the wire; compare at second resolution.
    let exp = exp.floor() as i64;
    if exp < rules.now {
        return Err(OAuthError::invalid_grant("expired authorization code"));
    }
    if exp - rules.now > rules.max_exp_secs {
        return Err(OAuthError::invalid_assertion());
    }

    let username = claims
        .prn
        .or(claims.sub)
        .ok_or_else(OAuthError::invalid_assertion)?;
    if !app.authorized_usernames.contains(&username.to_lowercase()) {
        return Err(OAuthError::invalid_grant(
            "user hasn't approved this consumer",
        ));
    }
    Ok(VerifiedAssertion {
        consumer_key,
        username,
    })
}

fn unverified_claims(assertion: &str) -> Result<RawClaims, OAuthError> {
    let payload = assertion
        .split('.')
        .nth(1)
        .ok_or_else(OAuthError::invalid_assertion)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| OAuthError::invalid_assertion())?;
    serde_json::from_slice(&bytes).map_err(|_| OAuthError::invalid_assertion())
}
