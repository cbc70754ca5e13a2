//! Walks the app's own route list: every protected route refuses a visitor
//! without a session, answers 404 for another tenant's ids, and 403 for a role
//! below the declared one.

use std::collections::HashMap;

use ferry_domain::tenancy::Role;
use ferry_server::{Access, Method, RouteSpec, all_routes};

use crate::dash_fixture::{NewError, insert_error, insert_run, tenant_of};
use crate::helpers::{TestApp, TestClient, between, location, unique_email};
use crate::roles::{join_as, membership_of};

/// The ids of one tenant's resources, by path parameter name.
async fn tenant_ids(app: &TestApp, owner: &TestClient) -> HashMap<&'static str, String> {
    let (_, member_email) = join_as(app, owner, "member").await;
    owner.invite(&unique_email("pending"), "viewer").await;
    owner.create_token("sweep", "viewer").await;
    let users = owner.get_html("/settings/users").await;
    let tokens = owner.get_html("/settings/api-tokens").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(0);
    // An error and a run of this tenant, for the dashboard's routes.
    let seeded = tenant_of(app, owner).await;
    let error = insert_error(app, &seeded, NewError::default()).await;
    let run = insert_run(app, &seeded, 1, chrono::Utc::now(), 1, 0).await;
    HashMap::from([
        ("error_id", error.to_string()),
        ("run_id", run.to_string()),
        ("tenant_id", seeded.id.to_string()),
        ("integration_id", integration),
        ("flow_id", flow),
        ("record_id", "003000000000001AAA".to_owned()),
        ("backfill_id", uuid::Uuid::now_v7().to_string()),
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

fn fill(path: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut out = path.to_owned();
    for (name, value) in ids {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    assert!(!out.contains('{'), "no id known for a parameter of {path}");
    out
}

/// Routes whose ids belong to a tenant. Support routes are left out: support staff may see
/// every tenant, and tenant users are refused them whatever the ids (403).
fn has_tenant_ids(route: &RouteSpec) -> bool {
    route.access != Access::Support
        && [
            "{integration_id}",
            "{membership_id}",
            "{invitation_id}",
            "{token_id}",
            "{flow_id}",
            "{error_id}",
            "{run_id}",
        ]
        .iter()
        .any(|p| route.path.contains(p))
}

async fn call(c: &TestClient, route: &RouteSpec, path: &str) -> reqwest::Response {
    match route.method {
        Method::Get => c.get(path).await,
        Method::Post => c.post_form(path, &[]).await,
        Method::Put => c
            .http
            .put(format!("{}{path}", c.base))
            .send()
            .await
            .unwrap(),
    }
}

async fn call_api(app: &TestApp, token: &str, route: &RouteSpec, path: &str) -> reqwest::Response {
    let http = reqwest::Client::new();
    let request = match route.method {
        Method::Get => http.get(app.url(path)),
        Method::Post => http.post(app.url(path)),
        Method::Put => http.put(app.url(path)),
    };
    request.bearer_auth(token).send().await.unwrap()
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
        let resp = call(&anon, &route, &path).await;
        let what = format!("{} {}", route.method.as_str(), route.path);
        match route.access {
            Access::Public => continue,
            Access::Api(_) => assert_eq!(resp.status(), 401, "{what}"),
            Access::Session | Access::Tenant(_) | Access::Support => {
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
    assert!(checked >= 15, "only {checked} protected routes checked");
}

#[tokio::test]
async fn every_route_with_ids_answers_404_for_another_tenants_ids() {
    let app = TestApp::spawn().await;
    let b = app.owner("Tenant B").await;
    let b_ids = tenant_ids(&app, &b).await;
    let a = app.owner("Tenant A").await;
    let a_token = a.create_token("sweep", "admin").await;
    let mut checked = 0;
    for route in all_routes().into_iter().filter(has_tenant_ids) {
        let path = fill(route.path, &b_ids);
        let resp = match route.access {
            Access::Api(_) => call_api(&app, &a_token, &route, &path).await,
            _ => call(&a, &route, &path).await,
        };
        assert_eq!(
            resp.status(),
            404,
            "{} {}",
            route.method.as_str(),
            route.path
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} routes with ids checked");
    // And B's data is untouched: the member B invited is still there.
    let users = b.get_html("/settings/users").await;
    assert!(users.contains("member"));
}

#[tokio::test]
async fn every_role_restricted_route_refuses_a_lower_role() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Tenant A").await;
    let ids = tenant_ids(&app, &owner).await;
    let (viewer, _) = join_as(&app, &owner, "viewer").await;
    let mut checked = 0;
    for route in all_routes() {
        let needs_more_than_viewer = match route.access {
            Access::Tenant(min) => min > Role::Viewer,
            Access::Support => true,
            _ => false,
        };
        if !needs_more_than_viewer {
            continue;
        }
        let resp = call(&viewer, &route, &fill(route.path, &ids)).await;
        assert_eq!(
            resp.status(),
            403,
            "{} {}",
            route.method.as_str(),
            route.path
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} restricted routes checked");
}

#[tokio::test]
async fn api_routes_serve_only_the_tokens_tenant() {
    let app = TestApp::spawn().await;
    let a = app.owner("Tenant A").await;
    let b = app.owner("Tenant B").await;
    let token_b = b.create_token("b", "viewer").await;
    let b_ids = tenant_ids(&app, &b).await;
    let _ = a;
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
