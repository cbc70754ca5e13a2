//! The JSON API under `/api/v1`, authenticated by bearer API tokens.

mod auth;
pub mod connections;
pub mod dashboard;
pub mod flow_settings;
pub mod flows;
pub mod integrations;
pub mod me;

pub use auth::ApiAccess;
