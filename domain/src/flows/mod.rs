//! Flows as data: a [`definition::FlowDefinition`] per flow, the tenant's
//! [`settings::FlowSettings`] (criteria, lookup, mappings), and the pure [`decide::decide`]
//! that says what one record's sync should do. Running flows is `crate::sync`.

pub mod criteria;
pub mod decide;
#[cfg(test)]
mod decide_tests;
pub mod definition;
pub mod describe;
pub mod fields;
pub mod form;
pub mod lookup;
pub mod manage;
pub mod mapping;
pub mod overview;
pub mod preview;
#[cfg(test)]
mod query_shape_tests;
pub mod record;
pub mod save;
pub mod settings;
pub mod soql;

pub use decide::{DecideInput, Decision, Failure, FoundBy, LinkState, Skip, decide};
pub use definition::{ACCOUNT, CONTACT, FlowDefinition, definition};
pub use record::SourceRecord;
pub use settings::FlowSettings;
