//! Typed ids: one newtype per table so a `TenantId` can never be passed where a
//! `UserId` is meant. All are UUIDs (v7, so they sort by creation time) and are
//! what URLs show.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    )*};
}

typed_id! {
    /// A customer company using Ferry.
    TenantId;
    /// A person who can log in.
    UserId;
    /// A user's role in one tenant.
    MembershipId;
    /// A pending or accepted invitation to a tenant.
    InvitationId;
    /// A bearer token for the JSON API.
    ApiTokenId;
    /// An installed integration app (a tile on the home page).
    IntegrationId;
    /// A tenant's Salesforce or NetSuite connection.
    ConnectionId;
    /// One flow of an integration.
    FlowId;
}
