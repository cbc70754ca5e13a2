//! `GET system/v1/governanceLimits` (PROTOCOLS B7): the account's concurrency limit, to size
//! the concurrency gate at start-up. Administrator-only in NetSuite.

use reqwest::Method;
use serde::Deserialize;

use super::client::{Call, NetsuiteClient};
use crate::error::{ConnectorError, System};
use crate::http;
use crate::metrics::Endpoint;

/// The account's concurrency limits (field names UNCONFIRMED for REST, so all optional).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GovernanceLimits {
    pub account_concurrency_limit: Option<u32>,
    pub account_unallocated_concurrency_limit: Option<u32>,
    /// E.g. `accountLimit`, `integrationSpecific`.
    pub limit_type: Option<String>,
}

impl NetsuiteClient {
    pub async fn governance_limits(&self) -> Result<GovernanceLimits, ConnectorError> {
        let call = Call::new(
            Endpoint::Governance,
            Method::GET,
            "system/v1/governanceLimits".to_string(),
        );
        let answer = self.send(&call).await?;
        http::decode(System::Netsuite, &answer.body)
    }
}
