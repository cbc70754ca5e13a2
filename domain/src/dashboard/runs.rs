//! Run history: an integration's runs newest first (keyset paged), one run, and the records
//! a run processed with their outcomes.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::errors::Page;
use super::filter::Cursor;
use super::outcomes::OutcomeItem;
use super::overview::IntegrationFlows;
use super::window::{Columns, FlowWindow};
use crate::entities::{flow_run, sync_outcome};
use crate::error::{DomainError, DomainResult, FieldErrors};
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

/// Runs are filtered by flow and time only.
pub type RunFilter = FlowWindow;

impl TryFrom<&RunFilterParams> for RunFilter {
    type Error = DomainError;

    fn try_from(p: &RunFilterParams) -> Result<Self, Self::Error> {
        let mut errors = FieldErrors::default();
        let window = FlowWindow::parse(&p.flow, &p.from, &p.to, &mut errors);
        errors.into_result()?;
        Ok(window)
    }
}

impl RunFilter {
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        self.flow_pair()
            .into_iter()
            .chain(self.date_pairs())
            .collect()
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
    let cols = Columns {
        tenant: C::TenantId,
        flow: C::FlowId,
        at: C::StartedAt,
        id: C::Id,
    };
    flow_run::Entity::find()
        .filter(filter.condition(tenant, integration, cols, cursor))
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
