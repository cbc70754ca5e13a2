//! `/api/v1/integrations/{integration_id}/connections…`: list, create/update and test an
//! integration's connections. Writes need an admin token; secrets are never returned.

use actix_web::web;
use serde::Serialize;

use ferry_domain::DomainError;
use ferry_domain::connections::{
    self, ConnectionInput, ConnectionParams, ConnectionSettings, ConnectionView, TestOutcome,
    parse_system,
};
use ferry_domain::ids::IntegrationId;
use ferry_domain::integrations::SystemKind;
use ferry_domain::tenancy::Role;

use super::ApiAccess;
use super::integrations::ConnectionStateResponse;
use crate::error::ApiError;
use crate::error::ApiErrorBody;
use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Get "/api/v1/integrations/{integration_id}/connections" => list_connections [Access::Api(Role::Viewer)];
    Post "/api/v1/integrations/{integration_id}/connections/{system}" => save_connection [Access::Api(Role::Admin)];
    Post "/api/v1/integrations/{integration_id}/connections/{system}/test" => test_connection [Access::Api(Role::Admin)];
}

/// One connection, without secrets: only the names of the stored secret fields.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConnectionResponse {
    pub system: &'static str,
    /// `jwt_bearer`, `refresh_token`, `client_credentials`, `tba`, or null when not set up.
    pub auth_kind: Option<&'static str>,
    pub settings: ConnectionSettings,
    pub stored_secrets: Vec<String>,
    pub status: ConnectionStateResponse,
    pub last_tested_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&ConnectionView> for ConnectionResponse {
    fn from(v: &ConnectionView) -> Self {
        Self {
            system: v.system.as_str(),
            auth_kind: v.kind.map(|k| k.as_str()),
            settings: v.settings.clone(),
            stored_secrets: v.stored_secrets.clone(),
            status: (&v.state).into(),
            last_tested_at: v.last_tested_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConnectionsResponse {
    pub data: Vec<ConnectionResponse>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TestResponse {
    pub ok: bool,
    pub message: String,
    pub connection: ConnectionResponse,
}

fn system_of(segment: &str) -> Result<SystemKind, ApiError> {
    parse_system(segment).ok_or(ApiError::Domain(DomainError::NotFound))
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations/{integration_id}/connections",
    tag = "connections",
    summary = "An integration's connections, without secrets",
    params(("integration_id" = Uuid, Path, description = "The integration")),
    responses((status = 200, description = "Success", body = ConnectionsResponse), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn list_connections(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
) -> Result<web::Json<ConnectionsResponse>, ApiError> {
    let overview = connections::list_connections(&state.db, &access.tenant, *id).await?;
    Ok(web::Json(ConnectionsResponse {
        data: overview.connections.iter().map(Into::into).collect(),
    }))
}

/// The body is read as bytes and parsed here, so a missing token is always answered 401
/// before any complaint about the body.
#[utoipa::path(
    post,
    path = "/api/v1/integrations/{integration_id}/connections/{system}",
    tag = "connections",
    summary = "Create or replace a connection (admin)",
    params(("integration_id" = Uuid, Path, description = "The integration"), ("system" = String, Path, description = "`salesforce` or `netsuite`")),
    request_body = ConnectionParams,
    responses((status = 200, description = "Success", body = ConnectionResponse), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody), (status = 422, description = "Invalid input", body = ApiErrorBody))
)]
async fn save_connection(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
    body: web::Bytes,
) -> Result<web::Json<ConnectionResponse>, ApiError> {
    access.require(Role::Admin)?;
    let (id, system) = (path.0, system_of(&path.1)?);
    let parsed = serde_json::from_slice::<ConnectionParams>(&body)
        .map_err(|_| DomainError::invalid("body", "Send a JSON object of connection fields."))
        .and_then(|params| ConnectionInput::parse(system, &params));
    let input = match parsed {
        Ok(input) => input,
        Err(e) => {
            // Another tenant's integration is not found, whatever the body says.
            connections::get_connection(&state.db, &access.tenant, id, system).await?;
            return Err(e.into());
        }
    };
    let view =
        connections::save_connection(&state.db, &state.master_key, &access, id, system, input)
            .await?;
    Ok(web::Json((&view).into()))
}

#[utoipa::path(
    post,
    path = "/api/v1/integrations/{integration_id}/connections/{system}/test",
    tag = "connections",
    summary = "Test a connection against the remote system (admin)",
    params(("integration_id" = Uuid, Path, description = "The integration"), ("system" = String, Path, description = "`salesforce` or `netsuite`")),
    responses((status = 200, description = "Success", body = TestResponse), (status = 401, description = "No valid API token", body = ApiErrorBody), (status = 403, description = "The token's role is too low", body = ApiErrorBody), (status = 404, description = "Not found, or another tenant's", body = ApiErrorBody))
)]
async fn test_connection(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
) -> Result<web::Json<TestResponse>, ApiError> {
    let (id, system) = (path.0, system_of(&path.1)?);
    let outcome =
        connections::test_connection(&state.db, &state.master_key, &access, id, system).await?;
    let (_, view) = connections::get_connection(&state.db, &access.tenant, id, system).await?;
    let (ok, message) = match outcome {
        TestOutcome::Connected => (true, format!("Connected to {}.", system.label())),
        TestOutcome::Failed(message) => (false, message),
    };
    Ok(web::Json(TestResponse {
        ok,
        message,
        connection: (&view).into(),
    }))
}
