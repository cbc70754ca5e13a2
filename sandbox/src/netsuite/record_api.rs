//! `/services/rest/record/v1/{customer|contact}[/{id | eid:externalId}]` (PROTOCOLS.md B3).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::Value;

use super::auth::tba::query_pairs;
use super::error::{NsError, NsErrorCode};
use super::paging::parse_page;
use super::patch::RecordPatch;
use super::render::{
    self, COLLECTION_CONTENT_TYPE, RECORD_PATH, SINGULAR_CONTENT_TYPE, request_base,
};
use super::schema::RecordType;
use super::state::NetsuiteState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/record/v1/{record_type}")
            .route(web::get().to(list_records))
            .route(web::post().to(create_record))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/record/v1/{record_type}/{key}")
            .route(web::get().to(get_record))
            .route(web::patch().to(update_record))
            .route(web::put().to(upsert_record))
            .route(web::delete().to(delete_record))
            .default_service(web::to(method_not_allowed)),
    );
}

async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, NsError> {
    Err(NsError::new(
        NsErrorCode::InvalidMethod,
        format!(
            "The HTTP method {} is not supported on {}.",
            req.method(),
            req.path()
        ),
    ))
}

fn record_type(name: &str) -> Result<RecordType, NsError> {
    RecordType::parse(name).ok_or_else(|| {
        NsError::new(
            NsErrorCode::InvalidParameter,
            format!(
                "Record type '{name}' does not exist. The simulator serves customer and contact."
            ),
        )
        .at_url_path(format!("{RECORD_PATH}/{name}"))
    })
}

fn parse_body(body: &[u8]) -> Result<Value, NsError> {
    serde_json::from_slice(body).map_err(|e| {
        NsError::invalid_content(format!("Invalid content in the request body: {e}"), "")
    })
}

/// 204 with the record's `Location`, the answer to every successful write.
fn written(req: &HttpRequest, rt: RecordType, id: u64) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((
            header::LOCATION,
            render::record_url(&request_base(req), rt, id),
        ))
        .finish()
}

async fn list_records(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, NsError> {
    let rt = record_type(&path)?;
    if query_pairs(req.query_string())
        .iter()
        .any(|(k, _)| k == "q")
    {
        return Err(NsError::new(
            NsErrorCode::InvalidParameter,
            "The simulator does not support collection filters (q); use SuiteQL instead.",
        )
        .at_query_param("q"));
    }
    let page = parse_page(req.query_string(), false)?;
    let base = request_base(&req);
    let store = state.store();
    let total = store.count(rt) as u64;
    let items = store
        .records(rt)
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .map(|r| {
            serde_json::json!({
                "links": [{"rel": "self", "href": render::record_url(&base, rt, r.id)}],
                "id": r.id.to_string(),
            })
        })
        .collect();
    let links = render::paging_links(
        &format!("{base}{RECORD_PATH}/{}", rt.as_str()),
        page.limit,
        page.offset,
        total,
    );
    Ok(HttpResponse::Ok()
        .content_type(COLLECTION_CONTENT_TYPE)
        .body(render::collection_json(links, items, page.offset, total).to_string()))
}

async fn create_record(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, NsError> {
    let rt = record_type(&path)?;
    let json = parse_body(&body)?;
    let mut store = state.store();
    let patch = RecordPatch::parse(rt, &json, &store)?;
    let id = store.create(rt, &patch, Utc::now())?;
    Ok(written(&req, rt, id))
}

async fn get_record(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, NsError> {
    let (type_name, key) = path.into_inner();
    let rt = record_type(&type_name)?;
    let fields: Option<Vec<String>> = query_pairs(req.query_string())
        .into_iter()
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| {
            v.split(',')
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect()
        });
    let store = state.store();
    let record = store.resolve(rt, &key)?;
    let body = render::record_json(record, &store, &request_base(&req), fields.as_deref());
    Ok(HttpResponse::Ok()
        .content_type(SINGULAR_CONTENT_TYPE)
        .body(body.to_string()))
}

async fn update_record(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, NsError> {
    let (type_name, key) = path.into_inner();
    let rt = record_type(&type_name)?;
    let mut store = state.store();
    let id = store.resolve(rt, &key)?.id;
    let json = parse_body(&body)?;
    let patch = RecordPatch::parse(rt, &json, &store)?;
    store.update(rt, id, &patch, Utc::now())?;
    Ok(written(&req, rt, id))
}

async fn upsert_record(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, NsError> {
    let (type_name, key) = path.into_inner();
    let rt = record_type(&type_name)?;
    let Some(external_id) = key.strip_prefix("eid:").filter(|e| !e.is_empty()) else {
        return Err(NsError::new(
            NsErrorCode::InvalidMethod,
            "PUT (upsert) is only supported on an external ID: use .../eid:{externalId}.",
        ));
    };
    let json = parse_body(&body)?;
    let mut store = state.store();
    let patch = RecordPatch::parse(rt, &json, &store)?;
    let outcome = store.upsert(rt, external_id, &patch, Utc::now())?;
    tracing::debug!(?outcome, "NetSuite upsert");
    let id = outcome.id();
    Ok(written(&req, rt, id))
}

async fn delete_record(
    state: web::Data<NetsuiteState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, NsError> {
    let (type_name, key) = path.into_inner();
    let rt = record_type(&type_name)?;
    let mut store = state.store();
    let id = store.resolve(rt, &key)?.id;
    store.delete(rt, id)?;
    Ok(HttpResponse::NoContent().finish())
}
