//! A flow's page: state and toggle, trigger, the listener URL with setup steps, "Sync existing
//! records" (dry run or real, with progress and cancel), recent runs, open errors, and a
//! record lookup (timeline, retry).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use uuid::Uuid;

use ferry_domain::DomainError;
use ferry_domain::flows::manage::{self, FlowView};
use ferry_domain::ids::{FlowId, IntegrationId};
use ferry_domain::integrations::TriggerKind;
use ferry_domain::sync::backfill::{self, BackfillView};
use ferry_domain::sync::reads::{self, ErrorView, RunView, TimelineEntry};
use ferry_domain::sync::retry;
use ferry_domain::tenancy::Role;

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::views::{public_base, when, when_opt};
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/flows/{flow_id}" => flow_page [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/flows/{flow_id}/toggle" => toggle [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/flows/{flow_id}/trigger" => change_trigger [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/flows/{flow_id}/listener/rotate" => rotate_listener [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/flows/{flow_id}/backfills" => start_backfill [Access::Tenant(Role::Admin)];
    Get "/integrations/{integration_id}/flows/{flow_id}/backfills/latest" => backfill_fragment [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/flows/{flow_id}/backfills/{backfill_id}/cancel" => cancel_backfill [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/flows/{flow_id}/retry" => retry_record [Access::Tenant(Role::Member)];
    Get "/integrations/{integration_id}/flows/{flow_id}/records" => find_record [Access::Tenant(Role::Viewer)];
    Get "/integrations/{integration_id}/flows/{flow_id}/records/{record_id}" => record_page [Access::Tenant(Role::Viewer)];
}

type FlowPath = web::Path<(IntegrationId, FlowId)>;

/// The flow of the path, checked to belong to the integration of the path.
async fn load(
    state: &AppState,
    t: &TenantSession,
    integration: IntegrationId,
    flow: FlowId,
) -> Result<FlowView, PageError> {
    let view = manage::get_flow(&state.db, &state.master_key, &t.access, flow).await?;
    if view.integration_id != integration {
        return Err(PageError::Domain(DomainError::NotFound));
    }
    Ok(view)
}

fn flow_path(view: &FlowView) -> String {
    format!("/integrations/{}/flows/{}", view.integration_id, view.id)
}

pub struct BackfillRow {
    pub id: String,
    pub label: &'static str,
    pub status: String,
    pub active: bool,
    pub percent: i64,
    pub has_total: bool,
    pub processed: i64,
    pub total: String,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub reasons: Vec<(String, i64)>,
    pub error: Option<String>,
    pub started: String,
    pub by: String,
}

impl From<&BackfillView> for BackfillRow {
    fn from(b: &BackfillView) -> Self {
        let mut reasons: Vec<(String, i64)> =
            b.reasons.iter().map(|(k, v)| (k.clone(), *v)).collect();
        reasons.sort_by_key(|r| std::cmp::Reverse(r.1));
        Self {
            id: b.id.to_string(),
            label: if b.dry_run { "Dry run" } else { "Sync" },
            status: b.status.clone(),
            active: b.is_active(),
            percent: b.percent().unwrap_or(0),
            has_total: b.total.is_some(),
            processed: b.processed,
            total: b
                .total
                .map(|t| t.to_string())
                .unwrap_or_else(|| "…".to_owned()),
            created: b.created,
            updated: b.updated,
            unchanged: b.unchanged,
            skipped: b.skipped,
            failed: b.failed,
            reasons,
            error: b.error.clone(),
            started: when(&b.created_at),
            by: b.requested_by.clone(),
        }
    }
}

pub struct RunRow {
    pub started: String,
    pub trigger: String,
    pub duration: String,
    pub run: RunView,
}

pub struct ErrorRow {
    pub record_id: String,
    pub kind: String,
    pub code: String,
    pub message: String,
    pub attempts: i32,
    pub last_seen: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "flows/show.html")]
struct FlowPage {
    layout: Layout,
    flow: FlowView,
    base: String,
    listener_url: Option<String>,
    realtime: bool,
    can_admin: bool,
    can_retry: bool,
    backfill: Option<BackfillRow>,
    runs: Vec<RunRow>,
    errors: Vec<ErrorRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "flows/backfill.html")]
struct BackfillFragment {
    layout: Layout,
    base: String,
    backfill: Option<BackfillRow>,
    can_admin: bool,
}

async fn latest_backfill(
    state: &AppState,
    t: &TenantSession,
    flow: FlowId,
) -> Result<Option<BackfillRow>, PageError> {
    Ok(backfill::recent_backfills(&state.db, &t.access, flow, 1)
        .await?
        .first()
        .map(BackfillRow::from))
}

async fn flow_page(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
) -> Result<FlowPage, PageError> {
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let runs = reads::recent_runs(&state.db, &t.access.tenant, flow_id, 20)
        .await?
        .into_iter()
        .map(|run| RunRow {
            started: when(&run.started_at),
            trigger: run.trigger.clone(),
            duration: run
                .duration_ms
                .map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
                .unwrap_or_else(|| "running".to_owned()),
            run,
        })
        .collect();
    let errors = reads::flow_errors(&state.db, &t.access.tenant, flow_id, "open", 50)
        .await?
        .into_iter()
        .map(|e: ErrorView| ErrorRow {
            record_id: e.record_id,
            kind: e.kind,
            code: e.code.unwrap_or_default(),
            message: e.message,
            attempts: e.attempts,
            last_seen: when(&e.last_seen_at),
        })
        .collect();
    let listener_url = flow
        .listener_token
        .as_ref()
        .map(|token| format!("{}/listeners/{token}/salesforce", public_base(&req, &state)));
    Ok(FlowPage {
        layout: t.layout(flow.name.clone(), Nav::Home),
        base: flow_path(&flow),
        realtime: flow.trigger == TriggerKind::RealTime.as_str(),
        can_admin: t.access.role >= Role::Admin,
        can_retry: t.access.role >= Role::Member,
        backfill: latest_backfill(&state, &t, flow_id).await?,
        listener_url,
        runs,
        errors,
        flow,
    })
}

async fn backfill_fragment(
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
) -> Result<BackfillFragment, PageError> {
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    Ok(BackfillFragment {
        layout: t.layout(flow.name.clone(), Nav::Home),
        base: flow_path(&flow),
        backfill: latest_backfill(&state, &t, flow_id).await?,
        can_admin: t.access.role >= Role::Admin,
    })
}

/// Every field defaults, so an empty form reaches the role and tenant checks (403/404)
/// rather than failing to parse.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ToggleForm {
    /// `on` or `off`.
    enabled: String,
}

async fn toggle(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let on = form.enabled == "on";
    let flash =
        match manage::set_enabled(&state.db, &state.master_key, &t.access, flow_id, on).await {
            Ok(v) if v.enabled => Flash::success(format!("{} is on.", v.name)),
            Ok(v) => Flash::success(format!(
                "{} is off. Notifications are still acknowledged and recorded as skipped.",
                v.name
            )),
            Err(DomainError::Conflict(reason)) => {
                Flash::error(format!("Cannot turn the flow on: {reason}"))
            }
            Err(e) => return Err(e.into()),
        };
    Ok(redirect_with_flash(&req, &state, &flow_path(&flow), flash))
}

/// Every field defaults, so an empty form reaches the role and tenant checks (403/404)
/// rather than failing to parse.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TriggerForm {
    trigger: String,
}

async fn change_trigger(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    form: web::Form<TriggerForm>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let trigger = match form.trigger.as_str() {
        "realtime" => TriggerKind::RealTime,
        "scheduled" => TriggerKind::Scheduled,
        _ => {
            return Err(PageError::Domain(DomainError::invalid(
                "trigger",
                "Choose real-time or scheduled.",
            )));
        }
    };
    let v = manage::set_trigger(&state.db, &state.master_key, &t.access, flow_id, trigger).await?;
    let flash = Flash::success(format!(
        "{} now runs {}.",
        v.name,
        trigger.label().to_lowercase()
    ));
    Ok(redirect_with_flash(&req, &state, &flow_path(&flow), flash))
}

async fn rotate_listener(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    manage::rotate_listener(&state.db, &state.master_key, &t.access, flow_id).await?;
    let flash = Flash::success(
        "New listener URL made; the old one no longer works. Update the outbound message's endpoint in Salesforce.",
    );
    Ok(redirect_with_flash(&req, &state, &flow_path(&flow), flash))
}

/// Every field defaults, so an empty form reaches the role and tenant checks (403/404)
/// rather than failing to parse.
#[derive(Deserialize, Default)]
#[serde(default)]
struct BackfillForm {
    /// `dry_run` or `sync`.
    mode: String,
    /// `YYYY-MM-DD`, optional.
    modified_since: String,
}

async fn start_backfill(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    form: web::Form<BackfillForm>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let since = form.modified_since.trim();
    let modified_since = if since.is_empty() {
        None
    } else {
        match NaiveDate::parse_from_str(since, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            Some(d) => Some(Utc.from_utc_datetime(&d)),
            None => {
                let flash = Flash::error(
                    "Enter the date as YYYY-MM-DD, or leave it empty for every record.",
                );
                return Ok(redirect_with_flash(&req, &state, &flow_path(&flow), flash));
            }
        }
    };
    let dry_run = form.mode != "sync";
    let flash = match backfill::start_backfill(
        &state.db,
        state.sync.waker.as_ref(),
        &t.access,
        flow_id,
        dry_run,
        modified_since,
    )
    .await
    {
        Ok(_) if dry_run => {
            Flash::success("Dry run started: counting what a sync would do. Nothing is written.")
        }
        Ok(_) => Flash::success("Syncing existing records. Progress shows below."),
        Err(DomainError::Conflict(reason)) => Flash::error(reason),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&req, &state, &flow_path(&flow), flash))
}

async fn cancel_backfill(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, FlowId, Uuid)>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (integration, flow_id, backfill_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    // The backfill must be this flow's before anything changes, not checked afterwards.
    backfill::cancel_backfill(&state.db, &t.access, flow_id, backfill_id).await?;
    Ok(redirect_with_flash(
        &req,
        &state,
        &flow_path(&flow),
        Flash::success("Canceled; the current page of records finishes first."),
    ))
}

/// Every field defaults, so an empty form reaches the role and tenant checks (403/404)
/// rather than failing to parse.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RetryForm {
    record_id: String,
}

async fn retry_record(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Member)?;
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let flash = match retry::retry_record(
        &state.db,
        state.sync.waker.as_ref(),
        &t.access,
        flow_id,
        &form.record_id,
    )
    .await
    {
        Ok(()) => Flash::success(format!("Record {} queued for sync.", form.record_id.trim())),
        Err(DomainError::Invalid(errors)) => Flash::error(errors.to_string()),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&req, &state, &flow_path(&flow), flash))
}

#[derive(Deserialize)]
struct FindForm {
    #[serde(default)]
    record_id: String,
}

/// The record search form: on to that record's timeline.
async fn find_record(
    t: TenantSession,
    state: web::Data<AppState>,
    path: FlowPath,
    query: web::Query<FindForm>,
) -> Result<HttpResponse, PageError> {
    let (integration, flow_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let id: String = query
        .record_id
        .trim()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(18)
        .collect();
    let location = if id.is_empty() {
        flow_path(&flow)
    } else {
        format!("{}/records/{id}", flow_path(&flow))
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish())
}

#[derive(Template, WebTemplate)]
#[template(path = "flows/record.html")]
struct RecordPage {
    layout: Layout,
    flow: FlowView,
    base: String,
    record_id: String,
    entries: Vec<(String, TimelineEntry)>,
    can_retry: bool,
}

async fn record_page(
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, FlowId, String)>,
) -> Result<RecordPage, PageError> {
    let (integration, flow_id, record_id) = path.into_inner();
    let flow = load(&state, &t, integration, flow_id).await?;
    let entries = reads::record_timeline(&state.db, &t.access.tenant, &record_id, 200)
        .await?
        .into_iter()
        .filter(|e| e.flow_id == flow_id.0)
        .map(|e| (when_opt(&Some(e.at)), e))
        .collect();
    Ok(RecordPage {
        layout: t.layout(format!("{record_id} · {}", flow.name), Nav::Home),
        base: flow_path(&flow),
        record_id,
        entries,
        can_retry: t.access.role >= Role::Member,
        flow,
    })
}
