//! `POST /services/rest/query/v1/suiteql?limit&offset` (PROTOCOLS.md B5).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde_json::{Map, Value};

use super::error::{NsError, NsErrorCode};
use super::paging::parse_page;
use super::render::{self, COLLECTION_CONTENT_TYPE, request_base};
use super::state::NetsuiteState;
use super::suiteql::{self, EvalContext, datefmt};

pub const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/query/v1/suiteql", web::post().to(run_suiteql));
}

/// True when a `Prefer` header asks for `transient`.
fn prefers_transient(req: &HttpRequest) -> bool {
    req.headers().get_all("Prefer").any(|value| {
        value
            .to_str()
            .map(|v| {
                v.split(',')
                    .any(|p| p.trim().eq_ignore_ascii_case("transient"))
            })
            .unwrap_or(false)
    })
}

async fn run_suiteql(
    state: web::Data<NetsuiteState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, NsError> {
    let settings = state.settings();
    if settings.require_prefer_transient && !prefers_transient(&req) {
        return Err(NsError::new(
            NsErrorCode::InvalidHeader,
            "Invalid value for the Prefer header. SuiteQL requests must send Prefer: transient.",
        )
        .at_header("Prefer"));
    }
    let page = parse_page(req.query_string(), true)?;
    let cap = settings.suiteql_max_results;
    if page.offset > 0 && page.offset >= cap {
        return Err(NsError::new(
            NsErrorCode::InvalidParameter,
            format!(
                "Invalid value {} for query parameter offset. \
                 SuiteQL returns at most {cap} results.",
                page.offset
            ),
        )
        .at_query_param("offset"));
    }
    let json: Value = serde_json::from_slice(&body).map_err(|e| {
        NsError::invalid_content(format!("Invalid content in the request body: {e}"), "")
    })?;
    let Some(q) = json.get("q").and_then(Value::as_str) else {
        return Err(NsError::invalid_content(
            "Invalid content in the request body. The body must be {\"q\": \"<SuiteQL query>\"}.",
            "q",
        ));
    };
    let date_format = datefmt::parse_format(&settings.date_format).unwrap_or_default();
    let ctx = EvalContext {
        now: Utc::now(),
        date_format: date_format.clone(),
    };
    let result = {
        let store = state.store();
        suiteql::run(
            q,
            |name, scope| suiteql::table_for(&store, name, scope),
            &ctx,
        )
    }
    .map_err(|e| {
        NsError::new(
            NsErrorCode::InvalidParameter,
            format!("Invalid search query. Detailed unprocessed description follows. {e}"),
        )
    })?;

    let total = (result.rows.len() as u64).min(cap);
    let items: Vec<Value> = result
        .rows
        .iter()
        .take(usize::try_from(total).unwrap_or(usize::MAX))
        .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .map(|row| {
            let mut item = Map::new();
            item.insert("links".into(), Value::Array(Vec::new()));
            for (column, value) in result.columns.iter().zip(row) {
                match value.render(&date_format) {
                    Some(text) => {
                        item.insert(column.clone(), Value::String(text));
                    }
                    None if !settings.suiteql_omit_nulls => {
                        item.insert(column.clone(), Value::Null);
                    }
                    None => {}
                }
            }
            Value::Object(item)
        })
        .collect();
    let links = render::paging_links(
        &format!("{}{SUITEQL_PATH}", request_base(&req)),
        page.limit,
        page.offset,
        total,
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, COLLECTION_CONTENT_TYPE))
        .body(render::collection_json(links, items, page.offset, total).to_string()))
}
