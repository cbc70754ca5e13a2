//! `ferry serve`: the web app and the workers in one process.

use std::net::SocketAddr;

use anyhow::Context;
use ferry_sandbox::{Sandbox, SandboxOptions};

use crate::app::{Application, open_database, sandbox_link, sync_runtime};
use crate::config::Settings;
use crate::keys::Keys;

pub async fn run(
    mut settings: Settings,
    bind: Option<SocketAddr>,
    with_sandbox: bool,
) -> anyhow::Result<()> {
    if let Some(bind) = bind {
        settings.bind = bind;
    }
    let keys = Keys::load_or_create(
        &settings.data_dir,
        settings.master_key.as_ref(),
        settings.session_key.as_ref(),
    )?;
    let db = open_database(&settings).await?;
    // Kept alive until the server stops; dropping it stops the simulators. Started before the
    // app so the connection pages can offer "Use the sandbox".
    let seed = Some(1);
    let sandbox = if with_sandbox {
        let sandbox = Sandbox::start(SandboxOptions {
            seed,
            ..SandboxOptions::default()
        })
        .await
        .context("starting the sandbox")?;
        Some(sandbox)
    } else {
        None
    };
    let link = sandbox.as_ref().map(sandbox_link);
    let (sync, queues) = sync_runtime(&settings, &keys, &db).await?;
    let app = Application::build_with_sandbox(&settings, &keys, sync.clone(), link)?;
    let url = format!("http://{}:{}", settings.bind.ip(), app.port());
    println!("Ferry is running at {url}");
    if settings.is_embedded_database() {
        println!(
            "Using the embedded SQLite database in {} (set DATABASE_URL for PostgreSQL).",
            settings.data_dir.display()
        );
    }
    if let Some(sandbox) = &sandbox {
        println!();
        super::sandbox::print_summary(sandbox, seed);
    }
    let workers = tokio::spawn(ferry_jobs::run_workers(sync, queues, async {
        tokio::signal::ctrl_c().await
    }));
    app.run_until_stopped().await?;
    workers.abort();
    if let Some(sandbox) = sandbox {
        sandbox.stop().await;
    }
    Ok(())
}
