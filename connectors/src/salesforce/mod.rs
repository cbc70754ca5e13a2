//! The Salesforce REST client (PROTOCOLS.md Part A).

mod auth;
mod client;
mod collections;
mod config;
mod describe;
mod errors;
mod limits;
mod query;
mod sobjects;

pub use client::SalesforceClient;
pub use collections::{MAX_COLLECTION_RECORDS, RecordError, RecordResult, RecordUpdate};
pub use config::{DEFAULT_API_VERSION, DEFAULT_TIMEOUT, SalesforceConfig, SalesforceCredentials};
pub use describe::{FieldDescribe, PicklistValue, SObjectDescribe};
pub use limits::{LimitInfo, Usage};
pub use query::{QueryOptions, QueryPage};
pub use sobjects::UpsertOutcome;
