//! Every error shape the Salesforce sandbox produces, classified.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use ferry_connectors::salesforce::{QueryOptions, SalesforceClient};
use ferry_connectors::{ConnectorError, ErrorKind};
use reqwest::Method;
use serde_json::{Value, json};
use support::TestSandbox;

const CONTACTS: &str = "/services/data/*/sobjects/Contact*";

async fn create(client: &SalesforceClient, body: Value) -> ConnectorError {
    client.create_record("Contact", &body).await.unwrap_err()
}

async fn faulted_create(kind: &str) -> ConnectorError {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    client.authenticate().await.unwrap();
    app.salesforce_fault(CONTACTS, kind, Some(1)).await;
    let err = create(&client, json!({"LastName": "Faulted"})).await;
    // The fault was for one request only: the same call now goes through.
    client
        .create_record("Contact", &json!({"LastName": "Faulted"}))
        .await
        .unwrap();
    err
}

#[tokio::test]
async fn server_errors_and_unavailability_are_transient() {
    let err = faulted_create("server_error").await;
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, Some(500)));
    assert_eq!(err.code.as_deref(), Some("UNKNOWN_EXCEPTION"));
    let err = faulted_create("unavailable").await;
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, Some(503)));
}

#[tokio::test]
async fn row_lock_contention_is_transient() {
    let err = faulted_create("lock_row").await;
    assert_eq!(err.kind, ErrorKind::Transient);
    assert_eq!(err.code.as_deref(), Some("UNABLE_TO_LOCK_ROW"));
}

#[tokio::test]
async fn too_many_requests_is_rate_limited() {
    let err = faulted_create("rate_limited").await;
    assert_eq!((err.kind, err.status), (ErrorKind::RateLimited, Some(429)));
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
        .salesforce_config()
        .with_timeout(Duration::from_millis(500));
    let client = SalesforceClient::new(config, app.jwt_credentials()).unwrap();
    client.authenticate().await.unwrap();
    app.salesforce_fault(CONTACTS, "timeout", Some(1)).await;
    let err = create(&client, json!({"LastName": "Slow"})).await;
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, None));
    assert_eq!(err.message, "the request timed out");
}

#[tokio::test]
async fn the_exhausted_daily_api_limit_is_rate_limited() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    client.authenticate().await.unwrap();
    app.sf_admin(
        Method::PUT,
        "/__sandbox/usage",
        Some(json!({"used": 100_000})),
    )
    .await;
    let err = client.describe("Contact").await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::RateLimited, Some(403)));
    assert_eq!(err.code.as_deref(), Some("REQUEST_LIMIT_EXCEEDED"));
}

#[tokio::test]
async fn record_data_errors_are_validation_errors_with_their_code_and_fields() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();

    let err = create(&client, json!({"FirstName": "No last name"})).await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("REQUIRED_FIELD_MISSING"))
    );
    assert_eq!(err.fields, vec!["LastName".to_string()]);

    let err = create(&client, json!({"LastName": "X", "Email": "nope"})).await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("INVALID_EMAIL_ADDRESS"))
    );

    let err = create(
        &client,
        json!({"LastName": "X", "Id": "003000000000000AAA"}),
    )
    .await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("INVALID_FIELD"))
    );

    let err = create(&client, json!({"LastName": "x".repeat(81)})).await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("STRING_TOO_LONG"))
    );

    client
        .create_record("Contact", &json!({"LastName": "A", "NetSuite_Id__c": "77"}))
        .await
        .unwrap();
    let err = create(&client, json!({"LastName": "B", "NetSuite_Id__c": "77"})).await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("DUPLICATE_VALUE"))
    );
    assert_eq!(err.status, Some(400));
}

#[tokio::test]
async fn unknown_or_read_only_fields_in_a_mapping_are_config_errors() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let err = create(&client, json!({"LastName": "X", "Shoe_Size__c": 42})).await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Config, Some("INVALID_FIELD"))
    );
    let err = create(
        &client,
        json!({"LastName": "X", "CreatedDate": "2026-01-01T00:00:00.000+0000"}),
    )
    .await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Config, Some("INVALID_FIELD_FOR_INSERT_UPDATE"))
    );
}

#[tokio::test]
async fn bad_queries_are_config_errors_that_keep_salesforce_s_message() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let err = client
        .query_page::<Value>("SELEC Id FROM Contact", QueryOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Config, Some("MALFORMED_QUERY"))
    );
    assert!(err.message.contains("ERROR at Row"), "{}", err.message);
    let err = client
        .query_page::<Value>("SELECT Shoe_Size__c FROM Contact", QueryOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Config, Some("INVALID_FIELD"))
    );
}

#[tokio::test]
async fn unknown_records_and_non_external_id_fields_are_not_found() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let err = client
        .get_record::<Value>("Contact", "003000000000001AAA", None)
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::NotFound, Some(404)));
    let err = client
        .upsert_by_external_id(
            "Contact",
            "Email",
            "a@example.com",
            &json!({"LastName": "X"}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::NotFound, Some("NOT_FOUND"))
    );
}

#[tokio::test]
async fn an_upsert_matching_several_records_is_a_validation_error() {
    let settings = ferry_sandbox::salesforce::SalesforceSettings {
        unique_external_id: false,
        ..support::salesforce_settings()
    };
    let app = TestSandbox::start_with(settings, Default::default(), None).await;
    let client = app.salesforce();
    for name in ["Twin A", "Twin B"] {
        client
            .create_record(
                "Contact",
                &json!({"LastName": name, "NetSuite_Id__c": "dup"}),
            )
            .await
            .unwrap();
    }
    let err = client
        .upsert_by_external_id(
            "Contact",
            "NetSuite_Id__c",
            "dup",
            &json!({"FirstName": "X"}),
        )
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Validation, Some(300)));
}

#[tokio::test]
async fn an_unreachable_org_is_transient() {
    let app = TestSandbox::start().await;
    let config = ferry_connectors::salesforce::SalesforceConfig::new("http://127.0.0.1:9")
        .unwrap()
        .with_timeout(Duration::from_secs(2));
    let client = SalesforceClient::new(config, app.jwt_credentials()).unwrap();
    let err = client.authenticate().await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Transient, None));
}

#[tokio::test]
async fn bad_references_in_record_data_are_validation_errors() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let err = create(&client, json!({"LastName": "X", "AccountId": "not-an-id"})).await;
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Validation, Some("MALFORMED_ID"))
    );
    let err = create(
        &client,
        json!({"LastName": "X", "AccountId": "001000000000000AAA"}),
    )
    .await;
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.code.as_deref(), Some("INVALID_CROSS_REFERENCE_KEY"));
}

#[tokio::test]
async fn an_unknown_object_in_a_query_is_a_config_error() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let err = client
        .query_page::<Value>("SELECT Id FROM Spaceship__c", QueryOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Config, Some("INVALID_TYPE"))
    );
}

#[tokio::test]
async fn an_unknown_query_locator_is_not_found() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let err = client
        .query_more::<Value>("/services/data/v67.0/query/01gXX0000000000AAA-2000")
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::NotFound, Some("INVALID_QUERY_LOCATOR"))
    );
}

#[tokio::test]
async fn a_session_refused_even_after_renewal_is_an_auth_error() {
    let settings = ferry_sandbox::salesforce::SalesforceSettings {
        session_timeout_secs: 0,
        ..support::salesforce_settings()
    };
    let app = TestSandbox::start_with(settings, Default::default(), None).await;
    let client = app.salesforce();
    let err = client.describe("Contact").await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Auth, Some(401)));
    assert_eq!(err.code.as_deref(), Some("INVALID_SESSION_ID"));
    // One token for the first attempt, one for the single replay: no loop.
    assert_eq!(app.salesforce_token_requests().await, 2);
}
