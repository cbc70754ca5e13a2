//! sea-orm entities: plain storage rows, one file per table.

pub mod api_token;
pub mod audit_entry;
pub mod backfill;
pub mod connection;
pub mod error_digest;
pub mod error_digest_signature;
pub mod flow;
pub mod flow_run;
pub mod inbox_message;
pub mod integration;
pub mod invitation;
pub mod membership;
pub mod record_link;
pub mod sync_error;
pub mod sync_event;
pub mod sync_outcome;
pub mod tenant;
pub mod user;
