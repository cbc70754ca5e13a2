//! Composite (PROTOCOLS.md A5): up to 25 subrequests in one call, later ones referring to
//! earlier results with `@{referenceId.path}`; always 200 at the top; one API call.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use super::{
    ApiReply, ApiResult, Caller, Tx, collections, describe, parse_json, query, read_body,
    resources, run, sobjects, valid_version,
};
use crate::salesforce::SalesforceState;
use crate::salesforce::error::SfError;

pub async fn composite(
    state: web::Data<SalesforceState>,
    caller: Caller,
    payload: web::Payload,
) -> HttpResponse {
    let body = match read_body(&state, payload)
        .await
        .and_then(|b| parse_json(&b))
    {
        Ok(body) => body,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    run(&state, &caller, |tx| composite_op(tx, &body))
}

struct Subrequest {
    method: String,
    url: String,
    reference_id: String,
    body: Option<Value>,
}

fn batch_error(message: impl Into<String>) -> SfError {
    SfError::new(StatusCode::BAD_REQUEST, "INVALID_BATCH_REQUEST", message)
}

fn parse_subrequests(body: &Value, max: usize) -> Result<(bool, Vec<Subrequest>), SfError> {
    let Value::Object(map) = body else {
        return Err(SfError::json_parser(
            "Cannot deserialize instance of CompositeRequest out of START_ARRAY token",
        ));
    };
    let all_or_none = map
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let requests = map
        .get("compositeRequest")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| batch_error("compositeRequest must contain at least one subrequest"))?;
    if requests.len() > max {
        return Err(batch_error(format!(
            "Composite API can only handle {max} subrequests"
        )));
    }
    let mut seen = Vec::new();
    let mut subrequests = Vec::new();
    for request in requests {
        let text = |key: &str| request.get(key).and_then(Value::as_str).map(str::to_owned);
        let (Some(method), Some(url), Some(reference_id)) =
            (text("method"), text("url"), text("referenceId"))
        else {
            return Err(SfError::json_parser(
                "Each subrequest needs method, url and referenceId",
            ));
        };
        let valid_ref = !reference_id.is_empty()
            && reference_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_ref || seen.contains(&reference_id) {
            return Err(batch_error(format!(
                "Invalid or duplicate referenceId: {reference_id}"
            )));
        }
        seen.push(reference_id.clone());
        subrequests.push(Subrequest {
            method: method.to_ascii_uppercase(),
            url,
            reference_id,
            body: request.get("body").cloned(),
        });
    }
    Ok((all_or_none, subrequests))
}

pub fn composite_op(tx: &mut Tx<'_>, body: &Value) -> ApiResult {
    let (all_or_none, subrequests) =
        parse_subrequests(body, tx.settings.composite_max_subrequests)?;
    let snapshot = all_or_none.then(|| tx.org.data.clone());
    let written_before = tx.written.len();
    let mut results: HashMap<String, Value> = HashMap::new();
    let mut responses: Vec<(String, StatusCode, Option<Value>, Option<String>)> = Vec::new();
    let mut failed_at = None;
    for (index, sub) in subrequests.iter().enumerate() {
        let outcome = resolve_references(&sub.url, sub.body.as_ref(), &results)
            .and_then(|(url, body)| execute(tx, &sub.method, &url, body.as_ref()));
        let (status, body, location) = match outcome {
            Ok((reply, location)) => (reply.status, reply.body, location),
            Err(error) => (error.status, Some(error.body()), None),
        };
        if let Some(body) = &body
            && status.is_success()
        {
            results.insert(sub.reference_id.clone(), body.clone());
        }
        responses.push((sub.reference_id.clone(), status, body, location));
        if !status.is_success() && status != StatusCode::MULTIPLE_CHOICES && all_or_none {
            failed_at = Some(index);
            break;
        }
    }
    if let (Some(failed), Some(snapshot)) = (failed_at, snapshot) {
        tx.org.data = snapshot;
        tx.written.truncate(written_before);
        let halted = SfError::new(
            StatusCode::BAD_REQUEST,
            "PROCESSING_HALTED",
            "The transaction was rolled back since another operation in the same transaction \
             failed.",
        );
        for (index, sub) in subrequests.iter().enumerate() {
            if index == failed {
                continue;
            }
            let entry = (
                sub.reference_id.clone(),
                halted.status,
                Some(halted.body()),
                None,
            );
            match responses.get_mut(index) {
                Some(slot) => *slot = entry,
                None => responses.push(entry),
            }
        }
    }
    let composite_response: Vec<Value> = responses
        .into_iter()
        .map(|(reference_id, status, body, location)| {
            let headers = match location {
                Some(location) => json!({"Location": location}),
                None => json!({}),
            };
            json!({
                "body": body.unwrap_or(Value::Null),
                "httpHeaders": headers,
                "httpStatusCode": status.as_u16(),
                "referenceId": reference_id,
            })
        })
        .collect();
    Ok(ApiReply::ok(
        json!({"compositeResponse": composite_response}),
    ))
}

/// Replaces every `@{ref.path}` in the URL and body with the referenced value.
fn resolve_references(
    url: &str,
    body: Option<&Value>,
    results: &HashMap<String, Value>,
) -> Result<(String, Option<Value>), SfError> {
    let url = match substitute(url, results)? {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let body = body.map(|b| substitute_value(b, results)).transpose()?;
    Ok((url, body))
}

fn substitute_value(value: &Value, results: &HashMap<String, Value>) -> Result<Value, SfError> {
    Ok(match value {
        Value::String(s) => substitute(s, results)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute_value(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute_value(v, results)?)))
                .collect::<Result<Map<_, _>, SfError>>()?,
        ),
        other => other.clone(),
    })
}

/// A string that is exactly one reference keeps the referenced value's JSON type.
fn substitute(text: &str, results: &HashMap<String, Value>) -> Result<Value, SfError> {
    if !text.contains("@{") {
        return Ok(Value::String(text.to_owned()));
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let expr = &rest[start + 2..start + len];
        let value = lookup(expr, results)?;
        if start == 0 && len + 1 == rest.len() && out.is_empty() {
            return Ok(value);
        }
        out.push_str(&rest[..start]);
        match value {
            Value::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

/// `ref.id`, `ref.records[0].Id`, …
fn lookup(expr: &str, results: &HashMap<String, Value>) -> Result<Value, SfError> {
    let missing = || {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "PROCESSING_HALTED",
            format!(
                "Invalid reference specified. No value for {expr} found in {}. Provided \
                 referenceId ('{}') must be defined earlier in the request and its subrequest \
                 must have succeeded.",
                expr.split('.').next().unwrap_or(expr),
                expr.split('.').next().unwrap_or(expr)
            ),
        )
    };
    let mut parts = expr.split('.');
    let root = parts.next().ok_or_else(missing)?;
    let mut current = results.get(root).ok_or_else(missing)?;
    for part in parts {
        let (name, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            current = current.get(name).ok_or_else(missing)?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.trim_end_matches(']').parse().map_err(|_| missing())?;
            current = current.get(i).ok_or_else(missing)?;
        }
    }
    Ok(current.clone())
}

/// Routes one subrequest to the same functions the REST routes use.
fn execute(
    tx: &mut Tx<'_>,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<(ApiReply, Option<String>), SfError> {
    let (path, query_string) = url.split_once('?').unwrap_or((url, ""));
    let params: HashMap<String, String> =
        serde_urlencoded::from_str(query_string).unwrap_or_default();
    let rest = path
        .strip_prefix("/services/data/")
        .ok_or_else(SfError::not_found)?;
    let (version, rest) = rest.split_once('/').unwrap_or((rest, ""));
    if !valid_version(version) || version != tx.caller.version {
        return Err(SfError::not_found());
    }
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let object_body = || -> Result<Map<String, Value>, SfError> {
        match body {
            Some(Value::Object(map)) => Ok(map.clone()),
            _ => Err(SfError::json_parser(
                "The subrequest body must be a JSON object",
            )),
        }
    };
    let empty = Value::Null;
    let param = |name: &str| params.get(name).map(String::as_str);
    let reply = match (method, segments.as_slice()) {
        ("GET", ["limits"]) => resources::limits_op(tx)?,
        ("GET", ["sobjects", object]) => describe::basic_info_op(tx, object)?,
        ("GET", ["sobjects", object, "describe"]) => describe::describe_op(tx, object)?,
        ("POST", ["sobjects", object]) => {
            let reply = sobjects::create_op(tx, object, &object_body()?)?;
            let location = reply
                .body
                .as_ref()
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .map(|id| format!("/services/data/{version}/sobjects/{object}/{id}"));
            return Ok((reply, location));
        }
        ("GET", ["sobjects", object, id]) => {
            sobjects::retrieve_op(tx, object, id, param("fields"))?
        }
        ("PATCH", ["sobjects", object, id]) => {
            sobjects::update_op(tx, object, id, &object_body()?)?
        }
        ("DELETE", ["sobjects", object, id]) => sobjects::delete_op(tx, object, id)?,
        ("GET", ["sobjects", object, field, value]) => {
            sobjects::retrieve_by_external_id_op(tx, object, field, value, param("fields"))?
        }
        ("PATCH", ["sobjects", object, field, value]) => sobjects::upsert_op(
            tx,
            object,
            field,
            value,
            &object_body()?,
            param("updateOnly") == Some("true"),
        )?,
        ("GET", ["query"]) => query::query_op(tx, param("q"), false, None)?,
        ("GET", ["queryAll"]) => query::query_op(tx, param("q"), true, None)?,
        ("GET", ["query", locator]) | ("GET", ["queryAll", locator]) => {
            query::query_more_op(tx, locator)?
        }
        ("POST", ["composite", "sobjects"]) => collections::create_op(tx, body.unwrap_or(&empty))?,
        ("PATCH", ["composite", "sobjects"]) => collections::update_op(tx, body.unwrap_or(&empty))?,
        ("DELETE", ["composite", "sobjects"]) => collections::delete_op(
            tx,
            param("ids").unwrap_or_default(),
            param("allOrNone") == Some("true"),
        )?,
        ("PATCH", ["composite", "sobjects", object, field]) => {
            collections::upsert_op(tx, object, field, body.unwrap_or(&empty))?
        }
        (_, ["sobjects", ..] | ["query", ..] | ["queryAll", ..] | ["limits"]) => {
            return Err(SfError::method_not_allowed(method));
        }
        _ => return Err(SfError::not_found()),
    };
    Ok((reply, None))
}
