//! The sync jobs, as plain functions over ids: drain a flow's inbox, run a backfill, sweep
//! (hand out orphaned claims, wake flows whose retries are due, resume backfills), poll.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use ferry_domain::sync::{SyncContext, backfill, engine, events, messages, polling};

/// Drain one flow's inbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SyncFlow {
    pub flow_id: Uuid,
}

/// Run or resume one "sync existing records".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunBackfill {
    pub backfill_id: Uuid,
}

/// A due event or stored message waits this long for its wake-up before the sweeper wakes
/// its flow itself.
const WAKE_GRACE: Duration = Duration::seconds(2);

// A failed job's error goes back to apalis, which does not log it: without these lines a
// batch that cannot be committed is retried in silence.

pub async fn sync_flow(ctx: &SyncContext, job: &SyncFlow) -> anyhow::Result<()> {
    if let Err(e) = engine::drain_flow(ctx, job.flow_id).await {
        let e = anyhow::Error::from(e);
        tracing::error!(flow_id = %job.flow_id, error = format!("{e:#}"), "flow sync failed; its events are claimed again later");
        return Err(e);
    }
    Ok(())
}

pub async fn run_backfill(ctx: &SyncContext, job: &RunBackfill) -> anyhow::Result<()> {
    if let Err(e) = backfill::run_backfill(ctx, job.backfill_id).await {
        let e = anyhow::Error::from(e);
        tracing::error!(backfill_id = %job.backfill_id, error = format!("{e:#}"), "backfill failed; it is resumed later");
        return Err(e);
    }
    Ok(())
}

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub orphaned_claims: u64,
    pub flows_woken: usize,
    pub backfills_resumed: usize,
}

/// Keeps the inbox moving whatever happened to wake-ups and workers.
pub async fn sweep(ctx: &SyncContext) -> anyhow::Result<SweepReport> {
    let orphaned_claims = events::release_orphaned_claims(&ctx.db).await?;
    if orphaned_claims > 0 {
        tracing::warn!(
            orphaned_claims,
            "handed out claims of a worker that stopped"
        );
    }
    let mut flows = events::flows_with_due_events(&ctx.db, WAKE_GRACE).await?;
    flows.extend(messages::flows_waiting(&ctx.db, WAKE_GRACE).await?);
    flows.sort_unstable();
    flows.dedup();
    for flow_id in &flows {
        ctx.waker.wake(*flow_id).await;
    }
    let backfills_resumed = backfill::resume_stale(ctx).await?;
    Ok(SweepReport {
        orphaned_claims,
        flows_woken: flows.len(),
        backfills_resumed,
    })
}

pub async fn poll(ctx: &SyncContext) -> anyhow::Result<()> {
    polling::poll_due_flows(ctx).await?;
    Ok(())
}
