//! apalis wiring: which job runs when. No logic lives here.

use std::future::Future;
use std::str::FromStr;

use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use cron::Schedule;
use sea_orm::DatabaseConnection;

use crate::housekeeping::run_housekeeping;

/// Hourly, at minute 17 (off the hour, away from everyone else's cron jobs).
const HOUSEKEEPING_SCHEDULE: &str = "0 17 * * * *";

async fn housekeeping_tick(_tick: Tick, db: Data<DatabaseConnection>) -> Result<(), BoxDynError> {
    run_housekeeping(&db).await?;
    Ok(())
}

/// Runs every worker until `shutdown` completes.
pub async fn run_workers(
    db: DatabaseConnection,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    let schedule = Schedule::from_str(HOUSEKEEPING_SCHEDULE)?;
    Monitor::new()
        .register(move |_| {
            WorkerBuilder::new("ferry-housekeeping")
                .backend(CronScheduler::new(schedule.clone()))
                .data(db.clone())
                .build(housekeeping_tick)
        })
        .run_with_signal(shutdown)
        .await?;
    Ok(())
}
