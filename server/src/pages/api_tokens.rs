//! The API tokens page: create (secret shown once), list, revoke.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use ferry_domain::accounts::TokenName;
use ferry_domain::api_tokens::{self, ApiTokenRow};
use ferry_domain::ids::ApiTokenId;
use ferry_domain::tenancy::Role;
use ferry_domain::{DomainError, FieldErrors};

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::auth::render_unprocessable;
use crate::pages::views::{when, when_opt};
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/settings/api-tokens" => tokens_page [Access::Tenant(Role::Admin)];
    Post "/settings/api-tokens" => create_token [Access::Tenant(Role::Admin)];
    Post "/settings/api-tokens/{token_id}/revoke" => revoke_token [Access::Tenant(Role::Admin)];
}

#[derive(Template, WebTemplate)]
#[template(path = "api_tokens/index.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiTokenRow>,
    roles: Vec<Role>,
    name: String,
    role: Role,
    errors: FieldErrors,
    /// The new token's secret: shown on this response only.
    new_secret: Option<String>,
}

impl TokensPage {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        when(at)
    }

    fn when_opt(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        when_opt(at)
    }
}

async fn build_page(
    t: &TenantSession,
    state: &AppState,
    name: String,
    role: Role,
    errors: FieldErrors,
    new_secret: Option<String>,
) -> Result<TokensPage, PageError> {
    t.access.require(Role::Admin)?;
    Ok(TokensPage {
        layout: t.layout("API tokens", Nav::ApiTokens),
        tokens: api_tokens::list_tokens(&state.db, &t.access).await?,
        roles: [Role::Admin, Role::Member, Role::Viewer]
            .into_iter()
            .filter(|r| *r <= t.access.role)
            .collect(),
        name,
        role,
        errors,
        new_secret,
    })
}

async fn tokens_page(
    t: TenantSession,
    state: web::Data<AppState>,
) -> Result<TokensPage, PageError> {
    build_page(
        &t,
        &state,
        String::new(),
        Role::Viewer,
        FieldErrors::default(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

async fn create_token(
    t: TenantSession,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    let mut errors = FieldErrors::default();
    let name = errors.check(TokenName::parse(&form.name));
    let role = errors.check(
        form.role
            .parse::<Role>()
            .map_err(|_| DomainError::invalid("role", "Choose a role.")),
    );
    let outcome = match (name, role) {
        (Some(name), Some(role)) => {
            api_tokens::create_token(&state.db, &t.access, name, role).await
        }
        _ => Err(DomainError::Invalid(errors)),
    };
    match outcome {
        Ok((_, secret)) => {
            let mut page = build_page(
                &t,
                &state,
                String::new(),
                Role::Viewer,
                FieldErrors::default(),
                Some(secret),
            )
            .await?;
            page.layout.flash = Some(Flash::success(
                "Token created. Copy it now: it will not be shown again.",
            ));
            let body = page
                .render()
                .map_err(|e| PageError::Internal(e.to_string()))?;
            Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                // The secret must not linger in any cache.
                .insert_header(("Cache-Control", "no-store"))
                .body(body))
        }
        Err(DomainError::Invalid(errors)) => {
            let role = form.role.parse().unwrap_or(Role::Viewer);
            render_unprocessable(
                &build_page(&t, &state, form.name.clone(), role, errors, None).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<ApiTokenId>,
) -> Result<HttpResponse, PageError> {
    api_tokens::revoke_token(&state.db, &t.access, id.into_inner()).await?;
    Ok(redirect_with_flash(
        &req,
        &state,
        "/settings/api-tokens",
        Flash::success("Token revoked. Requests using it are refused from now on."),
    ))
}
