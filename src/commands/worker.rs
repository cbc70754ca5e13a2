//! `ferry worker`: background workers only.

use crate::app::open_database;
use crate::config::Settings;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    println!("Ferry worker started.");
    ferry_jobs::run_workers(db, async { tokio::signal::ctrl_c().await }).await
}
