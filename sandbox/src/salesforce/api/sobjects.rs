//! sObject rows: create, retrieve, update, delete, upsert and read by external id, and the
//! replication resources `updated` / `deleted` (PROTOCOLS.md A3, A6).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::{ApiReply, ApiResult, Caller, Tx, object_named, parse_object, read_body, run};
use crate::salesforce::SalesforceState;
use crate::salesforce::error::SfError;
use crate::salesforce::ids;
use crate::salesforce::schema::{FieldDef, ObjectKind};
use crate::salesforce::store::UpsertOutcome;
use crate::salesforce::values::format_datetime;

type Query = web::Query<HashMap<String, String>>;

pub async fn create(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    let body = match read_body(&state, payload)
        .await
        .and_then(|b| parse_object(&b))
    {
        Ok(body) => body,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    run(&state, &caller, |tx| create_op(tx, &object, &body))
}

pub fn create_op(tx: &mut Tx<'_>, object: &str, body: &Map<String, Value>) -> ApiResult {
    let object = object_named(object)?;
    let user = tx.caller.user_id.clone();
    let id = tx.org.data.create(object, body, &user)?;
    tx.written.push(id.clone());
    Ok(ApiReply::created(
        json!({"id": id, "success": true, "errors": []}),
    ))
}

/// `POST /sobjects/{object}/Id`: creation through the upsert path (API 37.0+).
pub async fn create_by_id_field(
    state: web::Data<SalesforceState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, object, field) = path.into_inner();
    if !field.eq_ignore_ascii_case("Id") {
        return actix_web::ResponseError::error_response(&SfError::method_not_allowed(
            req.method().as_str(),
        ));
    }
    create(
        state,
        caller,
        web::Path::from((String::new(), object)),
        payload,
    )
    .await
}

pub async fn retrieve(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    query: Query,
) -> HttpResponse {
    let (_, object, id) = path.into_inner();
    run(&state, &caller, |tx| {
        retrieve_op(tx, &object, &id, query.get("fields").map(String::as_str))
    })
}

pub fn retrieve_op(tx: &mut Tx<'_>, object: &str, id: &str, fields: Option<&str>) -> ApiResult {
    let object = object_named(object)?;
    check_id_segment(id)?;
    let record = tx.org.data.find(object, id)?;
    let body = match fields {
        Some(list) => record.to_json_fields(tx.version(), field_list(object, list)?),
        None => record.to_json(tx.version()),
    };
    Ok(ApiReply::ok(body))
}

/// The `fields` parameter: comma-separated names, `Id` always included.
pub fn field_list(object: ObjectKind, list: &str) -> Result<Vec<&'static FieldDef>, SfError> {
    let mut fields: Vec<&'static FieldDef> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let field = object.field(name).ok_or_else(|| {
            SfError::invalid_field(format!(
                "No such column '{name}' on entity '{}'. If you are attempting to use a custom \
                 field, be sure to append the '__c' after the custom field name. Please \
                 reference your WSDL or the describe call for the appropriate names.",
                object.name()
            ))
        })?;
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    if let Some(id) = object.field("Id")
        && !fields.contains(&id)
    {
        fields.insert(0, id);
    }
    Ok(fields)
}

/// A path segment that cannot be an id is read by Salesforce as an external-id field name.
fn check_id_segment(id: &str) -> Result<(), SfError> {
    if ids::canonical(id).is_none() {
        return Err(SfError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {id}"),
        ));
    }
    Ok(())
}

pub async fn update(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, object, id) = path.into_inner();
    let body = match read_body(&state, payload)
        .await
        .and_then(|b| parse_object(&b))
    {
        Ok(body) => body,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    run(&state, &caller, |tx| update_op(tx, &object, &id, &body))
}

pub fn update_op(tx: &mut Tx<'_>, object: &str, id: &str, body: &Map<String, Value>) -> ApiResult {
    let object = object_named(object)?;
    check_id_segment(id)?;
    let user = tx.caller.user_id.clone();
    let id = tx.org.data.update(object, id, body, &user)?;
    tx.written.push(id);
    Ok(ApiReply::no_content())
}

pub async fn delete(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (_, object, id) = path.into_inner();
    run(&state, &caller, |tx| delete_op(tx, &object, &id))
}

pub fn delete_op(tx: &mut Tx<'_>, object: &str, id: &str) -> ApiResult {
    let object = object_named(object)?;
    check_id_segment(id)?;
    let user = tx.caller.user_id.clone();
    tx.org.data.delete(object, id, &user)?;
    Ok(ApiReply::no_content())
}

/// An external-id field named in a URL: it must exist and be an external id (or `Id`).
fn external_id_field(object: ObjectKind, name: &str) -> Result<&'static FieldDef, SfError> {
    object
        .field(name)
        .filter(|f| f.external_id || f.name == "Id")
        .ok_or_else(SfError::not_found)
}

pub async fn upsert(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String, String)>,
    query: Query,
    payload: web::Payload,
) -> HttpResponse {
    let (_, object, field, value) = path.into_inner();
    let body = match read_body(&state, payload)
        .await
        .and_then(|b| parse_object(&b))
    {
        Ok(body) => body,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let update_only = query
        .get("updateOnly")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    run(&state, &caller, |tx| {
        upsert_op(tx, &object, &field, &value, &body, update_only)
    })
}

pub fn upsert_op(
    tx: &mut Tx<'_>,
    object: &str,
    field: &str,
    value: &str,
    body: &Map<String, Value>,
    update_only: bool,
) -> ApiResult {
    let object = object_named(object)?;
    let field = external_id_field(object, field)?;
    let user = tx.caller.user_id.clone();
    let modern = tx.caller.version_number() >= tx.settings.upsert_created_flag_since;
    match tx
        .org
        .data
        .upsert(object, field, value, body, &user, update_only)?
    {
        UpsertOutcome::Created(id) => {
            tx.written.push(id.clone());
            let mut reply = json!({"id": id, "success": true, "errors": []});
            if modern {
                reply["created"] = json!(true);
            }
            Ok(ApiReply::created(reply))
        }
        UpsertOutcome::Updated(id) => {
            tx.written.push(id.clone());
            if modern {
                Ok(ApiReply::ok(
                    json!({"id": id, "success": true, "errors": [], "created": false}),
                ))
            } else {
                Ok(ApiReply::no_content())
            }
        }
        UpsertOutcome::Multiple(ids) => Ok(multiple_choices(tx.version(), object, &ids)),
    }
}

/// 300: the URLs of every matching record; nothing was written.
fn multiple_choices(version: &str, object: ObjectKind, ids: &[String]) -> ApiReply {
    let urls: Vec<String> = ids
        .iter()
        .map(|id| format!("/services/data/{version}/sobjects/{}/{id}", object.name()))
        .collect();
    ApiReply {
        status: StatusCode::MULTIPLE_CHOICES,
        body: Some(json!(urls)),
    }
}

pub async fn retrieve_by_external_id(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String, String)>,
    query: Query,
) -> HttpResponse {
    let (_, object, field, value) = path.into_inner();
    run(&state, &caller, |tx| {
        retrieve_by_external_id_op(
            tx,
            &object,
            &field,
            &value,
            query.get("fields").map(String::as_str),
        )
    })
}

pub fn retrieve_by_external_id_op(
    tx: &mut Tx<'_>,
    object: &str,
    field: &str,
    value: &str,
    fields: Option<&str>,
) -> ApiResult {
    let object = object_named(object)?;
    let field = external_id_field(object, field)?;
    let matches = tx.org.data.by_external_id(object, field, value);
    match matches.as_slice() {
        [] => Err(SfError::not_found()),
        [id] => retrieve_op(tx, object.name(), &id.clone(), fields),
        _ => Ok(multiple_choices(tx.version(), object, &matches)),
    }
}

pub async fn delete_by_external_id(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String, String)>,
) -> HttpResponse {
    let (_, object, field, value) = path.into_inner();
    run(&state, &caller, |tx| {
        let kind = object_named(&object)?;
        let def = external_id_field(kind, &field)?;
        let matches = tx.org.data.by_external_id(kind, def, &value);
        match matches.as_slice() {
            [] => Err(SfError::not_found()),
            [id] => delete_op(tx, &object, &id.clone()),
            _ => Ok(multiple_choices(tx.version(), kind, &matches)),
        }
    })
}

/// `start`/`end` of the replication resources; seconds are ignored, as Salesforce does.
fn window(query: &HashMap<String, String>) -> Result<(DateTime<Utc>, DateTime<Utc>), SfError> {
    let parse = |name: &str| -> Result<DateTime<Utc>, SfError> {
        let text = query.get(name).ok_or_else(|| {
            SfError::new(
                StatusCode::BAD_REQUEST,
                "MISSING_ARGUMENT",
                format!("{name} parameter must be specified"),
            )
        })?;
        DateTime::parse_from_rfc3339(text)
            .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                SfError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REPLICATION_DATE",
                    format!("{name} is not a valid date-time: {text}"),
                )
            })
            .map(|t| t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t))
    };
    let (start, end) = (parse("start")?, parse("end")?);
    if end <= start {
        return Err(SfError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than 1 minute",
        ));
    }
    Ok((start, end))
}

pub async fn get_updated(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    run(&state, &caller, |tx| {
        let object = object_named(&object)?;
        let (start, end) = window(&query)?;
        let ids: Vec<&str> = tx
            .org
            .data
            .live(object)
            .filter(|r| r.system_modstamp >= start && r.system_modstamp < end)
            .map(|r| r.id.as_str())
            .collect();
        Ok(ApiReply::ok(json!({
            "ids": ids,
            "latestDateCovered": format_datetime(end),
        })))
    })
}

pub async fn get_deleted(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    run(&state, &caller, |tx| {
        let object = object_named(&object)?;
        let (start, end) = window(&query)?;
        let deleted: Vec<&crate::salesforce::store::Record> =
            tx.org.data.all(object).filter(|r| r.deleted).collect();
        let earliest = deleted
            .iter()
            .map(|r| r.system_modstamp)
            .min()
            .unwrap_or(start);
        let records: Vec<Value> = deleted
            .iter()
            .filter(|r| r.system_modstamp >= start && r.system_modstamp < end)
            .map(|r| json!({"id": r.id, "deletedDate": format_datetime(r.system_modstamp)}))
            .collect();
        Ok(ApiReply::ok(json!({
            "deletedRecords": records,
            "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(end),
        })))
    })
}
