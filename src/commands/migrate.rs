//! `ferry migrate`: apply pending migrations and exit.

use ferry_migrations::{Migrator, MigratorTrait};

use crate::app::{open_database, redact_url};
use crate::config::Settings;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let applied = Migrator::get_applied_migrations(&db).await?;
    println!(
        "Database {} is up to date ({} migrations applied).",
        redact_url(&settings.database_url()),
        applied.len()
    );
    Ok(())
}
