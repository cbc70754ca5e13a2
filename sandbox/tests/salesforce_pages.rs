//! The CRM pages: lists, record pages, New / Edit / Save (which fires outbound messages) and
//! the outbound setup with its delivery log.
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::listener::Listener;
use common::{TestApp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app
        .http
        .get(format!("{}{path}", app.base()))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn submit(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.http
        .post(format!("{}{path}", app.base()))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_lists_show_seeded_records_and_link_to_record_pages() {
    let app = TestApp::start().await;
    app.sandbox.reseed(7);
    let (status, html) = page(&app, "/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("All Accounts"));
    assert!(html.contains("/__sandbox/assets/sandbox.css"));
    let (status, html) = page(&app, "/contacts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/contacts/003"));
    let css = app
        .http
        .get(format!("{}/__sandbox/assets/sandbox.css", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn saving_the_new_contact_form_creates_the_record_and_fires_the_outbound_message() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![]).await;
    app.admin(
        Method::POST,
        "/outbound/rules",
        Some(json!({"object": "Contact", "fields": ["LastName", "Email"], "endpoint_url": listener.url})),
    )
    .await;
    let account = app.create("Account", json!({"Name": "Acme"})).await;
    let (status, form) = page(&app, &format!("/contacts/new?account={account}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(&format!("value=\"{account}\" selected")));
    let res = submit(
        &app,
        "/contacts",
        &[
            ("FirstName", "Ada"),
            ("LastName", "Lovelace"),
            ("Email", "ada@example.com"),
            ("AccountId", &account),
            ("Salutation", ""),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/contacts/003"), "{location}");
    assert!(location.ends_with("queued=1"), "{location}");
    let (_, record) = page(&app, &location).await;
    assert!(record.contains("Ada Lovelace"));
    assert!(record.contains("1 outbound message queued"));
    assert!(record.contains("Acme"));
    let xml = eventually(Duration::from_secs(5), || async {
        listener.received().first().cloned()
    })
    .await;
    assert!(xml.contains("<sf:LastName>Lovelace</sf:LastName>"));
    // What the page created, the API reads.
    let body: Value = app
        .query("SELECT Email, Account.Name FROM Contact")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["records"][0]["Email"], "ada@example.com");
    assert_eq!(body["records"][0]["Account"]["Name"], "Acme");
    // The delivery log page shows the acknowledged attempt.
    let (_, log) = eventually(Duration::from_secs(5), || async {
        let (status, html) = page(&app, "/outbound").await;
        html.contains("badge ok").then_some((status, html))
    })
    .await;
    assert!(log.contains(&listener.url));
}

#[tokio::test]
async fn editing_a_record_saves_changes_and_blank_fields_clear_values() {
    let app = TestApp::start().await;
    let id = app
        .create(
            "Contact",
            json!({"LastName": "Hopper", "Title": "Rear Admiral"}),
        )
        .await;
    let (status, form) = page(&app, &format!("/contacts/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"Rear Admiral\""));
    let res = submit(
        &app,
        &format!("/contacts/{id}"),
        &[
            ("LastName", "Hopper"),
            ("Title", ""),
            ("Email", "grace@example.com"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let record: Value = app
        .get(&format!("/sobjects/Contact/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["Title"], Value::Null);
    assert_eq!(record["Email"], "grace@example.com");
}

#[tokio::test]
async fn a_form_error_shows_the_form_again_with_salesforce_s_message() {
    let app = TestApp::start().await;
    let res = submit(&app, "/contacts", &[("FirstName", "NoLast"), ("Email", "")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("REQUIRED_FIELD_MISSING"));
    assert!(html.contains("value=\"NoLast\""));
}

#[tokio::test]
async fn the_account_page_lists_its_contacts_and_delete_removes_it() {
    let app = TestApp::start().await;
    let account = app.create("Account", json!({"Name": "Globex"})).await;
    app.create(
        "Contact",
        json!({"LastName": "Turing", "AccountId": account}),
    )
    .await;
    let (_, html) = page(&app, &format!("/accounts/{account}")).await;
    assert!(html.contains("Contacts (1)"));
    assert!(html.contains("Turing"));
    let res = submit(&app, &format!("/accounts/{account}/delete"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, _) = page(&app, &format!("/accounts/{account}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn outbound_rules_can_be_added_from_the_page() {
    let app = TestApp::start().await;
    let res = submit(
        &app,
        "/outbound/rules",
        &[
            ("name", "To Ferry"),
            ("object", "Contact"),
            ("fields", "LastName, Email"),
            ("endpoint_url", "http://127.0.0.1:1/l"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let rules: Value = app
        .admin(Method::GET, "/outbound/rules", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rules[0]["name"], "To Ferry");
    let res = submit(
        &app,
        "/outbound/rules",
        &[
            ("object", "Contact"),
            ("fields", "Bogus"),
            ("endpoint_url", "http://x"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_pages_and_records_are_404() {
    let app = TestApp::start().await;
    assert_eq!(
        page(&app, "/contacts/003000000000000AAA").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page(&app, "/contacts/garbage/edit").await.0,
        StatusCode::NOT_FOUND
    );
}
