//! An integration's dashboard (the tile's *Dashboard* link): each flow's state, last run,
//! records synced today, open errors and a week's chart; run history and a run's records;
//! errors with Open / Resolved tabs, filters, groups by root cause and Retry / Resolve on one,
//! a selection or a filter; every record outcome (skipped ones too); a record's timeline; the
//! e-mail digest setting.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use uuid::Uuid;

use ferry_domain::DomainError;
use ferry_domain::dashboard::digest::{self, DigestInput, DigestParams, DigestSettings};
use ferry_domain::dashboard::errors::{self, Acting, MAX_SELECTION, SignatureGroup, Target};
use ferry_domain::dashboard::filter::{ErrorFilter, ErrorFilterParams, cursor_of, parse_record_id};
use ferry_domain::dashboard::outcomes::{self, OutcomeFilter, OutcomeFilterParams};
use ferry_domain::dashboard::overview::{self, IntegrationFlows};
use ferry_domain::dashboard::runs::{self, RunFilter, RunFilterParams};
use ferry_domain::dashboard::timeline;
use ferry_domain::ids::IntegrationId;
use ferry_domain::tenancy::Role;

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::chart::Chart;
use crate::pages::dash_views::{
    ErrorRowView, FilterView, Opt, OutcomeRowView, RunRowView, TimelineRowView, next_url, options,
    query_string, word_options,
};
use crate::pages::error_list_head::ErrorListHead;
use crate::pages::views::when;
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/dashboard" => dashboard_page [Access::Tenant(Role::Viewer)];
    Get "/integrations/{integration_id}/dashboard/errors" => errors_page [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/dashboard/errors/bulk" => bulk_errors [Access::Tenant(Role::Member)];
    Get "/integrations/{integration_id}/dashboard/errors/{error_id}" => error_page [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/dashboard/errors/{error_id}/retry" => retry_error [Access::Tenant(Role::Member)];
    Post "/integrations/{integration_id}/dashboard/errors/{error_id}/resolve" => resolve_error [Access::Tenant(Role::Member)];
    Get "/integrations/{integration_id}/dashboard/runs" => runs_page [Access::Tenant(Role::Viewer)];
    Get "/integrations/{integration_id}/dashboard/runs/{run_id}" => run_page [Access::Tenant(Role::Viewer)];
    Get "/integrations/{integration_id}/dashboard/records" => records_page [Access::Tenant(Role::Viewer)];
    Get "/integrations/{integration_id}/dashboard/records/{record_id}" => record_page [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/dashboard/digest" => save_digest [Access::Tenant(Role::Admin)];
}

const PAGE: u64 = 50;

fn base_of(id: IntegrationId) -> String {
    format!("/integrations/{id}/dashboard")
}

async fn load(
    state: &AppState,
    t: &TenantSession,
    id: IntegrationId,
) -> Result<IntegrationFlows, PageError> {
    Ok(overview::integration_flows(&state.db, &t.access.tenant, id).await?)
}

fn flow_options(i: &IntegrationFlows, current: String) -> Vec<Opt> {
    options(
        i.flows.iter().map(|f| (f.id.to_string(), f.name.clone())),
        &current,
    )
}

fn error_row(i: &IntegrationFlows, e: errors::ErrorItem) -> ErrorRowView {
    let flow = i.flow_label(e.flow_id);
    let url = i.record_url(&e.record_id);
    ErrorRowView::new(e, flow, String::new(), url)
}

pub struct FlowCard {
    pub id: String,
    pub name: String,
    pub section: String,
    pub enabled: bool,
    pub realtime: bool,
    pub last_run: String,
    pub last_run_id: String,
    pub synced_today: i64,
    pub failed_today: i64,
    pub open_errors: i64,
    pub chart: Chart,
}

pub struct GroupView {
    pub signature: String,
    pub count: String,
    pub flow_name: String,
    pub kind: String,
    pub code: String,
    pub template: String,
    pub example: ErrorRowView,
    pub last_seen: String,
    /// The filter of this group, as hidden fields / a query string.
    pub query: String,
    pub pairs: Vec<(&'static str, String)>,
}

fn group_view(
    i: &IntegrationFlows,
    filter: &ErrorFilter,
    g: SignatureGroup,
    flow_name: String,
    tenant_name: String,
) -> GroupView {
    let narrowed = ErrorFilter {
        signature: Some(g.signature.clone()),
        ..filter.clone()
    };
    let pairs = narrowed.to_pairs();
    GroupView {
        query: query_string(&pairs),
        pairs,
        signature: g.signature,
        count: errors::thousands(g.count.max(0) as u64),
        flow_name: flow_name.clone(),
        kind: g.example.kind.clone(),
        code: g.example.code.clone().unwrap_or_default(),
        template: g.template,
        last_seen: when(&g.last_seen_at),
        example: {
            let url = i.record_url(&g.example.record_id);
            ErrorRowView::new(g.example, flow_name, tenant_name, url)
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    layout: Layout,
    base: String,
    tab: &'static str,
    integration_id: String,
    name: String,
    flows: Vec<FlowCard>,
    open_errors: i64,
    by_kind: Vec<(String, i64)>,
    groups: Vec<GroupView>,
    runs: Vec<RunRowView>,
    digest: DigestSettings,
    mail_configured: bool,
    can_admin: bool,
}

async fn dashboard_page(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
) -> Result<DashboardPage, PageError> {
    let id = id.into_inner();
    let i = load(&state, &t, id).await?;
    let tenant = &t.access.tenant;
    let summary = overview::summary(&state.db, tenant, &i).await?;
    let scope = i.scope(tenant);
    let open = ErrorFilter::open();
    let groups = errors::signature_groups(&state.db, &scope, &open, 5)
        .await?
        .into_iter()
        .map(|g| {
            let name = i.flow_name(g.example.flow_id);
            group_view(&i, &open, g, name, String::new())
        })
        .collect();
    let runs = runs::list_runs(&state.db, tenant, &i, &RunFilter::default(), None, 8)
        .await?
        .rows
        .into_iter()
        .map(|r| {
            let name = i.flow_label(r.flow_id);
            RunRowView::new(r, name)
        })
        .collect();
    let flows = summary
        .flows
        .into_iter()
        .map(|f| FlowCard {
            chart: Chart::new(format!("flow-{}", f.flow.id), &f.hours),
            id: f.flow.id.to_string(),
            name: f.flow.name.clone(),
            section: f.flow.section.clone(),
            enabled: f.flow.enabled,
            realtime: f.flow.trigger == "realtime",
            last_run: f
                .last_run
                .as_ref()
                .map(|r| {
                    format!(
                        "{} · {} processed, {} failed",
                        when(&r.started_at),
                        r.processed,
                        r.failed
                    )
                })
                .unwrap_or_else(|| "never".to_owned()),
            last_run_id: f
                .last_run
                .as_ref()
                .map(|r| r.id.to_string())
                .unwrap_or_default(),
            synced_today: f.synced_today,
            failed_today: f.failed_today,
            open_errors: f.open_errors,
        })
        .collect();
    Ok(DashboardPage {
        layout: t.layout(format!("{} dashboard", i.name), Nav::Home),
        base: base_of(id),
        tab: "overview",
        integration_id: id.to_string(),
        name: i.name.clone(),
        flows,
        open_errors: summary.open_errors,
        by_kind: summary.open_by_kind,
        groups,
        runs,
        digest: digest::get_digest(&state.db, tenant, id).await?,
        mail_configured: state.settings.mail_configured,
        can_admin: t.access.role >= Role::Admin,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/errors.html")]
struct ErrorsPage {
    layout: Layout,
    base: String,
    tab: &'static str,
    name: String,
    filter: FilterView,
    flows: Vec<Opt>,
    head: ErrorListHead,
    rows: Vec<ErrorRowView>,
    groups: Vec<GroupView>,
    next: Option<String>,
    can_act: bool,
    max_selection: usize,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ErrorsQuery {
    #[serde(flatten)]
    filter: ErrorFilterParams,
    /// `groups` shows errors grouped by root cause.
    view: String,
}

async fn errors_page(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<ErrorsQuery>,
) -> Result<ErrorsPage, PageError> {
    let id = id.into_inner();
    let i = load(&state, &t, id).await?;
    let filter = ErrorFilter::try_from(&query.filter)?;
    let scope = i.scope(&t.access.tenant);
    let base = base_of(id);
    let grouped = query.view == "groups";
    let head = ErrorListHead::load(
        &state.db,
        &scope,
        &filter,
        grouped,
        format!("{base}/errors"),
    )
    .await?;
    let (rows, groups, next) = if grouped {
        let groups = errors::signature_groups(&state.db, &scope, &filter, 50)
            .await?
            .into_iter()
            .map(|g| {
                let name = i.flow_label(g.example.flow_id);
                group_view(&i, &filter, g, name, String::new())
            })
            .collect();
        (Vec::new(), groups, None)
    } else {
        let page = errors::list_errors(
            &state.db,
            &scope,
            &filter,
            cursor_of(&query.filter.after),
            PAGE,
        )
        .await?;
        let next = head.next_url(page.next);
        let rows = page.rows.into_iter().map(|e| error_row(&i, e)).collect();
        (rows, Vec::new(), next)
    };
    Ok(ErrorsPage {
        layout: t.layout(format!("Errors · {}", i.name), Nav::Home),
        tab: "errors",
        name: i.name.clone(),
        filter: FilterView::of(&filter),
        flows: flow_options(&i, filter.flow.map(|f| f.to_string()).unwrap_or_default()),
        head,
        rows,
        groups,
        next,
        base,
        can_act: t.access.role >= Role::Member,
        max_selection: MAX_SELECTION,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/error.html")]
struct ErrorDetailPage {
    layout: Layout,
    base: String,
    tab: &'static str,
    name: String,
    e: ErrorRowView,
    can_act: bool,
}

async fn error_page(
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, Uuid)>,
) -> Result<ErrorDetailPage, PageError> {
    let (id, error_id) = path.into_inner();
    let i = load(&state, &t, id).await?;
    let e = errors::get_error(&state.db, &i.scope(&t.access.tenant), error_id).await?;
    Ok(ErrorDetailPage {
        layout: t.layout(format!("Error on {} · {}", e.record_id, i.name), Nav::Home),
        base: base_of(id),
        tab: "errors",
        name: i.name.clone(),
        e: error_row(&i, e),
        can_act: t.access.role >= Role::Member,
    })
}

fn queued_flash(r: errors::Requeued) -> Flash {
    Flash::success(format!(
        "Queued {} record{} for sync ({} error{}). Errors resolve themselves when the records sync.",
        r.records,
        if r.records == 1 { "" } else { "s" },
        r.errors,
        if r.errors == 1 { "" } else { "s" },
    ))
}

async fn retry_error(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, Uuid)>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Member)?;
    let (id, error_id) = path.into_inner();
    let i = load(&state, &t, id).await?;
    let scope = i.scope(&t.access.tenant);
    let r = errors::retry_errors(
        &state.db,
        state.sync.waker.as_ref(),
        Acting::Tenant(&t.access),
        &scope,
        Target::Ids(vec![error_id]),
    )
    .await?;
    let back = format!("{}/errors/{error_id}", base_of(id));
    Ok(redirect_with_flash(&req, &state, &back, queued_flash(r)))
}

async fn resolve_error(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, Uuid)>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Member)?;
    let (id, error_id) = path.into_inner();
    let i = load(&state, &t, id).await?;
    let scope = i.scope(&t.access.tenant);
    errors::get_error(&state.db, &scope, error_id).await?;
    let n =
        errors::resolve_errors(&state.db, &t.access, &scope, Target::Ids(vec![error_id])).await?;
    let flash = if n == 0 {
        Flash::success("That error was already resolved.")
    } else {
        Flash::success("Error resolved.")
    };
    let back = format!("{}/errors/{error_id}", base_of(id));
    Ok(redirect_with_flash(&req, &state, &back, flash))
}

/// The bulk form: `action` (retry | resolve), `scope` (selected | filter), `ids` (repeated)
/// and the filter's fields.
struct BulkForm {
    action: String,
    scope: String,
    ids: Vec<String>,
    filter: ErrorFilterParams,
    view: String,
}

impl BulkForm {
    fn parse(body: &[u8]) -> Self {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        let mut form = BulkForm {
            action: String::new(),
            scope: String::new(),
            ids: Vec::new(),
            filter: ErrorFilterParams::default(),
            view: String::new(),
        };
        for (k, v) in pairs {
            match k.as_str() {
                "action" => form.action = v,
                "scope" => form.scope = v,
                "ids" => form.ids.push(v),
                "view" => form.view = v,
                "status" => form.filter.status = v,
                "flow" => form.filter.flow = v,
                "kind" => form.filter.kind = v,
                "code" => form.filter.code = v,
                "signature" => form.filter.signature = v,
                "record" => form.filter.record = v,
                "from" => form.filter.from = v,
                "to" => form.filter.to = v,
                _ => {}
            }
        }
        form
    }
}

pub(crate) fn parse_target(
    scope: &str,
    ids: &[String],
    filter: &ErrorFilter,
) -> Result<Target, DomainError> {
    match scope {
        "filter" => Ok(Target::Filter(filter.clone())),
        _ => {
            let ids: Result<Vec<Uuid>, _> = ids.iter().map(|s| Uuid::parse_str(s.trim())).collect();
            Ok(Target::Ids(ids.map_err(|_| {
                DomainError::invalid("ids", "The selection holds an invalid id.")
            })?))
        }
    }
}

async fn bulk_errors(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Member)?;
    let id = id.into_inner();
    let i = load(&state, &t, id).await?;
    let form = BulkForm::parse(&body);
    let filter = ErrorFilter::try_from(&form.filter)?;
    let mut pairs = filter.to_pairs();
    if form.view == "groups" {
        pairs.push(("view", "groups".to_owned()));
    }
    let back = format!("{}/errors{}", base_of(id), query_string(&pairs));
    let target = match parse_target(&form.scope, &form.ids, &filter) {
        Ok(t) => t,
        Err(e) => {
            return Ok(redirect_with_flash(
                &req,
                &state,
                &back,
                Flash::error(e.to_string()),
            ));
        }
    };
    let scope = i.scope(&t.access.tenant);
    let result = match form.action.as_str() {
        "resolve" => errors::resolve_errors(&state.db, &t.access, &scope, target)
            .await
            .map(|n| {
                Flash::success(format!(
                    "Resolved {n} error{}.",
                    if n == 1 { "" } else { "s" }
                ))
            }),
        "retry" => errors::retry_errors(
            &state.db,
            state.sync.waker.as_ref(),
            Acting::Tenant(&t.access),
            &scope,
            target,
        )
        .await
        .map(queued_flash),
        _ => Err(DomainError::invalid("action", "Choose Retry or Resolve.")),
    };
    let flash = match result {
        Ok(f) => f,
        Err(DomainError::Invalid(e)) => Flash::error(e.to_string()),
        Err(DomainError::NotFound) => Flash::error("None of the selected errors exist any more."),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&req, &state, &back, flash))
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/runs.html")]
struct RunsPage {
    layout: Layout,
    base: String,
    tab: &'static str,
    name: String,
    flows: Vec<Opt>,
    from: String,
    to: String,
    rows: Vec<RunRowView>,
    next: Option<String>,
}

async fn runs_page(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<RunFilterParams>,
) -> Result<RunsPage, PageError> {
    let id = id.into_inner();
    let i = load(&state, &t, id).await?;
    let filter = RunFilter::try_from(&*query)?;
    let page = runs::list_runs(
        &state.db,
        &t.access.tenant,
        &i,
        &filter,
        cursor_of(&query.after),
        PAGE,
    )
    .await?;
    let base = base_of(id);
    let (from, to) = FilterView::dates(filter.since, filter.until);
    Ok(RunsPage {
        layout: t.layout(format!("Runs · {}", i.name), Nav::Home),
        tab: "runs",
        name: i.name.clone(),
        flows: flow_options(&i, filter.flow.map(|f| f.to_string()).unwrap_or_default()),
        from,
        to,
        next: next_url(
            &format!("{base}/runs"),
            filter.to_pairs(),
            page.next.map(|c| c.encode()),
        ),
        rows: page
            .rows
            .into_iter()
            .map(|r| {
                let name = i.flow_label(r.flow_id);
                RunRowView::new(r, name)
            })
            .collect(),
        base,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/run.html")]
struct RunPage {
    layout: Layout,
    base: String,
    tab: &'static str,
    name: String,
    run: RunRowView,
    rows: Vec<OutcomeRowView>,
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AfterQuery {
    after: String,
}

async fn run_page(
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, Uuid)>,
    query: web::Query<AfterQuery>,
) -> Result<RunPage, PageError> {
    let (id, run_id) = path.into_inner();
    let i = load(&state, &t, id).await?;
    let run = runs::get_run(&state.db, &t.access.tenant, run_id).await?;
    if i.flow(run.flow_id).is_none() {
        return Err(DomainError::NotFound.into());
    }
    let page = runs::run_outcomes(
        &state.db,
        &t.access.tenant,
        run_id,
        cursor_of(&query.after),
        200,
    )
    .await?;
    let base = base_of(id);
    let flow_name = i.flow_name(run.flow_id);
    Ok(RunPage {
        layout: t.layout(format!("Run · {}", i.name), Nav::Home),
        tab: "runs",
        name: i.name.clone(),
        next: next_url(
            &format!("{base}/runs/{run_id}"),
            Vec::new(),
            page.next.map(|c| c.encode()),
        ),
        rows: page
            .rows
            .into_iter()
            .map(|o| {
                let url = i.record_url(&o.record_id);
                OutcomeRowView::new(o, flow_name.clone(), url)
            })
            .collect(),
        run: RunRowView::new(run, flow_name.clone()),
        base,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/records.html")]
struct RecordsPage {
    layout: Layout,
    base: String,
    tab: &'static str,
    name: String,
    flows: Vec<Opt>,
    outcomes: Vec<Opt>,
    record: String,
    from: String,
    to: String,
    rows: Vec<OutcomeRowView>,
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RecordsQuery {
    #[serde(flatten)]
    filter: OutcomeFilterParams,
    /// A record id to open the timeline of.
    timeline: String,
}

async fn records_page(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    query: web::Query<RecordsQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let i = load(&state, &t, id).await?;
    let base = base_of(id);
    if !query.timeline.trim().is_empty() {
        let record = parse_record_id(&query.timeline)?;
        return Ok(crate::pages::see_other(&format!("{base}/records/{record}")));
    }
    let filter = OutcomeFilter::try_from(&query.filter)?;
    let page = outcomes::list_outcomes(
        &state.db,
        &t.access.tenant,
        &i,
        &filter,
        cursor_of(&query.filter.after),
        PAGE,
    )
    .await?;
    let (from, to) = FilterView::dates(filter.window.since, filter.window.until);
    let html = RecordsPage {
        layout: t.layout(format!("Records · {}", i.name), Nav::Home),
        tab: "records",
        name: i.name.clone(),
        flows: flow_options(
            &i,
            filter
                .window
                .flow
                .map(|f| f.to_string())
                .unwrap_or_default(),
        ),
        outcomes: word_options(
            &ferry_domain::dashboard::filter::OUTCOMES,
            filter.outcome.unwrap_or_default(),
        ),
        record: filter.record.clone().unwrap_or_default(),
        from,
        to,
        next: next_url(
            &format!("{base}/records"),
            filter.to_pairs(),
            page.next.map(|c| c.encode()),
        ),
        rows: page
            .rows
            .into_iter()
            .map(|o| {
                let name = i.flow_label(o.flow_id);
                let url = i.record_url(&o.record_id);
                OutcomeRowView::new(o, name, url)
            })
            .collect(),
        base,
    }
    .render()
    .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/record.html")]
struct RecordTimelinePage {
    layout: Layout,
    base: String,
    tab: &'static str,
    name: String,
    record_id: String,
    record_url: Option<String>,
    items: Vec<TimelineRowView>,
    open_errors: Vec<ErrorRowView>,
    flows: Vec<(String, String)>,
    integration_id: String,
    can_act: bool,
}

async fn record_page(
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
) -> Result<RecordTimelinePage, PageError> {
    let (id, record_id) = path.into_inner();
    let i = load(&state, &t, id).await?;
    let record_id = parse_record_id(&record_id)?;
    let items = timeline::for_integration(&state.db, &t.access.tenant, &i, &record_id, 300)
        .await?
        .into_iter()
        .map(|item| {
            let name = i.flow_label(item.flow_id);
            TimelineRowView::new(item, name)
        })
        .collect();
    let open = ErrorFilter {
        record: Some(record_id.clone()),
        ..ErrorFilter::open()
    };
    let open_errors = errors::list_errors(&state.db, &i.scope(&t.access.tenant), &open, None, 20)
        .await?
        .rows
        .into_iter()
        .map(|e| error_row(&i, e))
        .collect();
    Ok(RecordTimelinePage {
        layout: t.layout(format!("{record_id} · {}", i.name), Nav::Home),
        base: base_of(id),
        tab: "records",
        name: i.name.clone(),
        record_url: i.record_url(&record_id),
        record_id,
        items,
        open_errors,
        flows: i
            .flows
            .iter()
            .map(|f| (f.id.to_string(), f.name.clone()))
            .collect(),
        integration_id: id.to_string(),
        can_act: t.access.role >= Role::Member,
    })
}

async fn save_digest(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
    form: web::Form<DigestParams>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let id = id.into_inner();
    load(&state, &t, id).await?;
    let back = format!("{}#notifications", base_of(id));
    let flash = match DigestInput::try_from(&*form) {
        Ok(input) => {
            let saved = digest::save_digest(&state.db, &t.access, id, input).await?;
            if saved.enabled {
                Flash::success(format!(
                    "The error digest goes to {}.",
                    saved.recipients.join(", ")
                ))
            } else {
                Flash::success("The error digest is off.")
            }
        }
        Err(DomainError::Invalid(e)) => Flash::error(e.to_string()),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&req, &state, &back, flash))
}
