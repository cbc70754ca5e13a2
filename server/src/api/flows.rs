//! `/api/v1/flows…` and `/api/v1/records…`: a flow's state, runs, errors and backfills, turning
//! it on and off, retrying a record, and one record's timeline.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use ferry_domain::DomainError;
use ferry_domain::flows::manage::{self, FlowView};
use ferry_domain::ids::FlowId;
use ferry_domain::sync::backfill::{self, BackfillView};
use ferry_domain::sync::reads::{self, ErrorView, RunView, TimelineEntry};
use ferry_domain::sync::retry;
use ferry_domain::tenancy::Role;

use super::{ApiAccess, Data, data};
use crate::error::ApiError;
use crate::error::ApiErrorBody;
use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Get "/api/v1/flows/{flow_id}" => get_flow [Access::Api(Role::Viewer)];
    Post "/api/v1/flows/{flow_id}/enable" => enable [Access::Api(Role::Admin)];
    Post "/api/v1/flows/{flow_id}/disable" => disable [Access::Api(Role::Admin)];
    Get "/api/v1/flows/{flow_id}/runs" => runs [Access::Api(Role::Viewer)];
    Get "/api/v1/flows/{flow_id}/errors" => errors [Access::Api(Role::Viewer)];
    Get "/api/v1/flows/{flow_id}/backfills" => backfills [Access::Api(Role::Viewer)];
    Post "/api/v1/flows/{flow_id}/backfills" => start_backfill [Access::Api(Role::Admin)];
    Post "/api/v1/flows/{flow_id}/records/{record_id}/retry" => retry_record [Access::Api(Role::Member)];
    Get "/api/v1/records/{record_id}/timeline" => timeline [Access::Api(Role::Viewer)];
}

#[utoipa::path(
    get,
    path = "/api/v1/flows/{flow_id}",
    tag = "flows",
    summary = "A flow's state",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    responses((status = 200, description = "Success", body = Data<FlowView>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn get_flow(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
) -> Result<web::Json<Data<FlowView>>, ApiError> {
    Ok(data(
        manage::get_flow(&state.db, &state.master_key, &access, *id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/flows/{flow_id}/enable",
    tag = "flows",
    summary = "Turn a flow on (admin)",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    responses((status = 200, description = "Success", body = Data<FlowView>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn enable(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
) -> Result<web::Json<Data<FlowView>>, ApiError> {
    Ok(data(
        manage::set_enabled(&state.db, &state.master_key, &access, *id, true).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/flows/{flow_id}/disable",
    tag = "flows",
    summary = "Turn a flow off (admin)",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    responses((status = 200, description = "Success", body = Data<FlowView>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn disable(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
) -> Result<web::Json<Data<FlowView>>, ApiError> {
    Ok(data(
        manage::set_enabled(&state.db, &state.master_key, &access, *id, false).await?,
    ))
}

#[derive(Deserialize)]
struct Limit {
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    status: Option<String>,
}

impl Limit {
    fn get(&self) -> u64 {
        self.limit.unwrap_or(50).clamp(1, 500)
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/flows/{flow_id}/runs",
    tag = "flows",
    summary = "A flow's recent runs, newest first",
    params(("flow_id" = Uuid, Path, description = "The flow"), ("limit" = Option<u64>, Query, description = "Rows to return, 1 to 500 (default 50)")),
    responses((status = 200, description = "Success", body = Data<Vec<RunView>>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn runs(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
    query: web::Query<Limit>,
) -> Result<web::Json<Data<Vec<RunView>>>, ApiError> {
    Ok(data(
        reads::recent_runs(&state.db, &access.tenant, *id, query.get()).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/flows/{flow_id}/errors",
    tag = "flows",
    summary = "A flow's errors",
    params(("flow_id" = Uuid, Path, description = "The flow"), ("limit" = Option<u64>, Query, description = "Rows to return, 1 to 500 (default 50)"), ("status" = Option<String>, Query, description = "`open` (default) or `resolved`")),
    responses((status = 200, description = "Success", body = Data<Vec<ErrorView>>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn errors(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
    query: web::Query<Limit>,
) -> Result<web::Json<Data<Vec<ErrorView>>>, ApiError> {
    let status = match query.status.as_deref() {
        None | Some("open") => "open",
        Some("resolved") => "resolved",
        Some(_) => {
            return Err(
                DomainError::invalid("status", "Use status=open or status=resolved.").into(),
            );
        }
    };
    Ok(data(
        reads::flow_errors(&state.db, &access.tenant, *id, status, query.get()).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/flows/{flow_id}/backfills",
    tag = "flows",
    summary = "A flow's recent runs of 'Sync existing records'",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    responses((status = 200, description = "Success", body = Data<Vec<BackfillView>>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn backfills(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
) -> Result<web::Json<Data<Vec<BackfillView>>>, ApiError> {
    Ok(data(
        backfill::recent_backfills(&state.db, &access, *id, 20).await?,
    ))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
struct BackfillRequest {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    modified_since: Option<DateTime<Utc>>,
}

#[utoipa::path(
    post,
    path = "/api/v1/flows/{flow_id}/backfills",
    tag = "flows",
    summary = "Sync existing records, or count what a sync would do (admin)",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    request_body(content = BackfillRequest, description = "Optional; no body starts a real sync of every record"),
    responses((status = 200, description = "Success", body = Data<BackfillView>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 409, description = "A backfill of this flow is already running", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn start_backfill(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
    body: web::Bytes,
) -> Result<web::Json<Data<BackfillView>>, ApiError> {
    access.require(Role::Admin)?;
    let request: BackfillRequest = if body.is_empty() {
        BackfillRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            DomainError::invalid(
                "body",
                "Send {\"dry_run\": true|false, \"modified_since\": \"2026-01-01T00:00:00Z\"} (both optional).",
            )
        })?
    };
    let view = backfill::start_backfill(
        &state.db,
        state.sync.waker.as_ref(),
        &access,
        *id,
        request.dry_run,
        request.modified_since,
    )
    .await?;
    Ok(data(view))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Queued {
    queued: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/flows/{flow_id}/records/{record_id}/retry",
    tag = "flows",
    summary = "Sync one record again (member)",
    params(("flow_id" = Uuid, Path, description = "The flow"), ("record_id" = String, Path, description = "The Salesforce record id (15 or 18 characters)")),
    responses((status = 200, description = "Success", body = Data<Queued>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn retry_record(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    path: web::Path<(FlowId, String)>,
) -> Result<web::Json<Data<Queued>>, ApiError> {
    let (flow_id, record_id) = path.into_inner();
    retry::retry_record(
        &state.db,
        state.sync.waker.as_ref(),
        &access,
        flow_id,
        &record_id,
    )
    .await?;
    Ok(data(Queued { queued: true }))
}

#[utoipa::path(
    get,
    path = "/api/v1/records/{record_id}/timeline",
    tag = "records",
    summary = "A record's history across the tenant's flows",
    params(("record_id" = String, Path, description = "The Salesforce record id (15 or 18 characters)")),
    responses((status = 200, description = "Success", body = Data<Vec<TimelineEntry>>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn timeline(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    record_id: web::Path<String>,
) -> Result<web::Json<Data<Vec<TimelineEntry>>>, ApiError> {
    Ok(data(
        reads::record_timeline(&state.db, &access.tenant, &record_id, 200).await?,
    ))
}
