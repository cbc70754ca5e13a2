//! `Authorization: Bearer <token>` → the token's tenant access.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use ferry_domain::api_tokens;
use ferry_domain::tenancy::TenantAccess;

use crate::error::ApiError;
use crate::state::AppState;

/// Verified API access: the tenant is the token's, never a request parameter.
pub struct ApiAccess(pub TenantAccess);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl FromRequest for ApiAccess {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::Unauthorized);
            };
            api_tokens::access_for_token(&state.db, &token)
                .await?
                .map(ApiAccess)
                .ok_or(ApiError::Unauthorized)
        })
    }
}
