//! The data every page's `base.html` needs: who is logged in, the tenant
//! switcher, the CSRF token for forms, the flash message, the version.

use actix_web::HttpRequest;

use ferry_domain::tenancy::Role;

use crate::session::{Flash, WebSession};

/// Which top navigation entry is current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    None,
    Home,
    Users,
    ApiTokens,
    Support,
}

impl Nav {
    fn key(self) -> &'static str {
        match self {
            Nav::None => "",
            Nav::Home => "home",
            Nav::Users => "users",
            Nav::ApiTokens => "api-tokens",
            Nav::Support => "support",
        }
    }
}

#[derive(Clone, Debug)]
pub struct UserNav {
    pub name: String,
    pub email: String,
    pub is_support: bool,
}

#[derive(Clone, Debug)]
pub struct TenantNav {
    pub name: String,
    pub role: Role,
}

#[derive(Clone, Debug)]
pub struct TenantChoice {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub current: bool,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    pub user: Option<UserNav>,
    pub tenant: Option<TenantNav>,
    pub tenants: Vec<TenantChoice>,
    pub csrf: String,
    pub flash: Option<Flash>,
    nav: Nav,
    pub version: &'static str,
}

impl Layout {
    /// For pages without a request context (error pages).
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            user: None,
            tenant: None,
            tenants: Vec::new(),
            csrf: String::new(),
            flash: None,
            nav: Nav::None,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// For pages seen before logging in (login, sign-up, invitations).
    pub fn public(req: &HttpRequest, title: impl Into<String>) -> Self {
        Self {
            csrf: crate::session::extract_csrf(req),
            flash: crate::session::extract_flash(req),
            ..Self::bare(title)
        }
    }

    pub(crate) fn for_session(session: &WebSession, title: String, nav: Nav) -> Self {
        let current = session.access.as_ref().map(|a| a.tenant.id());
        Self {
            title,
            user: Some(UserNav {
                name: session.user.name.clone(),
                email: session.user.email.clone(),
                is_support: session.user.is_support,
            }),
            tenant: session.access.as_ref().map(|a| TenantNav {
                name: a.tenant.name().to_owned(),
                role: a.role,
            }),
            tenants: session
                .tenants
                .iter()
                .map(|t| TenantChoice {
                    id: t.id.to_string(),
                    name: t.name.clone(),
                    role: t.role,
                    current: Some(t.id) == current,
                })
                .collect(),
            csrf: session.csrf.clone(),
            flash: session.flash.clone(),
            nav,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// `aria-current="page"` for the current navigation entry.
    pub fn current(&self, key: &str) -> &'static str {
        if self.nav.key() == key {
            "page"
        } else {
            "false"
        }
    }

    /// Whether the current tenant role may manage users and tokens.
    pub fn is_admin(&self) -> bool {
        self.tenant.as_ref().is_some_and(|t| t.role >= Role::Admin)
    }
}
