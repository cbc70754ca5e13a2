//! The support area: platform support staff see every tenant's sync errors — counts by
//! tenant, flow and kind, the top root causes, a week's trend — list and filter them across
//! tenants, drill down to a tenant's record timeline, and retry on a tenant's behalf (written
//! to that tenant's audit log as done by support). Never settings or secrets.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use uuid::Uuid;

use ferry_domain::DomainError;
use ferry_domain::dashboard::errors::{self, Acting, Breakdown, ErrorScope, MAX_SELECTION};
use ferry_domain::dashboard::filter::{
    ErrorFilter, ErrorFilterParams, ErrorStatus, cursor_of, parse_record_id,
};
use ferry_domain::dashboard::timeline;
use ferry_domain::ids::TenantId;
use ferry_domain::support::{self, FlowLabels, TenantOverviewRow};

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::chart::Chart;
use crate::pages::dash_views::{
    ErrorRowView, FilterView, Opt, TimelineRowView, options, query_string,
};
use crate::pages::error_list_head::ErrorListHead;
use crate::pages::views::when;
use crate::routes::{Access, route_table};
use crate::session::{Flash, SupportSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/support" => support_home [Access::Support];
    Get "/support/errors" => support_errors [Access::Support];
    Post "/support/errors/retry" => support_bulk_retry [Access::Support];
    Get "/support/errors/{error_id}" => support_error [Access::Support];
    Post "/support/errors/{error_id}/retry" => support_retry_error [Access::Support];
    Get "/support/tenants/{tenant_id}/records/{record_id}" => support_record [Access::Support];
}

pub struct SupportGroup {
    pub count: String,
    pub tenant_name: String,
    pub flow_name: String,
    pub kind: String,
    pub code: String,
    pub template: String,
    pub last_seen: String,
    pub query: String,
    pub pairs: Vec<(&'static str, String)>,
}

async fn groups(
    state: &AppState,
    s: &SupportSession,
    scope: &ErrorScope,
    filter: &ErrorFilter,
    limit: u64,
) -> Result<Vec<SupportGroup>, PageError> {
    let groups = errors::signature_groups(&state.db, scope, filter, limit).await?;
    let labels = support::flow_labels(
        &state.db,
        &s.support,
        groups.iter().map(|g| g.example.flow_id),
    )
    .await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let (tenant_name, flow_name) = labels.get(&g.example.flow_id);
            let narrowed = ErrorFilter {
                signature: Some(g.signature.clone()),
                ..filter.clone()
            };
            let pairs = narrowed.to_pairs();
            SupportGroup {
                count: errors::thousands(g.count.max(0) as u64),
                tenant_name,
                flow_name,
                kind: g.example.kind.clone(),
                code: g.example.code.clone().unwrap_or_default(),
                template: g.template,
                last_seen: when(&g.last_seen_at),
                query: query_string(&pairs),
                pairs,
            }
        })
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "support/index.html")]
struct SupportPage {
    layout: Layout,
    tenants: Vec<TenantOverviewRow>,
    breakdown: Breakdown,
    groups: Vec<SupportGroup>,
    chart: Chart,
}

impl SupportPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        when(at)
    }
}

async fn support_home(
    s: SupportSession,
    state: web::Data<AppState>,
) -> Result<SupportPage, PageError> {
    let scope = ErrorScope::support(&s.support);
    let breakdown = errors::breakdown(&state.db, &scope, ErrorStatus::Open).await?;
    let trend = support::trend(&state.db, &s.support).await?;
    Ok(SupportPage {
        layout: s.session.layout("Support", Nav::Support),
        tenants: support::tenant_overview(&state.db, &s.support).await?,
        groups: groups(&state, &s, &scope, &ErrorFilter::open(), 10).await?,
        chart: Chart::new("trend", &trend),
        breakdown,
    })
}

fn error_row(labels: &FlowLabels, e: errors::ErrorItem) -> ErrorRowView {
    let (tenant, flow) = labels.get(&e.flow_id);
    ErrorRowView::new(e, flow, tenant, None)
}

#[derive(Template, WebTemplate)]
#[template(path = "support/errors.html")]
struct SupportErrorsPage {
    layout: Layout,
    filter: FilterView,
    tenants: Vec<Opt>,
    head: ErrorListHead,
    rows: Vec<ErrorRowView>,
    groups: Vec<SupportGroup>,
    next: Option<String>,
    max_selection: usize,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ErrorsQuery {
    #[serde(flatten)]
    filter: ErrorFilterParams,
    view: String,
}

async fn support_errors(
    s: SupportSession,
    state: web::Data<AppState>,
    query: web::Query<ErrorsQuery>,
) -> Result<SupportErrorsPage, PageError> {
    let filter = ErrorFilter::try_from(&query.filter)?;
    let scope = ErrorScope::support(&s.support);
    let grouped = query.view == "groups";
    let head = ErrorListHead::load(
        &state.db,
        &scope,
        &filter,
        grouped,
        "/support/errors".into(),
    )
    .await?;
    let (rows, groups, next) = if grouped {
        let groups = groups(&state, &s, &scope, &filter, 50).await?;
        (Vec::new(), groups, None)
    } else {
        let page = errors::list_errors(
            &state.db,
            &scope,
            &filter,
            cursor_of(&query.filter.after),
            50,
        )
        .await?;
        let labels =
            support::flow_labels(&state.db, &s.support, page.rows.iter().map(|e| e.flow_id))
                .await?;
        let next = head.next_url(page.next);
        let rows = page
            .rows
            .into_iter()
            .map(|e| error_row(&labels, e))
            .collect();
        (rows, Vec::new(), next)
    };
    let current_tenant = filter.tenant.map(|t| t.to_string()).unwrap_or_default();
    Ok(SupportErrorsPage {
        layout: s.session.layout("Support · errors", Nav::Support),
        filter: FilterView::of(&filter),
        tenants: options(
            support::tenant_choices(&state.db, &s.support)
                .await?
                .into_iter()
                .map(|(id, name)| (id.to_string(), name)),
            &current_tenant,
        ),
        head,
        rows,
        groups,
        next,
        max_selection: MAX_SELECTION,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "support/error.html")]
struct SupportErrorPage {
    layout: Layout,
    e: ErrorRowView,
}

async fn support_error(
    s: SupportSession,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> Result<SupportErrorPage, PageError> {
    let e = errors::get_error(&state.db, &ErrorScope::support(&s.support), *path).await?;
    let labels = support::flow_labels(&state.db, &s.support, [e.flow_id]).await?;
    Ok(SupportErrorPage {
        layout: s.session.layout("Support · error", Nav::Support),
        e: error_row(&labels, e),
    })
}

fn retried_flash(r: errors::Requeued) -> Flash {
    Flash::success(format!(
        "Queued {} record{} for sync ({} error{}) on the tenant's behalf; written to their audit log.",
        r.records,
        if r.records == 1 { "" } else { "s" },
        r.errors,
        if r.errors == 1 { "" } else { "s" },
    ))
}

async fn support_retry_error(
    req: HttpRequest,
    s: SupportSession,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = *path;
    let r = errors::retry_errors(
        &state.db,
        state.sync.waker.as_ref(),
        Acting::Support(&s.support),
        &ErrorScope::support(&s.support),
        errors::Target::Ids(vec![id]),
    )
    .await?;
    Ok(redirect_with_flash(
        &req,
        &state,
        &format!("/support/errors/{id}"),
        retried_flash(r),
    ))
}

async fn support_bulk_retry(
    req: HttpRequest,
    s: SupportSession,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut params = ErrorFilterParams::default();
    let mut ids = Vec::new();
    let (mut scope_kind, mut view) = (String::new(), String::new());
    for (k, v) in pairs {
        match k.as_str() {
            "ids" => ids.push(v),
            "scope" => scope_kind = v,
            "view" => view = v,
            "status" => params.status = v,
            "tenant" => params.tenant = v,
            "flow" => params.flow = v,
            "kind" => params.kind = v,
            "code" => params.code = v,
            "signature" => params.signature = v,
            "record" => params.record = v,
            "from" => params.from = v,
            "to" => params.to = v,
            _ => {}
        }
    }
    let filter = ErrorFilter::try_from(&params)?;
    let mut back_pairs = filter.to_pairs();
    if view == "groups" {
        back_pairs.push(("view", "groups".to_owned()));
    }
    let back = format!("/support/errors{}", query_string(&back_pairs));
    let target = match crate::pages::dashboard::parse_target(&scope_kind, &ids, &filter) {
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
    let flash = match errors::retry_errors(
        &state.db,
        state.sync.waker.as_ref(),
        Acting::Support(&s.support),
        &ErrorScope::support(&s.support),
        target,
    )
    .await
    {
        Ok(r) => retried_flash(r),
        Err(DomainError::Invalid(e)) => Flash::error(e.to_string()),
        Err(DomainError::NotFound) => Flash::error("None of the selected errors exist any more."),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&req, &state, &back, flash))
}

#[derive(Template, WebTemplate)]
#[template(path = "support/record.html")]
struct SupportRecordPage {
    layout: Layout,
    tenant_id: String,
    tenant_name: String,
    record_id: String,
    items: Vec<TimelineRowView>,
    errors_url: String,
}

async fn support_record(
    s: SupportSession,
    state: web::Data<AppState>,
    path: web::Path<(TenantId, String)>,
) -> Result<SupportRecordPage, PageError> {
    let (tenant, record_id) = path.into_inner();
    let record_id = parse_record_id(&record_id)?;
    let tenant_name = support::tenant_name(&state.db, &s.support, tenant).await?;
    let items = timeline::for_support(&state.db, &s.support, tenant, &record_id, 300).await?;
    let labels =
        support::flow_labels(&state.db, &s.support, items.iter().map(|i| i.flow_id)).await?;
    let errors_url = format!(
        "/support/errors{}",
        query_string(&[
            ("tenant", tenant.to_string()),
            ("record", record_id.clone()),
        ])
    );
    Ok(SupportRecordPage {
        layout: s
            .session
            .layout(format!("Support · {record_id}"), Nav::Support),
        tenant_id: tenant.to_string(),
        tenant_name,
        items: items
            .into_iter()
            .map(|i| {
                let (_, flow) = labels.get(&i.flow_id);
                TimelineRowView::new(i, flow)
            })
            .collect(),
        record_id,
        errors_url,
    })
}
