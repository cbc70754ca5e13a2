//! What the route sweeps share: one tenant's real ids for every path parameter of the route
//! table, which parameters name a tenant's rows, and calling a route the way a browser or an
//! API client would.

use std::collections::HashMap;

use ferry_domain::entities::backfill;
use ferry_server::{Method, RouteSpec};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::dash_fixture::{NewError, insert_error, insert_run, tenant_of};
use crate::helpers::{TestApp, TestClient, between, unique_email};
use crate::roles::{join_as, membership_of};

/// Whether a path parameter names a row of one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// Another tenant's value must answer 404, alone or mixed with the caller's own ids.
    Tenant,
    /// Not a tenant's row; the reason is why no cross-tenant check applies.
    Open(&'static str),
}

/// Every path parameter of `all_routes()`. A route with a parameter missing here fails the
/// sweeps, so a new kind of id cannot slip past the cross-tenant check unclassified.
pub const PARAMS: &[(&str, Param)] = &[
    ("integration_id", Param::Tenant),
    ("flow_id", Param::Tenant),
    ("membership_id", Param::Tenant),
    ("invitation_id", Param::Tenant),
    ("token_id", Param::Tenant),
    ("error_id", Param::Tenant),
    ("run_id", Param::Tenant),
    ("backfill_id", Param::Tenant),
    (
        "record_id",
        Param::Open("a Salesforce id, read within the integration or flow of the path"),
    ),
    (
        "tenant_id",
        Param::Open("support routes only: support staff see every tenant"),
    ),
    ("system", Param::Open("`salesforce` or `netsuite`")),
    (
        "token",
        Param::Open("an invitation or listener secret: the secret is the credential"),
    ),
    (
        "file",
        Param::Open("a static file compiled into the binary"),
    ),
];

/// The parameters of a route's path, in order.
pub fn params_of(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// How the sweep treats a parameter; panics for one [`PARAMS`] does not know.
pub fn param_kind(name: &str) -> Param {
    PARAMS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, kind)| *kind)
        .unwrap_or_else(|| panic!("path parameter {{{name}}} is not classified in PARAMS"))
}

/// The route's parameters that name a tenant's rows.
pub fn tenant_params(route: &RouteSpec) -> Vec<&'static str> {
    params_of(route.path)
        .into_iter()
        .filter(|p| param_kind(p) == Param::Tenant)
        .collect()
}

/// The ids of one tenant's resources, by path parameter name: a member, a pending invitation,
/// an API token, an error, a run and a finished backfill of the owner's tenant.
pub async fn tenant_ids(app: &TestApp, owner: &TestClient) -> HashMap<&'static str, String> {
    let (_, member_email) = join_as(app, owner, "member").await;
    owner.invite(&unique_email("pending"), "viewer").await;
    owner.create_token("sweep", "viewer").await;
    let users = owner.get_html("/settings/users").await;
    let tokens = owner.get_html("/settings/api-tokens").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(0);
    let seeded = tenant_of(app, owner).await;
    let error = insert_error(app, &seeded, NewError::default()).await;
    let run = insert_run(app, &seeded, 1, chrono::Utc::now(), 1, 0).await;
    let backfill = insert_backfill(app, seeded.id, seeded.flows[0]).await;
    HashMap::from([
        ("error_id", error.to_string()),
        ("run_id", run.to_string()),
        ("backfill_id", backfill.to_string()),
        ("tenant_id", seeded.id.to_string()),
        ("integration_id", integration),
        ("flow_id", flow),
        ("record_id", "003000000000001AAA".to_owned()),
        ("membership_id", membership_of(owner, &member_email).await),
        (
            "invitation_id",
            between(&users, "/settings/invitations/", "/revoke").unwrap(),
        ),
        (
            "token_id",
            between(&tokens, "/settings/api-tokens/", "/revoke").unwrap(),
        ),
        ("system", "salesforce".to_owned()),
        ("token", "inv_unknown".to_owned()),
        ("file", "app.css".to_owned()),
    ])
}

/// A running backfill with a fresh heartbeat: cancellable, so a cancel that should have been
/// refused shows in its status, and not stale, so no sweeper resumes it during the test.
pub async fn insert_backfill(app: &TestApp, tenant: uuid::Uuid, flow: uuid::Uuid) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    backfill::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant),
        flow_id: Set(flow),
        dry_run: Set(true),
        modified_since: Set(None),
        status: Set("running".to_owned()),
        cursor: Set(None),
        total: Set(Some(0)),
        processed: Set(0),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        skipped: Set(0),
        failed: Set(0),
        reasons: Set(serde_json::json!({})),
        error: Set(None),
        requested_by: Set("sweep@example.com".to_owned()),
        created_at: Set(now),
        started_at: Set(Some(now)),
        heartbeat_at: Set(Some(now)),
        finished_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// A backfill's status: `running` until someone cancels it.
pub async fn backfill_status(app: &TestApp, id: &str) -> String {
    backfill::Entity::find_by_id(uuid::Uuid::parse_str(id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// The route's path with its parameters taken from `ids`.
pub fn fill(path: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut out = path.to_owned();
    for name in params_of(path) {
        param_kind(name);
        let value = ids
            .get(name)
            .unwrap_or_else(|| panic!("no id known for {{{name}}} of {path}"));
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// "GET /path" for messages.
pub fn describe(route: &RouteSpec) -> String {
    format!("{} {}", route.method.as_str(), route.path)
}

/// Calls a route as a browser: POSTs carry the browser's CSRF token and an empty form.
pub async fn call(c: &TestClient, route: &RouteSpec, path: &str) -> reqwest::Response {
    match route.method {
        Method::Get => c.get(path).await,
        Method::Post => c.post_form(path, &[]).await,
        Method::Put => c
            .http
            .put(format!("{}{path}", c.base))
            .header("X-CSRF-Token", &c.csrf)
            .send()
            .await
            .unwrap(),
    }
}

/// Calls a route as an API client: a bearer token, no cookies, no CSRF token.
pub async fn call_api(
    app: &TestApp,
    token: &str,
    route: &RouteSpec,
    path: &str,
) -> reqwest::Response {
    let http = reqwest::Client::new();
    let request = match route.method {
        Method::Get => http.get(app.url(path)),
        Method::Post => http.post(app.url(path)),
        Method::Put => http.put(app.url(path)),
    };
    request.bearer_auth(token).send().await.unwrap()
}
