//! Every error shape the NetSuite sandbox produces, classified, and the concurrency gate.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use ferry_connectors::netsuite::{NetsuiteClient, SemaphoreGate};
use ferry_connectors::{ConnectorError, ErrorKind};
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use support::TestSandbox;

const CONTACTS: &str = "/services/rest/record/v1/contact*";

async fn faulted_create(kind: &str) -> ConnectorError {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    app.netsuite_fault(CONTACTS, kind, Some(1)).await;
    let err = client
        .create_record("contact", &json!({"lastName": "Faulted"}))
        .await
        .unwrap_err();
    client
        .create_record("contact", &json!({"lastName": "Faulted"}))
        .await
        .unwrap();
    err
}

#[tokio::test]
async fn server_errors_and_unavailability_are_transient() {
    let err = faulted_create("server_error").await;
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, Some(500)));
    assert_eq!(err.code.as_deref(), Some("UNEXPECTED_ERROR"));
    let err = faulted_create("unavailable").await;
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, Some(503)));
}

#[tokio::test]
async fn a_record_changed_meanwhile_is_transient() {
    let err = faulted_create("lock_row").await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Transient, Some("RCRD_HAS_BEEN_CHANGED"))
    );
}

#[tokio::test]
async fn a_dropped_connection_is_transient() {
    let err = faulted_create("dropped_connection").await;
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, None));
}

#[tokio::test]
async fn a_request_that_outlives_the_timeout_is_transient() {
    let app = TestSandbox::start().await;
    let config = app
        .netsuite_config()
        .with_timeout(Duration::from_millis(500));
    let client = NetsuiteClient::new(config, app.tba_credentials()).unwrap();
    app.netsuite_fault(CONTACTS, "timeout", Some(1)).await;
    let err = client
        .create_record("contact", &json!({"lastName": "Slow"}))
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, None));
}

#[tokio::test]
async fn a_429_is_rate_limited_and_shrinks_the_gate_for_a_while() {
    let app = TestSandbox::start().await;
    let gate = Arc::new(SemaphoreGate::new(3).with_cooldown(Duration::from_millis(300)));
    let client = app.netsuite_gated(gate.clone());
    client.authenticate().await.unwrap();
    app.netsuite_fault(CONTACTS, "rate_limited", Some(1)).await;
    let err = client
        .create_record("contact", &json!({"lastName": "Busy"}))
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::RateLimited, Some(429)));
    assert_eq!(err.code.as_deref(), Some("CONCURRENCY_LIMIT_EXCEEDED"));
    assert_eq!(gate.effective_limit(), 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(gate.effective_limit(), 3);
}

#[tokio::test]
async fn record_data_errors_are_validation_errors_with_their_path() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    let err = client
        .create_record("contact", &json!({"title": "Nameless"}))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("USER_ERROR"))
    );
    assert!(!err.fields.is_empty());

    let err = client
        .create_record(
            "contact",
            &json!({"lastName": "X", "company": {"id": "999999"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("INVALID_CONTENT"))
    );
    assert_eq!(err.fields, vec!["company".to_string()]);

    client
        .create_record("contact", &json!({"lastName": "A", "externalId": "dup"}))
        .await
        .unwrap();
    let err = client
        .create_record("contact", &json!({"lastName": "B", "externalId": "dup"}))
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Validation, Some(400)));
}

#[tokio::test]
async fn unknown_internal_and_external_ids_are_not_found() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    let err = client
        .get_record::<Value>("contact", "999999", None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::NotFound, Some("NONEXISTENT_ID"))
    );
    let err = client
        .patch_record("contact", "999999", &json!({"title": "X"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn bad_queries_and_unknown_record_types_are_config_errors() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    let err = client
        .suiteql_page::<Value>("SELECT nope FROM contact", 10, 0)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Config, Some("INVALID_PARAMETER"))
    );
    assert!(
        err.message.starts_with("Invalid search query"),
        "{}",
        err.message
    );

    let err = client
        .create_record("spaceship", &json!({"name": "X"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);

    let err = client
        .suiteql_page::<Value>("SELECT id FROM contact", 5000, 0)
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Config, None));
}

#[tokio::test]
async fn requests_beyond_the_gate_wait_instead_of_being_rejected() {
    let app = TestSandbox::start().await;
    app.netsuite_settings(json!({"concurrency_limit": 2, "governance_latency_ms": 100}))
        .await;
    let client = app.netsuite_gated(Arc::new(SemaphoreGate::new(2)));
    client.authenticate().await.unwrap();
    let calls = (0..8).map(|_| {
        let client = client.clone();
        async move { client.governance_limits().await }
    });
    for result in join_all(calls).await {
        result.unwrap();
    }
    let governance = app
        .ns_admin(Method::GET, "/__sandbox/governance", None)
        .await;
    assert_eq!(governance["rejected_over_limit"], 0, "{governance}");
    assert_eq!(governance["max_concurrency_seen"], 2, "{governance}");
}
