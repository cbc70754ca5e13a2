//! Outbound messages: rules, SOAP envelopes, Ack handling, redelivery, duplicates, the log
//! (PROTOCOLS.md A10.1).
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::listener::{Listener, Reply};
use common::{TestApp, eventually};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(5);

async fn add_rule(app: &TestApp, object: &str, fields: &[&str], url: &str) -> Value {
    let res = app
        .admin(
            Method::POST,
            "/outbound/rules",
            Some(json!({"object": object, "fields": fields, "endpoint_url": url})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn deliveries(app: &TestApp) -> Vec<Value> {
    app.admin(Method::GET, "/outbound/deliveries", None)
        .await
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn creating_a_matching_record_posts_a_soap_envelope_in_the_documented_shape() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![]).await;
    let rule = add_rule(
        &app,
        "Contact",
        &["LastName", "Email", "SystemModstamp"],
        &listener.url,
    )
    .await;
    let id = app
        .create(
            "Contact",
            json!({"LastName": "Lovelace", "Email": "ada@example.com"}),
        )
        .await;
    let bodies = eventually(WAIT, || async {
        let got = listener.received();
        (!got.is_empty()).then_some(got)
    })
    .await;
    let xml = &bodies[0];
    let org = app.sandbox.demo_credentials().salesforce.org_id;
    for expected in [
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
        r#"<notifications xmlns="http://soap.sforce.com/2005/09/outbound">"#,
        &format!("<OrganizationId>{org}</OrganizationId>"),
        &format!("<ActionId>{}</ActionId>", rule["id"].as_str().unwrap()),
        r#"<SessionId xsi:nil="true"/>"#,
        "<EnterpriseUrl>",
        "<PartnerUrl>",
        r#"<sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">"#,
        &format!("<sf:Id>{id}</sf:Id>"),
        "<sf:LastName>Lovelace</sf:LastName>",
        "<sf:Email>ada@example.com</sf:Email>",
    ] {
        assert!(xml.contains(expected), "missing {expected} in {xml}");
    }
    // Element order inside notifications is fixed.
    let order: Vec<usize> = [
        "<OrganizationId>",
        "<ActionId>",
        "<SessionId",
        "<EnterpriseUrl>",
        "<PartnerUrl>",
        "<Notification>",
    ]
    .iter()
    .map(|tag| xml.find(tag).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{xml}");
    // SOAP datetimes end in Z.
    assert!(xml.contains("Z</sf:SystemModstamp>"), "{xml}");
    let log = eventually(WAIT, || async {
        let log = deliveries(&app).await;
        (!log.is_empty()).then_some(log)
    })
    .await;
    assert_eq!(log[0]["acked"], true);
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["record_ids"], json!([id]));
}

#[tokio::test]
async fn records_of_other_objects_and_deletes_send_nothing() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    let account = app.create("Account", json!({"Name": "Acme"})).await;
    app.delete(&format!("/sobjects/Account/{account}")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(listener.received().is_empty());
}

#[tokio::test]
async fn updates_through_every_api_queue_notifications() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    let id = app.create("Contact", json!({"LastName": "A"})).await;
    app.patch(&format!("/sobjects/Contact/{id}"), json!({"LastName": "B"}))
        .await;
    app.patch(
        "/sobjects/Contact/NetSuite_Id__c/9",
        json!({"LastName": "C"}),
    )
    .await;
    app.post(
        "/composite/sobjects",
        json!({"records": [{"attributes": {"type": "Contact"}, "LastName": "D"}]}),
    )
    .await;
    let all = eventually(WAIT, || async {
        let text = listener.received().join("\n");
        ["A", "B", "C", "D"]
            .iter()
            .all(|n| text.contains(&format!("<sf:LastName>{n}</sf:LastName>")))
            .then_some(text)
    })
    .await;
    assert!(all.contains(&id));
}

#[tokio::test]
async fn anything_but_ack_true_is_a_failure_and_is_redelivered_until_acknowledged() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![Reply::Status(500), Reply::Nack, Reply::Status(200)]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    app.create("Contact", json!({"LastName": "Retry"})).await;
    let log = eventually(WAIT, || async {
        let log = deliveries(&app).await;
        log.iter().any(|d| d["acked"] == true).then_some(log)
    })
    .await;
    // Newest first: three failures (500, Ack false, 200 without Ack), then the Ack.
    assert_eq!(log.len(), 4, "{log:#?}");
    assert_eq!(log[3]["status"], 500);
    assert_eq!(log[2]["acked"], false);
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[1]["acked"], false);
    assert_eq!(log[0]["acked"], true);
    assert_eq!(log[0]["attempt"], 4);
    // The same notification id every time: that is what a listener de-duplicates on.
    let ids: Vec<&Value> = log.iter().map(|d| &d["notification_ids"]).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    let pending: Value = app
        .admin(Method::GET, "/outbound/pending", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending, json!([]));
    let stats: Value = app
        .admin(Method::GET, "/stats", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["outbound"]["deliveries"], 4);
    assert_eq!(stats["outbound"]["acks"], 1);
}

#[tokio::test]
async fn an_unreachable_listener_is_retried_with_back_off() {
    let app = TestApp::start().await;
    add_rule(&app, "Contact", &["LastName"], "http://127.0.0.1:9/nowhere").await;
    app.create("Contact", json!({"LastName": "Lost"})).await;
    let log = eventually(WAIT, || async {
        let log = deliveries(&app).await;
        (log.len() >= 3).then_some(log)
    })
    .await;
    assert!(
        log.iter()
            .all(|d| d["acked"] == false && d["status"].is_null())
    );
    assert!(log[0]["error"].as_str().unwrap().contains("request failed"));
}

#[tokio::test]
async fn one_message_carries_at_most_the_configured_batch_of_notifications() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["outbound"]["max_batch"] = json!(2))
        .await;
    // Park deliveries behind a failing first answer so five notifications queue up.
    let listener = Listener::start(vec![Reply::Status(503)]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    let records: Vec<Value> = (0..5)
        .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("N{i}")}))
        .collect();
    app.post("/composite/sobjects", json!({"records": records}))
        .await;
    let log = eventually(WAIT, || async {
        let log = deliveries(&app).await;
        let acked: usize = log
            .iter()
            .filter(|d| d["acked"] == true)
            .map(|d| d["notification_ids"].as_array().unwrap().len())
            .sum();
        (acked == 5).then_some(log)
    })
    .await;
    assert!(
        log.iter()
            .all(|d| d["notification_ids"].as_array().unwrap().len() <= 2)
    );
    let first_xml = &listener.received()[0];
    assert_eq!(first_xml.matches("<Notification>").count(), 2);
}

#[tokio::test]
async fn duplicate_rate_one_delivers_every_acknowledged_message_twice() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["outbound"]["duplicate_rate"] = json!(1.0))
        .await;
    let listener = Listener::start(vec![]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    app.create("Contact", json!({"LastName": "Twice"})).await;
    let bodies = eventually(WAIT, || async {
        let got = listener.received();
        (got.len() >= 2).then_some(got)
    })
    .await;
    let id_of = |xml: &str| {
        let start = xml.find("<Notification><Id>").unwrap() + "<Notification><Id>".len();
        xml[start..start + 18].to_owned()
    };
    assert_eq!(id_of(&bodies[0]), id_of(&bodies[1]));
    // The delivery is logged once its answer is in, which can be after the listener has the
    // body: wait for the log too.
    eventually(WAIT, || async {
        let log = deliveries(&app).await;
        log.iter().any(|d| d["duplicate"] == true).then_some(())
    })
    .await;
}

#[tokio::test]
async fn extra_deliveries_send_every_notification_that_many_more_times() {
    let app = TestApp::start().await;
    app.update_settings(|s| {
        s["outbound"]["extra_deliveries"] = json!(2);
        s["outbound"]["reorder"] = json!(true);
    })
    .await;
    let listener = Listener::start(vec![]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    let records: Vec<Value> = (0..4)
        .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("T{i}")}))
        .collect();
    app.post("/composite/sobjects", json!({"records": records}))
        .await;
    let count = |xml: &[String]| {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for body in xml {
            for part in body.split("<Notification><Id>").skip(1) {
                *seen.entry(part[..18].to_owned()).or_default() += 1;
            }
        }
        seen
    };
    let seen = eventually(WAIT, || async {
        let seen = count(&listener.received());
        (seen.len() == 4 && seen.values().all(|n| *n >= 3)).then_some(seen)
    })
    .await;
    // Give a fourth copy time to show up if the simulator sent one too many.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(count(&listener.received()), seen);
    assert!(seen.values().all(|n| *n == 3), "{seen:?}");
}

#[tokio::test]
async fn reorder_delivers_queued_notifications_out_of_order() {
    let app = TestApp::start().await;
    app.update_settings(|s| {
        s["outbound"]["reorder"] = json!(true);
        s["outbound"]["max_batch"] = json!(1);
    })
    .await;
    let listener = Listener::start(vec![Reply::Status(503)]).await;
    add_rule(&app, "Contact", &["LastName"], &listener.url).await;
    let records: Vec<Value> = (0..8)
        .map(|i| json!({"attributes": {"type": "Contact"}, "LastName": format!("R{i}")}))
        .collect();
    app.post("/composite/sobjects", json!({"records": records}))
        .await;
    let bodies = eventually(WAIT, || async {
        let acked = deliveries(&app)
            .await
            .iter()
            .filter(|d| d["acked"] == true)
            .count();
        (acked == 8).then(|| listener.received())
    })
    .await;
    let order: Vec<String> = bodies
        .iter()
        .skip(1)
        .map(|xml| {
            let start = xml.find("<sf:LastName>").unwrap() + "<sf:LastName>".len();
            xml[start..start + 2].to_owned()
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_ne!(order, sorted, "expected a shuffled order");
}

#[tokio::test]
async fn rules_can_be_listed_and_removed_and_bad_rules_are_refused() {
    let app = TestApp::start().await;
    let rule = add_rule(&app, "Account", &["Name"], "http://127.0.0.1:1/x").await;
    assert_eq!(rule["fields"], json!(["Id", "Name"]));
    let rules: Value = app
        .admin(Method::GET, "/outbound/rules", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rules.as_array().unwrap().len(), 1);
    let res = app
        .admin(
            Method::DELETE,
            &format!("/outbound/rules/{}", rule["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for bad in [
        json!({"object": "Lead", "fields": [], "endpoint_url": "http://x"}),
        json!({"object": "Contact", "fields": ["Nope"], "endpoint_url": "http://x"}),
        json!({"object": "Contact", "fields": [], "endpoint_url": "ftp://x"}),
        json!({"object": "Contact"}),
    ] {
        let res = app
            .admin(Method::POST, "/outbound/rules", Some(bad.clone()))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn send_session_id_puts_a_usable_session_in_the_envelope() {
    let app = TestApp::start().await;
    let listener = Listener::start(vec![]).await;
    app.admin(
        Method::POST,
        "/outbound/rules",
        Some(json!({"object": "Contact", "fields": ["LastName"], "endpoint_url": listener.url, "send_session_id": true})),
    )
    .await;
    app.create("Contact", json!({"LastName": "S"})).await;
    let xml = eventually(WAIT, || async { listener.received().first().cloned() }).await;
    let start = xml.find("<SessionId>").unwrap() + "<SessionId>".len();
    let end = xml.find("</SessionId>").unwrap();
    let session = &xml[start..end];
    let res = app
        .http
        .get(app.api("/limits"))
        .bearer_auth(session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// `GET /__sandbox/outbound/acks?…` as JSON, with its status.
async fn acks(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let res = app
        .admin(Method::GET, &format!("/outbound/acks?{query}"), None)
        .await;
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn acknowledged_deliveries_are_summed_up_by_rule_and_time() {
    let app = TestApp::start().await;
    // The first contact delivery fails: a failed attempt is not an Ack.
    let contacts = Listener::start(vec![Reply::Status(500)]).await;
    let accounts = Listener::start(vec![]).await;
    let rule = add_rule(&app, "Contact", &["LastName"], &contacts.url).await;
    add_rule(&app, "Account", &["Name"], &accounts.url).await;
    for name in ["A", "B", "C"] {
        app.create("Contact", json!({"LastName": name})).await;
    }
    app.create("Account", json!({"Name": "Acme"})).await;

    let all = eventually(WAIT, || async {
        let (_, all) = acks(&app, "").await;
        (all["notifications"] == 4).then_some(all)
    })
    .await;
    let attempts = all["attempts"].as_u64().unwrap();
    assert!((2..=4).contains(&attempts), "{all}");
    assert_eq!(all["latency_ms"]["samples"], attempts, "{all}");
    assert!(all["first_at"].as_str().unwrap() <= all["last_at"].as_str().unwrap());
    let log = deliveries(&app).await;
    assert!(
        log.iter().any(|a| a["acked"] == false),
        "the 500 is logged: {log:?}"
    );

    let (status, contact_only) =
        acks(&app, &format!("rules={}", rule["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contact_only["notifications"], 3, "{contact_only}");

    let later = (chrono::Utc::now() + chrono::Duration::seconds(60))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (_, none) = acks(&app, &format!("since={later}")).await;
    assert_eq!(none["attempts"], 0, "{none}");
    assert_eq!(none["latency_ms"]["samples"], 0, "{none}");
    assert!(none["first_at"].is_null());

    let (status, body) = acks(&app, "since=soon").await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("bad_request"))
    );
    contacts.stop().await;
    accounts.stop().await;
}
