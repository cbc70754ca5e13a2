//! `GET /api/v1/integrations`: the tenant's installed integrations.

use actix_web::web;
use serde::Serialize;

use ferry_domain::integrations::{self, ConnectionState, IntegrationTile};
use ferry_domain::tenancy::Role;

use super::ApiAccess;
use crate::error::ApiError;
use crate::error::ApiErrorBody;
use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Get "/api/v1/integrations" => list_integrations [Access::Api(Role::Viewer)];
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConnectionStateResponse {
    /// `not_connected`, `untested`, `ok` or `broken`.
    pub state: &'static str,
    pub last_checked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub error: Option<String>,
}

impl From<&ConnectionState> for ConnectionStateResponse {
    fn from(s: &ConnectionState) -> Self {
        let (state, last_checked_at, error) = match s {
            ConnectionState::NotConnected => ("not_connected", None, None),
            ConnectionState::Untested => ("untested", None, None),
            ConnectionState::Ok { checked_at } => ("ok", Some(*checked_at), None),
            ConnectionState::Broken { error } => ("broken", None, Some(error.clone())),
        };
        Self {
            state,
            last_checked_at,
            error,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IntegrationResponse {
    pub id: String,
    pub name: String,
    pub environment: String,
    pub salesforce: ConnectionStateResponse,
    pub netsuite: ConnectionStateResponse,
    pub flows_on: usize,
    pub flows_total: usize,
}

impl From<&IntegrationTile> for IntegrationResponse {
    fn from(t: &IntegrationTile) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name.clone(),
            environment: t.environment.clone(),
            salesforce: (&t.salesforce).into(),
            netsuite: (&t.netsuite).into(),
            flows_on: t.flows_on,
            flows_total: t.flows_total,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IntegrationsResponse {
    pub data: Vec<IntegrationResponse>,
}

#[utoipa::path(
    get,
    path = "/api/v1/integrations",
    tag = "integrations",
    summary = "The tenant's integrations with their connection states",
    responses((status = 200, description = "Success", body = IntegrationsResponse), (status = 401, description = "No valid API token", body = ApiErrorBody))
)]
async fn list_integrations(
    ApiAccess(access): ApiAccess,
    state: web::Data<AppState>,
) -> Result<web::Json<IntegrationsResponse>, ApiError> {
    let tiles = integrations::integration_tiles(&state.db, &access.tenant).await?;
    Ok(web::Json(IntegrationsResponse {
        data: tiles.iter().map(Into::into).collect(),
    }))
}
