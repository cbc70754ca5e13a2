//! Tunable behaviour of the Salesforce simulator. Where PROTOCOLS.md marks a fact UNCONFIRMED,
//! the documented default is used and the value can be changed here (or via
//! `PUT /__sandbox/settings`).

use serde::{Deserialize, Serialize};

/// Settings of the Salesforce simulator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SalesforceSettings {
    /// API version used in URLs the simulator makes up itself (outbound messages, pages).
    pub api_version: String,
    /// Lifetime of an access token, counted from issue (UNCONFIRMED: 2 hours usual).
    pub session_timeout_secs: u64,
    /// Daily API request allowance; calls beyond it get 403 `REQUEST_LIMIT_EXCEEDED`.
    pub daily_api_limit: u64,
    /// Default query batch size.
    pub query_batch_size: usize,
    /// Bounds for `Sforce-Query-Options: batchSize=N` (UNCONFIRMED: 200–2000); out-of-range
    /// values are clamped.
    pub query_batch_size_min: usize,
    pub query_batch_size_max: usize,
    /// Open query cursors kept before the oldest is dropped (`INVALID_QUERY_LOCATOR` then).
    pub max_query_cursors: usize,
    /// `NetSuite_Id__c` uniqueness; off reproduces upsert's 300 Multiple Choices.
    pub unique_external_id: bool,
    /// Whether external-id matching respects case (UNCONFIRMED: case-insensitive).
    pub external_id_case_sensitive: bool,
    /// HTTP status of `ENTITY_IS_DELETED` (UNCONFIRMED: 404, possibly 400).
    pub entity_is_deleted_status: u16,
    /// API version from which upsert answers 200/201 with `created` (UNCONFIRMED: 46.0;
    /// before it an update answers 204).
    pub upsert_created_flag_since: f64,
    /// Key of the error code inside sObject Collections results (UNCONFIRMED: `statusCode`).
    pub collection_error_key: String,
    /// JWT `aud` values accepted besides the simulator's own base URL.
    pub allowed_audiences: Vec<String>,
    /// How far in the future a JWT `exp` may be.
    pub jwt_max_exp_secs: i64,
    /// sObject Collections record limit.
    pub collections_max_records: usize,
    /// Composite subrequest limit (UNCONFIRMED: 25).
    pub composite_max_subrequests: usize,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    pub outbound: OutboundSettings,
}

impl Default for SalesforceSettings {
    fn default() -> Self {
        Self {
            api_version: "67.0".into(),
            session_timeout_secs: 2 * 60 * 60,
            daily_api_limit: 100_000,
            query_batch_size: 2000,
            query_batch_size_min: 200,
            query_batch_size_max: 2000,
            max_query_cursors: 1000,
            unique_external_id: true,
            external_id_case_sensitive: false,
            entity_is_deleted_status: 404,
            upsert_created_flag_since: 46.0,
            collection_error_key: "statusCode".into(),
            allowed_audiences: vec![
                "https://login.salesforce.com".into(),
                "https://test.salesforce.com".into(),
            ],
            jwt_max_exp_secs: 180,
            collections_max_records: 200,
            composite_max_subrequests: 25,
            max_body_bytes: 8 * 1024 * 1024,
            outbound: OutboundSettings::default(),
        }
    }
}

/// Delivery of outbound messages (UNCONFIRMED schedule: retries for 24 hours, back-off growing
/// to about 2 hours).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundSettings {
    /// Delay before the first redelivery; doubles per failed attempt.
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// A notification still failing after this long is dropped (and logged).
    pub give_up_after_secs: u64,
    /// Notifications per SOAP message (Salesforce: at most 100).
    pub max_batch: usize,
    /// Probability that an acknowledged message is delivered once more (duplicate on purpose).
    pub duplicate_rate: f64,
    /// Every acknowledged message is delivered this many more times (fault drills: 2 means
    /// each notification arrives three times).
    pub extra_deliveries: u32,
    /// Deliver pending notifications in a shuffled order instead of queue order (re-sends
    /// too, mixed in among new messages).
    pub reorder: bool,
    /// Per-attempt HTTP timeout.
    pub delivery_timeout_ms: u64,
    /// Accept self-signed listener certificates (local listeners usually have one).
    pub accept_invalid_certs: bool,
    /// Attempts kept in the delivery log.
    pub log_capacity: usize,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        Self {
            initial_backoff_ms: 15_000,
            max_backoff_ms: 2 * 60 * 60 * 1000,
            give_up_after_secs: 24 * 60 * 60,
            max_batch: 100,
            duplicate_rate: 0.0,
            extra_deliveries: 0,
            reorder: false,
            delivery_timeout_ms: 10_000,
            accept_invalid_certs: true,
            log_capacity: 1000,
        }
    }
}

impl SalesforceSettings {
    /// Rejects settings the simulator cannot honour.
    pub fn validate(&self) -> Result<(), String> {
        let version_ok = self.api_version.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        });
        if !version_ok {
            return Err("api_version must look like 67.0".into());
        }
        if self.query_batch_size_min == 0 || self.query_batch_size_min > self.query_batch_size_max {
            return Err("query batch size bounds are invalid".into());
        }
        if self.query_batch_size == 0 {
            return Err("query_batch_size must be positive".into());
        }
        if self.outbound.extra_deliveries > 10 {
            return Err("outbound.extra_deliveries must be at most 10".into());
        }
        if !(0.0..=1.0).contains(&self.outbound.duplicate_rate) {
            return Err("outbound.duplicate_rate must be between 0 and 1".into());
        }
        if self.outbound.max_batch == 0 || self.outbound.max_batch > 100 {
            return Err("outbound.max_batch must be between 1 and 100".into());
        }
        if actix_web::http::StatusCode::from_u16(self.entity_is_deleted_status).is_err() {
            return Err("entity_is_deleted_status must be an HTTP status".into());
        }
        if self.collection_error_key.is_empty() {
            return Err("collection_error_key must not be empty".into());
        }
        if self.collections_max_records == 0 || self.composite_max_subrequests == 0 {
            return Err("collection and composite limits must be positive".into());
        }
        Ok(())
    }
}
