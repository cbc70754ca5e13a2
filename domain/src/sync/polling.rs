//! Scheduled polling, for tenants who cannot set up outbound messages: every interval, ask
//! Salesforce what changed since the watermark and put it in the inbox.

use chrono::{Duration, Utc};
use ferry_connectors::salesforce::QueryOptions;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde::Deserialize;

use super::SyncContext;
use super::events::{self, EventSource, NewEvent};
use crate::entities::flow;
use crate::flows::soql::{parse_modstamp, poll_changes};
use crate::flows::{FlowSettings, definition};
use crate::integrations::TriggerKind;

/// Rows one poll takes; the next poll continues from the last one's modstamp.
pub const POLL_LIMIT: u32 = 2000;

#[derive(Deserialize)]
struct Changed {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "SystemModstamp")]
    modstamp: String,
}

/// What one poll of one flow found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    pub seen: usize,
    pub new: u64,
}

/// Polls every scheduled flow whose interval has passed.
pub async fn poll_due_flows(ctx: &SyncContext) -> Result<Vec<PollReport>, DbErr> {
    let flows = flow::Entity::find()
        .filter(flow::Column::Enabled.eq(true))
        .filter(flow::Column::TriggerKind.eq(TriggerKind::Scheduled.as_str()))
        .all(&ctx.db)
        .await?;
    let mut reports = Vec::new();
    let now = Utc::now();
    for row in flows {
        let Some(def) = definition(&row.flow_key) else {
            continue;
        };
        let interval = FlowSettings::from_stored(def, &row.settings)
            .map(|s| s.poll_interval_minutes)
            .unwrap_or(15);
        let due = row
            .polled_at
            .is_none_or(|at| at + Duration::minutes(i64::from(interval)) <= now);
        if due {
            reports.push(poll_flow(ctx, row).await?);
        }
    }
    Ok(reports)
}

/// Polls one flow now. A first poll starts the watermark at the present: existing records are
/// what "Sync existing records" is for.
pub async fn poll_flow(ctx: &SyncContext, row: flow::Model) -> Result<PollReport, DbErr> {
    let now = Utc::now();
    let Some(def) = definition(&row.flow_key) else {
        return Ok(PollReport::default());
    };
    let watermark = row.poll_watermark.as_deref().and_then(parse_modstamp);
    let mut report = PollReport::default();
    let mut next_watermark = row.poll_watermark.clone();
    match watermark {
        None => next_watermark = Some(now.to_rfc3339()),
        Some(since) => match ctx
            .clients
            .for_integration(row.tenant_id, row.integration_id)
            .await
        {
            Ok(clients) => {
                let query = poll_changes(def, since, POLL_LIMIT);
                match clients
                    .salesforce
                    .query_page::<Changed>(&query, QueryOptions::default())
                    .await
                {
                    Ok(page) => {
                        report.seen = page.records.len();
                        if let Some(last) = page.records.last() {
                            next_watermark = Some(last.modstamp.clone());
                        }
                        let new: Vec<NewEvent> = page
                            .records
                            .into_iter()
                            .map(|c| NewEvent {
                                record_id: c.id,
                                source: EventSource::Poll,
                                notification_id: None,
                                modstamp: Some(c.modstamp),
                            })
                            .collect();
                        report.new = events::add(&ctx.db, row.tenant_id, row.id, new).await?;
                    }
                    Err(e) => {
                        tracing::warn!(flow_id = %row.id, error = %e, "poll failed; trying again next interval");
                        return Ok(report);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(flow_id = %row.id, error = %e, "poll skipped");
                return Ok(report);
            }
        },
    }
    let flow_id = row.id;
    let mut active = row.into_active_model();
    active.poll_watermark = Set(next_watermark);
    active.polled_at = Set(Some(now));
    active.update(&ctx.db).await?;
    if report.new > 0 {
        ctx.waker.wake(flow_id).await;
    }
    Ok(report)
}
