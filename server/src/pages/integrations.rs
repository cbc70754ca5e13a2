//! An integration's Settings page (the tile's gear icon), in tabs: *Integration Flows* (a tab
//! per section, each flow with its toggle and settings icon), *Connections*, *General* (name,
//! environment label, listener URLs with setup steps). Tabs are links, so every tab works
//! without JavaScript; the toggle swaps its row in place with htmx.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::connections::{self, AuthKind};
use ferry_domain::flows::manage;
use ferry_domain::flows::overview::{self, FlowOverview};
use ferry_domain::ids::{FlowId, IntegrationId};
use ferry_domain::integrations::general::{ENVIRONMENTS, GeneralSettings, update_general};
use ferry_domain::integrations::{self, TriggerKind};
use ferry_domain::tenancy::Role;
use ferry_domain::{DomainError, FieldErrors};

use crate::error::{PageError, urlencode};
use crate::layout::{Layout, Nav};
use crate::pages::connections::ConnectionRow;
use crate::pages::views::{ConnectionBadge, public_base, when, when_opt};
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/settings" => integration_settings [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/settings/general" => update_general_settings [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/settings/flows/{flow_id}/toggle" => toggle_flow [Access::Tenant(Role::Admin)];
}

/// The tabs of the Settings page (and the audit log beside them).
pub struct TabLink {
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    pub selected: bool,
}

pub fn tabs(integration: &str, current: &str) -> Vec<TabLink> {
    let settings = format!("/integrations/{integration}/settings");
    [
        ("flows", "Integration Flows", settings.clone()),
        (
            "connections",
            "Connections",
            format!("{settings}?tab=connections"),
        ),
        ("general", "General", format!("{settings}?tab=general")),
        (
            "audit",
            "Audit log",
            format!("/integrations/{integration}/audit"),
        ),
    ]
    .into_iter()
    .map(|(key, label, href)| TabLink {
        key,
        label,
        href,
        selected: key == current,
    })
    .collect()
}

/// One flow row of the Integration Flows tab.
pub struct FlowRowView {
    pub id: String,
    pub name: String,
    pub trigger: String,
    pub enabled: bool,
    pub last_run: String,
    pub last_run_failed: bool,
    pub open_errors: u64,
    pub criteria_summary: String,
    pub flow_url: String,
    pub settings_url: String,
    pub toggle_url: String,
    /// Why the flow could not be turned on, shown in the row.
    pub refusal: Option<String>,
}

impl FlowRowView {
    fn new(integration: IntegrationId, f: &FlowOverview) -> Self {
        let flow_url = format!("/integrations/{integration}/flows/{}", f.id);
        Self {
            id: f.id.to_string(),
            name: f.name.clone(),
            trigger: match f.trigger {
                TriggerKind::RealTime => "Real-time".to_owned(),
                TriggerKind::Scheduled => {
                    format!("Scheduled, every {} min", f.poll_interval_minutes)
                }
            },
            enabled: f.enabled,
            last_run: f.last_run.as_ref().map_or_else(
                || "Never".to_owned(),
                |r| format!("{} · {} records", when(&r.started_at), r.processed),
            ),
            last_run_failed: f.last_run.as_ref().is_some_and(|r| r.failed > 0),
            open_errors: f.open_errors,
            criteria_summary: f.criteria_summary.clone(),
            settings_url: format!("{flow_url}/settings"),
            toggle_url: format!("/integrations/{integration}/settings/flows/{}/toggle", f.id),
            flow_url,
            refusal: None,
        }
    }
}

/// A section's "n/m on", updated beside a toggled row (htmx out-of-band swap).
pub struct SectionCount {
    pub name: String,
    pub on: usize,
    pub total: usize,
}

pub struct SectionTab {
    pub name: String,
    pub href: String,
    pub selected: bool,
    pub on: usize,
    pub total: usize,
}

/// A flow's listener on the General tab.
pub struct ListenerView {
    pub flow_name: String,
    pub source_object: &'static str,
    pub realtime: bool,
    pub url: Option<String>,
    pub flow_url: String,
    pub input_id: String,
}

pub struct EnvOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "integrations/settings.html")]
struct SettingsPage {
    layout: Layout,
    id: String,
    name: String,
    environment: String,
    installed_at: String,
    tab: &'static str,
    tabs: Vec<TabLink>,
    connection_badges: Vec<ConnectionBadge>,
    sections: Vec<SectionTab>,
    rows: Vec<FlowRowView>,
    connections: Vec<ConnectionRow>,
    listeners: Vec<ListenerView>,
    can_admin: bool,
    /// Only the toggle's answer carries it.
    section_count: Option<SectionCount>,
    form_name: String,
    environments: Vec<EnvOption>,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "_partials/flow_row.html")]
struct FlowRowFragment {
    layout: Layout,
    f: FlowRowView,
    can_admin: bool,
    section_count: Option<SectionCount>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsQuery {
    tab: String,
    section: String,
}

struct GeneralInput {
    name: String,
    environment: String,
    errors: FieldErrors,
}

async fn settings_page(
    req: &HttpRequest,
    t: &TenantSession,
    state: &AppState,
    id: IntegrationId,
    query: &SettingsQuery,
    general: Option<GeneralInput>,
) -> Result<SettingsPage, PageError> {
    let detail = integrations::get_integration(&state.db, &t.access.tenant, id).await?;
    let flows = overview::integration_flows(&state.db, &t.access.tenant, id).await?;
    let tab: &'static str = match (query.tab.as_str(), &general) {
        (_, Some(_)) | ("general", _) => "general",
        ("connections", _) => "connections",
        _ => "flows",
    };
    let mut section_names: Vec<String> = Vec::new();
    for f in &flows {
        if !section_names.contains(&f.section) {
            section_names.push(f.section.clone());
        }
    }
    let section = section_names
        .iter()
        .find(|s| s.eq_ignore_ascii_case(query.section.trim()))
        .or(section_names.first())
        .cloned()
        .unwrap_or_default();
    let sections = section_names
        .iter()
        .map(|s| SectionTab {
            href: format!("/integrations/{id}/settings?section={}", urlencode(s)),
            selected: *s == section,
            on: flows
                .iter()
                .filter(|f| f.section == *s && f.enabled)
                .count(),
            total: flows.iter().filter(|f| f.section == *s).count(),
            name: s.clone(),
        })
        .collect();
    let rows = flows
        .iter()
        .filter(|f| f.section == section)
        .map(|f| FlowRowView::new(id, f))
        .collect();
    let connections = if tab == "connections" {
        connections::list_connections(&state.db, &t.access.tenant, id)
            .await?
            .connections
            .iter()
            .map(|c| ConnectionRow {
                system: c.system.as_str(),
                badge: ConnectionBadge::new(c.system.label(), &c.state),
                kind: c.kind.map(AuthKind::label).unwrap_or("—"),
                last_tested: when_opt(&c.last_tested_at),
                last_error: c.last_error.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut listeners = Vec::new();
    if tab == "general" {
        let base = public_base(req, state);
        for f in &flows {
            let view = manage::get_flow(&state.db, &state.master_key, &t.access, f.id).await?;
            listeners.push(ListenerView {
                flow_name: view.name.clone(),
                source_object: view.source_object,
                realtime: view.trigger == TriggerKind::RealTime.as_str(),
                url: view
                    .listener_token
                    .as_ref()
                    .map(|token| format!("{base}/listeners/{token}/salesforce")),
                flow_url: format!("/integrations/{id}/flows/{}", f.id),
                input_id: format!("listener-{}", f.id),
            });
        }
    }
    let (form_name, form_environment, errors) = match general {
        Some(g) => (g.name, g.environment, g.errors),
        None => (
            detail.tile.name.clone(),
            detail.tile.environment.clone(),
            FieldErrors::default(),
        ),
    };
    Ok(SettingsPage {
        layout: t.layout(format!("{} settings", detail.tile.name), Nav::Home),
        id: id.to_string(),
        name: detail.tile.name.clone(),
        environment: detail.tile.environment.clone(),
        installed_at: when(&detail.installed_at),
        tab,
        tabs: tabs(&id.to_string(), tab),
        connection_badges: vec![
            ConnectionBadge::new("Salesforce", &detail.tile.salesforce),
            ConnectionBadge::new("NetSuite", &detail.tile.netsuite),
        ],
        sections,
        rows,
        connections,
        listeners,
        can_admin: t.access.role >= Role::Admin,
        section_count: None,
        form_name,
        environments: ENVIRONMENTS
            .iter()
            .map(|(value, label)| EnvOption {
                value,
                label,
                selected: *value == form_environment,
            })
            .collect(),
        errors,
    })
}

async fn integration_settings(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<SettingsQuery>,
) -> Result<SettingsPage, PageError> {
    settings_page(&req, &t, &state, id.into_inner(), &query, None).await
}

/// Every field defaults, so an empty form reaches the role and tenant checks (403/404)
/// rather than failing to parse.
#[derive(Deserialize, Default)]
#[serde(default)]
struct GeneralForm {
    name: String,
    environment: String,
}

async fn update_general_settings(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    form: web::Form<GeneralForm>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let id = id.into_inner();
    integrations::get_integration(&state.db, &t.access.tenant, id).await?;
    let saved = match GeneralSettings::parse(&form.name, &form.environment) {
        Ok(input) => update_general(&state.db, &t.access, id, input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(redirect_with_flash(
            &req,
            &state,
            &format!("/integrations/{id}/settings?tab=general"),
            Flash::success("General settings saved."),
        )),
        Err(DomainError::Invalid(errors)) => {
            let input = GeneralInput {
                name: form.name.clone(),
                environment: form.environment.clone(),
                errors,
            };
            let page =
                settings_page(&req, &t, &state, id, &SettingsQuery::default(), Some(input)).await?;
            crate::pages::auth::render_unprocessable(&page)
        }
        Err(e) => Err(e.into()),
    }
}

/// Every field defaults, so an empty form reaches the role and tenant checks (403/404)
/// rather than failing to parse.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ToggleForm {
    /// `on` or `off`.
    enabled: String,
}

/// Turns a flow on or off from its row. With htmx the row comes back with the new state or
/// the reason it could not be turned on; without, the page reloads with a flash message.
async fn toggle_flow(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, FlowId)>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id) = path.into_inner();
    let (owner, _) = overview::flow_overview(&state.db, &t.access.tenant, flow_id).await?;
    if owner != integration {
        return Err(PageError::Domain(DomainError::NotFound));
    }
    let on = form.enabled == "on";
    let refusal =
        match manage::set_enabled(&state.db, &state.master_key, &t.access, flow_id, on).await {
            Ok(_) => None,
            Err(DomainError::Conflict(reason)) => Some(reason),
            Err(e) => return Err(e.into()),
        };
    let (_, flow) = overview::flow_overview(&state.db, &t.access.tenant, flow_id).await?;
    if req.headers().contains_key("HX-Request") {
        let mut row = FlowRowView::new(integration, &flow);
        row.refusal = refusal.map(|r| format!("Cannot turn it on: {r}"));
        let flows = overview::integration_flows(&state.db, &t.access.tenant, integration).await?;
        let in_section = || flows.iter().filter(|f| f.section == flow.section);
        let fragment = FlowRowFragment {
            layout: t.layout(flow.name.clone(), Nav::Home),
            f: row,
            can_admin: true,
            section_count: Some(SectionCount {
                name: flow.section.clone(),
                on: in_section().filter(|f| f.enabled).count(),
                total: in_section().count(),
            }),
        };
        let body = fragment
            .render()
            .map_err(|e| PageError::Internal(e.to_string()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body));
    }
    let flash = match refusal {
        Some(reason) => Flash::error(format!("Cannot turn {} on: {reason}", flow.name)),
        None if flow.enabled => Flash::success(format!("{} is on.", flow.name)),
        None => Flash::success(format!("{} is off.", flow.name)),
    };
    Ok(redirect_with_flash(
        &req,
        &state,
        &format!(
            "/integrations/{integration}/settings?section={}",
            urlencode(&flow.section)
        ),
        flash,
    ))
}
