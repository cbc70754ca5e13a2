//! Black-box tests of the whole app: each test spawns the real server on port
//! 0 against a fresh database (PostgreSQL when `FERRY_TEST_DATABASE_URL` is
//! set, else a throw-away SQLite file) and talks to it over HTTP.
// Test code: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod dash_fixture;
mod helpers;
mod injection_corpus;
mod log_capture;
mod route_fixture;
mod sync_fixture;

mod api_tokens;
mod auth;
mod connections;
mod csrf;
mod csrf_sweep;
mod dashboard;
mod dashboard_sync;
mod digest;
mod error_indexes;
mod flow_settings;
mod flows;
mod health;
mod housekeeping;
mod injection_search;
mod injection_sync;
mod invitations;
mod json_logs;
mod link_indexes;
mod metrics;
mod openapi;
mod roles;
mod route_sweep;
mod secrets_absent;
mod support_dashboard;
mod sync_rules;
mod tcp_nodelay;
mod timeline_indexes;
mod worker_processes;
mod workspaces;
mod xss_pages;
