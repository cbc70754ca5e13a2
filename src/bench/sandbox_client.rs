//! The bench's one way to the sandbox: the simulators' admin API (`/__sandbox/…`, see
//! `docs/sandbox.md`) for settings, faults, rules and readings, and the Salesforce data API for
//! the records the bench creates as a user would. The same client drives the sandbox the bench
//! starts in-process and one started elsewhere with `ferry sandbox`, so both take one path.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use ferry_sandbox::DemoCredentials;
use ferry_sandbox::faults::FaultConfig;
use ferry_sandbox::netsuite::NetsuiteSettings;
use ferry_sandbox::netsuite::governance::GovernanceSnapshot;
use ferry_sandbox::netsuite::readings::ExternalIdCounts;
use ferry_sandbox::salesforce::SalesforceSettings;
use ferry_sandbox::salesforce::outbound::acks::AckSummary;
use ferry_sandbox::salesforce::readings::FilledIds;
use ferry_sandbox::stats::StatsSnapshot;

/// The Salesforce data API version the bench's own calls use.
const API: &str = "/services/data/v67.0";

/// One of the two simulators, for the admin routes both have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Simulator {
    Salesforce,
    NetSuite,
}

impl Simulator {
    fn name(self) -> &'static str {
        match self {
            Self::Salesforce => "salesforce",
            Self::NetSuite => "netsuite",
        }
    }
}

pub struct SandboxClient {
    http: reqwest::Client,
    salesforce: String,
    netsuite: String,
}

/// An outbound-message rule as the admin API answers it (only what the bench keeps).
#[derive(serde::Deserialize)]
struct CreatedRule {
    id: String,
}

impl SandboxClient {
    pub fn new(salesforce_url: &str, netsuite_url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Admin answers are immediate; a creation call of 200 contacts waits for
            // `--remote-latency-ms` at most.
            .timeout(Duration::from_secs(60))
            .build()
            .context("building the sandbox client")?;
        Ok(Self {
            http,
            salesforce: salesforce_url.trim_end_matches('/').to_owned(),
            netsuite: netsuite_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn salesforce_url(&self) -> &str {
        &self.salesforce
    }

    pub fn netsuite_url(&self) -> &str {
        &self.netsuite
    }

    fn base(&self, simulator: Simulator) -> &str {
        match simulator {
            Simulator::Salesforce => &self.salesforce,
            Simulator::NetSuite => &self.netsuite,
        }
    }

    fn admin(&self, simulator: Simulator, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}/__sandbox{path}", self.base(simulator));
        self.http.request(method, url)
    }

    /// Sends `request`; a refusal carries the sandbox's own message (the admin API answers
    /// `{"error", "message"}`), an unreachable sandbox says so.
    async fn send(&self, request: RequestBuilder, what: &str) -> anyhow::Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .with_context(|| format!("{what}: the sandbox did not answer"))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned))
            .unwrap_or(body);
        anyhow::bail!("{what}: the sandbox answered HTTP {status}: {message}")
    }

    async fn json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> anyhow::Result<T> {
        self.send(request, what)
            .await?
            .json()
            .await
            .with_context(|| format!("{what}: an answer the bench does not understand"))
    }

    /// Checks that each URL answers as the simulator it should be (a swapped pair, or
    /// something else on the port, fails here rather than mid-run).
    pub async fn check(&self) -> anyhow::Result<()> {
        for simulator in [Simulator::Salesforce, Simulator::NetSuite] {
            let what = format!("reaching the {} simulator", simulator.name());
            let summary: Value = self
                .json(self.admin(simulator, Method::GET, ""), &what)
                .await?;
            let answered = summary["simulator"].as_str().unwrap_or("something else");
            anyhow::ensure!(
                answered == simulator.name(),
                "{} is the {answered} simulator, not the {} one",
                self.base(simulator),
                simulator.name()
            );
        }
        Ok(())
    }

    pub async fn demo_credentials(&self) -> anyhow::Result<DemoCredentials> {
        let get = |simulator| self.admin(simulator, Method::GET, "/demo-credentials");
        Ok(DemoCredentials {
            salesforce: self
                .json(
                    get(Simulator::Salesforce),
                    "reading Salesforce's demo credentials",
                )
                .await?,
            netsuite: self
                .json(
                    get(Simulator::NetSuite),
                    "reading NetSuite's demo credentials",
                )
                .await?,
        })
    }

    pub async fn salesforce_settings(&self) -> anyhow::Result<SalesforceSettings> {
        let request = self.admin(Simulator::Salesforce, Method::GET, "/settings");
        self.json(request, "reading Salesforce's settings").await
    }

    pub async fn put_salesforce_settings(
        &self,
        settings: &SalesforceSettings,
    ) -> anyhow::Result<()> {
        let request = self.admin(Simulator::Salesforce, Method::PUT, "/settings");
        self.send(request.json(settings), "changing Salesforce's settings")
            .await?;
        Ok(())
    }

    pub async fn netsuite_settings(&self) -> anyhow::Result<NetsuiteSettings> {
        let request = self.admin(Simulator::NetSuite, Method::GET, "/settings");
        self.json(request, "reading NetSuite's settings").await
    }

    /// Merges `changes` (any subset of the settings) into NetSuite's settings.
    pub async fn patch_netsuite_settings(&self, changes: &impl Serialize) -> anyhow::Result<()> {
        let request = self.admin(Simulator::NetSuite, Method::PATCH, "/settings");
        self.send(request.json(changes), "changing NetSuite's settings")
            .await?;
        Ok(())
    }

    pub async fn faults(&self, simulator: Simulator) -> anyhow::Result<FaultConfig> {
        let request = self.admin(simulator, Method::GET, "/faults");
        self.json(request, "reading the fault rules").await
    }

    pub async fn put_faults(
        &self,
        simulator: Simulator,
        config: &impl Serialize,
    ) -> anyhow::Result<()> {
        let request = self.admin(simulator, Method::PUT, "/faults");
        self.send(request.json(config), "setting the fault rules")
            .await?;
        Ok(())
    }

    /// Adds an active outbound-message rule sending `SystemModstamp`; returns its id.
    pub async fn add_outbound_rule(
        &self,
        name: &str,
        object: &str,
        endpoint_url: &str,
    ) -> anyhow::Result<String> {
        let rule = json!({"name": name, "object": object, "fields": ["SystemModstamp"],
                          "endpoint_url": endpoint_url, "active": true});
        let request = self.admin(Simulator::Salesforce, Method::POST, "/outbound/rules");
        let created: CreatedRule = self
            .json(request.json(&rule), "adding an outbound-message rule")
            .await?;
        Ok(created.id)
    }

    /// Removes a rule and its pending notifications.
    pub async fn delete_outbound_rule(&self, id: &str) -> anyhow::Result<()> {
        let path = format!("/outbound/rules/{id}");
        let request = self.admin(Simulator::Salesforce, Method::DELETE, &path);
        self.send(request, "removing an outbound-message rule")
            .await?;
        Ok(())
    }

    /// The acknowledged deliveries of `rule_ids` since `since`, summed up by the sandbox.
    pub async fn ack_summary(
        &self,
        since: DateTime<Utc>,
        rule_ids: &[String],
    ) -> anyhow::Result<AckSummary> {
        let since = since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let request = self
            .admin(Simulator::Salesforce, Method::GET, "/outbound/acks")
            .query(&[("since", since), ("rules", rule_ids.join(","))]);
        self.json(request, "reading the acknowledged deliveries")
            .await
    }

    /// Live records of `object` with `field` filled, written after `cursor`.
    pub async fn filled_ids(
        &self,
        object: &str,
        field: &str,
        cursor: Option<DateTime<Utc>>,
    ) -> anyhow::Result<FilledIds> {
        let mut query = vec![("field", field.to_owned())];
        if let Some(cursor) = cursor {
            let after = cursor.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            query.push(("modified_after", after));
        }
        let path = format!("/records/{object}/filled");
        let request = self
            .admin(Simulator::Salesforce, Method::GET, &path)
            .query(&query);
        self.json(request, "reading written-back ids").await
    }

    /// How many of `external_ids` NetSuite's records of `record_type` hold, and how often.
    pub async fn count_external_ids(
        &self,
        record_type: &str,
        external_ids: Vec<&str>,
    ) -> anyhow::Result<ExternalIdCounts> {
        let path = format!("/records/{record_type}/external-ids");
        let request = self
            .admin(Simulator::NetSuite, Method::POST, &path)
            .json(&json!({"external_ids": external_ids}));
        self.json(request, "counting NetSuite records by external id")
            .await
    }

    pub async fn stats(&self, simulator: Simulator) -> anyhow::Result<StatsSnapshot> {
        let request = self.admin(simulator, Method::GET, "/stats");
        self.json(request, "reading request statistics").await
    }

    /// Zeroes both simulators' request statistics and NetSuite's governance counters.
    pub async fn reset_counters(&self) -> anyhow::Result<()> {
        for simulator in [Simulator::Salesforce, Simulator::NetSuite] {
            let request = self.admin(simulator, Method::DELETE, "/stats");
            self.send(request, "zeroing request statistics").await?;
        }
        let request = self.admin(Simulator::NetSuite, Method::DELETE, "/governance");
        self.send(request, "zeroing NetSuite's governance counters")
            .await?;
        Ok(())
    }

    pub async fn governance(&self) -> anyhow::Result<GovernanceSnapshot> {
        let request = self.admin(Simulator::NetSuite, Method::GET, "/governance");
        self.json(request, "reading NetSuite's governance counters")
            .await
    }

    /// Revokes every access token both simulators issued (refresh tokens stay).
    pub async fn revoke_access_tokens(&self) -> anyhow::Result<()> {
        let salesforce = self
            .admin(Simulator::Salesforce, Method::POST, "/tokens/revoke")
            .json(&json!({}));
        self.send(salesforce, "revoking Salesforce's access tokens")
            .await?;
        let netsuite = self
            .admin(Simulator::NetSuite, Method::POST, "/revoke")
            .json(&json!({"all_access_tokens": true}));
        self.send(netsuite, "revoking NetSuite's access tokens")
            .await?;
        Ok(())
    }

    /// A fresh access token for the demo user: the drills revoke tokens all along.
    async fn salesforce_token(&self) -> anyhow::Result<String> {
        #[derive(serde::Deserialize)]
        struct Token {
            access_token: String,
        }
        let request = self.admin(Simulator::Salesforce, Method::POST, "/access-tokens");
        let token: Token = self
            .json(request, "getting a Salesforce access token")
            .await?;
        Ok(token.access_token)
    }

    /// Creates up to 200 Salesforce records in one sObject Collections call, as a user's
    /// integration would; returns their ids in order (a record that failed fails the call).
    ///
    /// Not `allOrNone`: the simulator keeps a copy of the whole org for the rollback such a
    /// call may need, and that copy, not Ferry, took a fifth of the machine's CPU by the end
    /// of a 20,000-contact run (a profile of the whole machine).
    pub async fn create_records(&self, records: Vec<Value>) -> anyhow::Result<Vec<String>> {
        let token = self.salesforce_token().await?;
        let request = self
            .http
            .post(format!("{}{API}/composite/sobjects", self.salesforce))
            .bearer_auth(token)
            .json(&json!({"allOrNone": false, "records": records}));
        let results: Vec<Value> = self.json(request, "creating Salesforce records").await?;
        results
            .iter()
            .map(|r| {
                r["id"]
                    .as_str()
                    .map(str::to_owned)
                    .with_context(|| format!("a created record without id: {r}"))
            })
            .collect()
    }
}
