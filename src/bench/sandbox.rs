//! The sandbox a bench runs against: one it starts in-process, or an external one (`ferry
//! sandbox`, given by `--salesforce-url` and `--netsuite-url`). Either way it is set up for
//! the run through the admin API, and an external one is put back as it was afterwards:
//! settings, fault rules, and no outbound rule left pointing at the bench's dead listener.

use anyhow::Context;
use serde_json::json;

use ferry_sandbox::faults::FaultConfig;
use ferry_sandbox::netsuite::NetsuiteSettings;
use ferry_sandbox::salesforce::SalesforceSettings;
use ferry_sandbox::{Sandbox, SandboxOptions};

use super::BenchArgs;
use super::sandbox_client::{SandboxClient, Simulator};

/// What the bench changes on the sandbox, as it was before.
struct Saved {
    salesforce: SalesforceSettings,
    netsuite: NetsuiteSettings,
    salesforce_faults: FaultConfig,
    netsuite_faults: FaultConfig,
}

pub struct BenchSandbox {
    pub client: SandboxClient,
    /// The sandbox the bench started itself; `None` when it runs against an external one.
    in_process: Option<Sandbox>,
    saved: Saved,
    /// Outbound-message rules the bench added (to the bench's listener).
    rules: Vec<String>,
}

impl BenchSandbox {
    /// Starts the in-process sandbox unless the arguments name an external one, then sets it
    /// up for the run: NetSuite's limit and latency, quick redeliveries, a delivery log that
    /// holds the whole run, no daily API limit in the way.
    pub async fn start(args: &BenchArgs) -> anyhow::Result<Self> {
        let (client, in_process) = match args.sandbox_urls()? {
            Some((salesforce, netsuite)) => (SandboxClient::new(salesforce, netsuite)?, None),
            None => {
                let options = SandboxOptions {
                    workers: 2,
                    ..SandboxOptions::ephemeral()
                };
                let sandbox = Sandbox::start(options)
                    .await
                    .context("starting the sandbox")?;
                let client = SandboxClient::new(sandbox.salesforce_url(), &sandbox.netsuite_url())?;
                (client, Some(sandbox))
            }
        };
        client.check().await?;
        let saved = Saved {
            salesforce: client.salesforce_settings().await?,
            netsuite: client.netsuite_settings().await?,
            salesforce_faults: client.faults(Simulator::Salesforce).await?,
            netsuite_faults: client.faults(Simulator::NetSuite).await?,
        };
        let sandbox = Self {
            client,
            in_process,
            saved,
            rules: Vec::new(),
        };
        if let Err(e) = sandbox.set_up(args).await {
            sandbox.stop().await;
            return Err(e);
        }
        Ok(sandbox)
    }

    async fn set_up(&self, args: &BenchArgs) -> anyhow::Result<()> {
        let mut salesforce = self.saved.salesforce.clone();
        salesforce.outbound.initial_backoff_ms = 200;
        salesforce.outbound.max_backoff_ms = 2000;
        salesforce.outbound.log_capacity = args.contacts + 1000;
        salesforce.daily_api_limit = u64::MAX / 2;
        self.client.put_salesforce_settings(&salesforce).await?;
        self.client
            .patch_netsuite_settings(&json!({
                "concurrency_limit": args.netsuite_limit,
                "governance_latency_ms": args.remote_latency_ms,
            }))
            .await?;
        if args.remote_latency_ms > 0 {
            let rules = json!({"rules": [{"path": "/services/data/*", "latency": {"fixed_ms": args.remote_latency_ms}}]});
            self.client
                .put_faults(Simulator::Salesforce, &rules)
                .await?;
        }
        Ok(())
    }

    /// Where the report says the run went.
    pub fn label(&self) -> String {
        match self.in_process {
            Some(_) => "in-process".to_owned(),
            None => format!(
                "external ({}, {})",
                self.client.salesforce_url(),
                self.client.netsuite_url()
            ),
        }
    }

    /// Sends `object`'s outbound messages to `endpoint_url` (the bench's Ferry listener).
    pub async fn add_listener_rule(
        &mut self,
        object: &str,
        endpoint_url: &str,
    ) -> anyhow::Result<()> {
        let name = format!("bench {object}");
        let id = self
            .client
            .add_outbound_rule(&name, object, endpoint_url)
            .await?;
        self.rules.push(id);
        Ok(())
    }

    /// The rules the bench added, for the Ack figures.
    pub fn rule_ids(&self) -> &[String] {
        &self.rules
    }

    /// Removes the bench's rules and puts settings and faults back (an external sandbox
    /// outlives the bench), then stops the in-process sandbox. Failures are reported, not
    /// fatal: the run's figures are already taken.
    pub async fn stop(self) {
        let client = &self.client;
        let mut restored = Vec::new();
        for id in &self.rules {
            restored.push(client.delete_outbound_rule(id).await);
        }
        restored.push(client.put_salesforce_settings(&self.saved.salesforce).await);
        restored.push(client.patch_netsuite_settings(&self.saved.netsuite).await);
        restored.push(
            client
                .put_faults(Simulator::Salesforce, &self.saved.salesforce_faults)
                .await,
        );
        restored.push(
            client
                .put_faults(Simulator::NetSuite, &self.saved.netsuite_faults)
                .await,
        );
        for error in restored.into_iter().filter_map(Result::err) {
            eprintln!("Could not put the sandbox back as it was: {error:#}");
        }
        if let Some(sandbox) = self.in_process {
            sandbox.stop().await;
        }
    }
}
