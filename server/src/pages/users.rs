//! The Users page: members, their roles, and invitations.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::accounts::Email;
use ferry_domain::ids::{InvitationId, MembershipId};
use ferry_domain::invitations::{self, InvitationRow};
use ferry_domain::members::{self, MemberRow};
use ferry_domain::tenancy::Role;
use ferry_domain::{DomainError, FieldErrors};

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::views::when;
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/settings/users" => users_page [Access::Tenant(Role::Admin)];
    Post "/settings/users/invite" => invite_user [Access::Tenant(Role::Admin)];
    Post "/settings/users/{membership_id}/role" => change_role [Access::Tenant(Role::Admin)];
    Post "/settings/users/{membership_id}/remove" => remove_member [Access::Tenant(Role::Admin)];
    Post "/settings/invitations/{invitation_id}/revoke" => revoke_invitation [Access::Tenant(Role::Admin)];
}

const PAGE: &str = "/settings/users";

#[derive(Template, WebTemplate)]
#[template(path = "users/index.html")]
struct UsersPage {
    layout: Layout,
    members: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    me: String,
    /// Roles the current user may hand out.
    grantable: Vec<Role>,
    invite_email: String,
    invite_role: Role,
    errors: FieldErrors,
    /// Shown once, right after an invitation is created.
    new_invite_link: Option<String>,
    valid_days: i64,
}

impl UsersPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        when(at)
    }
}

async fn build_page(
    t: &TenantSession,
    state: &AppState,
    invite_email: String,
    invite_role: Role,
    errors: FieldErrors,
    new_invite_link: Option<String>,
) -> Result<UsersPage, PageError> {
    t.access.require(Role::Admin)?;
    let members = members::list_members(&state.db, &t.access).await?;
    let invitations = invitations::pending_invitations(&state.db, &t.access).await?;
    let grantable = Role::ALL
        .into_iter()
        .filter(|r| *r < Role::Owner || t.access.role == Role::Owner)
        .collect();
    Ok(UsersPage {
        layout: t.layout("Users", Nav::Users),
        members,
        invitations,
        me: t.session.user.email.clone(),
        grantable,
        invite_email,
        invite_role,
        errors,
        new_invite_link,
        valid_days: invitations::VALID_FOR_DAYS,
    })
}

async fn users_page(t: TenantSession, state: web::Data<AppState>) -> Result<UsersPage, PageError> {
    build_page(
        &t,
        &state,
        String::new(),
        Role::Member,
        FieldErrors::default(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

fn parse_role(raw: &str) -> Result<Role, DomainError> {
    raw.parse()
        .map_err(|_| DomainError::invalid("role", "Choose a role."))
}

/// The link a person follows to accept, on this server's public address.
fn invite_link(req: &HttpRequest, state: &AppState, secret: &str) -> String {
    format!(
        "{}/invites/{secret}",
        crate::pages::views::public_base(req, state)
    )
}

async fn invite_user(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::default();
    let email = errors.check(Email::parse(&form.email));
    let role = errors.check(parse_role(&form.role));
    let outcome = match (email, role) {
        (Some(email), Some(role)) => invitations::invite(&state.db, &t.access, email, role)
            .await
            .map(|(_, secret)| (secret, role)),
        _ => Err(DomainError::Invalid(errors)),
    };
    let page = match outcome {
        Ok((secret, _)) => {
            let link = invite_link(&req, &state, &secret);
            let mut page = build_page(
                &t,
                &state,
                String::new(),
                Role::Member,
                FieldErrors::default(),
                Some(link),
            )
            .await?;
            page.layout.flash = Some(Flash::success(format!(
                "Invitation created for {}. Send them the link below.",
                form.email.trim()
            )));
            return Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(
                    page.render()
                        .map_err(|e| PageError::Internal(e.to_string()))?,
                ));
        }
        Err(DomainError::Invalid(errors)) => {
            let role = form.role.parse().unwrap_or(Role::Member);
            build_page(&t, &state, form.email.clone(), role, errors, None).await?
        }
        Err(e) => return Err(e.into()),
    };
    crate::pages::auth::render_unprocessable(&page)
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn change_role(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<MembershipId>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, PageError> {
    // Who and which member come first: a bad role value must not reveal
    // whether another tenant's membership exists.
    t.access.require(Role::Admin)?;
    let id = members::get_member(&state.db, &t.access, id.into_inner()).await?;
    let role = parse_role(&form.role)?;
    flash_outcome(
        &req,
        &state,
        members::change_role(&state.db, &t.access, id, role).await,
        "Role updated.",
    )
}

async fn remove_member(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<MembershipId>,
) -> Result<HttpResponse, PageError> {
    flash_outcome(
        &req,
        &state,
        members::remove_member(&state.db, &t.access, id.into_inner()).await,
        "Member removed.",
    )
}

async fn revoke_invitation(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<InvitationId>,
) -> Result<HttpResponse, PageError> {
    flash_outcome(
        &req,
        &state,
        invitations::revoke_invitation(&state.db, &t.access, id.into_inner()).await,
        "Invitation withdrawn; its link no longer works.",
    )
}

/// Back to the Users page with a success message, or with the reason a rule
/// refused the change. Not-found and permission errors stay errors (404/403).
fn flash_outcome(
    req: &HttpRequest,
    state: &AppState,
    outcome: Result<(), DomainError>,
    success: &str,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(redirect_with_flash(
            req,
            state,
            PAGE,
            Flash::success(success),
        )),
        Err(DomainError::Conflict(msg)) => {
            Ok(redirect_with_flash(req, state, PAGE, Flash::error(msg)))
        }
        Err(e) => Err(e.into()),
    }
}
