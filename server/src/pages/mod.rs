//! HTML pages, one module per area. Handlers are thin: extract, parse, call one
//! domain function, render or redirect.

pub mod api_tokens;
pub mod audit;
pub mod auth;
mod chart;
pub mod connections;
mod dash_views;
pub mod dashboard;
mod error_list_head;
pub mod flow_settings;
pub mod flows;
pub mod home;
pub mod integrations;
pub mod invitations;
pub mod support;
pub mod users;
mod views;
pub mod workspaces;

use actix_web::HttpResponse;
use actix_web::http::header;

/// A plain 303 redirect after a successful POST.
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// Only same-site paths are followed after log-in, never another host.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/settings/users")), "/settings/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
