//! The NetSuite simulator's own admin routes under `/__sandbox/` (next to the shared
//! `/__sandbox/faults` and `/__sandbox/stats`); documented in `docs/sandbox.md`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::registry::{M2mClient, TbaToken};
use super::schema::RecordType;
use super::state::NetsuiteState;
use crate::admin::{AdminError, parse_json};
use crate::keys::verifying_key_from_pem;
use crate::seed::SeedPlan;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/__sandbox", web::get().to(summary))
        .route("/__sandbox/reset", web::post().to(reset))
        .route("/__sandbox/seed", web::post().to(seed))
        .route("/__sandbox/settings", web::get().to(get_settings))
        .route("/__sandbox/settings", web::patch().to(update_settings))
        .route("/__sandbox/governance", web::get().to(get_governance))
        .route("/__sandbox/governance", web::delete().to(reset_governance))
        .route("/__sandbox/auth", web::get().to(get_auth))
        .route(
            "/__sandbox/demo-credentials",
            web::get().to(get_demo_credentials),
        )
        .route(
            "/__sandbox/m2m-clients",
            web::post().to(register_m2m_client),
        )
        .route(
            "/__sandbox/m2m-clients/{certificate_id}",
            web::delete().to(remove_m2m_client),
        )
        .route(
            "/__sandbox/tba-consumers",
            web::post().to(register_tba_consumer),
        )
        .route("/__sandbox/tba-tokens", web::post().to(register_tba_token))
        .route("/__sandbox/revoke", web::post().to(revoke));
}

/// What is in the simulator right now, at a glance.
async fn summary(state: web::Data<NetsuiteState>) -> HttpResponse {
    let settings = state.settings();
    let (customers, contacts) = {
        let store = state.store();
        (
            store.count(RecordType::Customer),
            store.count(RecordType::Contact),
        )
    };
    HttpResponse::Ok().json(json!({
        "simulator": "netsuite",
        "account_id": settings.account_id,
        "base_url": state.base_url(),
        "customers": customers,
        "contacts": contacts,
        "governance": state.governance().snapshot(settings.concurrency_limit),
        "settings": settings,
    }))
}

async fn reset(state: web::Data<NetsuiteState>) -> HttpResponse {
    state.reset();
    HttpResponse::NoContent().finish()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedParams {
    seed: u64,
}

/// Clears the records and loads the data set of `seed` (the same plan the Salesforce
/// simulator uses, so both sides agree).
async fn seed(
    state: web::Data<NetsuiteState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: SeedParams = parse_json(&body)?;
    let plan = SeedPlan::generate(params.seed);
    *state.store() = Default::default();
    state.seed(&plan);
    let store = state.store();
    Ok(HttpResponse::Ok().json(json!({
        "seed": params.seed,
        "customers": store.count(RecordType::Customer),
        "contacts": store.count(RecordType::Contact),
    })))
}

async fn get_settings(state: web::Data<NetsuiteState>) -> HttpResponse {
    HttpResponse::Ok().json(state.settings())
}

/// Merges the given keys into the current settings.
async fn update_settings(
    state: web::Data<NetsuiteState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let changes: Value = parse_json(&body)?;
    let Value::Object(changes) = changes else {
        return Err(AdminError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    };
    let mut current = serde_json::to_value(state.settings())
        .map_err(|e| AdminError::BadRequest(e.to_string()))?;
    if let Value::Object(map) = &mut current {
        map.extend(changes);
    }
    let settings = serde_json::from_value(current)
        .map_err(|e| AdminError::BadRequest(format!("invalid settings: {e}")))?;
    state
        .set_settings(settings)
        .map_err(AdminError::BadRequest)?;
    Ok(HttpResponse::Ok().json(state.settings()))
}

async fn get_governance(state: web::Data<NetsuiteState>) -> HttpResponse {
    HttpResponse::Ok().json(
        state
            .governance()
            .snapshot(state.settings().concurrency_limit),
    )
}

async fn reset_governance(state: web::Data<NetsuiteState>) -> HttpResponse {
    state.governance().reset();
    HttpResponse::NoContent().finish()
}

async fn get_auth(state: web::Data<NetsuiteState>) -> HttpResponse {
    HttpResponse::Ok().json(state.auth().view())
}

async fn get_demo_credentials(state: web::Data<NetsuiteState>) -> HttpResponse {
    HttpResponse::Ok().json(state.demo_credentials())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct M2mClientParams {
    client_id: String,
    certificate_id: String,
    /// An X.509 certificate (`CERTIFICATE`) or a public key (`PUBLIC KEY`) PEM.
    pem: String,
}

async fn register_m2m_client(
    state: web::Data<NetsuiteState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: M2mClientParams = parse_json(&body)?;
    if params.client_id.is_empty() || params.certificate_id.is_empty() {
        return Err(AdminError::BadRequest(
            "client_id and certificate_id must not be empty".into(),
        ));
    }
    let key =
        verifying_key_from_pem(&params.pem).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    state.auth().register_m2m(M2mClient {
        client_id: params.client_id.clone(),
        certificate_id: params.certificate_id.clone(),
        key,
    });
    Ok(HttpResponse::Created().json(json!({
        "client_id": params.client_id,
        "certificate_id": params.certificate_id,
    })))
}

async fn remove_m2m_client(
    state: web::Data<NetsuiteState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    if state.auth().remove_m2m(&path) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AdminError::NotFound(format!("no certificate {path}")))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TbaConsumerParams {
    consumer_key: String,
    consumer_secret: String,
}

async fn register_tba_consumer(
    state: web::Data<NetsuiteState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: TbaConsumerParams = parse_json(&body)?;
    if params.consumer_key.is_empty() {
        return Err(AdminError::BadRequest(
            "consumer_key must not be empty".into(),
        ));
    }
    state
        .auth()
        .register_consumer(params.consumer_key.clone(), params.consumer_secret);
    Ok(HttpResponse::Created().json(json!({"consumer_key": params.consumer_key})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TbaTokenParams {
    consumer_key: String,
    token_id: String,
    token_secret: String,
}

async fn register_tba_token(
    state: web::Data<NetsuiteState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: TbaTokenParams = parse_json(&body)?;
    let mut auth = state.auth();
    if auth.consumer_secret(&params.consumer_key).is_none() {
        return Err(AdminError::NotFound(format!(
            "no consumer {}",
            params.consumer_key
        )));
    }
    if params.token_id.is_empty() {
        return Err(AdminError::BadRequest("token_id must not be empty".into()));
    }
    auth.register_tba_token(
        params.token_id.clone(),
        TbaToken {
            consumer_key: params.consumer_key,
            token_secret: params.token_secret,
            revoked: false,
        },
    );
    Ok(HttpResponse::Created().json(json!({"token_id": params.token_id})))
}

/// What to revoke; every given key is applied.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RevokeParams {
    /// One issued M2M access token.
    access_token: Option<String>,
    /// Every access token issued to this client id.
    client_id: Option<String>,
    /// Every access token issued so far.
    all_access_tokens: bool,
    /// A TBA token id.
    tba_token_id: Option<String>,
}

async fn revoke(
    state: web::Data<NetsuiteState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: RevokeParams = parse_json(&body)?;
    let mut auth = state.auth();
    let mut revoked = 0;
    if let Some(token) = &params.access_token {
        if !auth.revoke_access_token(token) {
            return Err(AdminError::NotFound("no such access token".into()));
        }
        revoked += 1;
    }
    if let Some(client_id) = &params.client_id {
        revoked += auth.revoke_access_tokens_of(Some(client_id));
    }
    if params.all_access_tokens {
        revoked += auth.revoke_access_tokens_of(None);
    }
    if let Some(token_id) = &params.tba_token_id {
        if !auth.revoke_tba_token(token_id) {
            return Err(AdminError::NotFound(format!("no TBA token {token_id}")));
        }
        revoked += 1;
    }
    Ok(HttpResponse::Ok().json(json!({"revoked": revoked})))
}
