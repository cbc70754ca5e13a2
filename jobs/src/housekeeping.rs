//! Periodic clean-up that keeps tables from growing without bound.

use sea_orm::DatabaseConnection;

use ferry_domain::{DomainResult, invitations};

/// What one housekeeping run removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub expired_invitations_removed: u64,
}

/// Removes invitations that expired long ago. Idempotent: safe to run on
/// several workers at once or twice in a row.
pub async fn run_housekeeping(db: &DatabaseConnection) -> DomainResult<HousekeepingReport> {
    let removed = invitations::purge_expired_invitations(db).await?;
    if removed > 0 {
        tracing::info!(removed, "purged expired invitations");
    }
    Ok(HousekeepingReport {
        expired_invitations_removed: removed,
    })
}
