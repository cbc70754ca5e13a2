//! Extractors that turn the session cookie into a verified user and tenant.
//! Handlers ask for the one they need; the type is the access check.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use ferry_domain::accounts::{self, LoggedInUser};
use ferry_domain::ids::TenantId;
use ferry_domain::tenancy::{self, SupportAccess, TenantAccess, TenantSummary};

use super::cookies::{FLASH, SESSION};
use super::csrf::CsrfToken;
use super::flash::Flash;
use super::jwt::SessionClaims;
use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::state::AppState;

/// A logged-in person, with the tenant they are working in (if they have any).
#[derive(Clone)]
pub struct WebSession {
    pub claims: SessionClaims,
    pub user: LoggedInUser,
    pub tenants: Vec<TenantSummary>,
    pub access: Option<TenantAccess>,
    pub csrf: String,
    pub flash: Option<Flash>,
}

impl WebSession {
    pub fn layout(&self, title: impl Into<String>, nav: Nav) -> Layout {
        Layout::for_session(self, title.into(), nav)
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, PageError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| PageError::Internal("application state missing".into()))
}

fn login_required(req: &HttpRequest) -> PageError {
    let next = match req.method() {
        &actix_web::http::Method::GET => req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into()),
        _ => "/".into(),
    };
    PageError::LoginRequired { next }
}

pub(crate) fn csrf_of(req: &HttpRequest) -> String {
    req.extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default()
}

pub(crate) fn flash_of(req: &HttpRequest) -> Option<Flash> {
    req.cookie(FLASH).and_then(|c| Flash::decode(c.value()))
}

async fn load(req: HttpRequest) -> Result<WebSession, PageError> {
    let state = state_of(&req)?;
    let claims = req
        .cookie(SESSION)
        .and_then(|c| SessionClaims::verify(c.value(), &state.session_key))
        .ok_or_else(|| login_required(&req))?;
    let user = accounts::find_user(&state.db, claims.user_id())
        .await?
        .ok_or_else(|| login_required(&req))?;
    let tenants = tenancy::tenants_of_user(&state.db, user.id).await?;
    // The cookie only says which tenant was chosen; membership is re-checked
    // here on every request, so a removed member loses access at once.
    let wanted = claims
        .tid
        .map(TenantId)
        .filter(|t| tenants.iter().any(|s| s.id == *t))
        .or_else(|| tenants.first().map(|s| s.id));
    let access = match wanted {
        Some(tid) => tenancy::access_for_user(&state.db, user.id, tid).await?,
        None => None,
    };
    Ok(WebSession {
        claims,
        user,
        tenants,
        access,
        csrf: csrf_of(&req),
        flash: flash_of(&req),
    })
}

impl FromRequest for WebSession {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}

/// A logged-in member of a tenant: the tenant comes from the verified session,
/// never from the request.
#[derive(Clone)]
pub struct TenantSession {
    pub session: WebSession,
    pub access: TenantAccess,
}

impl TenantSession {
    pub fn layout(&self, title: impl Into<String>, nav: Nav) -> Layout {
        self.session.layout(title, nav)
    }
}

impl FromRequest for TenantSession {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let session = load(req).await?;
            // No workspace: the home page offers to create one.
            let access = session
                .access
                .clone()
                .ok_or(PageError::Redirect("/".into()))?;
            Ok(TenantSession { session, access })
        })
    }
}

/// A logged-in support staff member.
#[derive(Clone)]
pub struct SupportSession {
    pub session: WebSession,
    pub support: SupportAccess,
}

impl FromRequest for SupportSession {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = state_of(&req)?;
            let session = load(req).await?;
            let support = tenancy::support_access(&state.db, session.user.id)
                .await?
                .ok_or(PageError::Domain(ferry_domain::DomainError::Forbidden(
                    "the support area is for Ferry support staff",
                )))?;
            Ok(SupportSession { session, support })
        })
    }
}
