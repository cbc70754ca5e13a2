//! NetSuite authentication against the sandbox: client credentials with PS256 and ES256
//! assertions, token-based authentication, the token cache, and INVALID_LOGIN handling.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use ferry_connectors::ErrorKind;
use ferry_connectors::netsuite::{
    AssertionAlgorithm, NetsuiteClient, NetsuiteCredentials, SemaphoreGate,
};
use futures_util::future::join_all;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use support::TestSandbox;

async fn round_trip(client: &NetsuiteClient) {
    let id = client
        .create_record(
            "contact",
            &json!({"firstName": "Ada", "lastName": "Lovelace"}),
        )
        .await
        .unwrap();
    let record: Value = client.get_record("contact", &id, None).await.unwrap();
    assert_eq!(record["lastName"], "Lovelace");
    assert_eq!(record["id"], id);
}

#[tokio::test]
async fn client_credentials_with_a_ps256_assertion_work() {
    let app = TestSandbox::start().await;
    let client = NetsuiteClient::new(
        app.netsuite_config(),
        app.m2m_credentials(AssertionAlgorithm::Ps256),
    )
    .unwrap();
    round_trip(&client).await;
}

#[tokio::test]
async fn client_credentials_with_an_es256_assertion_work() {
    let app = TestSandbox::start().await;
    let client = NetsuiteClient::new(
        app.netsuite_config(),
        app.m2m_credentials(AssertionAlgorithm::Es256),
    )
    .unwrap();
    round_trip(&client).await;
}

#[tokio::test]
async fn token_based_authentication_signs_every_request() {
    let app = TestSandbox::start().await;
    let client = NetsuiteClient::new(app.netsuite_config(), app.tba_credentials()).unwrap();
    round_trip(&client).await;
    // Query parameters are part of the signature: a signature without them would be a 401.
    let err = client
        .get_record_by_external_id::<Value>("contact", "missing", Some(&["lastName"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let page = client
        .suiteql_page::<Value>("SELECT id FROM contact", 10, 0)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn the_token_is_cached_across_calls_and_tasks() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    let calls = (0..4).map(|_| {
        let client = client.clone();
        async move { client.governance_limits().await.unwrap() }
    });
    join_all(calls).await;
    client.governance_limits().await.unwrap();
    assert_eq!(app.netsuite_token_requests().await, 1);
}

#[tokio::test]
async fn a_token_is_replaced_before_it_expires() {
    let netsuite = ferry_sandbox::netsuite::NetsuiteSettings {
        token_lifetime_secs: 1,
        ..Default::default()
    };
    let app = TestSandbox::start_with(support::salesforce_settings(), netsuite, None).await;
    let client = app.netsuite();
    client.governance_limits().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    client.governance_limits().await.unwrap();
    assert_eq!(app.netsuite_token_requests().await, 2);
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once_and_the_request_replayed() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    client.governance_limits().await.unwrap();
    app.ns_admin(
        Method::POST,
        "/__sandbox/revoke",
        Some(json!({"all_access_tokens": true})),
    )
    .await;
    let limits = client.governance_limits().await.unwrap();
    assert_eq!(limits.account_concurrency_limit, Some(5));
    assert_eq!(app.netsuite_token_requests().await, 2);
}

#[tokio::test]
async fn an_unknown_certificate_is_an_auth_error() {
    let app = TestSandbox::start().await;
    let creds = app.sandbox.demo_credentials().netsuite;
    let credentials = NetsuiteCredentials::client_credentials(
        creds.client_id,
        "not-a-certificate",
        AssertionAlgorithm::Ps256,
        SecretString::from(creds.ps256.private_key_pem),
    );
    let client = NetsuiteClient::new(app.netsuite_config(), credentials).unwrap();
    let err = client.authenticate().await.unwrap_err();
    assert_eq!(
        (err.kind, err.code.as_deref()),
        (ErrorKind::Auth, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_key_that_does_not_match_the_certificate_is_an_auth_error() {
    let app = TestSandbox::start().await;
    let creds = app.sandbox.demo_credentials().netsuite;
    let other_rsa_key = app.sandbox.demo_credentials().salesforce.private_key_pem;
    let credentials = NetsuiteCredentials::client_credentials(
        creds.client_id,
        creds.ps256.certificate_id,
        AssertionAlgorithm::Ps256,
        SecretString::from(other_rsa_key),
    );
    let client = NetsuiteClient::new(app.netsuite_config(), credentials).unwrap();
    let err = client.governance_limits().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
}

#[tokio::test]
async fn wrong_tba_secrets_are_an_auth_error() {
    let app = TestSandbox::start().await;
    let tba = app.sandbox.demo_credentials().netsuite.tba;
    let credentials = NetsuiteCredentials::Tba {
        consumer_key: SecretString::from(tba.consumer_key),
        consumer_secret: SecretString::from(tba.consumer_secret),
        token_id: SecretString::from(tba.token_id),
        token_secret: SecretString::from("wrong".to_string()),
    };
    let client = NetsuiteClient::new(app.netsuite_config(), credentials).unwrap();
    let err = client.governance_limits().await.unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::Auth, Some(401)));
    assert_eq!(err.code.as_deref(), Some("INVALID_LOGIN"));
}

/// Many concurrent calls against an account whose limit is 1, in the quirk mode where
/// NetSuite refuses the excess with 401 INVALID_LOGIN instead of 429.
async fn overload_with_quirk(
    app: &TestSandbox,
    client: &NetsuiteClient,
) -> Vec<ferry_connectors::ConnectorError> {
    app.netsuite_settings(
        json!({"quirk_mode": true, "concurrency_limit": 1, "governance_latency_ms": 500}),
    )
    .await;
    let calls = (0..4).map(|_| {
        let client = client.clone();
        async move { client.governance_limits().await }
    });
    join_all(calls)
        .await
        .into_iter()
        .filter_map(Result::err)
        .collect()
}

#[tokio::test]
async fn invalid_login_under_load_for_a_fresh_token_of_a_proven_connection_is_rate_limiting() {
    let app = TestSandbox::start().await;
    let client = app.netsuite_gated(Arc::new(SemaphoreGate::new(4)));
    client.governance_limits().await.unwrap();
    let errors = overload_with_quirk(&app, &client).await;
    assert!(!errors.is_empty(), "the overload must show");
    for err in errors {
        assert_eq!(
            (err.kind, err.status),
            (ErrorKind::RateLimited, Some(401)),
            "{err}"
        );
    }
}

#[tokio::test]
async fn invalid_login_under_load_for_proven_tba_credentials_is_rate_limiting() {
    let app = TestSandbox::start().await;
    let gate = Arc::new(SemaphoreGate::new(4));
    let client =
        NetsuiteClient::with_gate(app.netsuite_config(), app.tba_credentials(), gate).unwrap();
    client.governance_limits().await.unwrap();
    let errors = overload_with_quirk(&app, &client).await;
    assert!(!errors.is_empty(), "the overload must show");
    for err in errors {
        assert_eq!(err.kind, ErrorKind::RateLimited, "{err}");
    }
}

#[tokio::test]
async fn invalid_login_on_a_connection_never_accepted_is_an_auth_error() {
    let app = TestSandbox::start().await;
    let client = app.netsuite_gated(Arc::new(SemaphoreGate::new(4)));
    client.authenticate().await.unwrap();
    // Every data call is refused even with a fresh token: without an accepted call yet, this
    // may be a role without REST permission, which waiting would never fix.
    let errors = overload_with_quirk(&app, &client).await;
    assert!(!errors.is_empty(), "the overload must show");
    for err in errors {
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::Auth, Some("INVALID_LOGIN")),
            "{err}"
        );
    }
}
