//! CSRF over the whole route list. Every state-changing route a browser reaches with its
//! cookies refuses a request without the session's token, with a wrong one, with another
//! browser's, or with the token hidden in a body the check cannot read. The exempt routes are
//! exactly the API (bearer tokens, and cookies do not authenticate it) and the listener (its
//! token is in the URL), which the last tests show.

use ferry_server::{Access, Method, RouteSpec, all_routes};

use crate::helpers::{TestApp, TestClient};
use crate::route_fixture::{backfill_status, call_api, describe, fill, tenant_ids};

const EXPIRED: &str = "This form has expired";

/// The middleware exempts by prefix (`server/src/session/middleware.rs`); these are the only
/// routes a cross-site POST may reach without a token.
fn csrf_exempt(route: &RouteSpec) -> bool {
    route.path.starts_with("/api/") || route.path.starts_with("/listeners/")
}

fn changes_state(route: &RouteSpec) -> bool {
    route.method != Method::Get
}

#[test]
fn only_bearer_api_routes_and_the_listener_are_exempt_from_csrf() {
    let mut exempt: Vec<String> = Vec::new();
    for route in all_routes() {
        let is_api = matches!(route.access, Access::Api(_));
        // The OpenAPI document is the one public read under /api/ (it changes nothing).
        let public_read = route.access == Access::Public && !changes_state(&route);
        assert_eq!(
            route.path.starts_with("/api/") && !public_read,
            is_api,
            "{}: only bearer-token routes may live under /api/, which skips CSRF",
            describe(&route)
        );
        if csrf_exempt(&route) && changes_state(&route) && !is_api {
            exempt.push(describe(&route));
        }
    }
    assert_eq!(exempt, ["POST /listeners/{token}/salesforce"]);
}

/// POSTs (or PUTs) `fields` as a form, exactly as given.
async fn send_form(
    c: &TestClient,
    route: &RouteSpec,
    path: &str,
    fields: &[(&str, &str)],
    header: Option<&str>,
) -> reqwest::Response {
    let url = format!("{}{path}", c.base);
    let mut request = match route.method {
        Method::Put => c.http.put(url),
        _ => c.http.post(url),
    };
    if let Some(token) = header {
        request = request.header("X-CSRF-Token", token);
    }
    request.form(fields).send().await.unwrap()
}

fn with_token<'a>(fields: &[(&'a str, &'a str)], token: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut all = fields.to_vec();
    all.push(("csrf_token", token));
    all
}

async fn assert_refused(resp: reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 403, "{what}");
    let body = resp.text().await.unwrap();
    assert!(body.contains(EXPIRED), "{what}: not the CSRF page: {body}");
}

#[tokio::test]
async fn every_state_changing_browser_route_refuses_missing_wrong_and_foreign_tokens() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Csrf Co").await;
    let ids = tenant_ids(&app, &owner).await;
    let stranger = app.client().await;
    let anon = app.client().await;
    let routes: Vec<RouteSpec> = all_routes()
        .into_iter()
        .filter(|r| changes_state(r) && !csrf_exempt(r))
        .collect();
    for route in &routes {
        let path = fill(route.path, &ids);
        let what = describe(route);
        let fields = [("name", "Changed"), ("role", "viewer")];
        assert_refused(
            send_form(&owner, route, &path, &fields, None).await,
            &format!("{what} without a token"),
        )
        .await;
        assert_refused(
            send_form(&owner, route, &path, &with_token(&fields, "forged"), None).await,
            &format!("{what} with a made-up token"),
        )
        .await;
        assert_refused(
            send_form(
                &owner,
                route,
                &path,
                &with_token(&fields, &stranger.csrf),
                None,
            )
            .await,
            &format!("{what} with another browser's token"),
        )
        .await;
        // The header wins over the form: a wrong header is not rescued by a right field.
        assert_refused(
            send_form(
                &owner,
                route,
                &path,
                &with_token(&fields, &owner.csrf),
                Some("forged"),
            )
            .await,
            &format!("{what} with a wrong header"),
        )
        .await;
        // A JSON body cannot carry the token past the check.
        let resp = owner
            .http
            .post(format!("{}{path}", owner.base))
            .json(&serde_json::json!({"csrf_token": owner.csrf}))
            .send()
            .await
            .unwrap();
        assert_refused(resp, &format!("{what} with the token in JSON")).await;
        // Before log-in the token is bound to the anonymous cookie.
        assert_refused(
            send_form(&anon, route, &path, &fields, None).await,
            &format!("{what} without a token and without a session"),
        )
        .await;
    }
    assert!(routes.len() >= 31, "only {} routes swept", routes.len());

    // None of those requests did anything: the owner is still logged in (no log-out), the
    // member is still there, the token not revoked, the integration not renamed, the
    // backfill not canceled.
    assert_eq!(backfill_status(&app, &ids["backfill_id"]).await, "running");
    let users = owner.get_html("/settings/users").await;
    assert!(users.contains("member"), "{users}");
    let tokens = owner.get_html("/settings/api-tokens").await;
    assert!(!tokens.contains("Revoked"), "{tokens}");
    assert!(!owner.home_html().await.contains("Changed"));
}

#[tokio::test]
async fn api_routes_need_a_bearer_token_and_take_no_csrf_token() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Api Co").await;
    let ids = tenant_ids(&app, &owner).await;
    let token = owner.create_token("csrf", "admin").await;
    for route in all_routes()
        .into_iter()
        .filter(|r| matches!(r.access, Access::Api(_)))
    {
        let path = fill(route.path, &ids);
        let what = describe(&route);
        // A logged-in browser's cookies, even with its CSRF token, are not an API credential:
        // a cross-site request riding on them gets nothing.
        let url = format!("{}{path}", owner.base);
        let request = match route.method {
            Method::Get => owner.http.get(url),
            Method::Post => owner.http.post(url),
            Method::Put => owner.http.put(url),
        };
        let resp = request
            .header("X-CSRF-Token", &owner.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{what} with session cookies");
        // A bearer token needs no CSRF token: the answer is the handler's, in JSON.
        let resp = call_api(&app, &token, &route, &path).await;
        let status = resp.status().as_u16();
        assert!(
            status != 401 && status != 403,
            "{what} with a bearer token: {status}"
        );
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {status} {content_type}"
        );
    }
}

#[tokio::test]
async fn the_listener_takes_no_csrf_token_and_its_own_token_decides() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Listener Co").await;
    // A browser with a session and no CSRF token reaches the listener, which refuses an
    // unknown listener token with a SOAP fault, not the CSRF page.
    let resp = owner
        .http
        .post(format!("{}/listeners/not-a-token/salesforce", owner.base))
        .header("content-type", "text/xml; charset=utf-8")
        .body("<x/>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body = resp.text().await.unwrap();
    assert!(body.contains("soapenv:Fault"), "{body}");
    assert!(!body.contains(EXPIRED));
}
