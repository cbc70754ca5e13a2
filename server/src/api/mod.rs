//! The JSON API under `/api/v1`, authenticated by bearer API tokens, and its OpenAPI document
//! at `/api/openapi.json` ([`openapi`]), generated from the handlers below.

mod auth;
pub mod connections;
pub mod dashboard;
pub mod flow_settings;
pub mod flows;
pub mod integrations;
pub mod me;
pub mod openapi;

use actix_web::web;
use serde::Serialize;

pub use auth::ApiAccess;

/// The envelope of single results: `{"data": …}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Data<T> {
    pub data: T,
}

pub(crate) fn data<T>(data: T) -> web::Json<Data<T>> {
    web::Json(Data { data })
}
