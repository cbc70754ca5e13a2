//! Accounts and Contacts: lists, record pages, and the New / Edit / Save forms. A save goes
//! through the same store rules as the API and queues outbound messages the same way.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde_json::{Map, Value};

use super::{Cell, Chrome, Row, render_with_status, see_other};
use crate::salesforce::error::SfError;
use crate::salesforce::schema::{FieldDef, FieldType, NETSUITE_ID, ObjectKind};
use crate::salesforce::store::{OrgData, Record};
use crate::salesforce::{Org, SalesforceState};

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/salesforce/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub label_plural: &'static str,
    pub path: &'static str,
    pub query: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
}

pub struct RelatedList {
    pub title: String,
    pub new_href: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
}

pub struct FieldRow {
    pub label: &'static str,
    pub text: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/salesforce/record.html")]
pub struct RecordPage {
    pub chrome: Chrome,
    pub label: &'static str,
    pub path: &'static str,
    pub id: String,
    pub name: String,
    pub fields: Vec<FieldRow>,
    pub related: Option<RelatedList>,
}

pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub required: bool,
    pub wide: bool,
    pub options: Vec<SelectOption>,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/salesforce/form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub label: &'static str,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub inputs: Vec<Input>,
    pub error: Option<String>,
}

/// Which object a page path names.
fn kind_of(path: &str) -> Option<ObjectKind> {
    match path {
        "accounts" => Some(ObjectKind::Account),
        "contacts" => Some(ObjectKind::Contact),
        _ => None,
    }
}

fn path_of(object: ObjectKind) -> &'static str {
    match object {
        ObjectKind::Account => "accounts",
        ObjectKind::Contact => "contacts",
    }
}

/// Fields a person edits, in form order.
fn form_fields(object: ObjectKind) -> &'static [&'static str] {
    match object {
        ObjectKind::Account => &[
            "Name",
            "AccountNumber",
            "Type",
            "Industry",
            "Phone",
            "Fax",
            "Website",
            "ParentId",
            "BillingStreet",
            "BillingCity",
            "BillingState",
            "BillingPostalCode",
            "BillingCountry",
            "Description",
            NETSUITE_ID,
        ],
        ObjectKind::Contact => &[
            "Salutation",
            "FirstName",
            "LastName",
            "AccountId",
            "Title",
            "Department",
            "Email",
            "Phone",
            "MobilePhone",
            "MailingStreet",
            "MailingCity",
            "MailingState",
            "MailingPostalCode",
            "MailingCountry",
            "Description",
            NETSUITE_ID,
        ],
    }
}

fn list_columns(object: ObjectKind) -> &'static [&'static str] {
    match object {
        ObjectKind::Account => &[
            "Name",
            "Industry",
            "Phone",
            "BillingCity",
            NETSUITE_ID,
            "LastModifiedDate",
        ],
        ObjectKind::Contact => &[
            "Name",
            "AccountId",
            "Email",
            "Phone",
            NETSUITE_ID,
            "LastModifiedDate",
        ],
    }
}

fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .body("<h1>Not found</h1><p><a href=\"/accounts\">Back to Accounts</a></p>")
}

fn chrome(
    state: &SalesforceState,
    title: String,
    object: ObjectKind,
    flash: Option<String>,
) -> Chrome {
    Chrome {
        title,
        nav: path_of(object),
        org_id: state.org_id().to_owned(),
        flash,
    }
}

/// The label a person sees: a lookup shows the related record, so "Account ID" reads
/// "Account", as on Salesforce's own pages.
fn page_label(field: &'static FieldDef) -> &'static str {
    match field.kind {
        FieldType::Reference => field.label.strip_suffix(" ID").unwrap_or(field.label),
        _ => field.label,
    }
}

/// A field's value for display, references shown by name and linked.
fn display(data: &OrgData, record: &Record, field: &FieldDef) -> Cell {
    if let Some(at) = record.timestamp(field.name) {
        return Cell::text(at.format("%Y-%m-%d %H:%M:%S UTC").to_string());
    }
    let text = record.text(field.name);
    if field.kind != FieldType::Reference || text.is_empty() {
        return Cell::text(text);
    }
    if let Some(target) = data.record(&text) {
        return Cell::link(
            target.text("Name"),
            format!("/{}/{}", path_of(target.object), target.id),
        );
    }
    match data.user(&text) {
        Some(user) => Cell::text(user.name.clone()),
        None => Cell::text(text),
    }
}

fn row(data: &OrgData, record: &Record, columns: &[&str]) -> Row {
    let href = format!("/{}/{}", path_of(record.object), record.id);
    let cells = columns
        .iter()
        .filter_map(|name| record.object.field(name))
        .map(|field| {
            if field.name == "Name" {
                Cell::link(record.text("Name"), href.clone())
            } else {
                display(data, record, field)
            }
        })
        .collect();
    Row { cells }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    const KIND: &str = "/{kind:accounts|contacts}";
    cfg.service(
        web::resource(KIND)
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource(format!("{KIND}/new")).route(web::get().to(new_form)))
    .service(
        web::resource(format!("{KIND}/{{id}}"))
            .route(web::get().to(show))
            .route(web::post().to(update)),
    )
    .service(web::resource(format!("{KIND}/{{id}}/edit")).route(web::get().to(edit_form)))
    .service(web::resource(format!("{KIND}/{{id}}/delete")).route(web::post().to(delete)));
}

async fn list(
    state: web::Data<SalesforceState>,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let Some(object) = kind_of(&path) else {
        return not_found();
    };
    let search = query.get("q").cloned().unwrap_or_default();
    let needle = search.trim().to_lowercase();
    let org = state.lock();
    let columns = list_columns(object);
    let mut records: Vec<&Record> = org
        .data
        .live(object)
        .filter(|r| {
            needle.is_empty()
                || ["Name", "Email", "Phone", NETSUITE_ID]
                    .iter()
                    .any(|f| r.text(f).to_lowercase().contains(&needle))
        })
        .collect();
    records.sort_by_key(|r| std::cmp::Reverse(r.last_modified_date));
    let page = ListPage {
        chrome: chrome(&state, object.label_plural().into(), object, None),
        label_plural: object.label_plural(),
        path: path_of(object),
        query: search,
        columns: columns
            .iter()
            .filter_map(|c| object.field(c))
            .map(|f| {
                if f.name == "Name" {
                    object_name_label(object)
                } else {
                    page_label(f)
                }
            })
            .collect(),
        rows: records.iter().map(|r| row(&org.data, r, columns)).collect(),
    };
    render_with_status(&page, StatusCode::OK)
}

fn object_name_label(object: ObjectKind) -> &'static str {
    match object {
        ObjectKind::Account => "Account Name",
        ObjectKind::Contact => "Name",
    }
}

async fn show(
    state: web::Data<SalesforceState>,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let (kind, id) = path.into_inner();
    let Some(object) = kind_of(&kind) else {
        return not_found();
    };
    let org = state.lock();
    let Ok(record) = org.data.find(object, &id) else {
        return not_found();
    };
    let flash = query.get("queued").map(|n| match n.as_str() {
        "0" => "Saved.".to_owned(),
        "1" => "Saved. 1 outbound message queued.".to_owned(),
        n => format!("Saved. {n} outbound messages queued."),
    });
    let fields = object
        .fields()
        .iter()
        .filter(|f| f.name != "IsDeleted" && f.name != "MasterRecordId")
        .map(|f| {
            let cell = display(&org.data, record, f);
            FieldRow {
                label: page_label(f),
                text: cell.text,
                href: cell.href,
            }
        })
        .collect();
    let related = (object == ObjectKind::Account).then(|| {
        let columns = ["Name", "Email", "Phone", NETSUITE_ID];
        let rows = org
            .data
            .live(ObjectKind::Contact)
            .filter(|c| c.text("AccountId") == record.id)
            .map(|c| row(&org.data, c, &columns))
            .collect();
        RelatedList {
            title: "Contacts".into(),
            new_href: format!("/contacts/new?account={}", record.id),
            columns: vec!["Name", "Email", "Phone", "NetSuite Id"],
            rows,
        }
    });
    let page = RecordPage {
        chrome: chrome(&state, record.text("Name"), object, flash),
        label: object.name(),
        path: path_of(object),
        id: record.id.clone(),
        name: record.text("Name"),
        fields,
        related,
    };
    render_with_status(&page, StatusCode::OK)
}

/// The inputs of a form, filled from `values` (field name → text).
fn inputs(data: &OrgData, object: ObjectKind, values: &HashMap<String, String>) -> Vec<Input> {
    form_fields(object)
        .iter()
        .filter_map(|name| object.field(name))
        .map(|field| {
            let value = values.get(field.name).cloned().unwrap_or_default();
            let (kind, options) = match (field.kind, field.reference_to) {
                (FieldType::Picklist, _) => (
                    "select",
                    field
                        .picklist
                        .iter()
                        .map(|v| SelectOption {
                            value: (*v).to_owned(),
                            label: (*v).to_owned(),
                            selected: *v == value,
                        })
                        .collect(),
                ),
                (FieldType::Reference, Some(target)) => (
                    "select",
                    data.live(target)
                        .map(|r| SelectOption {
                            value: r.id.clone(),
                            label: r.text("Name"),
                            selected: r.id == value,
                        })
                        .collect(),
                ),
                (FieldType::Textarea, _) => ("textarea", Vec::new()),
                (FieldType::Email, _) => ("email", Vec::new()),
                (FieldType::Phone, _) => ("tel", Vec::new()),
                _ => ("text", Vec::new()),
            };
            Input {
                name: field.name,
                label: page_label(field),
                kind,
                value,
                required: field.required(),
                wide: field.kind == FieldType::Textarea,
                options,
            }
        })
        .collect()
}

fn form_page(
    state: &SalesforceState,
    org: &Org,
    object: ObjectKind,
    id: Option<&str>,
    values: &HashMap<String, String>,
    error: Option<String>,
) -> FormPage {
    let path = path_of(object);
    let (heading, action, cancel_href) = match id {
        Some(id) => (
            format!(
                "Edit {}",
                values
                    .get("Name")
                    .cloned()
                    .unwrap_or_else(|| object.name().into())
            ),
            format!("/{path}/{id}"),
            format!("/{path}/{id}"),
        ),
        None => (
            format!("New {}", object.name()),
            format!("/{path}"),
            format!("/{path}"),
        ),
    };
    FormPage {
        chrome: chrome(state, heading.clone(), object, None),
        label: object.name(),
        heading,
        action,
        cancel_href,
        inputs: inputs(&org.data, object, values),
        error,
    }
}

async fn new_form(
    state: web::Data<SalesforceState>,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let Some(object) = kind_of(&path) else {
        return not_found();
    };
    let mut values = HashMap::new();
    if let Some(account) = query.get("account") {
        values.insert("AccountId".to_owned(), account.clone());
    }
    let org = state.lock();
    render_with_status(
        &form_page(&state, &org, object, None, &values, None),
        StatusCode::OK,
    )
}

async fn edit_form(
    state: web::Data<SalesforceState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (kind, id) = path.into_inner();
    let Some(object) = kind_of(&kind) else {
        return not_found();
    };
    let org = state.lock();
    let Ok(record) = org.data.find(object, &id) else {
        return not_found();
    };
    let mut values: HashMap<String, String> = form_fields(object)
        .iter()
        .map(|f| ((*f).to_owned(), record.text(f)))
        .collect();
    values.insert("Name".into(), record.text("Name"));
    let id = record.id.clone();
    render_with_status(
        &form_page(&state, &org, object, Some(&id), &values, None),
        StatusCode::OK,
    )
}

/// Form pairs → a JSON body of the editable fields. On create blank fields are left out; on
/// edit a blank field clears the value, as in Salesforce's own edit page.
fn body_from_form(
    object: ObjectKind,
    form: &HashMap<String, String>,
    creating: bool,
) -> Map<String, Value> {
    let mut body = Map::new();
    for name in form_fields(object) {
        let value = form.get(*name).map(|v| v.trim()).unwrap_or_default();
        if value.is_empty() {
            if !creating {
                body.insert((*name).to_owned(), Value::Null);
            }
        } else {
            body.insert((*name).to_owned(), Value::String(value.to_owned()));
        }
    }
    body
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// Creates or updates through the store, queues outbound messages, then redirects to the
/// record (or shows the form again with Salesforce's error).
fn save(
    state: &SalesforceState,
    object: ObjectKind,
    id: Option<&str>,
    form: HashMap<String, String>,
) -> HttpResponse {
    let mut org = state.lock();
    let user = org.page_user();
    let body = body_from_form(object, &form, id.is_none());
    let result: Result<String, SfError> = match id {
        None => org.data.create(object, &body, &user),
        Some(id) => org.data.update(object, id, &body, &user),
    };
    match result {
        Ok(saved) => {
            let queued = org.notify_written(std::slice::from_ref(&saved));
            let published = org.publish_changes("");
            drop(org);
            if queued > 0 || published > 0 {
                state.wake_deliverer();
            }
            see_other(&format!("/{}/{saved}?queued={queued}", path_of(object)))
        }
        Err(error) => {
            let message = format!("{}: {}", error.code, error.message);
            let page = form_page(state, &org, object, id, &form, Some(message));
            render_with_status(&page, StatusCode::BAD_REQUEST)
        }
    }
}

async fn create(
    state: web::Data<SalesforceState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let Some(object) = kind_of(&path) else {
        return not_found();
    };
    save(&state, object, None, parse_form(&body))
}

async fn update(
    state: web::Data<SalesforceState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (kind, id) = path.into_inner();
    let Some(object) = kind_of(&kind) else {
        return not_found();
    };
    if state.lock().data.find(object, &id).is_err() {
        return not_found();
    }
    save(&state, object, Some(&id), parse_form(&body))
}

async fn delete(
    state: web::Data<SalesforceState>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (kind, id) = path.into_inner();
    let Some(object) = kind_of(&kind) else {
        return not_found();
    };
    let mut org = state.lock();
    let user = org.page_user();
    let result = org.data.delete(object, &id, &user);
    let published = org.publish_changes("");
    drop(org);
    if published > 0 {
        state.wake_deliverer();
    }
    match result {
        Ok(_) => see_other(&format!("/{}", path_of(object))),
        Err(_) => not_found(),
    }
}
