//! An integration's settings page (the tile's gear icon). It shows what exists
//! today: the connections' state and the flows, and grows as features land.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use ferry_domain::ids::IntegrationId;
use ferry_domain::integrations::{self, FlowRow};
use ferry_domain::tenancy::Role;

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::views::{ConnectionBadge, when};
use crate::routes::{Access, route_table};
use crate::session::TenantSession;
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/settings" => integration_settings [Access::Tenant(Role::Viewer)];
}

#[derive(Template, WebTemplate)]
#[template(path = "integrations/settings.html")]
struct SettingsPage {
    layout: Layout,
    id: String,
    name: String,
    environment: String,
    installed_at: String,
    connections: Vec<ConnectionBadge>,
    sections: Vec<(String, Vec<FlowRow>)>,
}

async fn integration_settings(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
) -> Result<SettingsPage, PageError> {
    let detail =
        integrations::get_integration(&state.db, &t.access.tenant, id.into_inner()).await?;
    let mut sections: Vec<(String, Vec<FlowRow>)> = Vec::new();
    for flow in detail.flows {
        match sections.iter_mut().find(|(s, _)| *s == flow.section) {
            Some((_, flows)) => flows.push(flow),
            None => sections.push((flow.section.clone(), vec![flow])),
        }
    }
    Ok(SettingsPage {
        layout: t.layout(format!("{} settings", detail.tile.name), Nav::Home),
        id: detail.tile.id.to_string(),
        name: detail.tile.name.clone(),
        environment: detail.tile.environment.clone(),
        installed_at: when(&detail.installed_at),
        connections: vec![
            ConnectionBadge::new("Salesforce", &detail.tile.salesforce),
            ConnectionBadge::new("NetSuite", &detail.tile.netsuite),
        ],
        sections,
    })
}
