//! `ferry sandbox`: serves the Salesforce and NetSuite simulators until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use ferry_sandbox::{Sandbox, SandboxOptions};

/// Options of `ferry sandbox`.
#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Address of the Salesforce simulator.
    #[arg(
        long,
        default_value = "127.0.0.1:8081",
        env = "FERRY_SANDBOX_SALESFORCE_BIND"
    )]
    pub salesforce_bind: SocketAddr,
    /// Address of the NetSuite simulator.
    #[arg(
        long,
        default_value = "127.0.0.1:8082",
        env = "FERRY_SANDBOX_NETSUITE_BIND"
    )]
    pub netsuite_bind: SocketAddr,
    /// Serve HTTPS with a self-signed certificate generated at start.
    #[arg(long)]
    pub tls: bool,
    /// Folder the self-signed certificate is written to (default: a temp folder).
    #[arg(long, requires = "tls")]
    pub tls_dir: Option<PathBuf>,
    /// Load the deterministic demo data set of this seed.
    #[arg(long)]
    pub seed: Option<u64>,
}

pub async fn run(args: SandboxArgs) -> anyhow::Result<()> {
    let options = SandboxOptions {
        salesforce_bind: args.salesforce_bind,
        netsuite_bind: args.netsuite_bind,
        tls: args.tls,
        tls_dir: args.tls_dir,
        seed: args.seed,
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(options)
        .await
        .context("starting the sandbox")?;
    print_summary(&sandbox, args.seed);
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    println!("Stopping the sandbox…");
    sandbox.stop().await;
    Ok(())
}

pub(crate) fn print_summary(sandbox: &Sandbox, seed: Option<u64>) {
    let credentials = sandbox.demo_credentials();
    let sf = &credentials.salesforce;
    let ns = &credentials.netsuite;
    println!("Ferry sandbox is running.");
    println!();
    println!("Salesforce simulator  {}", sandbox.salesforce_url());
    println!(
        "  pages               {}/accounts",
        sandbox.salesforce_url()
    );
    println!(
        "  admin API           {}/__sandbox",
        sandbox.salesforce_url()
    );
    println!("  login URL           {}", sf.login_url);
    println!("  org id              {}", sf.org_id);
    println!("  consumer key        {}", sf.consumer_key);
    println!("  consumer secret     {}", sf.consumer_secret);
    println!("  username            {}", sf.username);
    println!("  refresh token       {}", sf.refresh_token);
    println!(
        "  JWT key + cert      GET {}/__sandbox/demo-credentials",
        sandbox.salesforce_url()
    );
    println!();
    println!("NetSuite simulator    {}", sandbox.netsuite_url());
    println!("  admin API           {}/__sandbox", sandbox.netsuite_url());
    println!("  account id          {}", ns.account_id);
    println!("  token URL           {}", ns.token_url);
    println!("  client id           {}", ns.client_id);
    println!(
        "  certificate ids     {} (PS256), {} (ES256)",
        ns.ps256.certificate_id, ns.es256.certificate_id
    );
    println!("  TBA consumer key    {}", ns.tba.consumer_key);
    println!("  TBA token id        {}", ns.tba.token_id);
    println!(
        "  keys and secrets    GET {}/__sandbox/demo-credentials",
        sandbox.netsuite_url()
    );
    if let Some(path) = sandbox.tls_certificate_path() {
        println!();
        println!("TLS certificate       {}", path.display());
    }
    if let Some(seed) = seed {
        println!();
        println!("Seeded with --seed {seed}.");
    }
    println!();
    println!("Press Ctrl-C to stop.");
}
