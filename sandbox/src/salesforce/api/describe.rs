//! Describe resources: what the Settings UI builds its field pickers from.
//! As in Salesforce, there is no `required` key: a field is required when it is not
//! `nillable`, is `createable` and is not `defaultedOnCreate`.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::{ApiReply, ApiResult, Caller, Tx, object_named, run};
use crate::salesforce::SalesforceState;
use crate::salesforce::schema::{FieldDef, FieldType, ObjectKind};

pub async fn global(state: web::Data<SalesforceState>, caller: Caller) -> HttpResponse {
    run(&state, &caller, |tx| {
        let v = tx.version().to_owned();
        Ok(ApiReply::ok(json!({
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": ObjectKind::ALL.iter().map(|o| basic(*o, &v)).collect::<Vec<_>>(),
        })))
    })
}

pub async fn basic_info(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    run(&state, &caller, |tx| basic_info_op(tx, &object))
}

pub fn basic_info_op(tx: &mut Tx<'_>, object: &str) -> ApiResult {
    let object = object_named(object)?;
    let v = tx.version().to_owned();
    let live: Vec<_> = tx.org.data.live(object).collect();
    let recent: Vec<Value> = live
        .into_iter()
        .rev()
        .take(10)
        .map(|r| json!({"attributes": r.attributes(&v), "Id": r.id, "Name": r.text("Name")}))
        .collect();
    Ok(ApiReply::ok(json!({
        "objectDescribe": basic(object, &v),
        "recentItems": recent,
    })))
}

pub async fn describe(
    state: web::Data<SalesforceState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (_, object) = path.into_inner();
    run(&state, &caller, |tx| describe_op(tx, &object))
}

pub fn describe_op(tx: &mut Tx<'_>, object: &str) -> ApiResult {
    let object = object_named(object)?;
    let v = tx.version().to_owned();
    let mut body = basic(object, &v);
    if let Value::Object(map) = &mut body {
        map.insert(
            "fields".into(),
            Value::Array(object.fields().iter().map(field).collect()),
        );
        let children = match object {
            ObjectKind::Account => json!([{
                "childSObject": "Contact", "field": "AccountId", "relationshipName": "Contacts",
                "cascadeDelete": true, "deprecatedAndHidden": false, "restrictedDelete": false
            }]),
            ObjectKind::Contact => json!([]),
        };
        map.insert("childRelationships".into(), children);
        map.insert("recordTypeInfos".into(), json!([]));
    }
    Ok(ApiReply::ok(body))
}

fn basic(object: ObjectKind, version: &str) -> Value {
    let name = object.name();
    let base = format!("/services/data/{version}/sobjects/{name}");
    json!({
        "name": name,
        "label": name,
        "labelPlural": object.label_plural(),
        "keyPrefix": object.key_prefix(),
        "custom": false,
        "createable": true,
        "updateable": true,
        "deletable": true,
        "undeletable": true,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "layoutable": true,
        "replicateable": true,
        "triggerable": true,
        "urls": {
            "sobject": base,
            "describe": format!("{base}/describe"),
            "rowTemplate": format!("{base}/{{ID}}"),
        },
    })
}

fn field(def: &FieldDef) -> Value {
    let picklist: Vec<Value> = def
        .picklist
        .iter()
        .map(|v| json!({"active": true, "defaultValue": false, "label": v, "validFor": null, "value": v}))
        .collect();
    json!({
        "name": def.name,
        "label": def.label,
        "type": def.kind.describe_name(),
        "soapType": def.kind.soap_type(),
        "length": if def.kind.is_text() && def.kind != FieldType::Id && def.kind != FieldType::Reference { def.length } else { 0 },
        "byteLength": def.length * 3,
        "nillable": def.nillable,
        "createable": def.createable,
        "updateable": def.updateable,
        "defaultedOnCreate": def.defaulted,
        "custom": def.custom,
        "externalId": def.external_id,
        "unique": def.unique,
        "idLookup": def.name == "Id" || def.external_id || (def.name == "Email"),
        "nameField": def.name == "Name",
        "calculated": def.name == "Name" && !def.createable,
        "caseSensitive": false,
        "autoNumber": false,
        "filterable": true,
        "sortable": def.kind != FieldType::Textarea,
        "groupable": def.kind != FieldType::Textarea && def.kind != FieldType::Datetime,
        "restrictedPicklist": false,
        "picklistValues": picklist,
        "referenceTo": def.reference_to.map(|o| vec![o.name()]).unwrap_or_else(|| {
            if def.kind == FieldType::Reference { vec!["User"] } else { Vec::new() }
        }),
        "relationshipName": def.relationship_name.or(if def.kind == FieldType::Reference && def.name == "OwnerId" { Some("Owner") } else { None }),
        "defaultValue": null,
        "inlineHelpText": null,
        "precision": 0,
        "scale": 0,
        "digits": 0,
    })
}
