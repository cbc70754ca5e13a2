//! The integration dashboard's summary: each flow's state, last run, records synced today,
//! open errors, and synced / failed per hour over the last week (from the runs' counts, so
//! the chart reads a few rows per hour however many records moved).

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Value,
};
use serde::Serialize;
use uuid::Uuid;

use super::errors::{ErrorScope, breakdown};
use super::filter::ErrorStatus;
use crate::connections::ConnectionSettings;
use crate::entities::{connection, flow, flow_run, integration};
use crate::error::{DomainError, DomainResult};
use crate::ids::{FlowId, IntegrationId};
use crate::integrations::SystemKind;
use crate::sync::reads::RunView;
use crate::sync::sql;
use crate::tenancy::Tenant;

/// Hours the chart covers.
pub const CHART_HOURS: i64 = 24 * 7;

/// One flow of an integration, as the dashboard names it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlowRef {
    pub id: FlowId,
    pub name: String,
    pub section: String,
    pub enabled: bool,
    pub trigger: String,
}

/// An integration of the caller's tenant and its flows.
#[derive(Clone, Debug, Serialize)]
pub struct IntegrationFlows {
    pub id: IntegrationId,
    pub name: String,
    pub flows: Vec<FlowRef>,
    /// Where a Salesforce record opens: the connection's instance URL (the org, or the
    /// sandbox). `None` until Salesforce is connected.
    pub salesforce_url: Option<String>,
}

impl IntegrationFlows {
    pub fn scope(&self, tenant: &Tenant) -> ErrorScope {
        let ids: Vec<FlowId> = self.flows.iter().map(|f| f.id).collect();
        ErrorScope::flows(tenant, &ids)
    }

    pub fn flow(&self, id: Uuid) -> Option<&FlowRef> {
        self.flows.iter().find(|f| f.id.0 == id)
    }

    pub fn flow_name(&self, id: Uuid) -> String {
        self.flow(id).map(|f| f.name.clone()).unwrap_or_default()
    }

    /// The flow's short label (its section: Account, Contact…), for table columns.
    pub fn flow_label(&self, id: Uuid) -> String {
        self.flow(id).map(|f| f.section.clone()).unwrap_or_default()
    }

    /// The link to a Salesforce record, when Salesforce is connected.
    pub fn record_url(&self, record_id: &str) -> Option<String> {
        self.salesforce_url
            .as_ref()
            .map(|base| format!("{}/{record_id}", base.trim_end_matches('/')))
    }
}

/// The integration `id` of `tenant` with its flows; another tenant's id is not found.
pub async fn integration_flows(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
) -> DomainResult<IntegrationFlows> {
    let tid = tenant.id().0;
    let row = integration::Entity::find_by_id(id.0)
        .filter(integration::Column::TenantId.eq(tid))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let flows = flow::Entity::find()
        .filter(flow::Column::TenantId.eq(tid))
        .filter(flow::Column::IntegrationId.eq(id.0))
        .order_by_asc(flow::Column::CreatedAt)
        .all(db)
        .await?;
    let salesforce = connection::Entity::find()
        .filter(connection::Column::TenantId.eq(tid))
        .filter(connection::Column::IntegrationId.eq(id.0))
        .filter(connection::Column::System.eq(SystemKind::Salesforce.as_str()))
        .one(db)
        .await?;
    let salesforce_url = salesforce
        .and_then(|c| serde_json::from_value::<ConnectionSettings>(c.settings).ok())
        .and_then(|s| s.instance_url)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    Ok(IntegrationFlows {
        id,
        name: row.name,
        flows: flows
            .into_iter()
            .map(|f| FlowRef {
                id: FlowId(f.id),
                name: f.name,
                section: f.section,
                enabled: f.enabled,
                trigger: f.trigger_kind,
            })
            .collect(),
        salesforce_url,
    })
}

/// Records synced and failed in one hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HourBucket {
    pub start: DateTime<Utc>,
    /// Created or updated in NetSuite.
    pub synced: i64,
    /// Failed (including attempts that will be retried).
    pub failed: i64,
}

/// One flow on the dashboard.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FlowSummary {
    pub flow: FlowRef,
    pub last_run: Option<RunView>,
    pub synced_today: i64,
    pub failed_today: i64,
    pub open_errors: i64,
    /// Oldest first, [`CHART_HOURS`] buckets.
    pub hours: Vec<HourBucket>,
}

/// The whole dashboard summary.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IntegrationSummary {
    pub flows: Vec<FlowSummary>,
    pub open_errors: i64,
    pub open_by_kind: Vec<(String, i64)>,
}

/// The hour (UTC) `at` falls in.
fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(Duration::hours(1)).unwrap_or(at)
}

/// (synced, failed) per hour.
pub type HourCounts = HashMap<DateTime<Utc>, (i64, i64)>;

/// Synced and failed per hour of `flows` since `since`, from the runs' counts, by flow
/// (`None` when `flows` is `None`: every flow together).
pub async fn hourly(
    db: &impl ConnectionTrait,
    tenant: Option<Uuid>,
    flows: Option<&[Uuid]>,
    since: DateTime<Utc>,
) -> DomainResult<HashMap<Option<Uuid>, HourCounts>> {
    let backend = db.get_database_backend();
    let hour = match backend {
        DatabaseBackend::Postgres => {
            "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:00:00')"
        }
        _ => "strftime('%Y-%m-%d %H:00:00', started_at)",
    };
    let mut values: Vec<Value> = vec![since.into()];
    let mut sql_text = format!(
        "SELECT {group} {hour} AS hour, SUM(created + updated) AS synced, SUM(failed) AS failed \
         FROM flow_runs WHERE started_at >= $1",
        group = if flows.is_some() { "flow_id," } else { "" },
    );
    if let Some(t) = tenant {
        values.push(t.into());
        sql_text.push_str(&format!(" AND tenant_id = ${}", values.len()));
    }
    if let Some(flows) = flows {
        if flows.is_empty() {
            return Ok(HashMap::new());
        }
        let list = sql::placeholders(values.len() + 1, flows.len());
        values.extend(flows.iter().map(|f| Value::from(*f)));
        sql_text.push_str(&format!(
            " AND flow_id IN ({list}) GROUP BY flow_id, {hour}"
        ));
    } else {
        sql_text.push_str(&format!(" GROUP BY {hour}"));
    }
    let rows = sql::query(db, &sql_text, values).await?;
    let mut out: HashMap<Option<Uuid>, HourCounts> = HashMap::new();
    for r in rows {
        let flow: Option<Uuid> = if flows.is_some() {
            Some(r.try_get("", "flow_id")?)
        } else {
            None
        };
        let hour: String = r.try_get("", "hour")?;
        let Ok(start) = NaiveDateTime::parse_from_str(&hour, "%Y-%m-%d %H:%M:%S") else {
            continue;
        };
        let synced = sum(&r, "synced");
        let failed = sum(&r, "failed");
        out.entry(flow)
            .or_default()
            .insert(Utc.from_utc_datetime(&start), (synced, failed));
    }
    Ok(out)
}

fn sum(r: &sea_orm::QueryResult, col: &str) -> i64 {
    r.try_get::<i64>("", col)
        .or_else(|_| {
            r.try_get::<Option<i64>>("", col)
                .map(|v| v.unwrap_or_default())
        })
        .unwrap_or(0)
}

/// `hours` buckets ending with the current hour, filled from `counts`.
pub fn buckets(counts: Option<&HourCounts>, now: DateTime<Utc>, hours: i64) -> Vec<HourBucket> {
    let last = hour_of(now);
    (0..hours)
        .rev()
        .map(|back| {
            let start = last - Duration::hours(back);
            let (synced, failed) = counts
                .and_then(|c| c.get(&start))
                .copied()
                .unwrap_or((0, 0));
            HourBucket {
                start,
                synced,
                failed,
            }
        })
        .collect()
}

/// Each flow of the integration with its numbers and chart.
pub async fn summary(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration: &IntegrationFlows,
) -> DomainResult<IntegrationSummary> {
    let now = Utc::now();
    let since = hour_of(now) - Duration::hours(CHART_HOURS - 1);
    let flow_ids: Vec<Uuid> = integration.flows.iter().map(|f| f.id.0).collect();
    let hourly = hourly(db, Some(tenant.id().0), Some(&flow_ids), since).await?;
    let open = breakdown(db, &integration.scope(tenant), ErrorStatus::Open).await?;
    let today = now
        .duration_trunc(Duration::days(1))
        .unwrap_or(now - Duration::days(1));
    let mut flows = Vec::with_capacity(integration.flows.len());
    for f in &integration.flows {
        let last_run = flow_run::Entity::find()
            .filter(flow_run::Column::TenantId.eq(tenant.id().0))
            .filter(flow_run::Column::FlowId.eq(f.id.0))
            .order_by_desc(flow_run::Column::StartedAt)
            .one(db)
            .await?
            .map(RunView::from);
        let hours = buckets(hourly.get(&Some(f.id.0)), now, CHART_HOURS);
        let (synced_today, failed_today) = hours
            .iter()
            .filter(|b| b.start >= today)
            .fold((0, 0), |(s, x), b| (s + b.synced, x + b.failed));
        flows.push(FlowSummary {
            flow: f.clone(),
            last_run,
            synced_today,
            failed_today,
            open_errors: open
                .by_flow
                .iter()
                .filter(|(id, ..)| *id == f.id.0)
                .map(|r| r.3)
                .sum(),
            hours,
        });
    }
    Ok(IntegrationSummary {
        flows,
        open_errors: open.total,
        open_by_kind: open.by_kind,
    })
}

/// What the home page's tile says: when the integration last synced, and how many errors
/// are open (capped).
#[derive(Clone, Copy, Debug, Default)]
pub struct TileStatus {
    pub last_run_at: Option<DateTime<Utc>>,
    pub open_errors: super::errors::Count,
}

pub async fn tile_status(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: IntegrationId,
) -> DomainResult<TileStatus> {
    let flows = integration_flows(db, tenant, id).await?;
    let last_run_at = flow_run::Entity::find()
        .filter(flow_run::Column::TenantId.eq(tenant.id().0))
        .filter(flow_run::Column::FlowId.is_in(flows.flows.iter().map(|f| f.id.0)))
        .order_by_desc(flow_run::Column::StartedAt)
        .one(db)
        .await?
        .map(|r| r.started_at);
    let open_errors = super::errors::count_errors(
        db,
        &flows.scope(tenant),
        &super::filter::ErrorFilter::open(),
    )
    .await?;
    Ok(TileStatus {
        last_run_at,
        open_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_week_up_to_this_hour_and_keep_counts() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 18, 30, 0).unwrap();
        let mut counts = HashMap::new();
        counts.insert(
            Utc.with_ymd_and_hms(2026, 11, 26, 17, 0, 0).unwrap(),
            (5, 2),
        );
        let b = buckets(Some(&counts), now, CHART_HOURS);
        assert_eq!(b.len(), 168);
        assert_eq!(
            b.last().unwrap().start,
            Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap()
        );
        assert_eq!(b[166].synced, 5);
        assert_eq!(b[166].failed, 2);
        assert_eq!(b.iter().map(|h| h.synced).sum::<i64>(), 5);
    }
}
