//! Ferry's domain: tenancy, accounts, integrations and (later) the flow engine.
//! Every tenant-owned query takes a [`tenancy::Tenant`] or
//! [`tenancy::TenantAccess`], which only a verified credential can produce.

pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod connections;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod flows;
pub mod governor;
pub mod ids;
pub mod inbox;
pub mod integrations;
pub mod invitations;
pub mod members;
mod secret_tokens;
pub mod support;
pub mod sync;
pub mod tenancy;

pub use error::{DomainError, DomainResult, FieldError, FieldErrors};
