//! Installed integration apps: installing one, and the read models behind the
//! home page tiles and the integration pages.

mod catalog;
pub mod general;
mod install;
mod views;

pub use catalog::{AppTemplate, FlowTemplate, SALESFORCE_NETSUITE, TriggerKind};
pub(crate) use install::install_salesforce_netsuite;
pub use views::{
    ConnectionState, FlowRow, IntegrationDetail, IntegrationTile, SystemKind, get_integration,
    integration_tiles,
};
