//! Periodic clean-up that keeps tables from growing without bound.

use sea_orm::DatabaseConnection;

use ferry_domain::{DomainResult, invitations};

/// What one housekeeping run removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub expired_invitations_removed: u64,
    pub processed_events_removed: u64,
}

/// Processed inbox rows are kept this long: longer than Salesforce redelivers a message
/// (24 hours), so a late duplicate is still recognised.
const KEEP_PROCESSED_EVENTS_DAYS: i64 = 7;

/// Removes invitations that expired long ago. Idempotent: safe to run on
/// several workers at once or twice in a row.
pub async fn run_housekeeping(db: &DatabaseConnection) -> DomainResult<HousekeepingReport> {
    let removed = invitations::purge_expired_invitations(db).await?;
    if removed > 0 {
        tracing::info!(removed, "purged expired invitations");
    }
    let events = ferry_domain::sync::events::purge_done(
        db,
        chrono::Duration::days(KEEP_PROCESSED_EVENTS_DAYS),
    )
    .await?;
    if events > 0 {
        tracing::info!(events, "purged processed inbox events");
    }
    Ok(HousekeepingReport {
        expired_invitations_removed: removed,
        processed_events_removed: events,
    })
}
