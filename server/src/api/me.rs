//! `GET /api/v1/me`: who the token acts as.

use actix_web::web;
use serde::Serialize;

use ferry_domain::tenancy::Role;

use super::ApiAccess;
use crate::routes::{Access, route_table};

route_table! {
    Get "/api/v1/me" => me [Access::Api(Role::Viewer)];
}

#[derive(Serialize)]
pub struct TenantResponse {
    pub id: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct MeResponse {
    pub tenant: TenantResponse,
    pub actor: String,
    pub role: Role,
}

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
