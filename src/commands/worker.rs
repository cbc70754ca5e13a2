//! `ferry worker`: background workers only, and the metrics endpoint when asked for (a worker
//! has no web server of its own to be scraped through).

use std::net::SocketAddr;

use crate::app::{MetricsServer, mailer, open_database, shutdown_signal, sync_runtime};
use crate::config::Settings;
use crate::keys::Keys;

pub async fn run(mut settings: Settings, metrics_bind: Option<SocketAddr>) -> anyhow::Result<()> {
    if let Some(bind) = metrics_bind {
        settings.metrics_bind = Some(bind);
    }
    // The worker decrypts connection secrets, so it needs the same master key as `serve`.
    let keys = Keys::load_or_create(
        &settings.data_dir,
        settings.master_key.as_ref(),
        settings.session_key.as_ref(),
    )?;
    let db = open_database(&settings).await?;
    let (sync, queues) = sync_runtime(&keys, &db).await?;
    let metrics = MetricsServer::build(&settings, &db)?;
    println!("Ferry worker started.");
    if let (Some(metrics), Some(bind)) = (&metrics, settings.metrics_bind) {
        println!("Metrics: http://{}:{}/metrics", bind.ip(), metrics.port());
    }
    let metrics = metrics.map(|m| tokio::spawn(m.run()));
    let mailer = mailer(&settings)?;
    let worked = ferry_jobs::run_workers(sync, queues, mailer, shutdown_signal()).await;
    // The metrics server stops on the same signal.
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    worked
}
