//! An integration's connections: both systems' state, the form per auth kind (secrets are
//! write-only), *Test connection*, and "Use the sandbox" when one runs in-process.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use secrecy::ExposeSecret;
use serde::Deserialize;

use ferry_domain::connections::{
    self, AuthKind, ConnectionInput, ConnectionParams, ConnectionView, TestOutcome, parse_system,
};
use ferry_domain::ids::IntegrationId;
use ferry_domain::integrations::SystemKind;
use ferry_domain::tenancy::Role;
use ferry_domain::{DomainError, FieldErrors};

use crate::error::PageError;
use crate::layout::{Layout, Nav};
use crate::pages::auth::render_unprocessable;
use crate::pages::views::{ConnectionBadge, when_opt};
use crate::routes::{Access, route_table};
use crate::session::{Flash, TenantSession, redirect_with_flash};
use crate::state::AppState;

route_table! {
    Get "/integrations/{integration_id}/connections" => connections_page [Access::Tenant(Role::Viewer)];
    Get "/integrations/{integration_id}/connections/{system}" => edit_connection_form [Access::Tenant(Role::Viewer)];
    Post "/integrations/{integration_id}/connections/{system}" => update_connection [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/connections/{system}/test" => test_connection [Access::Tenant(Role::Admin)];
    Post "/integrations/{integration_id}/connections/{system}/sandbox" => use_sandbox [Access::Tenant(Role::Admin)];
}

/// One system's row on the overview.
pub struct ConnectionRow {
    pub system: &'static str,
    pub badge: ConnectionBadge,
    pub kind: &'static str,
    pub last_tested: String,
    pub last_error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/index.html")]
struct ConnectionsPage {
    layout: Layout,
    integration_id: String,
    name: String,
    rows: Vec<ConnectionRow>,
    can_edit: bool,
}

/// One input of the connection form.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// `text`, `textarea` (secrets pasted as PEM), `password` or `algorithm`.
    pub input: &'static str,
    /// Shown for non-secret fields only; secrets are never sent back.
    pub value: String,
    pub secret: bool,
    pub stored: bool,
    pub error: Option<String>,
}

pub struct KindTab {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "connections/edit.html")]
struct ConnectionFormPage {
    layout: Layout,
    integration_id: String,
    integration_name: String,
    system: &'static str,
    system_label: &'static str,
    kind: &'static str,
    kinds: Vec<KindTab>,
    fields: Vec<FieldView>,
    form_error: Option<String>,
    badge: ConnectionBadge,
    last_tested: String,
    can_edit: bool,
    sandbox: bool,
}

fn system_of(segment: &str) -> Result<SystemKind, PageError> {
    parse_system(segment).ok_or(PageError::Domain(DomainError::NotFound))
}

fn path_of(id: IntegrationId, system: SystemKind) -> String {
    format!("/integrations/{id}/connections/{}", system.as_str())
}

async fn connections_page(
    t: TenantSession,
    state: web::Data<AppState>,
    id: web::Path<IntegrationId>,
) -> Result<ConnectionsPage, PageError> {
    let overview = connections::list_connections(&state.db, &t.access.tenant, *id).await?;
    Ok(ConnectionsPage {
        layout: t.layout(
            format!("{} connections", overview.integration_name),
            Nav::Home,
        ),
        integration_id: overview.integration_id.to_string(),
        name: overview.integration_name,
        rows: overview
            .connections
            .iter()
            .map(|c| ConnectionRow {
                system: c.system.as_str(),
                badge: ConnectionBadge::new(c.system.label(), &c.state),
                kind: c.kind.map(AuthKind::label).unwrap_or("—"),
                last_tested: when_opt(&c.last_tested_at),
                last_error: c.last_error.clone(),
            })
            .collect(),
        can_edit: t.access.role >= Role::Admin,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: Option<String>,
}

async fn edit_connection_form(
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
    query: web::Query<KindQuery>,
) -> Result<ConnectionFormPage, PageError> {
    let (id, system) = (path.0, system_of(&path.1)?);
    let (name, view) = connections::get_connection(&state.db, &t.access.tenant, id, system).await?;
    let kind = query
        .kind
        .as_deref()
        .and_then(|k| AuthKind::parse(system, k))
        .or(view.kind)
        .unwrap_or(AuthKind::for_system(system)[0]);
    let values = stored_values(&view);
    Ok(form_page(
        &t,
        &state,
        id,
        name,
        &view,
        kind,
        &values,
        FieldErrors::default(),
    ))
}

async fn update_connection(
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
    form: web::Form<ConnectionParams>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (id, system) = (path.0, system_of(&path.1)?);
    let saved = match ConnectionInput::parse(system, &form) {
        Ok(input) => {
            connections::save_connection(&state.db, &state.master_key, &t.access, id, system, input)
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(crate::pages::see_other(&format!(
            "{}?saved=1",
            path_of(id, system)
        ))),
        Err(DomainError::Invalid(errors)) => {
            let (name, view) =
                connections::get_connection(&state.db, &t.access.tenant, id, system).await?;
            let kind =
                AuthKind::parse(system, &form.auth_kind).unwrap_or(AuthKind::for_system(system)[0]);
            let values = submitted_values(&form);
            render_unprocessable(&form_page(
                &t, &state, id, name, &view, kind, &values, errors,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn test_connection(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (id, system) = (path.0, system_of(&path.1)?);
    let flash =
        match connections::test_connection(&state.db, &state.master_key, &t.access, id, system)
            .await
        {
            Ok(TestOutcome::Connected) => {
                Flash::success(format!("Connected: {} answered the test.", system.label()))
            }
            Ok(TestOutcome::Failed(message)) => Flash::error(message),
            Err(DomainError::Conflict(message)) => Flash::error(message),
            Err(e) => return Err(e.into()),
        };
    Ok(redirect_with_flash(
        &req,
        &state,
        &path_of(id, system),
        flash,
    ))
}

async fn use_sandbox(
    req: HttpRequest,
    t: TenantSession,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, String)>,
) -> Result<HttpResponse, PageError> {
    t.access.require(Role::Admin)?;
    let (id, system) = (path.0, system_of(&path.1)?);
    let link = state
        .sandbox
        .clone()
        .ok_or(PageError::Domain(DomainError::NotFound))?;
    let input = ConnectionInput::parse(system, &link.connection_params(system))?;
    connections::save_connection(&state.db, &state.master_key, &t.access, id, system, input)
        .await?;
    Ok(redirect_with_flash(
        &req,
        &state,
        &path_of(id, system),
        Flash::success(format!(
            "Filled in with the sandbox's {} and its demo credentials. Press Test connection.",
            system.label()
        )),
    ))
}

/// Non-secret values by field name.
type Values = Vec<(&'static str, String)>;

fn stored_values(view: &ConnectionView) -> Values {
    let s = &view.settings;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    vec![
        ("login_url", v(&s.login_url)),
        ("instance_url", v(&s.instance_url)),
        ("consumer_key", v(&s.consumer_key)),
        ("username", v(&s.username)),
        ("client_id", v(&s.client_id)),
        ("account_id", v(&s.account_id)),
        ("base_url", v(&s.base_url)),
        ("certificate_id", v(&s.certificate_id)),
        ("algorithm", v(&s.algorithm)),
        (
            "concurrency_limit",
            s.concurrency_limit
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ),
    ]
}

fn submitted_values(form: &ConnectionParams) -> Values {
    vec![
        ("login_url", form.login_url.clone()),
        ("instance_url", form.instance_url.clone()),
        (
            "consumer_key",
            // Only the Salesforce JWT consumer key is echoed (it is not a secret there).
            if form.auth_kind == AuthKind::JwtBearer.as_str() {
                form.consumer_key
                    .as_ref()
                    .map(|s| s.expose_secret().to_owned())
                    .unwrap_or_default()
            } else {
                String::new()
            },
        ),
        ("username", form.username.clone()),
        ("client_id", form.client_id.clone()),
        ("account_id", form.account_id.clone()),
        ("base_url", form.base_url.clone()),
        ("certificate_id", form.certificate_id.clone()),
        ("algorithm", form.algorithm.clone()),
        ("concurrency_limit", form.concurrency_limit.clone()),
    ]
}

/// (name, label, input, help) of each field of `kind`.
fn field_specs(kind: AuthKind) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    const CONCURRENCY: (&str, &str, &str, &str) = (
        "concurrency_limit",
        "Concurrency limit (optional)",
        "text",
        "Requests NetSuite accepts at once for this account (Setup › Integration › Integration Governance). Ferry never exceeds it, across all workers. Blank = 5.",
    );
    const LOGIN: (&str, &str, &str, &str) = (
        "login_url",
        "Login URL",
        "text",
        "https://login.salesforce.com for production, https://test.salesforce.com for a sandbox org, or your My Domain.",
    );
    const INSTANCE: (&str, &str, &str, &str) = (
        "instance_url",
        "Instance URL (optional)",
        "text",
        "Where data calls go. Leave blank to use the one Salesforce returns with the token.",
    );
    const ACCOUNT: (&str, &str, &str, &str) = (
        "account_id",
        "Account ID",
        "text",
        "As NetSuite shows it under Setup › Company › Company Information, e.g. 1234567 or 1234567_SB1.",
    );
    const BASE: (&str, &str, &str, &str) = (
        "base_url",
        "Base URL (optional)",
        "text",
        "Leave blank for https://<account>.suitetalk.api.netsuite.com.",
    );
    match kind {
        AuthKind::JwtBearer => vec![
            LOGIN,
            INSTANCE,
            (
                "consumer_key",
                "Consumer key",
                "text",
                "The connected app's consumer key (Setup › App Manager › View).",
            ),
            (
                "username",
                "Username",
                "text",
                "The Salesforce user Ferry acts as; pre-authorize it for the connected app.",
            ),
            (
                "private_key_pem",
                "Private key (PEM)",
                "textarea",
                "The private key whose certificate is uploaded to the connected app.",
            ),
        ],
        AuthKind::RefreshToken => vec![
            LOGIN,
            INSTANCE,
            (
                "client_id",
                "Client id (consumer key)",
                "text",
                "The connected app's consumer key.",
            ),
            (
                "client_secret",
                "Client secret (optional)",
                "password",
                "Needed unless the connected app has Require Secret off.",
            ),
            (
                "refresh_token",
                "Refresh token",
                "password",
                "Granted to the connected app by the web-server flow.",
            ),
        ],
        AuthKind::ClientCredentials => vec![
            ACCOUNT,
            BASE,
            CONCURRENCY,
            (
                "client_id",
                "Client ID",
                "text",
                "The integration record's client ID.",
            ),
            (
                "certificate_id",
                "Certificate ID",
                "text",
                "From Setup › Integration › OAuth 2.0 Client Credentials (M2M) Setup.",
            ),
            (
                "algorithm",
                "Signature algorithm",
                "algorithm",
                "PS256 for an RSA key (3072 or 4096 bits), ES256 for an EC P-256 key.",
            ),
            (
                "private_key_pem",
                "Private key (PEM)",
                "textarea",
                "The PKCS#8 private key of the uploaded certificate.",
            ),
        ],
        AuthKind::Tba => vec![
            ACCOUNT,
            BASE,
            CONCURRENCY,
            (
                "consumer_key",
                "Consumer key",
                "password",
                "From the integration record.",
            ),
            (
                "consumer_secret",
                "Consumer secret",
                "password",
                "From the integration record.",
            ),
            (
                "token_id",
                "Token ID",
                "password",
                "From the access token (Setup › Users/Roles › Access Tokens).",
            ),
            (
                "token_secret",
                "Token secret",
                "password",
                "From the access token.",
            ),
        ],
    }
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    t: &TenantSession,
    state: &AppState,
    id: IntegrationId,
    integration_name: String,
    view: &ConnectionView,
    kind: AuthKind,
    values: &Values,
    errors: FieldErrors,
) -> ConnectionFormPage {
    let system = view.system;
    // Stored secrets belong to the stored kind only.
    let same_kind = view.kind == Some(kind);
    let fields = field_specs(kind)
        .into_iter()
        .map(|(name, label, input, help)| {
            let secret = kind.secret_fields().contains(&name);
            FieldView {
                name,
                label,
                help,
                input,
                value: if secret {
                    String::new()
                } else {
                    values
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                },
                secret,
                stored: secret && same_kind && view.has_secret(name),
                error: errors.get(name).map(str::to_owned),
            }
        })
        .collect();
    ConnectionFormPage {
        layout: t.layout(format!("{} connection", system.label()), Nav::Home),
        integration_id: id.to_string(),
        integration_name,
        system: system.as_str(),
        system_label: system.label(),
        kind: kind.as_str(),
        kinds: AuthKind::for_system(system)
            .into_iter()
            .map(|k| KindTab {
                value: k.as_str(),
                label: k.label(),
                selected: k == kind,
            })
            .collect(),
        fields,
        form_error: errors
            .get("auth_kind")
            .or(errors.get("form"))
            .map(str::to_owned),
        badge: ConnectionBadge::new(system.label(), &view.state),
        last_tested: when_opt(&view.last_tested_at),
        can_edit: t.access.role >= Role::Admin,
        sandbox: state.sandbox.is_some(),
    }
}
