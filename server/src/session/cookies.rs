//! Cookie names and builders, so every cookie gets the same safe attributes.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time};

use crate::state::AppState;

pub(crate) const SESSION: &str = "ferry_session";
/// Anchors CSRF tokens for visitors who are not logged in (login, sign-up).
pub(crate) const ANON: &str = "ferry_anon";
pub(crate) const FLASH: &str = "ferry_flash";

/// Secure when the request came over https, or when configured to insist.
pub(crate) fn is_secure(req: &HttpRequest, state: &AppState) -> bool {
    state.settings.force_secure_cookies || req.connection_info().scheme() == "https"
}

pub(crate) fn build(
    name: &'static str,
    value: String,
    secure: bool,
    max_age: Option<time::Duration>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    if let Some(age) = max_age {
        cookie.set_max_age(age);
    }
    cookie
}

pub(crate) fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = build(name, String::new(), secure, None);
    cookie.make_removal();
    cookie
}

/// The session cookie carrying `token`, expiring with it.
pub fn session_cookie(req: &HttpRequest, state: &AppState, token: String) -> Cookie<'static> {
    let seconds = state.settings.session_ttl.num_seconds();
    build(
        SESSION,
        token,
        is_secure(req, state),
        Some(time::Duration::seconds(seconds)),
    )
}

/// A cookie that deletes the session (log-out).
pub fn clear_session_cookie(req: &HttpRequest, state: &AppState) -> Cookie<'static> {
    removal(SESSION, is_secure(req, state))
}
