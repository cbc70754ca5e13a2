//! Salesforce authentication against the sandbox: both flows, the shared token cache, and
//! replaying once after an expired or revoked session.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ferry_connectors::ErrorKind;
use ferry_connectors::salesforce::{
    QueryOptions, QueryPage, SalesforceClient, SalesforceCredentials,
};
use futures_util::future::join_all;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use support::TestSandbox;

async fn contact_count(client: &SalesforceClient) -> u64 {
    let page: QueryPage<Value> = client
        .query_page("SELECT Id FROM Contact", QueryOptions::default())
        .await
        .unwrap();
    page.total_size
}

#[tokio::test]
async fn jwt_bearer_flow_gets_a_token_and_makes_data_calls() {
    let app = TestSandbox::seeded(1).await;
    let client = app.salesforce();
    client.authenticate().await.unwrap();
    assert!(contact_count(&client).await > 0);
}

#[tokio::test]
async fn refresh_token_flow_gets_a_token_and_makes_data_calls() {
    let app = TestSandbox::seeded(1).await;
    let client = SalesforceClient::new(app.salesforce_config(), app.refresh_credentials()).unwrap();
    assert!(contact_count(&client).await > 0);
}

#[tokio::test]
async fn the_token_is_fetched_once_and_shared_by_every_task() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let before = app.salesforce_token_requests().await;
    let calls = (0..6).map(|_| {
        let client = client.clone();
        async move { contact_count(&client).await }
    });
    join_all(calls).await;
    assert_eq!(app.salesforce_token_requests().await - before, 1);
}

#[tokio::test]
async fn a_revoked_session_is_renewed_once_and_the_request_replayed() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let id = client
        .create_record("Contact", &json!({"LastName": "Replay"}))
        .await
        .unwrap();
    app.sf_admin(Method::POST, "/__sandbox/tokens/revoke", Some(json!({})))
        .await;
    let before = app.salesforce_token_requests().await;

    // Several tasks hit the expired session at once; one token request serves them all.
    let reads = (0..4).map(|_| {
        let (client, id) = (client.clone(), id.clone());
        async move {
            client
                .get_record::<Value>("Contact", &id, Some(&["LastName"]))
                .await
        }
    });
    for read in join_all(reads).await {
        assert_eq!(read.unwrap()["LastName"], "Replay");
    }
    assert_eq!(app.salesforce_token_requests().await - before, 1);
}

#[tokio::test]
async fn an_expired_session_is_renewed_after_the_org_timeout() {
    let settings = ferry_sandbox::salesforce::SalesforceSettings {
        session_timeout_secs: 1,
        ..support::salesforce_settings()
    };
    let app = TestSandbox::start_with(settings, Default::default(), Some(1)).await;
    let client = app.salesforce();
    let first = contact_count(&client).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(contact_count(&client).await, first);
    assert_eq!(app.salesforce_token_requests().await, 2);
}

#[tokio::test]
async fn a_key_the_connected_app_does_not_trust_is_an_auth_error() {
    let app = TestSandbox::start().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    let wrong_key = app
        .sandbox
        .demo_credentials()
        .netsuite
        .ps256
        .private_key_pem;
    let credentials = SalesforceCredentials::JwtBearer {
        consumer_key: sf.consumer_key,
        username: sf.username,
        private_key_pem: SecretString::from(wrong_key),
    };
    let client = SalesforceClient::new(app.salesforce_config(), credentials).unwrap();
    let err = client.authenticate().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(err.code.as_deref(), Some("invalid_grant"));
    assert_eq!(err.status, Some(400));
}

#[tokio::test]
async fn an_unknown_consumer_key_is_an_auth_error() {
    let app = TestSandbox::start().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    let credentials = SalesforceCredentials::JwtBearer {
        consumer_key: "not-a-connected-app".into(),
        username: sf.username,
        private_key_pem: SecretString::from(sf.private_key_pem),
    };
    let client = SalesforceClient::new(app.salesforce_config(), credentials).unwrap();
    let err = client.authenticate().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(err.code.is_some());
}

#[tokio::test]
async fn a_revoked_refresh_token_is_an_auth_error_not_a_retry_loop() {
    let app = TestSandbox::start().await;
    let client = SalesforceClient::new(app.salesforce_config(), app.refresh_credentials()).unwrap();
    client.authenticate().await.unwrap();
    app.sf_admin(
        Method::POST,
        "/__sandbox/tokens/revoke",
        Some(json!({"include_refresh_tokens": true})),
    )
    .await;
    let before = app.salesforce_token_requests().await;
    let err = client
        .query_page::<Value>("SELECT Id FROM Contact", QueryOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(app.salesforce_token_requests().await - before, 1);
}

#[tokio::test]
async fn a_rotated_refresh_token_is_kept_for_the_next_refresh() {
    let app = TestSandbox::start().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    app.sf_admin(
        Method::POST,
        "/__sandbox/clients",
        Some(json!({
            "consumer_key": "rotating-app",
            "consumer_secret": "rotating-secret",
            "usernames": [sf.username],
            "rotate_refresh_tokens": true,
        })),
    )
    .await;
    let granted = app
        .sf_admin(
            Method::POST,
            "/__sandbox/refresh-tokens",
            Some(json!({"consumer_key": "rotating-app", "username": sf.username})),
        )
        .await;
    let original = granted["refresh_token"].as_str().unwrap().to_string();
    let credentials = SalesforceCredentials::RefreshToken {
        client_id: "rotating-app".into(),
        client_secret: Some(SecretString::from("rotating-secret")),
        refresh_token: SecretString::from(original.clone()),
    };
    let client = SalesforceClient::new(app.salesforce_config(), credentials).unwrap();
    client.authenticate().await.unwrap();
    let rotated = client.current_refresh_token().unwrap();
    use secrecy::ExposeSecret;
    assert_ne!(rotated.expose_secret(), original);

    // The old refresh token is dead now; the next renewal must use the rotated one.
    app.sf_admin(Method::POST, "/__sandbox/tokens/revoke", Some(json!({})))
        .await;
    assert_eq!(contact_count(&client).await, 0);
}
