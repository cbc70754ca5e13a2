//! `GET /api/openapi.json`: the OpenAPI document of `/api/v1`, generated from the handlers'
//! `#[utoipa::path]` attributes and the response types, so it describes what is served. The
//! app tests compare its paths and methods with the route table both ways.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{connections, dashboard, flow_settings, flows, integrations, me};
use crate::routes::{Access, route_table};

route_table! {
    Get "/api/openapi.json" => openapi_json [Access::Public];
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ferry API",
        version = "1",
        description = "Ferry's JSON API: integrations, connections, flows, runs, errors and \
                       record histories of the tenant an API token belongs to. Create tokens \
                       under Settings › API tokens; a token acts with the role it was given. \
                       Another tenant's ids answer 404."
    ),
    paths(
        me::me,
        integrations::list_integrations,
        connections::list_connections,
        connections::save_connection,
        connections::test_connection,
        flows::get_flow,
        flows::enable,
        flows::disable,
        flows::runs,
        flows::errors,
        flows::backfills,
        flows::start_backfill,
        flows::retry_record,
        flows::timeline,
        flow_settings::get_settings,
        flow_settings::put_settings,
        dashboard::summary,
        dashboard::list_errors,
        dashboard::error_groups,
        dashboard::retry_errors,
        dashboard::resolve_errors,
        dashboard::get_error,
        dashboard::retry_error,
        dashboard::resolve_error,
        dashboard::list_runs,
        dashboard::get_run,
        dashboard::list_outcomes,
        dashboard::record_timeline,
    ),
    modifiers(&ApiTokens),
    security(("api_token" = [])),
    tags(
        (name = "account", description = "The token's tenant and role"),
        (name = "integrations", description = "Installed integrations and their numbers"),
        (name = "connections", description = "Salesforce and NetSuite credentials (never returned)"),
        (name = "flows", description = "Flows: state, settings, runs, errors, backfills"),
        (name = "errors", description = "Errors of an integration: list, group, retry, resolve"),
        (name = "runs", description = "Runs and the records they processed"),
        (name = "records", description = "Record outcomes and histories"),
    )
)]
pub struct ApiDoc;

/// The bearer scheme of API tokens (`server/src/api/auth.rs`).
struct ApiTokens;

impl Modify for ApiTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <token>` with an API token of the tenant",
                    ))
                    .build(),
            ),
        );
    }
}

/// Public: the document describes the API, it holds no data.
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
