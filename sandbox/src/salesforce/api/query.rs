//! `query`, `queryAll` and `nextRecordsUrl` pages (PROTOCOLS.md A4).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{ApiReply, ApiResult, Caller, Tx, run};
use crate::salesforce::SalesforceState;
use crate::salesforce::error::SfError;
use crate::salesforce::soql::{self, QueryOutcome, cursor::Page};

pub async fn query(
    state: web::Data<SalesforceState>,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let batch = requested_batch_size(&req);
    run(&state, &caller, |tx| {
        query_op(tx, params.get("q").map(String::as_str), false, batch)
    })
}

pub async fn query_all(
    state: web::Data<SalesforceState>,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let batch = requested_batch_size(&req);
    run(&state, &caller, |tx| {
        query_op(tx, params.get("q").map(String::as_str), true, batch)
    })
}

/// `Sforce-Query-Options: batchSize=N`.
pub fn requested_batch_size(req: &HttpRequest) -> Option<usize> {
    let header = req.headers().get("Sforce-Query-Options")?.to_str().ok()?;
    header.split([';', ',']).find_map(|part| {
        let (key, value) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("batchSize")
            .then(|| value.trim().parse().ok())?
    })
}

pub fn query_op(
    tx: &mut Tx<'_>,
    q: Option<&str>,
    include_deleted: bool,
    batch: Option<usize>,
) -> ApiResult {
    let q = q.filter(|q| !q.trim().is_empty()).ok_or_else(|| {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        )
    })?;
    let version = tx.version().to_owned();
    let outcome = soql::run(q, &tx.org.data, include_deleted, &version)?;
    let rows = match outcome {
        QueryOutcome::Count(n) => {
            return Ok(ApiReply::ok(
                json!({"totalSize": n, "done": true, "records": []}),
            ));
        }
        QueryOutcome::Rows(rows) => rows,
    };
    let settings = tx.settings;
    let batch = batch
        .unwrap_or(settings.query_batch_size)
        .clamp(settings.query_batch_size_min, settings.query_batch_size_max);
    let page = tx
        .org
        .cursors
        .first_page(rows, batch, settings.max_query_cursors);
    Ok(ApiReply::ok(page_json(&version, page)))
}

pub async fn query_more(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (_, locator) = path.into_inner();
    run(&state, &caller, |tx| query_more_op(tx, &locator))
}

pub fn query_more_op(tx: &mut Tx<'_>, locator: &str) -> ApiResult {
    let version = tx.version().to_owned();
    let page = tx.org.cursors.page(locator).ok_or_else(|| {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    })?;
    Ok(ApiReply::ok(page_json(&version, page)))
}

fn page_json(version: &str, page: Page) -> Value {
    let mut body = json!({
        "totalSize": page.total,
        "done": page.next.is_none(),
        "records": page.records,
    });
    if let Some(next) = page.next {
        body["nextRecordsUrl"] = json!(format!("/services/data/{version}/query/{next}"));
    }
    body
}
