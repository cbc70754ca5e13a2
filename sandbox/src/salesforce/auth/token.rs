//! `POST /services/oauth2/token` (JWT bearer and refresh-token grants) and
//! `POST /services/oauth2/revoke`. Errors are `{error, error_description}` with 400, and
//! responses carry no `expires_in` (PROTOCOLS.md A2).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::jwt::{self, JwtRules};
use crate::salesforce::SalesforceState;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An OAuth error of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn invalid_grant(description: &str) -> Self {
        Self {
            error: "invalid_grant",
            description: description.to_owned(),
        }
    }

    /// The assertion is malformed, badly signed, or its `exp` is out of bounds.
    pub fn invalid_assertion() -> Self {
        Self::invalid_grant("invalid assertion")
    }

    /// `iss` / `client_id` names no connected app.
    pub fn invalid_client_id() -> Self {
        Self {
            error: "invalid_client_id",
            description: "client identifier invalid".into(),
        }
    }

    /// Wrong or missing client secret.
    pub fn invalid_client() -> Self {
        Self {
            error: "invalid_client",
            description: "invalid client credentials".into(),
        }
    }

    fn unsupported_grant_type() -> Self {
        Self {
            error: "unsupported_grant_type",
            description: "grant type not supported".into(),
        }
    }

    fn invalid_request(description: &str) -> Self {
        Self {
            error: "invalid_request",
            description: description.to_owned(),
        }
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::BadRequest()
            .insert_header((
                header::CACHE_CONTROL,
                "no-cache,must-revalidate,max-age=0,no-store,private",
            ))
            .json(json!({"error": self.error, "error_description": self.description}))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/services/oauth2/token").route(web::post().to(token)))
        .service(web::resource("/services/oauth2/revoke").route(web::post().to(revoke)));
}

fn form(body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::invalid_request("request body is not form-encoded"))
}

async fn token(
    state: web::Data<SalesforceState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let mut params = form(&body)?;
    // Query parameters are accepted too, as Salesforce does.
    if let Ok(query) = serde_urlencoded::from_str::<HashMap<String, String>>(req.query_string()) {
        for (k, v) in query {
            params.entry(k).or_insert(v);
        }
    }
    let grant = params
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    let reply = match grant {
        JWT_BEARER => jwt_bearer(&state, &params)?,
        "refresh_token" => refresh(&state, &req, &params)?,
        _ => return Err(OAuthError::unsupported_grant_type()),
    };
    Ok(match params.get("format").map(String::as_str) {
        Some("urlencoded") => {
            let pairs: Vec<(String, String)> = reply
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            HttpResponse::Ok()
                .content_type("application/x-www-form-urlencoded")
                .body(serde_urlencoded::to_string(pairs).unwrap_or_default())
        }
        _ => HttpResponse::Ok().json(reply),
    })
}

fn jwt_bearer(
    state: &SalesforceState,
    params: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let assertion = params
        .get("assertion")
        .filter(|a| !a.is_empty())
        .ok_or_else(OAuthError::invalid_assertion)?;
    let settings = state.settings();
    let mut audiences = settings.allowed_audiences.clone();
    audiences.push(state.base_url().to_owned());
    let mut org = state.lock();
    let verified = jwt::verify(
        assertion,
        &org.auth,
        &JwtRules {
            allowed_audiences: &audiences,
            max_exp_secs: settings.jwt_max_exp_secs,
            now: Utc::now().timestamp(),
        },
    )?;
    let user_id = org
        .data
        .users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(&verified.username))
        .map(|u| u.id.clone())
        .ok_or_else(|| OAuthError::invalid_grant("user hasn't approved this consumer"))?;
    let access_token = org
        .auth
        .issue_session(state.org_id(), &user_id, &verified.consumer_key);
    Ok(token_body(state, &access_token, &user_id, None))
}

fn refresh(
    state: &SalesforceState,
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<Value, OAuthError> {
    let (mut client_id, mut client_secret) = (
        params.get("client_id").cloned(),
        params.get("client_secret").cloned(),
    );
    if let Some((id, secret)) = basic_credentials(req) {
        client_id.get_or_insert(id);
        client_secret.get_or_insert(secret);
    }
    let client_id = client_id.ok_or_else(OAuthError::invalid_client_id)?;
    let refresh_token = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_grant("expired access/refresh token"))?;
    let mut org = state.lock();
    let app = org
        .auth
        .apps
        .get(&client_id)
        .cloned()
        .ok_or_else(OAuthError::invalid_client_id)?;
    match &client_secret {
        Some(secret) if *secret != app.consumer_secret => return Err(OAuthError::invalid_client()),
        None if app.require_secret => return Err(OAuthError::invalid_client()),
        _ => {}
    }
    let grant = org
        .auth
        .refresh_grant(refresh_token)
        .filter(|g| g.consumer_key == client_id)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("expired access/refresh token"))?;
    let access_token = org
        .auth
        .issue_session(state.org_id(), &grant.user_id, &client_id);
    let rotated = app.rotate_refresh_tokens.then(|| {
        org.auth.revoke_refresh_token(refresh_token);
        org.auth.issue_refresh_token(&client_id, &grant.user_id)
    });
    Ok(
        token_body(state, &access_token, &grant.user_id, rotated.as_deref())
            .with_signature(&app.consumer_secret),
    )
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn token_body(
    state: &SalesforceState,
    access_token: &str,
    user_id: &str,
    refresh: Option<&str>,
) -> Value {
    let base = state.base_url();
    let mut body = json!({
        "access_token": access_token,
        "scope": "api id refresh_token",
        "instance_url": base,
        "id": format!("{base}/id/{}/{user_id}", state.org_id()),
        "token_type": "Bearer",
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    body
}

/// The refresh-token response adds `issued_at` and `signature` (HMAC-SHA256 of id + issued_at
/// keyed with the client secret, base64), which clients may verify.
trait WithSignature {
    fn with_signature(self, secret: &str) -> Value;
}

impl WithSignature for Value {
    fn with_signature(mut self, secret: &str) -> Value {
        let issued_at = Utc::now().timestamp_millis().to_string();
        let id = self
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
            mac.update(id.as_bytes());
            mac.update(issued_at.as_bytes());
            self["signature"] = json!(STANDARD.encode(mac.finalize().into_bytes()));
        }
        self["issued_at"] = json!(issued_at);
        self
    }
}

/// `POST /services/oauth2/revoke` with `token=…`: 200 when revoked, 400 otherwise.
async fn revoke(
    state: web::Data<SalesforceState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, OAuthError> {
    let mut params = form(&body)?;
    if let Ok(query) = serde_urlencoded::from_str::<HashMap<String, String>>(req.query_string()) {
        params.extend(query);
    }
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token parameter is missing"))?;
    if state.lock().auth.revoke(token) {
        Ok(HttpResponse::Ok().finish())
    } else {
        Err(OAuthError {
            error: "unsupported_token_type",
            description: "this token type is not supported".into(),
        })
    }
}
