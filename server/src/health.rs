//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::routes::{Access, route_table};
use crate::state::AppState;

route_table! {
    Get "/healthz" => healthz [Access::Public];
    Get "/readyz" => readyz [Access::Public];
}

/// The process is up and serving.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can reach its database.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if ferry_domain::db::ping(&state.db).await {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({ "status": "database unreachable" }))
    }
}
