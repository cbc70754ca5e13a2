//! `/api/v1/flows/{id}/settings`: read and replace a flow's settings (criteria, lookup,
//! mappings, switches) with the same validation as the settings page, guarded by the flow's
//! version.

use actix_web::web;
use serde::{Deserialize, Serialize};

use ferry_domain::DomainError;
use ferry_domain::flows::FlowSettings;
use ferry_domain::flows::save::{self, StoredSettings};
use ferry_domain::ids::FlowId;
use ferry_domain::tenancy::Role;

use super::{ApiAccess, Data};
use crate::error::ApiError;
use crate::error::ApiErrorBody;
use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Get "/api/v1/flows/{flow_id}/settings" => get_settings [Access::Api(Role::Viewer)];
    Put "/api/v1/flows/{flow_id}/settings" => put_settings [Access::Api(Role::Admin)];
}

/// A flow's settings and the version to send back when replacing them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SettingsResponse {
    pub flow_id: FlowId,
    pub version: i32,
    pub settings: FlowSettings,
    pub criteria_summary: String,
}

impl From<StoredSettings> for SettingsResponse {
    fn from(s: StoredSettings) -> Self {
        Self {
            flow_id: s.flow_id,
            version: s.version,
            criteria_summary: s.criteria_summary,
            settings: s.settings,
        }
    }
}

/// `PUT` body: the version read, and the whole new settings.
#[derive(Deserialize, utoipa::ToSchema)]
struct SettingsParams {
    version: i32,
    settings: FlowSettings,
}

#[utoipa::path(
    get,
    path = "/api/v1/flows/{flow_id}/settings",
    tag = "flows",
    summary = "A flow's settings and version",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    responses((status = 200, description = "Success", body = Data<SettingsResponse>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn get_settings(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
) -> Result<web::Json<Data<SettingsResponse>>, ApiError> {
    let stored = save::get_settings(&state.db, &access, *id).await?;
    Ok(web::Json(Data {
        data: stored.into(),
    }))
}

#[utoipa::path(
    put,
    path = "/api/v1/flows/{flow_id}/settings",
    tag = "flows",
    summary = "Replace a flow's settings, guarded by the version read (admin)",
    params(("flow_id" = Uuid, Path, description = "The flow")),
    request_body = SettingsParams,
    responses((status = 200, description = "Success", body = Data<SettingsResponse>), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 409, description = "The version is stale: someone saved in between", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn put_settings(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<FlowId>,
    body: web::Bytes,
) -> Result<web::Json<Data<SettingsResponse>>, ApiError> {
    access.require(Role::Admin)?;
    // The flow must be the caller's before the body is even read.
    save::get_settings(&state.db, &access, *id).await?;
    let params: SettingsParams = serde_json::from_slice(&body).map_err(|e| {
        DomainError::invalid(
            "body",
            format!(
                "Send {{\"version\": <the version you read>, \"settings\": {{…}}}} as GET \
                 returns them ({e})."
            ),
        )
    })?;
    let saved = save::save_settings(&state.db, &access, *id, params.version, params.settings)
        .await
        .map_err(|e| ApiError::Domain(e.into_domain()))?;
    Ok(web::Json(Data { data: saved.into() }))
}
