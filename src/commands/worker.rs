//! `ferry worker`: background workers only.

use crate::app::{mailer, open_database, sync_runtime};
use crate::config::Settings;
use crate::keys::Keys;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    // The worker decrypts connection secrets, so it needs the same master key as `serve`.
    let keys = Keys::load_or_create(
        &settings.data_dir,
        settings.master_key.as_ref(),
        settings.session_key.as_ref(),
    )?;
    let db = open_database(&settings).await?;
    let (sync, queues) = sync_runtime(&keys, &db).await?;
    println!("Ferry worker started.");
    let mailer = mailer(&settings)?;
    ferry_jobs::run_workers(sync, queues, mailer, async {
        tokio::signal::ctrl_c().await
    })
    .await
}
