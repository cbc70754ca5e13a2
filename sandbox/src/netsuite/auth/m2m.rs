//! OAuth 2.0 client credentials with a JWT client assertion (PROTOCOLS.md B2.1), and the one
//! error type of the token endpoint: `400 {"error", "error_description"}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

use super::registry::AuthRegistry;
use crate::keys::KeyFamily;

pub const GRANT_TYPE: &str = "client_credentials";
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
/// The scope a token must carry to call REST web services.
pub const REST_SCOPE: &str = "rest_webservices";
/// NetSuite allows an assertion to live at most 60 minutes.
const MAX_ASSERTION_LIFETIME_SECS: i64 = 3600;
/// Clock skew tolerated for an `iat` in the future.
const IAT_SKEW_SECS: i64 = 300;

/// OAuth error codes of the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenErrorCode {
    /// The request is malformed: wrong content type, missing or unknown parameters.
    InvalidRequest,
    /// The assertion is unusable: bad signature, unknown `kid`, wrong `iss`/`aud`, expired,
    /// too long-lived, or without the `rest_webservices` scope.
    InvalidGrant,
    /// A grant type other than `client_credentials`.
    UnsupportedGrantType,
}

impl TokenErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// An error of the token endpoint.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {description}", code.as_str())]
pub struct TokenError {
    pub code: TokenErrorCode,
    pub description: String,
}

impl TokenError {
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            code: TokenErrorCode::InvalidRequest,
            description: description.into(),
        }
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self {
            code: TokenErrorCode::InvalidGrant,
            description: description.into(),
        }
    }
}

impl ResponseError for TokenError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        tracing::info!(error = %self, "NetSuite simulator refused a token request");
        HttpResponse::BadRequest()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"error": self.code.as_str(), "error_description": self.description}))
    }
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    aud: Option<Value>,
    iat: Option<i64>,
    exp: Option<i64>,
    scope: Option<Value>,
}

/// Whom a valid assertion authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertedClient {
    pub client_id: String,
    pub certificate_id: String,
}

/// Checks the form parameters of a token request and returns the client assertion.
pub fn assertion_from_form(form: &[(String, String)]) -> Result<&str, TokenError> {
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match get("grant_type") {
        None => return Err(TokenError::invalid_request("grant_type is missing")),
        Some(GRANT_TYPE) => {}
        Some(other) => {
            return Err(TokenError {
                code: TokenErrorCode::UnsupportedGrantType,
                description: format!("grant_type {other} is not supported"),
            });
        }
    }
    match get("client_assertion_type") {
        Some(ASSERTION_TYPE) => {}
        Some(other) => {
            return Err(TokenError::invalid_request(format!(
                "client_assertion_type must be {ASSERTION_TYPE}, not {other}"
            )));
        }
        None => {
            return Err(TokenError::invalid_request(
                "client_assertion_type is missing",
            ));
        }
    }
    match get("client_assertion") {
        Some(a) if !a.is_empty() => Ok(a),
        _ => Err(TokenError::invalid_request("client_assertion is missing")),
    }
}

/// Verifies a client assertion: `kid` selects the registered certificate, PS256/384/512 or
/// ES256/384 signatures only, `iss` = the certificate's client id, `aud` = one of
/// `token_urls`, `exp - iat` ≤ 3600 and not expired, scope containing `rest_webservices`.
pub fn verify_assertion(
    assertion: &str,
    registry: &AuthRegistry,
    token_urls: &[String],
    now: i64,
) -> Result<AssertedClient, TokenError> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|e| {
        TokenError::invalid_grant(format!("the client assertion is not a JWT: {e}"))
    })?;
    let family = match header.alg {
        Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => KeyFamily::Rsa,
        Algorithm::ES256 | Algorithm::ES384 => KeyFamily::Ec,
        other => {
            return Err(TokenError::invalid_grant(format!(
                "signature algorithm {other:?} is not accepted; use PS256 or ES256"
            )));
        }
    };
    let kid = header
        .kid
        .filter(|k| !k.is_empty())
        .ok_or_else(|| TokenError::invalid_grant("the assertion header has no kid"))?;
    let client = registry.m2m_client(&kid).ok_or_else(|| {
        TokenError::invalid_grant(format!("no certificate is registered under kid {kid}"))
    })?;
    if client.key.family != family {
        return Err(TokenError::invalid_grant(format!(
            "the certificate {kid} cannot verify {:?} signatures",
            header.alg
        )));
    }
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &client.key.key, &validation)
        .map_err(|e| TokenError::invalid_grant(format!("the assertion signature is invalid: {e}")))?
        .claims;

    if claims.iss.as_deref() != Some(client.client_id.as_str()) {
        return Err(TokenError::invalid_grant(
            "iss is not the client id mapped to this certificate",
        ));
    }
    let audience_ok = match &claims.aud {
        Some(Value::String(aud)) => token_urls.iter().any(|u| u == aud),
        Some(Value::Array(auds)) => auds.iter().any(|a| {
            a.as_str()
                .is_some_and(|aud| token_urls.iter().any(|u| u == aud))
        }),
        _ => false,
    };
    if !audience_ok {
        return Err(TokenError::invalid_grant(
            "aud must be the token endpoint URL",
        ));
    }
    let (Some(iat), Some(exp)) = (claims.iat, claims.exp) else {
        return Err(TokenError::invalid_grant("iat and exp are required"));
    };
    if exp <= iat || exp - iat > MAX_ASSERTION_LIFETIME_SECS {
        return Err(TokenError::invalid_grant(
            "exp must be after iat and at most 3600 seconds later",
        ));
    }
    if exp <= now {
        return Err(TokenError::invalid_grant("the assertion has expired"));
    }
    if iat > now + IAT_SKEW_SECS {
        return Err(TokenError::invalid_grant("iat is in the future"));
    }
    if !scopes(claims.scope.as_ref())
        .iter()
        .any(|s| s == REST_SCOPE)
    {
        return Err(TokenError::invalid_grant(
            "scope must include rest_webservices",
        ));
    }
    Ok(AssertedClient {
        client_id: client.client_id.clone(),
        certificate_id: kid,
    })
}

/// `scope` as a JSON array or a comma-separated string (both appear in Oracle's material).
fn scopes(scope: Option<&Value>) -> Vec<String> {
    match scope {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_string())
            .collect(),
        Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_as_arrays_or_comma_lists_but_not_space_lists() {
        assert_eq!(
            scopes(Some(&json!(["restlets", "rest_webservices"]))).len(),
            2
        );
        assert!(
            scopes(Some(&json!("restlets, rest_webservices"))).contains(&REST_SCOPE.to_string())
        );
        assert!(
            !scopes(Some(&json!("restlets rest_webservices"))).contains(&REST_SCOPE.to_string())
        );
    }

    #[test]
    fn form_errors_name_the_problem() {
        let form = vec![("grant_type".to_string(), "password".to_string())];
        assert_eq!(
            assertion_from_form(&form).unwrap_err().code,
            TokenErrorCode::UnsupportedGrantType
        );
        let form = vec![("grant_type".to_string(), GRANT_TYPE.to_string())];
        assert_eq!(
            assertion_from_form(&form).unwrap_err().code,
            TokenErrorCode::InvalidRequest
        );
    }
}
