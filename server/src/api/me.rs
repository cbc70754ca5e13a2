//! `GET /api/v1/me`: who the token acts as.

use actix_web::web;
use serde::Serialize;

use ferry_domain::tenancy::Role;

use super::ApiAccess;
use crate::error::ApiErrorBody;
use crate::routes::{Access, route_table};

route_table! {
    Get "/api/v1/me" => me [Access::Api(Role::Viewer)];
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TenantResponse {
    pub id: String,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    pub tenant: TenantResponse,
    pub actor: String,
    pub role: Role,
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    summary = "Who the token acts as: its tenant and role",
    responses((status = 200, description = "Success", body = MeResponse), (status = 401, description = "No valid API token", body = ApiErrorBody))
)]
async fn me(ApiAccess(access): ApiAccess) -> web::Json<MeResponse> {
    web::Json(MeResponse {
        tenant: TenantResponse {
            id: access.tenant.id().to_string(),
            name: access.tenant.name().to_owned(),
        },
        actor: access.actor.label,
        role: access.role,
    })
}
