//! The support area: a cross-tenant overview for platform support staff.

use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use ferry_domain::support::{self, TenantOverviewRow};

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::views::when;
use crate::routes::{Access, route_table};
use crate::session::SupportSession;
use crate::state::AppState;

route_table! {
    Get "/support" => support_home [Access::Support];
}

#[derive(Template, WebTemplate)]
#[template(path = "support/index.html")]
struct SupportPage {
    layout: Layout,
    tenants: Vec<TenantOverviewRow>,
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
    Ok(SupportPage {
        layout: s.session.layout("Support", Nav::Support),
        tenants: support::tenant_overview(&state.db, &s.support).await?,
    })
}
