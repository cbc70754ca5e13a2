//! Secrets never show: not in `Debug` output of credentials, clients or errors, and not in any
//! log line written while every auth flow runs, succeeds and fails.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ferry_connectors::netsuite::{AssertionAlgorithm, NetsuiteClient};
use ferry_connectors::salesforce::{QueryOptions, SalesforceClient};
use reqwest::Method;
use serde_json::{Value, json};
use support::{LogCapture, TestSandbox};

/// Every secret of the demo credentials, and a distinctive line of each private key.
fn secrets(app: &TestSandbox) -> Vec<String> {
    let creds = app.sandbox.demo_credentials();
    let key_line = |pem: &str| pem.lines().nth(2).unwrap().to_string();
    vec![
        key_line(&creds.salesforce.private_key_pem),
        creds.salesforce.consumer_secret,
        creds.salesforce.refresh_token,
        key_line(&creds.netsuite.ps256.private_key_pem),
        key_line(&creds.netsuite.es256.private_key_pem),
        creds.netsuite.tba.consumer_secret,
        creds.netsuite.tba.token_secret,
        creds.netsuite.tba.token_id,
        creds.netsuite.tba.consumer_key,
    ]
}

fn assert_no_secret(text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into:\n{text}"
        );
    }
    // `JwtBearer` is the name of a credentials kind, not a header.
    let text = text.replace("JwtBearer", "");
    for marker in ["Bearer ", "oauth_signature", "BEGIN PRIVATE KEY"] {
        assert!(!text.contains(marker), "{marker:?} leaked into:\n{text}");
    }
}

#[tokio::test]
async fn credentials_clients_and_errors_show_no_secret_in_debug_output() {
    let app = TestSandbox::start().await;
    let secrets = secrets(&app);
    let shown = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        app.jwt_credentials(),
        app.refresh_credentials(),
        app.m2m_credentials(AssertionAlgorithm::Es256),
        app.tba_credentials(),
        app.salesforce(),
        NetsuiteClient::new(app.netsuite_config(), app.tba_credentials()).unwrap(),
    );
    assert!(shown.contains("consumer_key"), "{shown}");
    assert_no_secret(&shown, &secrets);

    let err = app.salesforce().describe("Nothing").await.unwrap_err();
    assert_no_secret(&format!("{err:?} {err}"), &secrets);
}

#[tokio::test]
async fn no_secret_reaches_the_logs_in_any_auth_flow() {
    let app = TestSandbox::seeded(2).await;
    let secrets = secrets(&app);
    let (logs, _guard) = LogCapture::start();

    let jwt = app.salesforce();
    let refresh =
        SalesforceClient::new(app.salesforce_config(), app.refresh_credentials()).unwrap();
    for client in [&jwt, &refresh] {
        client
            .query_page::<Value>("SELECT Id FROM Contact", QueryOptions::default())
            .await
            .unwrap();
    }
    // Renewal after revocation, and a failing call.
    app.sf_admin(Method::POST, "/__sandbox/tokens/revoke", Some(json!({})))
        .await;
    jwt.describe("Contact").await.unwrap();
    jwt.describe("Nothing").await.unwrap_err();

    for ns in [
        app.netsuite(),
        NetsuiteClient::new(
            app.netsuite_config(),
            app.m2m_credentials(AssertionAlgorithm::Es256),
        )
        .unwrap(),
        NetsuiteClient::new(app.netsuite_config(), app.tba_credentials()).unwrap(),
    ] {
        ns.governance_limits().await.unwrap();
        ns.get_record::<Value>("contact", "999999", None)
            .await
            .unwrap_err();
    }
    app.ns_admin(
        Method::POST,
        "/__sandbox/revoke",
        Some(json!({"all_access_tokens": true})),
    )
    .await;
    app.netsuite().governance_limits().await.unwrap();

    let text = logs.text();
    assert!(
        text.contains("Salesforce token obtained"),
        "logs were captured:\n{text}"
    );
    assert!(
        text.contains("NetSuite answered"),
        "logs were captured:\n{text}"
    );
    assert_no_secret(&text, &secrets);
}
