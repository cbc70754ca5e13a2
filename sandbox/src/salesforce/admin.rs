//! Salesforce-specific admin routes under `/__sandbox/` (the shared ones, faults and stats, are
//! in `crate::admin`). Documented in `docs/sandbox.md`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::auth::{ConnectedApp, ConnectedAppView};
use super::cdc::SubscriptionParams;
use super::outbound::OutboundRuleParams;
use super::schema::ObjectKind;
use super::store::User;
use super::{SalesforceSettings, SalesforceState, ids};
use crate::admin::{AdminError, parse_json};
use crate::keys;
use crate::seed::SeedPlan;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/__sandbox").route(web::get().to(summary)))
        .service(
            web::resource("/__sandbox/demo-credentials").route(web::get().to(demo_credentials)),
        )
        .service(web::resource("/__sandbox/reset").route(web::post().to(reset)))
        .service(web::resource("/__sandbox/seed").route(web::post().to(seed)))
        .service(
            web::resource("/__sandbox/settings")
                .route(web::get().to(get_settings))
                .route(web::put().to(put_settings)),
        )
        .service(
            web::resource("/__sandbox/clients")
                .route(web::get().to(list_clients))
                .route(web::post().to(register_client)),
        )
        .service(web::resource("/__sandbox/users").route(web::post().to(add_user)))
        .service(
            web::resource("/__sandbox/refresh-tokens").route(web::post().to(grant_refresh_token)),
        )
        .service(
            web::resource("/__sandbox/access-tokens").route(web::post().to(issue_access_token)),
        )
        .service(web::resource("/__sandbox/tokens/revoke").route(web::post().to(revoke_tokens)))
        .service(
            web::resource("/__sandbox/usage")
                .route(web::get().to(get_usage))
                .route(web::put().to(put_usage)),
        )
        .service(
            web::resource("/__sandbox/outbound/rules")
                .route(web::get().to(list_rules))
                .route(web::post().to(add_rule)),
        )
        .service(
            web::resource("/__sandbox/outbound/rules/{id}").route(web::delete().to(delete_rule)),
        )
        .service(web::resource("/__sandbox/outbound/pending").route(web::get().to(pending)))
        .service(web::resource("/__sandbox/outbound/deliveries").route(web::get().to(deliveries)))
        .service(web::resource("/__sandbox/outbound/flush").route(web::post().to(flush)))
        .service(web::resource("/__sandbox/cdc/events").route(web::get().to(cdc_events)))
        .service(
            web::resource("/__sandbox/cdc/subscriptions")
                .route(web::get().to(list_subscriptions))
                .route(web::post().to(subscribe)),
        )
        .service(
            web::resource("/__sandbox/cdc/subscriptions/{id}").route(web::delete().to(unsubscribe)),
        )
        .service(web::resource("/__sandbox/cdc/gap").route(web::post().to(gap)));
}

async fn summary(state: web::Data<SalesforceState>) -> HttpResponse {
    let credentials = state.demo_credentials();
    let org = state.lock();
    HttpResponse::Ok().json(json!({
        "simulator": "salesforce",
        "base_url": state.base_url(),
        "org_id": state.org_id(),
        "consumer_key": credentials.consumer_key,
        "username": credentials.username,
        "accounts": org.data.live(super::schema::ObjectKind::Account).count(),
        "contacts": org.data.live(super::schema::ObjectKind::Contact).count(),
        "outbound_rules": org.outbound.rules.len(),
        "pending_notifications": org.outbound.pending().len(),
        "api_usage": org.usage.used,
    }))
}

/// The pre-registered demo credentials, private key included (the sandbox holds no real data).
async fn demo_credentials(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Ok().json(state.demo_credentials())
}

async fn reset(state: web::Data<SalesforceState>) -> HttpResponse {
    state.reset();
    HttpResponse::NoContent().finish()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedParams {
    seed: u64,
}

/// Clears the org and loads the data set of `seed` (the NetSuite simulator has its own).
async fn seed(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: SeedParams = parse_json(&body)?;
    let plan = SeedPlan::generate(params.seed);
    state.reset();
    state.seed(&plan);
    Ok(HttpResponse::Ok().json(json!({
        "seed": params.seed,
        "accounts": plan.accounts.len(),
        "contacts": plan.contacts.len(),
    })))
}

async fn get_settings(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Ok().json(state.settings())
}

async fn put_settings(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let settings: SalesforceSettings = parse_json(&body)?;
    state
        .set_settings(settings)
        .map_err(AdminError::BadRequest)?;
    Ok(HttpResponse::Ok().json(state.settings()))
}

async fn list_clients(state: web::Data<SalesforceState>) -> HttpResponse {
    let views: Vec<ConnectedAppView> = state
        .lock()
        .auth
        .apps
        .values()
        .map(ConnectedAppView::from)
        .collect();
    HttpResponse::Ok().json(views)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientParams {
    consumer_key: String,
    #[serde(default)]
    consumer_secret: Option<String>,
    /// X.509 certificate (or public key) PEM for JWT bearer.
    #[serde(default)]
    certificate_pem: Option<String>,
    /// Usernames pre-authorized for the app; unknown ones are created as users.
    #[serde(default)]
    usernames: Vec<String>,
    #[serde(default = "yes")]
    require_secret: bool,
    #[serde(default)]
    rotate_refresh_tokens: bool,
}

fn yes() -> bool {
    true
}

async fn register_client(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: ClientParams = parse_json(&body)?;
    if params.consumer_key.trim().is_empty() {
        return Err(AdminError::BadRequest(
            "consumer_key must not be empty".into(),
        ));
    }
    let verifying_key = params
        .certificate_pem
        .as_deref()
        .map(keys::verifying_key_from_pem)
        .transpose()
        .map_err(|e| AdminError::BadRequest(e.to_string()))?;
    if verifying_key
        .as_ref()
        .is_some_and(|k| k.family != keys::KeyFamily::Rsa)
    {
        return Err(AdminError::BadRequest(
            "Salesforce verifies RS256 only: the certificate must hold an RSA key".into(),
        ));
    }
    let mut org = state.lock();
    for username in &params.usernames {
        ensure_user(&mut org.data.users, username);
    }
    let app = ConnectedApp {
        consumer_key: params.consumer_key.clone(),
        consumer_secret: params
            .consumer_secret
            .unwrap_or_else(|| super::auth::random_token(24)),
        require_secret: params.require_secret,
        rotate_refresh_tokens: params.rotate_refresh_tokens,
        verifying_key,
        certificate_pem: params.certificate_pem,
        authorized_usernames: params.usernames.iter().map(|u| u.to_lowercase()).collect(),
    };
    let view = ConnectedAppView::from(&app);
    let secret = app.consumer_secret.clone();
    org.auth.register_app(app);
    let mut body = serde_json::to_value(view).unwrap_or_default();
    body["consumer_secret"] = json!(secret);
    Ok(HttpResponse::Created().json(body))
}

fn ensure_user(users: &mut Vec<User>, username: &str) -> User {
    if let Some(user) = users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
    {
        return user.clone();
    }
    let user = User {
        id: ids::record_id(ids::USER_PREFIX, users.len() as u64 + 1),
        username: username.to_owned(),
        name: username.split('@').next().unwrap_or(username).to_owned(),
    };
    users.push(user.clone());
    user
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserParams {
    username: String,
}

async fn add_user(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: UserParams = parse_json(&body)?;
    let user = ensure_user(&mut state.lock().data.users, &params.username);
    Ok(HttpResponse::Created().json(json!({"id": user.id, "username": user.username})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshParams {
    consumer_key: String,
    username: String,
}

/// Grants a refresh token as if the user had approved the app in a web-server flow.
async fn grant_refresh_token(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: RefreshParams = parse_json(&body)?;
    let mut org = state.lock();
    if !org.auth.apps.contains_key(&params.consumer_key) {
        return Err(AdminError::NotFound(format!(
            "no connected app {}",
            params.consumer_key
        )));
    }
    let user = ensure_user(&mut org.data.users, &params.username);
    let token = org.auth.issue_refresh_token(&params.consumer_key, &user.id);
    Ok(HttpResponse::Created().json(json!({"refresh_token": token, "user_id": user.id})))
}

/// An access token for the demo app and user without an OAuth round trip, for tools that
/// only need to reach the data API (`ferry bench` creating its records). Not counted in stats.
async fn issue_access_token(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Created().json(json!({
        "access_token": state.issue_demo_token(),
        "instance_url": state.base_url(),
        "token_type": "Bearer",
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeParams {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    include_refresh_tokens: bool,
}

/// Revokes one token, or every access token (and refresh tokens when asked).
async fn revoke_tokens(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: RevokeParams = parse_json(&body)?;
    let mut org = state.lock();
    let revoked = match params.token {
        Some(token) => usize::from(org.auth.revoke(&token)),
        None => org.auth.revoke_all(params.include_refresh_tokens),
    };
    Ok(HttpResponse::Ok().json(json!({"revoked": revoked})))
}

async fn get_usage(state: web::Data<SalesforceState>) -> HttpResponse {
    let max = state.settings().daily_api_limit;
    let used = state.lock().usage.used;
    HttpResponse::Ok().json(json!({"used": used, "max": max}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageParams {
    used: u64,
}

async fn put_usage(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: UsageParams = parse_json(&body)?;
    state.lock().usage.used = params.used;
    Ok(get_usage(state).await)
}

async fn list_rules(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Ok().json(state.lock().outbound.rules.clone())
}

async fn add_rule(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: OutboundRuleParams = parse_json(&body)?;
    let rule = state
        .lock()
        .outbound
        .add_rule(params)
        .map_err(AdminError::BadRequest)?;
    Ok(HttpResponse::Created().json(rule))
}

async fn delete_rule(
    state: web::Data<SalesforceState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = path.into_inner();
    if state.lock().outbound.remove_rule(&id) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AdminError::NotFound(format!("no outbound rule {id}")))
    }
}

async fn pending(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Ok().json(state.lock().outbound.pending())
}

async fn deliveries(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Ok().json(state.lock().outbound.log())
}

/// Makes every pending notification due now, skipping the back-off wait.
async fn flush(state: web::Data<SalesforceState>) -> HttpResponse {
    state.lock().outbound.make_all_due();
    state.wake_deliverer();
    HttpResponse::Accepted().finish()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    #[serde(default)]
    after: u64,
    #[serde(default)]
    limit: Option<usize>,
    /// Comma-separated object names; every object when absent.
    #[serde(default)]
    objects: Option<String>,
}

fn parse_objects(list: Option<&str>) -> Result<Vec<ObjectKind>, AdminError> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            ObjectKind::parse(o)
                .ok_or_else(|| AdminError::BadRequest(format!("unknown object {o}")))
        })
        .collect()
}

/// Polls the change log: Streaming API messages with replay id above `after`.
async fn cdc_events(
    state: web::Data<SalesforceState>,
    query: web::Query<EventsQuery>,
) -> Result<HttpResponse, AdminError> {
    let objects = parse_objects(query.objects.as_deref())?;
    let org = state.lock();
    let events: Vec<serde_json::Value> = org
        .cdc
        .since(
            query.after,
            &objects,
            query.limit.unwrap_or(1000).min(10_000),
        )
        .iter()
        .map(|e| e.message())
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "events": events,
        "latestReplayId": org.cdc.latest_replay_id(),
    })))
}

async fn list_subscriptions(state: web::Data<SalesforceState>) -> HttpResponse {
    HttpResponse::Ok().json(state.lock().cdc.subscriptions.clone())
}

async fn subscribe(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: SubscriptionParams = parse_json(&body)?;
    let subscription = state
        .lock()
        .cdc
        .subscribe(params)
        .map_err(AdminError::BadRequest)?;
    state.wake_deliverer();
    Ok(HttpResponse::Created().json(subscription))
}

async fn unsubscribe(
    state: web::Data<SalesforceState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = path.into_inner();
    if state.lock().cdc.unsubscribe(&id) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AdminError::NotFound(format!("no subscription {id}")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GapParams {
    object: String,
    #[serde(default)]
    record_ids: Vec<String>,
    change_type: String,
}

/// Emits a gap event (`GAP_CREATE`, `GAP_UPDATE`, `GAP_DELETE`, `GAP_UNDELETE`,
/// `GAP_OVERFLOW`): subscribers must re-read the records.
async fn gap(
    state: web::Data<SalesforceState>,
    body: web::Bytes,
) -> Result<HttpResponse, AdminError> {
    let params: GapParams = parse_json(&body)?;
    const KINDS: [&str; 5] = [
        "GAP_CREATE",
        "GAP_UPDATE",
        "GAP_DELETE",
        "GAP_UNDELETE",
        "GAP_OVERFLOW",
    ];
    let Some(kind) = KINDS.iter().find(|k| **k == params.change_type) else {
        return Err(AdminError::BadRequest(format!(
            "change_type must be one of {}",
            KINDS.join(", ")
        )));
    };
    let object = ObjectKind::parse(&params.object)
        .ok_or_else(|| AdminError::BadRequest(format!("unknown object {}", params.object)))?;
    let mut org = state.lock();
    org.cdc.gap(object, params.record_ids, kind);
    let replay = org.cdc.latest_replay_id();
    drop(org);
    state.wake_deliverer();
    Ok(HttpResponse::Created().json(json!({"replayId": replay})))
}
