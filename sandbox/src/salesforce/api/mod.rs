//! `/services/data/…`: the REST data API. Each resource is a small function over checked input
//! returning an [`ApiReply`], so Composite can run subrequests through the same code.

pub mod collections;
pub mod composite;
pub mod describe;
pub mod query;
pub mod resources;
pub mod sobjects;

use std::future::{Ready, ready};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::error::SfError;
use super::schema::ObjectKind;
use super::settings::SalesforceSettings;
use super::{Org, SalesforceState};

/// A successful answer of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiReply {
    pub status: StatusCode,
    pub body: Option<Value>,
}

impl ApiReply {
    pub fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
        }
    }

    pub fn created(body: Value) -> Self {
        Self {
            status: StatusCode::CREATED,
            body: Some(body),
        }
    }

    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }

    pub fn into_response(self) -> HttpResponse {
        match self.body {
            Some(body) => HttpResponse::build(self.status).json(body),
            None => HttpResponse::build(self.status).finish(),
        }
    }
}

pub type ApiResult = Result<ApiReply, SfError>;

/// One unit of work against the org: the lock is held for its whole length, so a composite
/// request or an allOrNone collection is atomic, and the records it wrote get their outbound
/// notifications only once it is committed.
pub struct Tx<'a> {
    pub org: &'a mut Org,
    pub settings: &'a SalesforceSettings,
    pub caller: &'a Caller,
    /// Records created or updated, for outbound messages.
    pub written: Vec<String>,
}

impl Tx<'_> {
    pub fn version(&self) -> &str {
        &self.caller.version
    }
}

/// Runs `work` as one transaction and answers with its reply or error.
pub fn run<F>(state: &SalesforceState, caller: &Caller, work: F) -> HttpResponse
where
    F: FnOnce(&mut Tx<'_>) -> ApiResult,
{
    let settings = state.settings();
    let mut org = state.lock();
    let mut tx = Tx {
        org: &mut org,
        settings: &settings,
        caller,
        written: Vec::new(),
    };
    let result = work(&mut tx);
    let written = std::mem::take(&mut tx.written);
    let queued = org.notify_written(&written);
    let published = org.publish_changes(&caller.change_origin());
    drop(org);
    if queued > 0 || published > 0 {
        state.wake_deliverer();
    }
    match result {
        Ok(reply) => reply.into_response(),
        Err(error) => actix_web::ResponseError::error_response(&error),
    }
}

/// The authenticated caller of a data call, with the API version of the URL.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    /// `vNN.N` as written in the URL; echoed in every URL the simulator generates.
    pub version: String,
    /// `client=` of the `Sforce-Call-Options` header: tags writes in `changeOrigin`.
    pub client: Option<String>,
}

impl Caller {
    /// The `changeOrigin` of this caller's writes.
    pub fn change_origin(&self) -> String {
        let version = self.version.trim_start_matches('v');
        match &self.client {
            Some(client) => format!("com/salesforce/api/rest/{version};client={client}"),
            None => format!("com/salesforce/api/rest/{version}"),
        }
    }

    /// The numeric API version (`67.0` → 67.0).
    pub fn version_number(&self) -> f64 {
        self.version.trim_start_matches('v').parse().unwrap_or(0.0)
    }
}

/// `vNN.N`, the only version form the data API accepts.
pub fn valid_version(text: &str) -> bool {
    text.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            (1..=3).contains(&major.len())
                && minor.len() == 1
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        })
}

impl FromRequest for Caller {
    type Error = SfError;
    type Future = Ready<Result<Self, SfError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<Caller, SfError> {
    let state = req
        .app_data::<web::Data<SalesforceState>>()
        .ok_or_else(SfError::not_found)?;
    let version = req
        .match_info()
        .get("version")
        .unwrap_or_default()
        .to_owned();
    if !valid_version(&version) {
        return Err(SfError::not_found());
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        })
        .map(str::trim)
        .ok_or_else(SfError::invalid_session)?;
    let settings = state.settings();
    let mut org = state.lock();
    let user_id = org
        .auth
        .session_user(token, Duration::from_secs(settings.session_timeout_secs))
        .ok_or_else(SfError::invalid_session)?;
    let today = Utc::now().date_naive();
    if org.usage.day != today {
        org.usage.day = today;
        org.usage.used = 0;
    }
    if org.usage.used >= settings.daily_api_limit {
        return Err(SfError::request_limit_exceeded());
    }
    org.usage.used += 1;
    let client = req
        .headers()
        .get("Sforce-Call-Options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split([',', ';']).find_map(|part| {
                let (key, value) = part.split_once('=')?;
                (key.trim() == "client").then(|| value.trim().to_owned())
            })
        });
    Ok(Caller {
        user_id,
        version,
        client,
    })
}

/// Reads a request body up to the configured limit.
pub async fn read_body(
    state: &SalesforceState,
    mut payload: web::Payload,
) -> Result<web::Bytes, SfError> {
    let limit = state.settings().max_body_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| SfError::json_parser(format!("Could not read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(SfError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "REQUEST_ENTITY_TOO_LARGE",
                format!("The request body exceeds the maximum size of {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses a JSON body, answering like Salesforce's JSON parser does.
pub fn parse_json(body: &[u8]) -> Result<Value, SfError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(SfError::json_parser(
            "No content to map due to end-of-input at [line:1, column:0]",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        SfError::json_parser(format!(
            "{} at [line:{}, column:{}]",
            json_reason(&e),
            e.line(),
            e.column()
        ))
    })
}

fn json_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde_json appends " at line L column C"; Salesforce's own position format replaces it.
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// A JSON object body (one record's fields).
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, SfError> {
    match parse_json(body)? {
        Value::Object(map) => Ok(map),
        other => Err(SfError::json_parser(format!(
            "Cannot deserialize instance of SObject out of {} token",
            match other {
                Value::Array(_) => "START_ARRAY",
                Value::String(_) => "VALUE_STRING",
                Value::Number(_) => "VALUE_NUMBER_INT",
                Value::Bool(_) => "VALUE_TRUE",
                _ => "VALUE_NULL",
            }
        ))),
    }
}

/// An sObject type named in a URL.
pub fn object_named(name: &str) -> Result<ObjectKind, SfError> {
    ObjectKind::parse(name).ok_or_else(|| SfError::unknown_sobject(name))
}

const LIMIT_INFO: HeaderName = HeaderName::from_static("sforce-limit-info");

/// Adds `Sforce-Limit-Info: api-usage=used/max` to every data API response.
async fn limit_info(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<SalesforceState>>().cloned();
    let mut res = next.call(req).await?.map_into_boxed_body();
    if let Some(state) = state {
        let max = state.settings().daily_api_limit;
        let used = state.lock().usage.used;
        if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{max}")) {
            res.headers_mut().insert(LIMIT_INFO, value);
        }
    }
    Ok(res)
}

async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&SfError::not_found())
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    actix_web::ResponseError::error_response(&SfError::method_not_allowed(req.method().as_str()))
}

/// A resource answering 405 in Salesforce's shape for methods it does not route.
fn resource(paths: &[&str]) -> actix_web::Resource {
    web::resource(paths.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>())
        .default_service(web::to(method_not_allowed))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(["/services/data", "/services/data/"])
            .route(web::get().to(resources::versions)),
    )
    .service(
        web::scope("/services/data/{version}")
            .wrap(from_fn(limit_info))
            .service(resource(&["", "/"]).route(web::get().to(resources::resources)))
            .service(resource(&["/limits", "/limits/"]).route(web::get().to(resources::limits)))
            .service(resource(&["/sobjects", "/sobjects/"]).route(web::get().to(describe::global)))
            .service(
                resource(&[
                    "/sobjects/{object}/describe",
                    "/sobjects/{object}/describe/",
                ])
                .route(web::get().to(describe::describe)),
            )
            .service(
                resource(&["/sobjects/{object}/updated", "/sobjects/{object}/updated/"])
                    .route(web::get().to(sobjects::get_updated)),
            )
            .service(
                resource(&["/sobjects/{object}/deleted", "/sobjects/{object}/deleted/"])
                    .route(web::get().to(sobjects::get_deleted)),
            )
            .service(
                resource(&["/sobjects/{object}", "/sobjects/{object}/"])
                    .route(web::get().to(describe::basic_info))
                    .route(web::post().to(sobjects::create)),
            )
            .service(
                resource(&["/sobjects/{object}/{id}", "/sobjects/{object}/{id}/"])
                    .route(web::get().to(sobjects::retrieve))
                    .route(web::patch().to(sobjects::update))
                    .route(web::delete().to(sobjects::delete))
                    .route(web::post().to(sobjects::create_by_id_field)),
            )
            .service(
                resource(&["/sobjects/{object}/{field}/{value}"])
                    .route(web::get().to(sobjects::retrieve_by_external_id))
                    .route(web::patch().to(sobjects::upsert))
                    .route(web::delete().to(sobjects::delete_by_external_id)),
            )
            .service(resource(&["/query", "/query/"]).route(web::get().to(query::query)))
            .service(resource(&["/queryAll", "/queryAll/"]).route(web::get().to(query::query_all)))
            .service(resource(&["/query/{locator}"]).route(web::get().to(query::query_more)))
            .service(resource(&["/queryAll/{locator}"]).route(web::get().to(query::query_more)))
            .service(
                resource(&["/composite/sobjects", "/composite/sobjects/"])
                    .route(web::post().to(collections::create))
                    .route(web::patch().to(collections::update))
                    .route(web::delete().to(collections::delete)),
            )
            .service(
                resource(&[
                    "/composite/sobjects/{object}",
                    "/composite/sobjects/{object}/",
                ])
                .route(web::get().to(collections::retrieve))
                .route(web::post().to(collections::retrieve_post)),
            )
            .service(
                resource(&["/composite/sobjects/{object}/{field}"])
                    .route(web::patch().to(collections::upsert)),
            )
            .service(
                resource(&["/composite", "/composite/"])
                    .route(web::post().to(composite::composite)),
            )
            .default_service(web::to(not_found)),
    );
}
