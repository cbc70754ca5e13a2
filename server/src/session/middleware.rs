//! The browser-session middleware: gives every request its CSRF token, checks
//! the token on every state-changing request, and clears shown flash messages.
//! It runs for all routes, so a new form cannot forget the check.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use rand::RngCore;

use super::cookies::{self, ANON, FLASH, SESSION};
use super::csrf::{self, CsrfToken};
use super::jwt::SessionClaims;
use crate::error::PageError;
use crate::state::AppState;

/// Largest form body read for the CSRF check; larger ones are refused (413).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Paths whose POSTs do not come from Ferry's own pages: the JSON API
/// authenticates with bearer tokens (no cookies, so no CSRF), and listeners
/// with their own per-flow tokens.
fn exempt(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/listeners/")
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn new_anon_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn web_session(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let session = req
        .cookie(SESSION)
        .and_then(|c| SessionClaims::verify(c.value(), &state.session_key));
    let anon = req
        .cookie(ANON)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    let (anchor, new_anon) = match (&session, anon) {
        (Some(claims), _) => (claims.sid.clone(), None),
        (None, Some(anon)) => (anon, None),
        (None, None) => {
            let id = new_anon_id();
            (id.clone(), Some(id))
        }
    };
    let expected = csrf::token_for(&state.session_key, &anchor);
    req.extensions_mut().insert(CsrfToken(expected.clone()));

    if is_unsafe(req.method()) && !exempt(req.path()) {
        let presented = match presented_token(&mut req).await {
            Ok(token) => token,
            Err(response) => return Ok(req.into_response(response)),
        };
        if !csrf::matches(&expected, presented.as_deref().unwrap_or("")) {
            // The request's span names the route; the raw path may hold an invitation token.
            tracing::warn!("CSRF check failed");
            return Ok(req.into_response(PageError::Csrf.error_response()));
        }
    }

    let had_flash = req.cookie(FLASH).is_some();
    let secure = cookies::is_secure(req.request(), &state);
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(id) = new_anon {
        res.response_mut()
            .add_cookie(&cookies::build(ANON, id, secure, None))
            .map_err(actix_web::error::ErrorInternalServerError)?;
    }
    // A flash is consumed by the page that shows it; redirects pass it on.
    if had_flash && res.status().is_success() {
        res.response_mut()
            .add_cookie(&cookies::removal(FLASH, secure))
            .map_err(actix_web::error::ErrorInternalServerError)?;
    }
    Ok(res)
}

/// The token from the `X-CSRF-Token` header (htmx), else from the form body,
/// which is read and put back for the handler.
async fn presented_token(
    req: &mut ServiceRequest,
) -> Result<Option<String>, actix_web::HttpResponse> {
    if let Some(value) = req.headers().get(csrf::HEADER) {
        return Ok(value.to_str().ok().map(str::to_owned));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok(None);
    }
    let body = req
        .extract::<web::Bytes>()
        .await
        .map_err(|e| e.error_response())?;
    if body.len() > MAX_FORM_BYTES {
        return Err(actix_web::HttpResponse::PayloadTooLarge().body("Form too large."));
    }
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == csrf::FIELD)
                .map(|(_, v)| v)
        });
    req.set_payload(Payload::from(body));
    Ok(token)
}
