//! Behaviour switches of the NetSuite simulator. Where PROTOCOLS.md marks a fact UNCONFIRMED
//! the default is the documented guess and the switch lets a test try the other answer.

use serde::{Deserialize, Serialize};

use super::suiteql::datefmt;

/// Settings of the NetSuite simulator; read at start and changed through
/// `PATCH /__sandbox/settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetsuiteSettings {
    /// The account this base URL serves, e.g. `1234567_SB1` (the TBA `realm` must name it).
    pub account_id: String,
    /// Concurrent requests allowed for the account (service-tier base 5 by default).
    pub concurrency_limit: u32,
    /// Answer requests over the limit with 401 INVALID_LOGIN instead of 429, as some
    /// integrations observe in the field.
    pub quirk_mode: bool,
    /// How long a quirk-mode refusal takes to arrive (some integrations see it only after
    /// about 60 s); the slot is not held meanwhile.
    pub quirk_delay_ms: u64,
    /// Processing time every governed request holds its concurrency slot for.
    pub governance_latency_ms: u64,
    /// Lifetime of M2M access tokens; NetSuite issues 60-minute tokens.
    pub token_lifetime_secs: u64,
    /// How far a TBA `oauth_timestamp` may be from the simulator's clock.
    pub tba_timestamp_window_secs: u64,
    /// SuiteQL leaves null columns out of items (UNCONFIRMED; the documented guess).
    pub suiteql_omit_nulls: bool,
    /// SuiteQL rows available to paging; NetSuite caps at 100,000 without SuiteAnalytics
    /// Connect. Lower it in tests instead of creating 100k records.
    pub suiteql_max_results: u64,
    /// Refuse SuiteQL requests without `Prefer: transient` (400 INVALID_HEADER).
    pub require_prefer_transient: bool,
    /// The account's date-format preference (Oracle model) for dates in SuiteQL results.
    pub date_format: String,
}

impl Default for NetsuiteSettings {
    fn default() -> Self {
        Self {
            account_id: "1234567_SB1".into(),
            concurrency_limit: 5,
            quirk_mode: false,
            quirk_delay_ms: 0,
            governance_latency_ms: 0,
            token_lifetime_secs: 3600,
            tba_timestamp_window_secs: 300,
            suiteql_omit_nulls: true,
            suiteql_max_results: 100_000,
            require_prefer_transient: true,
            date_format: "DD/MM/YYYY".into(),
        }
    }
}

impl NetsuiteSettings {
    /// Checks values the simulator relies on; the message names the bad setting.
    pub fn validate(&self) -> Result<(), String> {
        if self.account_id.trim().is_empty() {
            return Err("account_id must not be empty".into());
        }
        if self.concurrency_limit == 0 {
            return Err("concurrency_limit must be at least 1".into());
        }
        if self.token_lifetime_secs == 0 {
            return Err("token_lifetime_secs must be at least 1".into());
        }
        datefmt::parse_format(&self.date_format).map_err(|e| format!("date_format: {e}"))?;
        Ok(())
    }

    /// Host label NetSuite uses for the account: lowercase, `_` → `-` (`1234567-sb1`).
    pub fn host_label(&self) -> String {
        self.account_id.to_lowercase().replace('_', "-")
    }
}
