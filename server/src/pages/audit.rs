//! An integration's audit log: who changed what and when, each change with its
//! before/after, field by field.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use ferry_domain::audit::history::{AuditLine, integration_history};
use ferry_domain::ids::IntegrationId;
use ferry_domain::integrations;
use ferry_domain::tenancy::Role;

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::integrations::{TabLink, tabs};
use crate::pages::views::when;
use crate::routes::{Access, route_table};
use crate::session::TenantSession;
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/audit" => audit_log [Access::Tenant(Role::Viewer)];
}

/// Entries shown; older ones stay in the database.
const LIMIT: u64 = 200;

pub struct EntryView {
    pub at: String,
    pub line: AuditLine,
}

#[derive(Template, WebTemplate)]
#[template(path = "integrations/audit.html")]
struct AuditPage {
    layout: Layout,
    name: String,
    environment: String,
    tabs: Vec<TabLink>,
    entries: Vec<EntryView>,
    limited: bool,
}

async fn audit_log(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
) -> Result<AuditPage, PageError> {
    let id = id.into_inner();
    let detail = integrations::get_integration(&state.db, &t.access.tenant, id).await?;
    let lines = integration_history(&state.db, &t.access.tenant, id, LIMIT).await?;
    Ok(AuditPage {
        layout: t.layout(format!("{} audit log", detail.tile.name), Nav::Home),
        name: detail.tile.name,
        environment: detail.tile.environment,
        tabs: tabs(&id.to_string(), "audit"),
        limited: lines.len() as u64 >= LIMIT,
        entries: lines
            .into_iter()
            .map(|line| EntryView {
                at: when(&line.at),
                line,
            })
            .collect(),
    })
}
