//! `ferry serve` (the web app and the workers in one process, optionally with the sandbox) and
//! `ferry demo` (the same plus a ready demo tenant wired to the sandbox).

use std::net::SocketAddr;

use anyhow::Context;
use ferry_domain::demo::{DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_tenant};
use ferry_sandbox::salesforce::outbound::OutboundRuleParams;
use ferry_sandbox::{Sandbox, SandboxOptions};

use crate::app::{Application, open_database, sandbox_link, shutdown_signal, sync_runtime};
use crate::config::Settings;
use crate::keys::Keys;

/// Where the in-process simulators listen.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct SandboxBinds {
    /// Address of the Salesforce simulator.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub salesforce_bind: SocketAddr,
    /// Address of the NetSuite simulator.
    #[arg(long, default_value = "127.0.0.1:8082")]
    pub netsuite_bind: SocketAddr,
}

/// What `serve` runs besides the app.
pub struct ServeOptions {
    pub bind: Option<SocketAddr>,
    /// Where to serve `/metrics`, over the configured `metrics_bind`.
    pub metrics_bind: Option<SocketAddr>,
    /// Serve the simulators in this process.
    pub sandbox: Option<SandboxBinds>,
    /// Set up the demo tenant (needs the sandbox).
    pub demo: bool,
}

/// The demo data set the in-process sandbox loads.
const SEED: u64 = 1;

/// How long the workers may take to finish their batches once the server stopped.
const WORKERS_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

pub async fn run(mut settings: Settings, options: ServeOptions) -> anyhow::Result<()> {
    if let Some(bind) = options.bind {
        settings.bind = bind;
    }
    if let Some(bind) = options.metrics_bind {
        settings.metrics_bind = Some(bind);
    }
    let keys = Keys::load_or_create(
        &settings.data_dir,
        settings.master_key.as_ref(),
        settings.session_key.as_ref(),
    )?;
    let db = open_database(&settings).await?;
    // Kept alive until the server stops; dropping it stops the simulators. Started before the
    // app so the connection pages can offer "Use the sandbox".
    let sandbox = match options.sandbox {
        Some(binds) => Some(
            Sandbox::start(SandboxOptions {
                salesforce_bind: binds.salesforce_bind,
                netsuite_bind: binds.netsuite_bind,
                seed: Some(SEED),
                ..SandboxOptions::default()
            })
            .await
            .context("starting the sandbox")?,
        ),
        None => None,
    };
    let link = sandbox.as_ref().map(sandbox_link);
    let (sync, queues) = sync_runtime(&keys, &db).await?;
    let app = Application::build_with_sandbox(&settings, &keys, sync.clone(), link.clone())?;
    // Salesforce (the simulator) calls the listener on this address.
    let host = if settings.bind.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        settings.bind.ip().to_string()
    };
    let url = format!("http://{host}:{}", app.port());
    if options.demo {
        let (Some(sandbox), Some(link)) = (&sandbox, &link) else {
            anyhow::bail!("the demo needs the sandbox");
        };
        let demo = ensure_demo_tenant(&db, &keys.master, |system| link.connection_params(system))
            .await
            .context("setting up the demo tenant")?;
        let salesforce = sandbox.salesforce();
        let mut org = salesforce.lock();
        for (_, _, object, token) in &demo.flows {
            let fields = match *object {
                "Account" => vec!["Name".to_owned(), "SystemModstamp".to_owned()],
                _ => vec!["LastName".to_owned(), "SystemModstamp".to_owned()],
            };
            org.outbound
                .add_rule(OutboundRuleParams {
                    name: Some(format!("Ferry {object} listener")),
                    object: (*object).to_owned(),
                    fields,
                    endpoint_url: format!("{url}/listeners/{token}/salesforce"),
                    active: true,
                    send_session_id: false,
                })
                .map_err(|e| anyhow::anyhow!("registering the outbound message: {e}"))?;
        }
        drop(org);
        println!("Ferry demo is running at {url}");
        println!("  Log in as {DEMO_EMAIL} / {DEMO_PASSWORD}");
        println!(
            "  Integration: {url}/integrations/{}/settings",
            demo.integration_id
        );
        println!(
            "  Create a contact at {}/contacts/new (Salesforce) and find it at {}/contacts (NetSuite),",
            sandbox.salesforce_url(),
            sandbox.netsuite_url()
        );
        println!("  with its NetSuite id written back on the Salesforce contact.");
    } else {
        println!("Ferry is running at {url}");
    }
    if let Some(port) = app.metrics_port() {
        println!("Metrics: http://{host}:{port}/metrics");
    }
    if settings.is_embedded_database() {
        println!(
            "Using the embedded SQLite database in {} (set DATABASE_URL for PostgreSQL).",
            settings.data_dir.display()
        );
    }
    if let Some(sandbox) = &sandbox {
        println!();
        super::sandbox::print_summary(sandbox, Some(SEED));
    }
    let mailer = crate::app::mailer(&settings)?;
    if mailer.is_none() {
        println!("E-mail is not configured (smtp_url, smtp_from): error digests are off.");
    }
    let workers = tokio::spawn(ferry_jobs::run_workers(
        sync,
        queues,
        mailer,
        shutdown_signal(),
    ));
    app.run_until_stopped().await?;
    // The same signal stopped the server and the workers; let running batches finish.
    let abort = workers.abort_handle();
    if tokio::time::timeout(WORKERS_GRACE, workers).await.is_err() {
        abort.abort();
    }
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    Ok(())
}
