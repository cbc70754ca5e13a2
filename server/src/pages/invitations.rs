//! Following an invitation link: accept as the logged-in user, or create an
//! account with the invited e-mail.

use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::accounts::{NewPassword, PersonName};
use ferry_domain::invitations::{self, InvitationPreview};
use ferry_domain::{DomainError, FieldErrors};

use crate::error::PageError;
use crate::layout::Layout;
use crate::pages::auth::{render_unprocessable, start_session};
use crate::routes::{Access, route_table};
use crate::session::{SessionClaims, WebSession};
use crate::state::AppState;

route_table! {
    Get "/invites/{token}" => invitation_page [Access::Public];
    Post "/invites/{token}/accept" => accept_invitation [Access::Session];
    Post "/invites/{token}/register" => register_and_accept [Access::Public];
}

#[derive(Template, WebTemplate)]
#[template(path = "invitations/accept.html")]
struct InvitationPage {
    layout: Layout,
    token: String,
    invitation: InvitationPreview,
    /// The logged-in user's e-mail, when someone is logged in.
    current_email: Option<String>,
    name: String,
    errors: FieldErrors,
    min_password: usize,
}

async fn invitation_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<InvitationPage, PageError> {
    let invitation = invitations::preview_invitation(&state.db, &token).await?;
    // A session is optional here: the page offers what fits.
    let session = WebSession::extract(&req).await.ok();
    let layout = match &session {
        Some(s) => s.layout("Invitation", crate::layout::Nav::None),
        None => Layout::public(&req, "Invitation"),
    };
    Ok(InvitationPage {
        layout,
        token: token.into_inner(),
        invitation,
        current_email: session.map(|s| s.user.email),
        name: String::new(),
        errors: FieldErrors::default(),
        min_password: NewPassword::MIN_CHARS,
    })
}

async fn accept_invitation(
    req: HttpRequest,
    session: WebSession,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let tenant = invitations::accept_as_user(&state.db, &token, &session.user).await?;
    start_session(&req, &state, &session.claims.with_tenant(tenant), "/")
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn register_and_accept(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::default();
    let name = errors.check(PersonName::parse(&form.name));
    let password = errors.check(NewPassword::parse(&form.password));
    let outcome = match (name, password) {
        (Some(name), Some(password)) => {
            invitations::accept_as_new_user(&state.db, &token, name, password).await
        }
        _ => Err(DomainError::Invalid(errors)),
    };
    match outcome {
        Ok((user, tenant)) => {
            let claims = SessionClaims::new(user, Some(tenant), state.settings.session_ttl);
            start_session(&req, &state, &claims, "/")
        }
        Err(DomainError::Invalid(errors)) => {
            let invitation = invitations::preview_invitation(&state.db, &token).await?;
            render_unprocessable(&InvitationPage {
                layout: Layout::public(&req, "Invitation"),
                token: token.into_inner(),
                invitation,
                current_email: None,
                name: form.name.clone(),
                errors,
                min_password: NewPassword::MIN_CHARS,
            })
        }
        Err(e) => Err(e.into()),
    }
}
