//! sObject Collections (PROTOCOLS.md A5): up to 200 records per call, results in input order,
//! errors inside results keyed `statusCode`, and `allOrNone` rolling everything back.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use super::{ApiReply, ApiResult, Caller, Tx, object_named, parse_json, read_body, run};
use crate::salesforce::SalesforceState;
use crate::salesforce::error::SfError;
use crate::salesforce::ids;
use crate::salesforce::schema::ObjectKind;
use crate::salesforce::store::UpsertOutcome;

use super::sobjects::field_list;

/// Outcome of one record of a collection call.
enum Item {
    Done { id: String, created: Option<bool> },
    Failed { id: Option<String>, error: SfError },
}

fn rolled_back() -> SfError {
    SfError::new(
        StatusCode::BAD_REQUEST,
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using \
         AllOrNone header",
    )
}

fn item_json(item: &Item, code_key: &str) -> Value {
    match item {
        Item::Done { id, created } => {
            let mut v = json!({"id": id, "success": true, "errors": []});
            if let Some(created) = created {
                v["created"] = json!(created);
            }
            v
        }
        Item::Failed { id, error } => {
            let mut v = json!({"success": false, "errors": [error.collection_json(code_key)]});
            if let Some(id) = id {
                v["id"] = json!(id);
            }
            v
        }
    }
}

/// Runs each record through `one`; with `all_or_none`, one failure undoes every write.
fn process<T>(
    tx: &mut Tx<'_>,
    inputs: &[T],
    all_or_none: bool,
    mut one: impl FnMut(&mut Tx<'_>, &T) -> Item,
) -> ApiResult {
    let snapshot = all_or_none.then(|| tx.org.data.clone());
    let written_before = tx.written.len();
    let mut items: Vec<Item> = inputs.iter().map(|input| one(tx, input)).collect();
    let failed = items.iter().any(|i| matches!(i, Item::Failed { .. }));
    if let (true, Some(snapshot)) = (failed, snapshot) {
        tx.org.data = snapshot;
        tx.written.truncate(written_before);
        for item in &mut items {
            if let Item::Done { id, .. } = item {
                *item = Item::Failed {
                    id: Some(id.clone()),
                    error: rolled_back(),
                };
            }
        }
    }
    let code_key = tx.settings.collection_error_key.clone();
    Ok(ApiReply::ok(Value::Array(
        items.iter().map(|i| item_json(i, &code_key)).collect(),
    )))
}

/// `{allOrNone, records}` with the record limit checked.
fn records_body(tx: &Tx<'_>, body: &Value) -> Result<(bool, Vec<Map<String, Value>>), SfError> {
    let Value::Object(map) = body else {
        return Err(SfError::json_parser(
            "Cannot deserialize instance of SObjectCollectionRequest out of START_ARRAY token",
        ));
    };
    let all_or_none = map
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let records = map
        .get("records")
        .and_then(Value::as_array)
        .ok_or_else(|| SfError::json_parser("The request body must contain a records array"))?;
    if records.len() > tx.settings.collections_max_records {
        return Err(SfError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {} records into this call",
                tx.settings.collections_max_records
            ),
        ));
    }
    let records = records
        .iter()
        .map(|r| {
            r.as_object()
                .cloned()
                .ok_or_else(|| SfError::json_parser("Each record must be a JSON object"))
        })
        .collect::<Result<_, _>>()?;
    Ok((all_or_none, records))
}

fn record_type(record: &Map<String, Value>) -> Result<ObjectKind, SfError> {
    let name = record
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            SfError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_TYPE",
                "Must specify a type in the attributes property",
            )
        })?;
    ObjectKind::parse(name).ok_or_else(|| {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            format!("sObject type '{name}' is not supported."),
        )
    })
}

fn id_of(record: &Map<String, Value>) -> Option<String> {
    record
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned)
}

async fn body_of(state: &SalesforceState, payload: web::Payload) -> Result<Value, SfError> {
    parse_json(&read_body(state, payload).await?)
}

pub async fn create(
    state: web::Data<SalesforceState>,
    caller: Caller,
    payload: web::Payload,
) -> HttpResponse {
    match body_of(&state, payload).await {
        Ok(body) => run(&state, &caller, |tx| create_op(tx, &body)),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

pub fn create_op(tx: &mut Tx<'_>, body: &Value) -> ApiResult {
    let (all_or_none, records) = records_body(tx, body)?;
    process(tx, &records, all_or_none, |tx, record| {
        let result = (|| {
            let object = record_type(record)?;
            if id_of(record).is_some() {
                return Err(SfError::invalid_field(
                    "cannot specify Id in an insert call",
                ));
            }
            let user = tx.caller.user_id.clone();
            tx.org.data.create(object, record, &user)
        })();
        match result {
            Ok(id) => {
                tx.written.push(id.clone());
                Item::Done { id, created: None }
            }
            Err(error) => Item::Failed { id: None, error },
        }
    })
}

pub async fn update(
    state: web::Data<SalesforceState>,
    caller: Caller,
    payload: web::Payload,
) -> HttpResponse {
    match body_of(&state, payload).await {
        Ok(body) => run(&state, &caller, |tx| update_op(tx, &body)),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

pub fn update_op(tx: &mut Tx<'_>, body: &Value) -> ApiResult {
    let (all_or_none, records) = records_body(tx, body)?;
    process(tx, &records, all_or_none, |tx, record| {
        let Some(id) = id_of(record) else {
            return Item::Failed {
                id: None,
                error: SfError::new(
                    StatusCode::BAD_REQUEST,
                    "MISSING_ARGUMENT",
                    "Id not specified in an update call",
                ),
            };
        };
        let result = (|| {
            let object = match record_type(record) {
                Ok(object) => object,
                Err(e) => ObjectKind::of_id(&id).ok_or(e)?,
            };
            let mut fields = record.clone();
            fields.retain(|k, _| !k.eq_ignore_ascii_case("id"));
            let user = tx.caller.user_id.clone();
            tx.org.data.update(object, &id, &fields, &user)
        })();
        match result {
            Ok(id) => {
                tx.written.push(id.clone());
                Item::Done { id, created: None }
            }
            Err(error) => Item::Failed {
                id: Some(id),
                error,
            },
        }
    })
}

pub async fn delete(
    state: web::Data<SalesforceState>,
    caller: Caller,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    run(&state, &caller, |tx| {
        delete_op(
            tx,
            query.get("ids").map(String::as_str).unwrap_or_default(),
            query
                .get("allOrNone")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        )
    })
}

pub fn delete_op(tx: &mut Tx<'_>, ids_param: &str, all_or_none: bool) -> ApiResult {
    let ids: Vec<String> = ids_param
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        return Err(SfError::new(
            StatusCode::BAD_REQUEST,
            "MISSING_ARGUMENT",
            "ids parameter must be specified",
        ));
    }
    if ids.len() > tx.settings.collections_max_records {
        return Err(SfError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {} records into this call",
                tx.settings.collections_max_records
            ),
        ));
    }
    process(tx, &ids, all_or_none, |tx, raw| {
        let result = (|| {
            let canonical = ids::canonical(raw).ok_or_else(|| {
                SfError::new(
                    StatusCode::BAD_REQUEST,
                    "MALFORMED_ID",
                    format!("malformed id {raw}"),
                )
            })?;
            let object = ObjectKind::of_id(&canonical).ok_or_else(|| {
                SfError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id",
                )
            })?;
            let user = tx.caller.user_id.clone();
            tx.org.data.delete(object, &canonical, &user)
        })();
        match result {
            Ok(id) => Item::Done { id, created: None },
            Err(error) => Item::Failed {
                id: Some(raw.clone()),
                error,
            },
        }
    })
}

pub async fn retrieve(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    run(&state, &caller, |tx| {
        retrieve_op(
            tx,
            &object,
            query.get("ids").map(String::as_str).unwrap_or_default(),
            query.get("fields").map(String::as_str),
        )
    })
}

/// The POST form of retrieve, for id lists too long for a URL: `{ids: [...], fields: [...]}`.
pub async fn retrieve_post(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    let body = match body_of(&state, payload).await {
        Ok(body) => body,
        Err(e) => return actix_web::ResponseError::error_response(&e),
    };
    let join = |key: &str| -> String {
        body.get(key)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()
    };
    let (ids, fields) = (join("ids"), join("fields"));
    run(&state, &caller, |tx| {
        retrieve_op(
            tx,
            &object,
            &ids,
            Some(fields.as_str()).filter(|f| !f.is_empty()),
        )
    })
}

pub fn retrieve_op(
    tx: &mut Tx<'_>,
    object: &str,
    ids_param: &str,
    fields: Option<&str>,
) -> ApiResult {
    let object = object_named(object)?;
    let fields = fields.ok_or_else(|| {
        SfError::new(
            StatusCode::BAD_REQUEST,
            "MISSING_ARGUMENT",
            "fields parameter must be specified",
        )
    })?;
    let fields = field_list(object, fields)?;
    let version = tx.version().to_owned();
    let records: Vec<Value> = ids_param
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|raw| {
            tx.org
                .data
                .find(object, raw)
                .map(|r| r.to_json_fields(&version, fields.iter().copied()))
                .unwrap_or(Value::Null)
        })
        .collect();
    Ok(ApiReply::ok(Value::Array(records)))
}

pub async fn upsert(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, object, field) = path.into_inner();
    match body_of(&state, payload).await {
        Ok(body) => run(&state, &caller, |tx| upsert_op(tx, &object, &field, &body)),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

pub fn upsert_op(tx: &mut Tx<'_>, object: &str, field: &str, body: &Value) -> ApiResult {
    if tx.caller.version_number() < 46.0 {
        return Err(SfError::not_found());
    }
    let object = object_named(object)?;
    let field = object
        .field(field)
        .filter(|f| f.external_id)
        .ok_or_else(|| {
            SfError::invalid_field(format!(
                "Field name provided, {field} is not an External ID or indexed field for {}",
                object.name()
            ))
        })?;
    let (all_or_none, records) = records_body(tx, body)?;
    process(tx, &records, all_or_none, |tx, record| {
        let result = (|| {
            if record_type(record)? != object {
                return Err(SfError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_TYPE",
                    format!("Records must all be of type {}", object.name()),
                ));
            }
            let value = record
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field.name))
                .and_then(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    SfError::new(
                        StatusCode::BAD_REQUEST,
                        "MISSING_ARGUMENT",
                        format!("{} not specified", field.name),
                    )
                })?
                .to_owned();
            let user = tx.caller.user_id.clone();
            tx.org
                .data
                .upsert(object, field, &value, record, &user, false)
        })();
        match result {
            Ok(UpsertOutcome::Created(id)) => {
                tx.written.push(id.clone());
                Item::Done {
                    id,
                    created: Some(true),
                }
            }
            Ok(UpsertOutcome::Updated(id)) => {
                tx.written.push(id.clone());
                Item::Done {
                    id,
                    created: Some(false),
                }
            }
            Ok(UpsertOutcome::Multiple(ids)) => Item::Failed {
                id: None,
                error: SfError::new(
                    StatusCode::MULTIPLE_CHOICES,
                    "DUPLICATE_EXTERNAL_ID",
                    format!(
                        "{}: more than one record found for external id field: [{}]",
                        field.name,
                        ids.join(", ")
                    ),
                ),
            },
            Err(error) => Item::Failed { id: None, error },
        }
    })
}
