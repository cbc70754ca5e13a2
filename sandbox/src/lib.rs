//! Ferry's sandbox: Salesforce and NetSuite simulators that speak the real wire protocols
//! (see `PROTOCOLS.md`), with fault injection, statistics, an admin API and small web pages.
//!
//! `ferry sandbox` runs them as a program; tests, `ferry demo` and `ferry bench` start them
//! in-process on port 0 through [`Sandbox::start`] and drive them through the handles.

pub mod admin;
pub mod faults;
pub mod keys;
pub mod netsuite;
pub mod percentiles;
pub mod salesforce;
pub mod seed;
mod server;
pub mod stats;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use actix_web::web;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use crate::faults::FaultInjector;
use crate::netsuite::{NetsuiteCredentials, NetsuiteSettings, NetsuiteState};
use crate::salesforce::{SalesforceCredentials, SalesforceSettings, SalesforceState};
use crate::seed::SeedPlan;
use crate::stats::Stats;

/// How to start the sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub salesforce_bind: SocketAddr,
    pub netsuite_bind: SocketAddr,
    /// Serve HTTPS with a self-signed certificate generated at start.
    pub tls: bool,
    /// Where the self-signed certificate is written; a folder under the temp dir by default.
    pub tls_dir: Option<PathBuf>,
    /// Seed both simulators with the deterministic data set of this seed (and seed the fault
    /// injectors' RNG with it).
    pub seed: Option<u64>,
    /// HTTP worker threads per simulator.
    pub workers: usize,
    pub salesforce: SalesforceSettings,
    pub netsuite: NetsuiteSettings,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            salesforce_bind: SocketAddr::from(([127, 0, 0, 1], 8081)),
            netsuite_bind: SocketAddr::from(([127, 0, 0, 1], 8082)),
            tls: false,
            tls_dir: None,
            seed: None,
            workers: 2,
            salesforce: SalesforceSettings::default(),
            netsuite: NetsuiteSettings::default(),
        }
    }
}

impl SandboxOptions {
    /// Both simulators on loopback port 0: what in-process tests use.
    pub fn ephemeral() -> Self {
        Self {
            salesforce_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            netsuite_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: 1,
            ..Self::default()
        }
    }
}

/// What every simulator gets from the core: where it is reachable and its shared machinery.
#[derive(Clone)]
pub struct SimContext {
    /// Base URL clients use, e.g. `http://127.0.0.1:8081` (no trailing slash).
    pub base_url: String,
    pub faults: web::Data<FaultInjector>,
    pub stats: web::Data<Stats>,
}

/// The pre-registered credentials a client needs to reach both simulators.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCredentials {
    pub salesforce: SalesforceCredentials,
    pub netsuite: NetsuiteCredentials,
}

/// A running sandbox.
pub struct Sandbox {
    salesforce: SalesforceState,
    netsuite: NetsuiteState,
    servers: Vec<ServerHandle>,
    tasks: Vec<JoinHandle<()>>,
    tls_certificate: Option<PathBuf>,
}

impl Sandbox {
    /// Binds both simulators, seeds them if asked, and starts serving.
    pub async fn start(opts: SandboxOptions) -> anyhow::Result<Sandbox> {
        let (sf_listener, sf_addr) = server::bind(opts.salesforce_bind, "Salesforce")?;
        let (ns_listener, ns_addr) = server::bind(opts.netsuite_bind, "NetSuite")?;
        let tls = if opts.tls {
            let dir = opts
                .tls_dir
                .clone()
                .unwrap_or_else(|| std::env::temp_dir().join("ferry-sandbox"));
            Some(tls::self_signed(&dir)?)
        } else {
            None
        };

        let sf_ctx = server::context(
            server::base_url(sf_addr, opts.tls),
            opts.seed,
            salesforce::fault_response,
        );
        let ns_ctx = server::context(
            server::base_url(ns_addr, opts.tls),
            opts.seed,
            netsuite::fault_response,
        );
        let salesforce = SalesforceState::new(sf_ctx.clone(), opts.salesforce.clone());
        let netsuite = NetsuiteState::new(ns_ctx.clone(), opts.netsuite.clone());
        if let Some(seed) = opts.seed {
            let plan = SeedPlan::generate(seed);
            salesforce.seed(&plan);
            netsuite.seed(&plan);
        }

        let tasks = vec![salesforce.spawn_background()];
        let tls_config = tls.as_ref().map(|t| t.server_config.clone());
        let sf_state = salesforce.clone();
        let sf_server = server::spawn(
            sf_listener,
            tls_config.clone(),
            opts.workers,
            &sf_ctx,
            move |cfg| salesforce::configure(cfg, sf_state.clone()),
        )?;
        let ns_state = netsuite.clone();
        let ns_server =
            server::spawn(ns_listener, tls_config, opts.workers, &ns_ctx, move |cfg| {
                netsuite::configure(cfg, ns_state.clone())
            })?;
        tracing::info!(
            salesforce = %sf_ctx.base_url,
            netsuite = %ns_ctx.base_url,
            "sandbox started"
        );
        Ok(Sandbox {
            salesforce,
            netsuite,
            servers: vec![sf_server, ns_server],
            tasks,
            tls_certificate: tls.map(|t| t.certificate_path),
        })
    }

    /// Base URL of the Salesforce simulator (login host and instance URL at once).
    pub fn salesforce_url(&self) -> &str {
        self.salesforce.base_url()
    }

    /// Base URL of the NetSuite simulator.
    pub fn netsuite_url(&self) -> String {
        self.netsuite.demo_credentials().base_url
    }

    /// In-process handle to the Salesforce simulator's state.
    pub fn salesforce(&self) -> SalesforceState {
        self.salesforce.clone()
    }

    /// In-process handle to the NetSuite simulator's state.
    pub fn netsuite(&self) -> NetsuiteState {
        self.netsuite.clone()
    }

    /// Credentials registered at start on both simulators.
    pub fn demo_credentials(&self) -> DemoCredentials {
        DemoCredentials {
            salesforce: self.salesforce.demo_credentials(),
            netsuite: self.netsuite.demo_credentials(),
        }
    }

    /// PEM of the self-signed certificate when started with `tls`.
    pub fn tls_certificate_path(&self) -> Option<&std::path::Path> {
        self.tls_certificate.as_deref()
    }

    /// Reseeds both simulators from `seed` after clearing them.
    pub fn reseed(&self, seed: u64) {
        let plan = SeedPlan::generate(seed);
        self.salesforce.reset();
        self.netsuite.reset();
        self.salesforce.seed(&plan);
        self.netsuite.seed(&plan);
    }

    /// Stops both servers and the background tasks.
    pub async fn stop(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        for server in self.servers.drain(..) {
            server.stop(true).await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // A sandbox dropped without `stop` (a failing test) must not keep serving: the stop
        // command is sent when `stop` is called, the returned future only waits for it.
        for task in &self.tasks {
            task.abort();
        }
        for server in &self.servers {
            drop(server.stop(false));
        }
    }
}
