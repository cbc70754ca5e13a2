//! A flow's settings page (the settings icon of a flow row): Qualification Criteria, Lookup
//! Criteria, field mappings, create / update switches, poll interval; Save with an
//! optimistic lock on the flow's version; and Preview of one Salesforce record.
//!
//! The form works without JavaScript: add / remove buttons post the whole form and the page
//! comes back with the change applied. With htmx the same posts swap the form in place.

mod view;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::DomainError;
use ferry_domain::flows::describe::FieldCatalog;
use ferry_domain::flows::form::{FormAction, SettingsForm};
use ferry_domain::flows::preview::{self, PreviewError, PreviewReport, SearchHit};
use ferry_domain::flows::save::{self, SaveError, StoredSettings};
use ferry_domain::flows::settings::SettingsProblem;
use ferry_domain::ids::{FlowId, IntegrationId};
use ferry_domain::integrations::{self, TriggerKind};
use ferry_domain::tenancy::Role;

use self::view::{FormView, form_view};
use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/flows/{flow_id}/settings" => edit_flow_settings_form [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/flows/{flow_id}/settings" => update_flow_settings [Access::Tenant(Role::Admin)];
    Get "/integrations/{integration_id}/flows/{flow_id}/preview" => preview_record [Access::Tenant(Role::Member)];
}

type FlowPath = web::Path<(IntegrationId, FlowId)>;

/// The Preview panel: a search, its hits, or one record's report.
pub struct PreviewPanel {
    pub base: String,
    pub q: String,
    /// `q` for a query string.
    pub q_encoded: String,
    pub hits: Option<Vec<SearchHit>>,
    pub report: Option<PreviewReport>,
    pub error: Option<String>,
    pub can_preview: bool,
    pub source_object: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "flows/settings.html")]
struct FlowSettingsPage {
    layout: Layout,
    integration_id: String,
    integration_name: String,
    flow: StoredSettings,
    base: String,
    back: String,
    realtime: bool,
    can_edit: bool,
    form: FormView,
    /// Someone saved since the form was opened.
    conflict: Option<String>,
    preview: PreviewPanel,
}

#[derive(Template, WebTemplate)]
#[template(path = "flows/preview.html")]
struct PreviewPage {
    layout: Layout,
    integration_id: String,
    integration_name: String,
    flow: StoredSettings,
    base: String,
    preview: PreviewPanel,
}

fn base_of(integration: IntegrationId, flow: FlowId) -> String {
    format!("/integrations/{integration}/flows/{flow}")
}

/// The flow of the path, checked to belong to the integration of the path.
async fn load(
    state: &AppState,
    t: &TenantSession,
    integration: IntegrationId,
    flow: FlowId,
) -> Result<(StoredSettings, String), PageError> {
    let stored = save::get_settings(&state.db, &t.access, flow).await?;
    if stored.integration_id != integration {
        return Err(PageError::Domain(DomainError::NotFound));
    }
    let detail = integrations::get_integration(&state.db, &t.access.tenant, integration).await?;
    Ok((stored, detail.tile.name))
}

async fn catalog(state: &AppState, t: &TenantSession, flow: &StoredSettings) -> FieldCatalog {
    state
        .describe
        .catalog(
            &state.sync.clients,
            t.access.tenant.id().0,
            flow.integration_id.0,
            flow.definition,
        )
        .await
}

struct Rendered {
    form: SettingsForm,
    problems: Vec<SettingsProblem>,
    conflict: Option<String>,
}

fn page(
    t: &TenantSession,
    flow: StoredSettings,
    integration_name: String,
    catalog: &FieldCatalog,
    rendered: Rendered,
) -> FlowSettingsPage {
    let base = base_of(flow.integration_id, flow.flow_id);
    let form = form_view(flow.definition, catalog, &rendered.form, &rendered.problems);
    FlowSettingsPage {
        layout: t.layout(format!("{} settings", flow.name), Nav::Home),
        integration_id: flow.integration_id.to_string(),
        integration_name,
        back: format!(
            "/integrations/{}/settings?section={}",
            flow.integration_id,
            crate::error::urlencode(&flow.section)
        ),
        realtime: flow.trigger != TriggerKind::Scheduled.as_str(),
        can_edit: t.access.role >= Role::Admin,
        conflict: rendered.conflict,
        preview: PreviewPanel {
            base: base.clone(),
            q: String::new(),
            q_encoded: String::new(),
            hits: None,
            report: None,
            error: None,
            can_preview: t.access.role >= Role::Member,
            source_object: flow.definition.source_object,
        },
        base,
        form,
        flow,
    }
}

async fn edit_flow_settings_form(
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
) -> Result<FlowSettingsPage, PageError> {
    let (integration, flow_id) = path.into_inner();
    let (flow, integration_name) = load(&state, &t, integration, flow_id).await?;
    let catalog = catalog(&state, &t, &flow).await;
    let form = SettingsForm::from_settings(&flow.settings, flow.version);
    let problems = flow
        .unreadable
        .iter()
        .map(|message| SettingsProblem {
            path: "stored".to_owned(),
            message: format!("{message}. The defaults are shown; saving replaces them."),
        })
        .collect();
    Ok(page(
        &t,
        flow,
        integration_name,
        &catalog,
        Rendered {
            form,
            problems,
            conflict: None,
        },
    ))
}

/// After a save: a full navigation, so the flash shows. htmx follows `HX-Redirect`.
fn saved_redirect(
    req: &HttpRequest,
    state: &AppState,
    location: &str,
    flash: Flash,
) -> HttpResponse {
    let mut resp = redirect_with_flash(req, state, location, flash);
    if req.headers().contains_key("HX-Request") {
        *resp.status_mut() = actix_web::http::StatusCode::OK;
        resp.headers_mut().insert(
            header::HeaderName::from_static("hx-redirect"),
            header::HeaderValue::from_str(location)
                .unwrap_or_else(|_| header::HeaderValue::from_static("/")),
        );
    }
    resp
}

fn render_with_status(
    page: &FlowSettingsPage,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

async fn update_flow_settings(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id) = path.into_inner();
    let (flow, integration_name) = load(&state, &t, integration, flow_id).await?;
    let (mut form, action) = SettingsForm::from_fields(&fields);
    let catalog = catalog(&state, &t, &flow).await;
    let rerender = |form: SettingsForm, problems: Vec<SettingsProblem>, conflict| Rendered {
        form,
        problems,
        conflict,
    };
    use actix_web::http::StatusCode;
    if action != FormAction::Save {
        form.apply(action);
        let page = page(
            &t,
            flow,
            integration_name,
            &catalog,
            rerender(form, Vec::new(), None),
        );
        return render_with_status(&page, StatusCode::OK);
    }
    let Some(version) = form.version() else {
        let problems = vec![SettingsProblem {
            path: "version".to_owned(),
            message: "The form did not say which version it edits; open the settings again."
                .to_owned(),
        }];
        let page = page(
            &t,
            flow,
            integration_name,
            &catalog,
            rerender(form, problems, None),
        );
        return render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let settings = match form.parse(flow.definition, &catalog) {
        Ok(s) => s,
        Err(problems) => {
            let page = page(
                &t,
                flow,
                integration_name,
                &catalog,
                rerender(form, problems, None),
            );
            return render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match save::save_settings(&state.db, &t.access, flow_id, version, settings).await {
        Ok(saved) => {
            let message = if saved.version == version {
                "Nothing changed: the settings are as they were.".to_owned()
            } else {
                format!("Settings saved (version {}).", saved.version)
            };
            Ok(saved_redirect(
                &req,
                &state,
                &format!("{}/settings", base_of(integration, flow_id)),
                Flash::success(message),
            ))
        }
        Err(SaveError::Invalid(problems)) => {
            let page = page(
                &t,
                flow,
                integration_name,
                &catalog,
                rerender(form, problems, None),
            );
            render_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(SaveError::Stale {
            expected, by, at, ..
        }) => {
            let message = SaveError::stale_message(expected, &by, &at);
            let page = page(
                &t,
                flow,
                integration_name,
                &catalog,
                rerender(form, Vec::new(), Some(message)),
            );
            render_with_status(&page, StatusCode::CONFLICT)
        }
        Err(SaveError::Domain(e)) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PreviewQuery {
    q: String,
    record_id: String,
}

async fn preview_record(
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    query: web::Query<PreviewQuery>,
) -> Result<PreviewPage, PageError> {
    t.access.require(Role::Member)?;
    let (integration, flow_id) = path.into_inner();
    let (flow, integration_name) = load(&state, &t, integration, flow_id).await?;
    let base = base_of(integration, flow_id);
    let mut panel = PreviewPanel {
        base: base.clone(),
        q: query.q.trim().to_owned(),
        q_encoded: crate::error::urlencode(query.q.trim()),
        hits: None,
        report: None,
        error: None,
        can_preview: true,
        source_object: flow.definition.source_object,
    };
    let unavailable = |e: PreviewError| match e {
        PreviewError::Unavailable(message) => Ok(message),
        PreviewError::Domain(DomainError::Invalid(errors)) => Ok(errors
            .0
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join(" ")),
        PreviewError::Domain(e) => Err(PageError::Domain(e)),
    };
    if !query.record_id.trim().is_empty() {
        match preview::preview_record(&state.sync, &t.access, flow_id, &query.record_id).await {
            Ok(report) => panel.report = Some(report),
            Err(e) => panel.error = Some(unavailable(e)?),
        }
    } else if !panel.q.is_empty() {
        match preview::search_records(&state.sync, &t.access, flow_id, &panel.q).await {
            Ok(hits) => panel.hits = Some(hits),
            Err(e) => panel.error = Some(unavailable(e)?),
        }
    }
    Ok(PreviewPage {
        layout: t.layout(format!("Preview · {}", flow.name), Nav::Home),
        integration_id: integration.to_string(),
        integration_name,
        base,
        preview: panel,
        flow,
    })
}
