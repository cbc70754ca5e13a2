//! Walks the app's own route list: every protected route refuses a visitor without a session,
//! answers 404 for another tenant's ids (alone or mixed with the caller's own), and 403 for the
//! role just below the declared one. The public routes are an exact list, so a new route is
//! either protected, and swept, or shows up here. CSRF has its own sweep (`csrf_sweep.rs`).

use ferry_domain::tenancy::Role;
use ferry_server::{Access, Method, RouteSpec, all_routes};

use crate::dash_fixture::tenant_of;
use crate::helpers::{TestApp, location};
use crate::roles::join_as;
use crate::route_fixture::{
    backfill_status, call, call_api, describe, fill, insert_backfill, param_kind, params_of,
    tenant_ids, tenant_params,
};

/// Every route anyone may call without logging in, and why.
const PUBLIC: &[(&str, &str)] = &[
    ("GET /healthz", "probes"),
    ("GET /readyz", "probes"),
    (
        "GET /api/openapi.json",
        "the API's description; it holds no data",
    ),
    ("GET /static/{file}", "CSS and JavaScript"),
    ("GET /signup", "sign-up"),
    ("POST /signup", "sign-up"),
    ("GET /login", "log-in"),
    ("POST /login", "log-in"),
    ("POST /logout", "ends whatever session there is"),
    (
        "GET /invites/{token}",
        "the invitation secret is the credential",
    ),
    (
        "POST /invites/{token}/register",
        "the invitation secret is the credential",
    ),
    (
        "POST /listeners/{token}/salesforce",
        "the listener token is the credential (Salesforce sends no cookies)",
    ),
];

#[test]
fn the_public_routes_are_exactly_the_known_ones_and_every_parameter_is_classified() {
    let mut public: Vec<String> = all_routes()
        .iter()
        .filter(|r| r.access == Access::Public)
        .map(describe)
        .collect();
    public.sort();
    let mut expected: Vec<String> = PUBLIC.iter().map(|(r, _)| (*r).to_owned()).collect();
    expected.sort();
    assert_eq!(
        public, expected,
        "a public route was added or removed: add it to PUBLIC with a reason, or protect it"
    );
    for route in all_routes() {
        for param in params_of(route.path) {
            param_kind(param);
        }
    }
}

#[tokio::test]
async fn every_protected_route_is_refused_without_a_session() {
    let app = TestApp::spawn().await;
    let b = app.owner("Tenant B").await;
    let ids = tenant_ids(&app, &b).await;
    let anon = app.client().await;
    let mut checked = 0;
    for route in all_routes() {
        let path = fill(route.path, &ids);
        let what = describe(&route);
        match route.access {
            Access::Public => continue,
            Access::Api(_) => {
                let resp = call(&anon, &route, &path).await;
                assert_eq!(resp.status(), 401, "{what}");
            }
            Access::Session | Access::Tenant(_) | Access::Support => {
                let resp = call(&anon, &route, &path).await;
                assert_eq!(resp.status(), 303, "{what}");
                assert!(
                    location(&resp).starts_with("/login"),
                    "{what} → {}",
                    location(&resp)
                );
            }
        }
        checked += 1;
    }
    let protected = all_routes()
        .iter()
        .filter(|r| r.access != Access::Public)
        .count();
    assert_eq!(checked, protected);
    assert!(checked >= 70, "only {checked} protected routes checked");
}

/// Support routes are left out: support staff may see every tenant, and tenant users are
/// refused them whatever the ids (403, below).
fn tenant_owned(route: &RouteSpec) -> bool {
    route.access != Access::Support && !tenant_params(route).is_empty()
}

#[tokio::test]
async fn every_route_with_ids_answers_404_for_another_tenants_ids() {
    let app = TestApp::spawn().await;
    let b = app.owner("Tenant B").await;
    let b_ids = tenant_ids(&app, &b).await;
    let a = app.owner("Tenant A").await;
    let a_token = a.create_token("sweep", "admin").await;
    let mut checked = 0;
    for route in all_routes().into_iter().filter(tenant_owned) {
        let path = fill(route.path, &b_ids);
        let resp = match route.access {
            Access::Api(_) => call_api(&app, &a_token, &route, &path).await,
            _ => call(&a, &route, &path).await,
        };
        assert_eq!(resp.status(), 404, "{}", describe(&route));
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} routes with ids checked");
    // And B's data is untouched: the member B invited is still there, the backfill runs.
    let users = b.get_html("/settings/users").await;
    assert!(users.contains("member"));
    assert_eq!(
        backfill_status(&app, &b_ids["backfill_id"]).await,
        "running"
    );
}

/// A path naming the caller's own integration and another tenant's flow (or error, run…)
/// must not be served: every id is checked, not only the first.
#[tokio::test]
async fn mixing_own_and_another_tenants_ids_answers_404() {
    let app = TestApp::spawn().await;
    let b = app.owner("Tenant B").await;
    let b_ids = tenant_ids(&app, &b).await;
    let a = app.owner("Tenant A").await;
    let a_ids = tenant_ids(&app, &a).await;
    let a_token = a.create_token("sweep", "admin").await;
    let mut checked = 0;
    for route in all_routes().into_iter().filter(tenant_owned) {
        let owned = tenant_params(&route);
        if owned.len() < 2 {
            continue;
        }
        for foreign in &owned {
            let mut ids = a_ids.clone();
            ids.insert(foreign, b_ids[foreign].clone());
            let path = fill(route.path, &ids);
            let resp = match route.access {
                Access::Api(_) => call_api(&app, &a_token, &route, &path).await,
                _ => call(&a, &route, &path).await,
            };
            assert_eq!(
                resp.status(),
                404,
                "{} with another tenant's {{{foreign}}}",
                describe(&route)
            );
            checked += 1;
        }
    }
    assert!(checked >= 37, "only {checked} mixed paths checked");
    // Refused before anything changed: both tenants' backfills still run.
    assert_eq!(
        backfill_status(&app, &a_ids["backfill_id"]).await,
        "running"
    );
    assert_eq!(
        backfill_status(&app, &b_ids["backfill_id"]).await,
        "running"
    );
}

/// Ids of one tenant but of two flows: the backfill of one flow cannot be cancelled through
/// the other's path (it used to be cancelled, and only then answered 404).
#[tokio::test]
async fn a_backfill_is_cancelled_only_through_its_own_flows_path() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Flows Co").await;
    let t = tenant_of(&app, &owner).await;
    let account_backfill = insert_backfill(&app, t.id, t.flows[0]).await.to_string();
    let cancel = |flow: &uuid::Uuid| {
        format!(
            "/integrations/{}/flows/{flow}/backfills/{account_backfill}/cancel",
            t.integration
        )
    };
    let resp = owner.post_form(&cancel(&t.flows[1]), &[]).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(backfill_status(&app, &account_backfill).await, "running");
    let resp = owner.post_form(&cancel(&t.flows[0]), &[]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(backfill_status(&app, &account_backfill).await, "canceled");
}

fn just_below(role: Role) -> Option<Role> {
    match role {
        Role::Viewer => None,
        Role::Member => Some(Role::Viewer),
        Role::Admin => Some(Role::Member),
        Role::Owner => Some(Role::Admin),
    }
}

/// The role right under the declared one is refused, so a route declared for admins but
/// enforced for members is caught, not only one open to viewers.
#[tokio::test]
async fn every_role_restricted_route_refuses_the_role_just_below() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Tenant A").await;
    let ids = tenant_ids(&app, &owner).await;
    let mut people = std::collections::HashMap::new();
    for role in [Role::Viewer, Role::Member, Role::Admin] {
        people.insert(role, join_as(&app, &owner, role.as_str()).await.0);
    }
    let mut tokens = std::collections::HashMap::new();
    for role in [Role::Viewer, Role::Member, Role::Admin] {
        tokens.insert(role, owner.create_token("roles", role.as_str()).await);
    }
    let mut checked = 0;
    for route in all_routes() {
        let path = fill(route.path, &ids);
        let resp = match route.access {
            Access::Tenant(min) => match just_below(min) {
                Some(lower) => call(&people[&lower], &route, &path).await,
                None => continue,
            },
            // Support staff come only from the command line; a tenant's owner is refused.
            Access::Support => call(&owner, &route, &path).await,
            Access::Api(min) => match just_below(min) {
                Some(lower) => call_api(&app, &tokens[&lower], &route, &path).await,
                None => continue,
            },
            Access::Public | Access::Session => continue,
        };
        assert_eq!(resp.status(), 403, "{}", describe(&route));
        checked += 1;
    }
    assert!(checked >= 42, "only {checked} restricted routes checked");
}

#[tokio::test]
async fn api_routes_serve_only_the_tokens_tenant() {
    let app = TestApp::spawn().await;
    let _a = app.owner("Tenant A").await;
    let b = app.owner("Tenant B").await;
    let token_b = b.create_token("b", "viewer").await;
    let b_ids = tenant_ids(&app, &b).await;
    for route in all_routes()
        .into_iter()
        .filter(|r| matches!(r.access, Access::Api(_)) && r.method == Method::Get)
    {
        let resp = call_api(&app, &token_b, &route, &fill(route.path, &b_ids)).await;
        assert_eq!(resp.status(), 200, "{}", route.path);
        let body = resp.text().await.unwrap();
        assert!(
            !body.contains("Tenant A"),
            "{} leaked another tenant",
            route.path
        );
    }
}
