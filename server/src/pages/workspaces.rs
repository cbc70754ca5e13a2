//! Workspaces (tenants) of the logged-in user: switching and creating.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::accounts::{self, TenantName};
use ferry_domain::ids::TenantId;
use ferry_domain::{DomainError, FieldErrors};

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::auth::{render_unprocessable, start_session};
use crate::routes::{Access, route_table};
use crate::session::WebSession;
use crate::state::AppState;

route_table! {
    Post "/workspaces/switch" => switch_workspace [Access::Session];
    Get "/workspaces/new" => new_workspace_form [Access::Session];
    Post "/workspaces" => create_workspace [Access::Session];
}

#[derive(Debug, Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    tenant_id: String,
}

/// Makes another of the user's tenants current. Only tenants the user is a
/// member of can be chosen; anything else is not found.
async fn switch_workspace(
    req: HttpRequest,
    session: WebSession,
    state: web::Data<AppState>,
    form: web::Form<SwitchForm>,
) -> Result<HttpResponse, PageError> {
    let wanted: TenantId = form.tenant_id.parse().map_err(|_| DomainError::NotFound)?;
    if !session.tenants.iter().any(|t| t.id == wanted) {
        return Err(DomainError::NotFound.into());
    }
    start_session(&req, &state, &session.claims.with_tenant(wanted), "/")
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkspaceForm {
    #[serde(default)]
    company: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "workspaces/new.html")]
struct NewWorkspacePage {
    layout: Layout,
    company: String,
    errors: FieldErrors,
}

async fn new_workspace_form(session: WebSession) -> NewWorkspacePage {
    NewWorkspacePage {
        layout: session.layout("New workspace", Nav::None),
        company: String::new(),
        errors: FieldErrors::default(),
    }
}

async fn create_workspace(
    req: HttpRequest,
    session: WebSession,
    state: web::Data<AppState>,
    form: web::Form<WorkspaceForm>,
) -> Result<HttpResponse, PageError> {
    let company = match TenantName::parse(&form.company) {
        Ok(name) => name,
        Err(DomainError::Invalid(errors)) => {
            return render_unprocessable(&NewWorkspacePage {
                layout: session.layout("New workspace", Nav::None),
                company: form.company.clone(),
                errors,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let tenant = accounts::create_workspace(&state.db, session.user.id, company).await?;
    start_session(&req, &state, &session.claims.with_tenant(tenant), "/")
}
