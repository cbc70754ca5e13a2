//! `POST /services/rest/auth/oauth2/v1/token`: client credentials with a JWT assertion.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::auth::m2m::{self, TOKEN_PATH, TokenError};
use super::auth::registry::IssuedToken;
use super::render::request_base;
use super::state::NetsuiteState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(TOKEN_PATH, web::post().to(issue_token));
}

async fn issue_token(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, TokenError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(TokenError::invalid_request(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| TokenError::invalid_request(format!("the form body is malformed: {e}")))?;
    let assertion = m2m::assertion_from_form(&form)?;

    let settings = state.settings();
    let token_urls = vec![
        format!("{}{TOKEN_PATH}", request_base(&req)),
        format!("{}{TOKEN_PATH}", state.base_url()),
        format!(
            "https://{}.suitetalk.api.netsuite.com{TOKEN_PATH}",
            settings.host_label()
        ),
    ];
    let now = Utc::now();
    let client = m2m::verify_assertion(assertion, &state.auth(), &token_urls, now.timestamp())?;

    let lifetime = i64::try_from(settings.token_lifetime_secs).unwrap_or(3600);
    let expires_at = now + Duration::seconds(lifetime);
    let claims = json!({
        "iss": format!("https://{}.suitetalk.api.netsuite.com", settings.host_label()),
        "sub": client.client_id,
        "aud": settings.account_id,
        "kid": client.certificate_id,
        "scope": [m2m::REST_SCOPE],
        "iat": now.timestamp(),
        "exp": expires_at.timestamp(),
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let token = jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(state.token_secret()),
    )
    .map_err(|e| TokenError::invalid_grant(format!("could not issue a token: {e}")))?;
    state.auth().issue(
        token.clone(),
        IssuedToken {
            client_id: client.client_id,
            certificate_id: client.certificate_id,
            expires_at,
            revoked: false,
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "access_token": token,
            "expires_in": lifetime.to_string(),
            "token_type": "Bearer",
        })))
}
