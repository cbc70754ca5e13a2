//! The NetSuite simulator's pages: customers and contacts, lists and record pages.
//! They read the same store the REST API writes, so what a client did is visible at once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;
use askama_web::WebTemplate;

use super::render::format_datetime;
use super::schema::{RecordType, SUBSIDIARY_ID, SUBSIDIARY_NAME};
use super::state::NetsuiteState;
use super::store::{FieldValue, Record, RecordStore};

/// The sandbox pages' shared stylesheet, served on this port too.
const CSS: &str = include_str!("../../assets/sandbox.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/__sandbox/assets/sandbox.css", web::get().to(stylesheet))
        .route("/customers", web::get().to(customers_page))
        .route("/customers/{id}", web::get().to(customer_page))
        .route("/contacts", web::get().to(contacts_page))
        .route("/contacts/{id}", web::get().to(contact_page));
}

/// A link to a customer from another page.
pub struct CompanyLink {
    pub id: u64,
    pub name: String,
}

/// One line of the customers list.
pub struct CustomerRow {
    pub id: u64,
    pub name: String,
    pub external_id: String,
    pub email: String,
    pub phone: String,
    pub contacts: usize,
    pub inactive: bool,
    pub last_modified: String,
}

/// One line of the contacts list.
pub struct ContactRow {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub company: Option<CompanyLink>,
    pub external_id: String,
    pub inactive: bool,
    pub last_modified: String,
}

/// A label and value on a record page.
pub struct FieldView {
    pub label: &'static str,
    pub value: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/netsuite/customers.html")]
pub struct CustomersPage {
    pub account_id: String,
    /// Which top navigation entry is active.
    pub nav: &'static str,
    pub rows: Vec<CustomerRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/netsuite/contacts.html")]
pub struct ContactsPage {
    pub account_id: String,
    /// Which top navigation entry is active.
    pub nav: &'static str,
    pub rows: Vec<ContactRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/netsuite/customer.html")]
pub struct CustomerPage {
    pub account_id: String,
    /// Which top navigation entry is active.
    pub nav: &'static str,
    pub id: u64,
    pub name: String,
    pub external_id: String,
    pub fields: Vec<FieldView>,
    pub parent: Option<CompanyLink>,
    pub date_created: String,
    pub last_modified: String,
    pub contacts: Vec<ContactRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/netsuite/contact.html")]
pub struct ContactPage {
    pub account_id: String,
    /// Which top navigation entry is active.
    pub nav: &'static str,
    pub id: u64,
    pub name: String,
    pub external_id: String,
    pub company: Option<CompanyLink>,
    pub fields: Vec<FieldView>,
    pub date_created: String,
    pub last_modified: String,
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Content-Type", "text/css; charset=utf-8"))
        .insert_header(("Cache-Control", "max-age=3600"))
        .body(CSS)
}

async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/customers"))
        .finish()
}

fn company_link(store: &RecordStore, id: Option<u64>) -> Option<CompanyLink> {
    let id = id?;
    let name = store
        .get(RecordType::Customer, id)
        .map(Record::ref_name)
        .unwrap_or_default();
    Some(CompanyLink { id, name })
}

fn contact_row(store: &RecordStore, r: &Record) -> ContactRow {
    ContactRow {
        id: r.id,
        name: r.ref_name(),
        email: r.text("email").unwrap_or_default().to_string(),
        company: company_link(store, r.reference("company")),
        external_id: r.text("externalId").unwrap_or_default().to_string(),
        inactive: r.flag("isInactive"),
        last_modified: format_datetime(&r.last_modified),
    }
}

/// The record's plain fields for a record page, references and ids shown elsewhere.
fn field_views(record: &Record) -> Vec<FieldView> {
    record
        .record_type
        .fields()
        .iter()
        .filter(|def| !matches!(def.name, "externalId" | "entityId" | "company" | "parent"))
        .filter_map(|def| {
            let value = match record.values.get(def.name)? {
                FieldValue::Text(s) => s.clone(),
                FieldValue::Bool(b) => if *b { "Yes" } else { "No" }.to_string(),
                FieldValue::Ref(id) if *id == SUBSIDIARY_ID => format!("{SUBSIDIARY_NAME} ({id})"),
                FieldValue::Ref(id) => id.to_string(),
            };
            Some(FieldView {
                label: def.name,
                value,
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "sandbox/netsuite/not_found.html")]
struct NotFoundPage<'a> {
    account_id: &'a str,
    nav: &'a str,
    record_type: &'a str,
    id: &'a str,
}

/// The pages' one error: a record that does not exist, shown as a 404 page.
#[derive(Debug, thiserror::Error)]
#[error("no {record_type} with internal id {id}")]
pub struct PageNotFound {
    account_id: String,
    record_type: &'static str,
    id: String,
}

impl ResponseError for PageNotFound {
    fn status_code(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }

    fn error_response(&self) -> HttpResponse {
        let page = NotFoundPage {
            account_id: &self.account_id,
            nav: "",
            record_type: self.record_type,
            id: &self.id,
        };
        match page.render() {
            Ok(html) => HttpResponse::NotFound()
                .content_type("text/html; charset=utf-8")
                .body(html),
            Err(e) => {
                tracing::error!(error = %e, "rendering the not-found page failed");
                HttpResponse::NotFound().body(self.to_string())
            }
        }
    }
}

fn not_found(state: &NetsuiteState, rt: RecordType, id: &str) -> PageNotFound {
    PageNotFound {
        account_id: state.settings().account_id,
        record_type: rt.as_str(),
        id: id.to_string(),
    }
}

async fn customers_page(state: web::Data<NetsuiteState>) -> CustomersPage {
    let store = state.store();
    let rows = store
        .records(RecordType::Customer)
        .map(|r| CustomerRow {
            id: r.id,
            name: r.ref_name(),
            external_id: r.text("externalId").unwrap_or_default().to_string(),
            email: r.text("email").unwrap_or_default().to_string(),
            phone: r.text("phone").unwrap_or_default().to_string(),
            contacts: store
                .records(RecordType::Contact)
                .filter(|c| c.reference("company") == Some(r.id))
                .count(),
            inactive: r.flag("isInactive"),
            last_modified: format_datetime(&r.last_modified),
        })
        .collect();
    CustomersPage {
        account_id: state.settings().account_id,
        nav: "customers",
        rows,
    }
}

async fn contacts_page(state: web::Data<NetsuiteState>) -> ContactsPage {
    let store = state.store();
    let rows = store
        .records(RecordType::Contact)
        .map(|r| contact_row(&store, r))
        .collect();
    ContactsPage {
        account_id: state.settings().account_id,
        nav: "contacts",
        rows,
    }
}

async fn customer_page(
    state: web::Data<NetsuiteState>,
    path: web::Path<String>,
) -> Result<CustomerPage, PageNotFound> {
    let store = state.store();
    let record = path
        .parse::<u64>()
        .ok()
        .and_then(|id| store.get(RecordType::Customer, id))
        .ok_or_else(|| not_found(&state, RecordType::Customer, &path))?;
    let contacts = store
        .records(RecordType::Contact)
        .filter(|c| c.reference("company") == Some(record.id))
        .map(|c| contact_row(&store, c))
        .collect();
    Ok(CustomerPage {
        account_id: state.settings().account_id,
        nav: "customers",
        id: record.id,
        name: record.ref_name(),
        external_id: record.text("externalId").unwrap_or_default().to_string(),
        fields: field_views(record),
        parent: company_link(&store, record.reference("parent")),
        date_created: format_datetime(&record.date_created),
        last_modified: format_datetime(&record.last_modified),
        contacts,
    })
}

async fn contact_page(
    state: web::Data<NetsuiteState>,
    path: web::Path<String>,
) -> Result<ContactPage, PageNotFound> {
    let store = state.store();
    let record = path
        .parse::<u64>()
        .ok()
        .and_then(|id| store.get(RecordType::Contact, id))
        .ok_or_else(|| not_found(&state, RecordType::Contact, &path))?;
    Ok(ContactPage {
        account_id: state.settings().account_id,
        nav: "contacts",
        id: record.id,
        name: record.ref_name(),
        external_id: record.text("externalId").unwrap_or_default().to_string(),
        company: company_link(&store, record.reference("company")),
        fields: field_views(record),
        date_created: format_datetime(&record.date_created),
        last_modified: format_datetime(&record.last_modified),
    })
}
