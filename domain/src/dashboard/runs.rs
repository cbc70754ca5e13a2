//! Run history: an integration's runs newest first (keyset paged), one run, and the records
//! a run processed with their outcomes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::errors::Page;
use super::filter::{Cursor, parse_instant};
use super::outcomes::OutcomeItem;
use super::overview::IntegrationFlows;
use crate::entities::{flow_run, sync_outcome};
use crate::error::{DomainError, DomainResult, FieldErrors};
use crate::ids::FlowId;
use crate::sync::reads::RunView;
use crate::tenancy::Tenant;

/// The run filter as it arrives.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct RunFilterParams {
    pub flow: String,
    pub from: String,
    pub to: String,
    pub after: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub flow: Option<FlowId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl TryFrom<&RunFilterParams> for RunFilter {
    type Error = DomainError;

    fn try_from(p: &RunFilterParams) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let flow = match p.flow.trim() {
            "" => None,
            s => match s.parse() {
                Ok(f) => Some(f),
                Err(_) => {
                    errors.push("flow", "Not a valid id.");
                    None
                }
            },
        };
        let mut date = |field: &'static str, s: &str, end: bool| match s.trim() {
            "" => None,
            s => {
                let d = parse_instant(s, end);
                if d.is_none() {
                    errors.push(field, "Enter a date as YYYY-MM-DD.");
                }
                d
            }
        };
        let since = date("from", &p.from, false);
        let until = date("to", &p.to, true);
        errors.into_result()?;
        Ok(RunFilter { flow, since, until })
    }
}

impl RunFilter {
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(f) = self.flow {
            out.push(("flow", f.to_string()));
        }
        if let Some(s) = self.since {
            out.push(("from", s.to_rfc3339()));
        }
        if let Some(u) = self.until {
            out.push(("to", u.to_rfc3339()));
        }
        out
    }
}

/// Runs of the integration's flows, newest first.
pub fn runs_query(
    tenant: &Tenant,
    integration: &IntegrationFlows,
    filter: &RunFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> Select<flow_run::Entity> {
    use flow_run::Column as C;
    let mut c = Condition::all()
        .add(C::TenantId.eq(tenant.id().0))
        .add(C::FlowId.is_in(integration.flows.iter().map(|f| f.id.0)));
    if let Some(f) = filter.flow {
        c = c.add(C::FlowId.eq(f.0));
    }
    if let Some(s) = filter.since {
        c = c.add(C::StartedAt.gte(s));
    }
    if let Some(u) = filter.until {
        c = c.add(C::StartedAt.lt(u));
    }
    if let Some(cur) = cursor {
        c = c.add(C::StartedAt.lte(cur.at)).add(
            Condition::any()
                .add(C::StartedAt.lt(cur.at))
                .add(C::Id.lt(cur.id)),
        );
    }
    flow_run::Entity::find()
        .filter(c)
        .order_by_desc(C::StartedAt)
        .order_by_desc(C::Id)
        .limit(limit + 1)
}

pub async fn list_runs(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    integration: &IntegrationFlows,
    filter: &RunFilter,
    cursor: Option<Cursor>,
    limit: u64,
) -> DomainResult<Page<RunView>> {
    let limit = limit.clamp(1, 500);
    let mut rows = runs_query(tenant, integration, filter, cursor, limit)
        .all(db)
        .await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor {
            at: r.started_at,
            id: r.id,
        })
    } else {
        None
    };
    Ok(Page {
        rows: rows.into_iter().map(RunView::from).collect(),
        next,
    })
}

/// One run of `tenant` (of any of its flows).
pub async fn get_run(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    id: Uuid,
) -> DomainResult<RunView> {
    flow_run::Entity::find_by_id(id)
        .filter(flow_run::Column::TenantId.eq(tenant.id().0))
        .one(db)
        .await?
        .map(RunView::from)
        .ok_or(DomainError::NotFound)
}

/// The records a run processed, in the order it wrote them, keyset paged.
pub async fn run_outcomes(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    run_id: Uuid,
    cursor: Option<Cursor>,
    limit: u64,
) -> DomainResult<Page<OutcomeItem>> {
    use sync_outcome::Column as C;
    let limit = limit.clamp(1, 1000);
    let mut c = Condition::all()
        .add(C::RunId.eq(run_id))
        .add(C::TenantId.eq(tenant.id().0));
    if let Some(cur) = cursor {
        c = c
            .add(C::At.gte(cur.at))
            .add(Condition::any().add(C::At.gt(cur.at)).add(C::Id.gt(cur.id)));
    }
    let mut rows = sync_outcome::Entity::find()
        .filter(c)
        .order_by_asc(C::At)
        .order_by_asc(C::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor { at: r.at, id: r.id })
    } else {
        None
    };
    Ok(Page {
        rows: rows.into_iter().map(OutcomeItem::from).collect(),
        next,
    })
}
