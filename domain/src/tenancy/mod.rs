//! Tenancy: who acts, for which tenant, with which role.
//!
//! A [`Tenant`] value can only be obtained from a verified credential (a session
//! whose user is a member, an API token, later a listener token), so any
//! function that takes one is scoped to that tenant by construction.

mod access;
mod role;

pub use access::{Actor, ActorKind, SupportAccess, Tenant, TenantAccess, TenantSummary};
pub use access::{access_for_user, support_access, tenants_of_user};
pub(crate) use role::stored_role;
pub use role::{Role, UnknownRole};
