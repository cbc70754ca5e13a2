//! The dashboards' JSON API: errors (list, filter, groups, one, retry, resolve — on one, a
//! selection or a filter), runs and their records, record outcomes, a record's timeline and
//! the integration's summary. Lists are keyset-paged: pass the response's `next` as `after`.

use actix_web::web;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use ferry_domain::DomainError;
use ferry_domain::dashboard::errors::{
    self, Acting, Count, ErrorItem, ErrorScope, Page, Requeued, SignatureGroup, Target,
};
use ferry_domain::dashboard::filter::{ErrorFilter, ErrorFilterParams, cursor_of};
use ferry_domain::dashboard::outcomes::{self, OutcomeFilter, OutcomeFilterParams, OutcomeItem};
use ferry_domain::dashboard::overview::{self, IntegrationFlows, IntegrationSummary};
use ferry_domain::dashboard::runs::{self, RunFilter, RunFilterParams};
use ferry_domain::dashboard::timeline::{self, TimelineItem};
use ferry_domain::ids::IntegrationId;
use ferry_domain::sync::reads::RunView;
use ferry_domain::tenancy::{Role, TenantAccess};

use super::{ApiAccess, Data, data};
use crate::error::ApiError;
use crate::error::ApiErrorBody;
use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Get "/api/v1/integrations/{integration_id}/summary" => summary [Access::Api(Role::Viewer)];
    Get "/api/v1/integrations/{integration_id}/errors" => list_errors [Access::Api(Role::Viewer)];
    Get "/api/v1/integrations/{integration_id}/errors/groups" => error_groups [Access::Api(Role::Viewer)];
    Post "/api/v1/integrations/{integration_id}/errors/retry" => retry_errors [Access::Api(Role::Member)];
    Post "/api/v1/integrations/{integration_id}/errors/resolve" => resolve_errors [Access::Api(Role::Member)];
    Get "/api/v1/errors/{error_id}" => get_error [Access::Api(Role::Viewer)];
    Post "/api/v1/errors/{error_id}/retry" => retry_error [Access::Api(Role::Member)];
    Post "/api/v1/errors/{error_id}/resolve" => resolve_error [Access::Api(Role::Member)];
    Get "/api/v1/integrations/{integration_id}/runs" => list_runs [Access::Api(Role::Viewer)];
    Get "/api/v1/runs/{run_id}" => get_run [Access::Api(Role::Viewer)];
    Get "/api/v1/integrations/{integration_id}/outcomes" => list_outcomes [Access::Api(Role::Viewer)];
    Get "/api/v1/integrations/{integration_id}/records/{record_id}/timeline" => record_timeline [Access::Api(Role::Viewer)];
}

/// A page of a list: the rows, the cursor of the next page, and (for errors) the count.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Listed<T> {
    pub data: Vec<T>,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Count>,
}

fn listed<T>(page: Page<T>, total: Option<Count>) -> web::Json<Listed<T>> {
    web::Json(Listed {
        next: page.next.map(|c| c.encode()),
        data: page.rows,
        total,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    #[serde(flatten)]
    filter: ErrorFilterParams,
    limit: Option<u64>,
}

fn limit(l: Option<u64>) -> u64 {
    l.unwrap_or(50).clamp(1, 500)
}

async fn integration(
    state: &AppState,
    access: &TenantAccess,
    id: IntegrationId,
) -> Result<IntegrationFlows, ApiError> {
    Ok(overview::integration_flows(&state.db, &access.tenant, id).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/summary",
    tag = "integrations",
    summary = "Each flow's numbers and the last 24 hours",
    params(("integration_id" = Uuid, Path, description = "The integration")),
    responses((status = 200, description = "Success", body = Data<IntegrationSummary>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn summary(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
) -> Result<web::Json<Data<IntegrationSummary>>, ApiError> {
    let i = integration(&state, &access, *id).await?;
    Ok(data(
        overview::summary(&state.db, &access.tenant, &i).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/errors",
    tag = "errors",
    summary = "An integration's errors, filtered, newest first (keyset paged)",
    params(("integration_id" = Uuid, Path, description = "The integration"), ErrorFilterParams, ("limit" = Option<u64>, Query, description = "Rows to return, 1 to 500 (default 50)")),
    responses((status = 200, description = "Success", body = Listed<ErrorItem>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn list_errors(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Listed<ErrorItem>>, ApiError> {
    let i = integration(&state, &access, *id).await?;
    let filter = ErrorFilter::try_from(&query.filter)?;
    let scope = i.scope(&access.tenant);
    let page = errors::list_errors(
        &state.db,
        &scope,
        &filter,
        cursor_of(&query.filter.after),
        limit(query.limit),
    )
    .await?;
    let total = errors::count_errors(&state.db, &scope, &filter).await?;
    Ok(listed(page, Some(total)))
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/errors/groups",
    tag = "errors",
    summary = "Errors grouped by signature (same flow, kind, code and message)",
    params(("integration_id" = Uuid, Path, description = "The integration"), ErrorFilterParams, ("limit" = Option<u64>, Query, description = "Rows to return, 1 to 500 (default 50)")),
    responses((status = 200, description = "Success", body = Data<Vec<SignatureGroup>>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn error_groups(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Data<Vec<SignatureGroup>>>, ApiError> {
    let i = integration(&state, &access, *id).await?;
    let filter = ErrorFilter::try_from(&query.filter)?;
    Ok(data(
        errors::signature_groups(
            &state.db,
            &i.scope(&access.tenant),
            &filter,
            limit(query.limit).min(100),
        )
        .await?,
    ))
}

/// A bulk action's body: `{"ids": [...]}` or `{"filter": {"kind": "validation", …}}`.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
struct BulkRequest {
    ids: Option<Vec<Uuid>>,
    filter: Option<ErrorFilterParams>,
}

fn bulk_target(body: &[u8]) -> Result<Target, DomainError> {
    let request: BulkRequest = serde_json::from_slice(body).map_err(|_| {
        DomainError::invalid(
            "body",
            "Send {\"ids\": [\"…\"]} or {\"filter\": {\"kind\": \"validation\", \"code\": \"…\"}}.",
        )
    })?;
    match (request.ids, request.filter) {
        (Some(ids), None) => Ok(Target::Ids(ids)),
        (None, Some(filter)) => Ok(Target::Filter(ErrorFilter::try_from(&filter)?)),
        _ => Err(DomainError::invalid(
            "body",
            "Send either \"ids\" or \"filter\", not both.",
        )),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/integrations/{integration_id}/errors/retry",
    tag = "errors",
    summary = "Retry the errors named by ids or matching a filter (member)",
    params(("integration_id" = Uuid, Path, description = "The integration")),
    request_body = BulkRequest,
    responses((status = 200, description = "Success", body = Data<Requeued>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn retry_errors(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    body: web::Bytes,
) -> Result<web::Json<Data<Requeued>>, ApiError> {
    access.require(Role::Member)?;
    let i = integration(&state, &access, *id).await?;
    let target = bulk_target(&body)?;
    Ok(data(
        errors::retry_errors(
            &state.db,
            state.sync.waker.as_ref(),
            Acting::Tenant(&access),
            &i.scope(&access.tenant),
            target,
        )
        .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Resolved {
    resolved: u64,
}

#[utoipa::path(
    post,
    path = "/api/v1/integrations/{integration_id}/errors/resolve",
    tag = "errors",
    summary = "Resolve the errors named by ids or matching a filter without syncing (member)",
    params(("integration_id" = Uuid, Path, description = "The integration")),
    request_body = BulkRequest,
    responses((status = 200, description = "Success", body = Data<Resolved>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn resolve_errors(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    body: web::Bytes,
) -> Result<web::Json<Data<Resolved>>, ApiError> {
    access.require(Role::Member)?;
    let i = integration(&state, &access, *id).await?;
    let target = bulk_target(&body)?;
    let resolved =
        errors::resolve_errors(&state.db, &access, &i.scope(&access.tenant), target).await?;
    Ok(data(Resolved { resolved }))
}

#[utoipa::path(
    get,
    path = "/api/v1/errors/{error_id}",
    tag = "errors",
    summary = "One error",
    params(("error_id" = Uuid, Path, description = "The error")),
    responses((status = 200, description = "Success", body = Data<ErrorItem>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn get_error(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Data<ErrorItem>>, ApiError> {
    Ok(data(
        errors::get_error(&state.db, &ErrorScope::tenant(&access.tenant), *id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/errors/{error_id}/retry",
    tag = "errors",
    summary = "Retry one error's record (member)",
    params(("error_id" = Uuid, Path, description = "The error")),
    responses((status = 200, description = "Success", body = Data<Requeued>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn retry_error(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Data<Requeued>>, ApiError> {
    Ok(data(
        errors::retry_errors(
            &state.db,
            state.sync.waker.as_ref(),
            Acting::Tenant(&access),
            &ErrorScope::tenant(&access.tenant),
            Target::Ids(vec![*id]),
        )
        .await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/errors/{error_id}/resolve",
    tag = "errors",
    summary = "Resolve one error without syncing (member)",
    params(("error_id" = Uuid, Path, description = "The error")),
    responses((status = 200, description = "Success", body = Data<ErrorItem>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn resolve_error(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<Data<ErrorItem>>, ApiError> {
    access.require(Role::Member)?;
    let scope = ErrorScope::tenant(&access.tenant);
    errors::get_error(&state.db, &scope, *id).await?;
    errors::resolve_errors(&state.db, &access, &scope, Target::Ids(vec![*id])).await?;
    Ok(data(errors::get_error(&state.db, &scope, *id).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/runs",
    tag = "runs",
    summary = "An integration's runs, newest first (keyset paged)",
    params(("integration_id" = Uuid, Path, description = "The integration"), RunFilterParams),
    responses((status = 200, description = "Success", body = Listed<RunView>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn list_runs(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<RunFilterParams>,
) -> Result<web::Json<Listed<RunView>>, ApiError> {
    let i = integration(&state, &access, *id).await?;
    let filter = RunFilter::try_from(&*query)?;
    let page = runs::list_runs(
        &state.db,
        &access.tenant,
        &i,
        &filter,
        cursor_of(&query.after),
        50,
    )
    .await?;
    Ok(listed(page, None))
}

#[derive(Serialize, utoipa::ToSchema)]
struct RunWithRecords {
    run: RunView,
    records: Vec<OutcomeItem>,
    /// Pass as `after` for more records.
    next: Option<String>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
struct AfterQuery {
    /// The `next` cursor of the previous page of records.
    after: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/runs/{run_id}",
    tag = "runs",
    summary = "One run and the records it processed (keyset paged)",
    params(("run_id" = Uuid, Path, description = "The run"), AfterQuery),
    responses((status = 200, description = "Success", body = Data<RunWithRecords>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn get_run(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<AfterQuery>,
) -> Result<web::Json<Data<RunWithRecords>>, ApiError> {
    let run = runs::get_run(&state.db, &access.tenant, *id).await?;
    let page =
        runs::run_outcomes(&state.db, &access.tenant, *id, cursor_of(&query.after), 500).await?;
    Ok(data(RunWithRecords {
        run,
        next: page.next.map(|c| c.encode()),
        records: page.rows,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/outcomes",
    tag = "records",
    summary = "Record outcomes (created, updated, skipped…), newest first (keyset paged)",
    params(("integration_id" = Uuid, Path, description = "The integration"), OutcomeFilterParams),
    responses((status = 200, description = "Success", body = Listed<OutcomeItem>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn list_outcomes(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<OutcomeFilterParams>,
) -> Result<web::Json<Listed<OutcomeItem>>, ApiError> {
    let i = integration(&state, &access, *id).await?;
    let filter = OutcomeFilter::try_from(&*query)?;
    let page = outcomes::list_outcomes(
        &state.db,
        &access.tenant,
        &i,
        &filter,
        cursor_of(&query.after),
        100,
    )
    .await?;
    Ok(listed(page, None))
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/records/{record_id}/timeline",
    tag = "records",
    summary = "A record's history in one integration, with decisions and errors",
    params(("integration_id" = Uuid, Path, description = "The integration"), ("record_id" = String, Path, description = "The Salesforce record id (15 or 18 characters)")),
    responses((status = 200, description = "Success", body = Data<Vec<TimelineItem>>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn record_timeline(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
) -> Result<web::Json<Data<Vec<TimelineItem>>>, ApiError> {
    let (id, record_id) = path.into_inner();
    let i = integration(&state, &access, id).await?;
    Ok(data(
        timeline::for_integration(&state.db, &access.tenant, &i, &record_id, 300).await?,
    ))
}
