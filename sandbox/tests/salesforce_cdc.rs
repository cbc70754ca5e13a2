//! Change Data Capture events (PROTOCOLS.md A10.2): header fields, changeOrigin, gap events,
//! polling and push delivery.
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::listener::{Listener, Reply};
use common::{TestApp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn events(app: &TestApp, after: u64) -> Vec<Value> {
    let body: Value = app
        .admin(Method::GET, &format!("/cdc/events?after={after}"), None)
        .await
        .json()
        .await
        .unwrap();
    body["events"].as_array().unwrap().clone()
}

#[tokio::test]
async fn create_update_and_delete_publish_events_with_the_documented_header() {
    let app = TestApp::start().await;
    let id = app
        .create(
            "Contact",
            json!({"LastName": "Lovelace", "Email": "ada@example.com"}),
        )
        .await;
    app.patch(
        &format!("/sobjects/Contact/{id}"),
        json!({"Email": "ada.l@example.com", "Title": null}),
    )
    .await;
    app.delete(&format!("/sobjects/Contact/{id}")).await;
    let events = events(&app, 0).await;
    assert_eq!(events.len(), 3);
    let create = &events[0];
    assert_eq!(create["channel"], "/data/ContactChangeEvent");
    assert_eq!(create["data"]["event"]["replayId"], 1);
    let payload = &create["data"]["payload"];
    let header = &payload["ChangeEventHeader"];
    assert_eq!(header["entityName"], "Contact");
    assert_eq!(header["recordIds"], json!([id]));
    assert_eq!(header["changeType"], "CREATE");
    assert_eq!(header["changeOrigin"], "com/salesforce/api/rest/67.0");
    assert_eq!(header["sequenceNumber"], 1);
    assert!(header["transactionKey"].is_string());
    assert!(header["commitTimestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(header["commitUser"].as_str().unwrap().starts_with("005"));
    assert_eq!(header["changedFields"], json!([]));
    assert_eq!(payload["LastName"], "Lovelace");
    assert!(payload["LastModifiedDate"].as_str().unwrap().ends_with('Z'));

    let update = &events[1]["data"]["payload"];
    let changed = update["ChangeEventHeader"]["changedFields"]
        .as_array()
        .unwrap();
    assert!(changed.contains(&json!("Email")));
    assert!(changed.contains(&json!("LastModifiedDate")));
    assert!(!changed.contains(&json!("LastName")));
    assert_eq!(update["Email"], "ada.l@example.com");
    assert!(update.get("LastName").is_none());

    let delete = &events[2]["data"]["payload"];
    assert_eq!(delete["ChangeEventHeader"]["changeType"], "DELETE");
    assert!(delete.get("LastName").is_none());
}

#[tokio::test]
async fn sforce_call_options_client_tags_the_change_origin() {
    let app = TestApp::start().await;
    let res = app
        .http
        .post(app.api("/sobjects/Contact/"))
        .bearer_auth(&app.token)
        .header("Sforce-Call-Options", "client=ferry-sync")
        .json(&json!({"LastName": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let events = events(&app, 0).await;
    assert_eq!(
        events[0]["data"]["payload"]["ChangeEventHeader"]["changeOrigin"],
        "com/salesforce/api/rest/67.0;client=ferry-sync"
    );
}

#[tokio::test]
async fn rolled_back_writes_publish_nothing_and_failed_writes_publish_nothing() {
    let app = TestApp::start().await;
    app.post(
        "/composite/sobjects",
        json!({"allOrNone": true, "records": [
            {"attributes": {"type": "Contact"}, "LastName": "A"},
            {"attributes": {"type": "Contact"}},
        ]}),
    )
    .await;
    app.post("/sobjects/Contact/", json!({"FirstName": "NoLast"}))
        .await;
    assert!(events(&app, 0).await.is_empty());
}

#[tokio::test]
async fn polling_after_a_replay_id_returns_only_newer_events() {
    let app = TestApp::start().await;
    for name in ["A", "B", "C"] {
        app.create("Account", json!({"Name": name})).await;
    }
    let later = events(&app, 2).await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0]["data"]["event"]["replayId"], 3);
    assert_eq!(later[0]["channel"], "/data/AccountChangeEvent");
}

#[tokio::test]
async fn gap_events_carry_only_a_header() {
    let app = TestApp::start().await;
    let res = app
        .admin(
            Method::POST,
            "/cdc/gap",
            Some(json!({"object": "Contact", "record_ids": ["003000000000001AAA"], "change_type": "GAP_UPDATE"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let events = events(&app, 0).await;
    let payload = events[0]["data"]["payload"].as_object().unwrap();
    assert_eq!(payload.len(), 1);
    assert_eq!(payload["ChangeEventHeader"]["changeType"], "GAP_UPDATE");
    let res = app
        .admin(
            Method::POST,
            "/cdc/gap",
            Some(json!({"object": "Contact", "change_type": "NOPE"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn subscriptions_push_events_as_json_and_retry_until_acknowledged() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![Reply::Status(503)]).await;
    let res = app
        .admin(
            Method::POST,
            "/cdc/subscriptions",
            Some(json!({"endpoint_url": listener.url, "objects": ["Contact"]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.create("Account", json!({"Name": "Ignored"})).await;
    app.create("Contact", json!({"LastName": "Pushed"})).await;
    let bodies = eventually(Duration::from_secs(5), || async {
        let got = listener.received();
        (got.len() >= 2).then_some(got)
    })
    .await;
    let messages: Value = serde_json::from_str(&bodies[1]).unwrap();
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["channel"], "/data/ContactChangeEvent");
    assert_eq!(messages[0]["data"]["payload"]["LastName"], "Pushed");
    let subs: Value = eventually(Duration::from_secs(5), || async {
        let subs: Value = app
            .admin(Method::GET, "/cdc/subscriptions", None)
            .await
            .json()
            .await
            .unwrap();
        (subs[0]["delivered_up_to"] == 2).then_some(subs)
    })
    .await;
    assert_eq!(subs[0]["failures"], 0);
}

#[tokio::test]
async fn saving_in_the_pages_publishes_with_an_empty_origin() {
    let app = TestApp::start().await;
    let res = app
        .http
        .post(format!("{}/contacts", app.base()))
        .form(&[("LastName", "FromPage")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let events = events(&app, 0).await;
    assert_eq!(
        events[0]["data"]["payload"]["ChangeEventHeader"]["changeOrigin"],
        ""
    );
}
