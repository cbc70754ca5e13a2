//! The outbound-message setup page: rules and the delivery log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

use super::{Cell, Chrome, render_with_status, see_other};
use crate::salesforce::SalesforceState;
use crate::salesforce::outbound::OutboundRuleParams;
use crate::salesforce::schema::ObjectKind;

pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub object: &'static str,
    pub fields: String,
    pub endpoint_url: String,
}

pub struct DeliveryRow {
    pub at: String,
    pub endpoint_url: String,
    pub notifications: String,
    pub records: Vec<Cell>,
    pub attempt: u32,
    pub duplicate: bool,
    pub status: String,
    pub excerpt: String,
    pub acked: bool,
    pub error: String,
    pub gave_up: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sandbox/salesforce/outbound.html")]
pub struct OutboundPage {
    pub chrome: Chrome,
    pub rules: Vec<RuleRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub pending: usize,
    pub error: Option<String>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/outbound").route(web::get().to(show_outbound)))
        .service(web::resource("/outbound/rules").route(web::post().to(add_rule)))
        .service(web::resource("/outbound/rules/{id}/delete").route(web::post().to(delete_rule)))
        .service(web::resource("/outbound/flush").route(web::post().to(flush)));
}

fn page(state: &SalesforceState, error: Option<String>) -> OutboundPage {
    let org = state.lock();
    let rules = org
        .outbound
        .rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            name: r.name.clone(),
            object: r.object.name(),
            fields: r.fields.join(", "),
            endpoint_url: r.endpoint_url.clone(),
        })
        .collect();
    let deliveries = org
        .outbound
        .log()
        .into_iter()
        .take(200)
        .map(|d| DeliveryRow {
            at: d.at.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            endpoint_url: d.endpoint_url,
            notifications: d.notification_ids.join(", "),
            records: d
                .record_ids
                .iter()
                .map(|id| {
                    let path = match ObjectKind::of_id(id) {
                        Some(ObjectKind::Account) => "accounts",
                        _ => "contacts",
                    };
                    Cell::link(id.clone(), format!("/{path}/{id}"))
                })
                .collect(),
            attempt: d.attempt,
            duplicate: d.duplicate,
            status: d
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            excerpt: d.response_excerpt.chars().take(120).collect(),
            acked: d.acked,
            error: d.error.unwrap_or_default(),
            gave_up: d.gave_up,
        })
        .collect();
    OutboundPage {
        chrome: Chrome {
            title: "Outbound messages".into(),
            nav: "outbound",
            org_id: state.org_id().to_owned(),
            flash: None,
        },
        rules,
        deliveries,
        pending: org.outbound.pending().len(),
        error,
    }
}

async fn show_outbound(state: web::Data<SalesforceState>) -> OutboundPage {
    page(&state, None)
}

async fn add_rule(state: web::Data<SalesforceState>, body: web::Bytes) -> HttpResponse {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let params = OutboundRuleParams {
        name: Some(get("name")),
        object: get("object"),
        fields: get("fields")
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect(),
        endpoint_url: get("endpoint_url"),
        active: true,
        send_session_id: false,
    };
    let result = state.lock().outbound.add_rule(params);
    match result {
        Ok(_) => see_other("/outbound"),
        Err(error) => render_with_status(&page(&state, Some(error)), StatusCode::BAD_REQUEST),
    }
}

async fn delete_rule(state: web::Data<SalesforceState>, path: web::Path<String>) -> HttpResponse {
    state.lock().outbound.remove_rule(&path.into_inner());
    see_other("/outbound")
}

async fn flush(state: web::Data<SalesforceState>) -> HttpResponse {
    state.lock().outbound.make_all_due();
    state.wake_deliverer();
    see_other("/outbound")
}
