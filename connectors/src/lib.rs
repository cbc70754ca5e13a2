//! Ferry's clients for Salesforce and NetSuite, written from `PROTOCOLS.md` so they can talk
//! to the real systems, and proven against the in-process sandbox.
//!
//! - [`salesforce::SalesforceClient`]: JWT bearer or refresh-token flow, SOQL with paging,
//!   sObject get/create/update/delete/upsert, Collections update, describe, `Sforce-Limit-Info`.
//! - [`netsuite::NetsuiteClient`]: client credentials with a PS256/ES256 assertion or TBA,
//!   record create/get/patch/upsert/delete, SuiteQL with paging, governance limits, behind a
//!   [`netsuite::ConcurrencyGate`].
//! - [`escape`]: the only way to put data into a SOQL or SuiteQL string literal.
//!
//! A client is built once per connection from its configuration (endpoints, timeout) and
//! credentials (held in `secrecy` types, never shown by `Debug` or logged), and cloned into
//! every task: clones share the token cache and, for NetSuite, the gate. Every failure is one
//! [`ConnectorError`] that keeps the remote status, code and message and says, through
//! [`ErrorKind`], whether to retry, back off, or ask a person.

pub mod error;
pub mod escape;
mod http;
pub mod metrics;
pub mod netsuite;
pub mod salesforce;

pub use error::{ConnectorError, ErrorKind, System};
pub use metrics::Endpoint;
