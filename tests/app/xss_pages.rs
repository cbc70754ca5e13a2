//! XSS: markup in everything a page shows that someone else typed — workspace, integration,
//! person and token names, Salesforce account and contact names, a NetSuite error that quotes
//! the bad value, criteria values, and values reflected from the URL — must come out escaped
//! on every page of the route list, and every page sends the Content-Security-Policy.

use std::collections::{BTreeMap, HashMap};

use ferry_domain::entities::{flow_run, sync_error};
use ferry_server::{Access, Method, all_routes};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::dash_fixture::{support_client, tenant_of};
use crate::helpers::{PASSWORD, TestClient, salesforce_form, unique_email};
use crate::route_fixture::fill;
use crate::sync_fixture::Synced;

const COMPANY: &str = "Co <script>alert('company')</script>";
const INTEGRATION: &str = "\"><script>alert('integration')</script>{{7*7}}";
const PERSON: &str = "<img src=x onerror=alert('person')>";
const TOKEN_NAME: &str = "<svg/onload=alert('token')>";
const ACCOUNT: &str = "<script>alert('account')</script>";
const FIRST: &str = "\"><img src=x onerror=alert('first')>";
const LAST: &str = "<script>alert('last')</script>";
/// Salesforce takes it (one `@`, a dotted domain); NetSuite refuses it and quotes it back.
const BAD_EMAIL: &str = "<script>alert('email')</script>@x.co";
const CRITERIA: &str = "</textarea><script>alert('criteria')</script>";
/// Reflected from query strings and paths.
const REFLECTED: &str = "<script>alert('reflected')</script>";

const PAYLOADS: &[&str] = &[
    COMPANY,
    INTEGRATION,
    PERSON,
    TOKEN_NAME,
    ACCOUNT,
    FIRST,
    LAST,
    BAD_EMAIL,
    CRITERIA,
    REFLECTED,
];

/// The markup each payload carries: what must never reach a page as is.
fn markup(payload: &str) -> &str {
    let start = payload.find(['<', '"']).unwrap_or(0);
    &payload[start..]
}

/// How askama writes text into HTML: numeric references for the five special characters.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// A tenant whose every name is a payload, with a synced account and contact, a contact
/// NetSuite refused, a criterion, a second member and an API token.
struct Hostile {
    s: Synced,
    good_contact: String,
    bad_contact: String,
    invite_token: String,
}

async fn hostile_tenant() -> Hostile {
    let s = Synced::start_named(COMPANY, true, true).await;
    let general = format!("/integrations/{}/settings/general", s.integration);
    let resp = s
        .owner
        .post_form(
            &general,
            &[("name", INTEGRATION), ("environment", "production")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    s.owner.create_token(TOKEN_NAME, "viewer").await;
    let link = s.owner.invite(&unique_email("person"), "admin").await;
    let mut person = s.app.client().await;
    person.refresh_csrf(&link).await;
    let resp = person
        .post_form(
            &format!("{link}/register"),
            &[("name", PERSON), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let pending = s.owner.invite(&unique_email("pending"), "viewer").await;

    // Every contact qualifies (the second condition), the first shows the payload.
    let token = s.owner.create_token("xss", "admin").await;
    let path = format!("/api/v1/flows/{}/settings", s.contact_flow);
    let (_, read) = s.api_get(&token, &path).await;
    let mut settings = read["data"]["settings"].clone();
    settings["criteria"] = json!({"match": "all", "groups": [{"match": "any", "conditions": [
        {"field": "Title", "op": "equals", "value": CRITERIA},
        {"field": "LastName", "op": "is_not_empty"},
    ]}]});
    let resp = reqwest::Client::new()
        .put(s.app.url(&path))
        .bearer_auth(&token)
        .json(&json!({"version": read["data"]["version"], "settings": settings}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let account = s.sf_create("Account", json!({"Name": ACCOUNT})).await;
    s.written_back("Account", &account).await;
    let good_contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": FIRST, "LastName": LAST, "Email": "ok@example.com",
                   "AccountId": account}),
        )
        .await;
    s.written_back("Contact", &good_contact).await;
    let bad_contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": FIRST, "LastName": LAST, "Email": BAD_EMAIL,
                   "AccountId": account}),
        )
        .await;
    s.eventually("NetSuite refuses the e-mail", || async {
        !s.open_errors(&bad_contact).await.is_empty()
    })
    .await;
    let errors = s.open_errors(&bad_contact).await;
    assert!(
        errors[0].1.contains(BAD_EMAIL),
        "the remote error quotes it: {errors:?}"
    );
    s.settled(&good_contact).await;
    Hostile {
        invite_token: pending.trim_start_matches("/invites/").to_owned(),
        s,
        good_contact,
        bad_contact,
    }
}

/// Real ids of the hostile tenant for every path parameter a page takes.
async fn page_ids(h: &Hostile) -> HashMap<&'static str, String> {
    let s = &h.s;
    let error = sync_error::Entity::find()
        .filter(sync_error::Column::RecordId.eq(h.bad_contact.as_str()))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    let run = flow_run::Entity::find()
        .filter(flow_run::Column::FlowId.eq(error.flow_id))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    HashMap::from([
        ("integration_id", s.integration.clone()),
        ("flow_id", s.contact_flow.clone()),
        ("record_id", h.bad_contact.clone()),
        ("error_id", error.id.to_string()),
        ("run_id", run.id.to_string()),
        (
            "tenant_id",
            tenant_of(&s.app, &s.owner).await.id.to_string(),
        ),
        ("system", "salesforce".to_owned()),
        ("token", h.invite_token.clone()),
        ("file", "app.js".to_owned()),
    ])
}

/// Pages beyond the route list's one URL each: other tabs, views and records, and values
/// the pages reflect from the URL.
fn extra_pages(h: &Hostile, tenant: &str) -> Vec<(bool, String)> {
    let s = &h.s;
    let (i, good) = (&s.integration, &h.good_contact);
    let q = serde_urlencoded::to_string([("q", REFLECTED)]).unwrap();
    let filter = serde_urlencoded::to_string([
        ("code", REFLECTED),
        ("record", REFLECTED),
        ("signature", REFLECTED),
        ("from", REFLECTED),
    ])
    .unwrap();
    let reflected_path = REFLECTED.replace('<', "%3C").replace('>', "%3E");
    let flow = s.flow_path(&s.contact_flow);
    let mut pages: Vec<(bool, String)> = [
        format!("/integrations/{i}/settings?section=Contact"),
        format!("/integrations/{i}/settings?tab=general"),
        format!("/integrations/{i}/settings?tab=connections"),
        format!("/integrations/{i}/connections/netsuite"),
        s.flow_path(&s.account_flow),
        format!("{flow}/settings"),
        format!("{flow}/records/{good}"),
        format!("{flow}/preview?record_id={good}"),
        format!("{flow}/preview?record_id={}", h.bad_contact),
        format!("{flow}/preview?{q}"),
        format!("{flow}/records/{reflected_path}"),
        format!("/integrations/{i}/dashboard/errors?view=groups"),
        format!("/integrations/{i}/dashboard/errors?{filter}"),
        format!("/integrations/{i}/dashboard/records?outcome=skipped"),
        format!("/integrations/{i}/dashboard/records/{good}"),
        format!("/integrations/{i}/dashboard/records/{reflected_path}"),
        format!("/integrations/{i}/dashboard/records?timeline={good}"),
    ]
    .into_iter()
    .map(|p| (false, p))
    .collect();
    for p in [
        "/support/errors?view=groups".to_owned(),
        format!("/support/errors?{filter}"),
        format!("/support/tenants/{tenant}/records/{good}"),
        format!("/support/tenants/{tenant}/records/{reflected_path}"),
    ] {
        pages.push((true, p));
    }
    pages
}

fn assert_safe(path: &str, html: &str) {
    for payload in PAYLOADS {
        assert!(
            !html.contains(markup(payload)),
            "{path} shows {payload:?} unescaped"
        );
    }
    let lower = html.to_lowercase();
    for sink in [
        "href=\"javascript:",
        "src=\"javascript:",
        "action=\"javascript:",
    ] {
        assert!(!lower.contains(sink), "{path} has a {sink} URL");
    }
    // Template syntax in data is shown, never evaluated.
    assert!(!html.contains(">49<"), "{path} evaluated {{{{7*7}}}}");
}

fn assert_csp(path: &str, resp: &reqwest::Response) {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{path}: CSP {csp:?}");
    assert!(csp.contains("default-src 'self'"), "{path}: CSP {csp:?}");
    assert!(!csp.contains("unsafe-inline"), "{path}: CSP {csp:?}");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{path}: CSP {csp:?}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
}

#[tokio::test]
async fn markup_in_names_errors_and_urls_comes_out_escaped_on_every_page() {
    let h = hostile_tenant().await;
    let ids = page_ids(&h).await;
    let support = support_client(&h.s.app).await;
    let anon = h.s.app.client().await;
    let mut pages: Vec<(bool, String)> = Vec::new();
    for route in all_routes() {
        if route.method != Method::Get || matches!(route.access, Access::Api(_)) {
            continue;
        }
        pages.push((route.access == Access::Support, fill(route.path, &ids)));
    }
    pages.extend(extra_pages(&h, &ids["tenant_id"]));

    // Which payloads each page showed (escaped), to prove the pages rendered them.
    let mut shown: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (as_support, path) in &pages {
        let clients: Vec<&TestClient> = if *as_support {
            vec![&support]
        } else if path.starts_with("/invites/") {
            vec![&anon]
        } else {
            vec![&h.s.owner]
        };
        for client in clients {
            let resp = client.get(path).await;
            let status = resp.status().as_u16();
            assert!(status < 500, "{path}: {status}");
            let is_html = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            if is_html {
                assert_csp(path, &resp);
            }
            let html = resp.text().await.unwrap();
            assert_safe(path, &html);
            for payload in PAYLOADS {
                if html.contains(&escaped(payload)) {
                    shown.entry(payload).or_default().push(path.clone());
                }
            }
        }
    }
    // Each payload reached at least one page, escaped, so the checks above saw it.
    for payload in PAYLOADS {
        assert!(
            shown.contains_key(payload),
            "{payload:?} was shown nowhere; pages: {pages:?}"
        );
    }
    // And the places that matter most show theirs.
    let error_page = format!(
        "/integrations/{}/dashboard/errors/{}",
        h.s.integration, ids["error_id"]
    );
    assert!(shown[BAD_EMAIL].contains(&error_page), "{shown:?}");
    assert!(shown[COMPANY].iter().any(|p| p.starts_with("/support")));
    assert!(
        shown[ACCOUNT]
            .iter()
            .any(|p| p.ends_with("/dashboard/records")),
        "{shown:?}"
    );
    assert!(shown[LAST].len() >= 3, "{shown:?}");
}

#[tokio::test]
async fn a_javascript_url_is_refused_as_a_salesforce_address() {
    let s = Synced::start_with(false, false).await;
    let sf = s.app.sandbox.demo_credentials().salesforce;
    for url in [
        "javascript:alert(1)//",
        "data:text/html,<script>alert(1)</script>",
    ] {
        let mut form = salesforce_form(&sf);
        form.push(("instance_url", url));
        let resp = s
            .owner
            .save_connection(&s.integration, "salesforce", &form)
            .await;
        assert_eq!(resp.status(), 422, "{url} accepted");
        let html = resp.text().await.unwrap();
        assert!(html.contains("Enter an http(s) URL or leave it blank."));
        assert!(!html.contains("<script>alert(1)"));
    }
}
