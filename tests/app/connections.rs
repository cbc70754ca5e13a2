//! Connections: a tenant admin connects the in-process sandbox's Salesforce and NetSuite with
//! every supported auth kind, tests them, and secrets stay encrypted and write-only.

use ferry_domain::entities::{audit_entry, connection};
use sea_orm::EntityTrait;

use crate::helpers::{TestApp, TestClient, netsuite_tba_form, salesforce_form, state_in};
use crate::roles::join_as;

async fn setup() -> (TestApp, TestClient, String) {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let id = owner.first_integration_id().await;
    (app, owner, id)
}

fn assert_saved(resp: &reqwest::Response) {
    assert_eq!(resp.status(), 303, "save failed");
}

#[tokio::test]
async fn admin_connects_salesforce_with_jwt_bearer_and_sees_connected() {
    let (app, owner, id) = setup().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    let resp = owner
        .save_connection(
            &id,
            "salesforce",
            &[
                ("auth_kind", "jwt_bearer"),
                ("login_url", &sf.login_url),
                ("instance_url", &sf.instance_url),
                ("consumer_key", &sf.consumer_key),
                ("username", &sf.username),
                ("private_key_pem", &sf.private_key_pem),
            ],
        )
        .await;
    assert_saved(&resp);
    assert_eq!(
        owner.connection_state(&id, "salesforce").await,
        "Not tested"
    );
    let html = owner.test_connection(&id, "salesforce").await;
    assert_eq!(state_in(&html), "Connected");
    assert!(html.contains("Salesforce answered the test"));
    // The home tile shows the same state.
    let home = owner.home_html().await;
    assert!(home.contains("Connected"));
    let list = owner
        .get_html(&format!("/integrations/{id}/connections"))
        .await;
    assert!(list.contains("OAuth 2.0 JWT bearer"));
}

#[tokio::test]
async fn admin_connects_salesforce_with_a_refresh_token() {
    let (app, owner, id) = setup().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    let resp = owner
        .save_connection(&id, "salesforce", &salesforce_form(&sf))
        .await;
    assert_saved(&resp);
    let html = owner.test_connection(&id, "salesforce").await;
    assert_eq!(state_in(&html), "Connected", "{html}");
}

#[tokio::test]
async fn admin_connects_netsuite_with_client_credentials_ps256_and_es256() {
    let (app, owner, id) = setup().await;
    let ns = app.sandbox.demo_credentials().netsuite;
    for key in [&ns.ps256, &ns.es256] {
        let resp = owner
            .save_connection(
                &id,
                "netsuite",
                &[
                    ("auth_kind", "client_credentials"),
                    ("account_id", &ns.account_id),
                    ("base_url", &ns.base_url),
                    ("client_id", &ns.client_id),
                    ("certificate_id", &key.certificate_id),
                    ("algorithm", &key.algorithm),
                    ("private_key_pem", &key.private_key_pem),
                ],
            )
            .await;
        assert_saved(&resp);
        let html = owner.test_connection(&id, "netsuite").await;
        assert_eq!(state_in(&html), "Connected", "{}: {html}", key.algorithm);
    }
}

#[tokio::test]
async fn admin_connects_netsuite_with_token_based_authentication() {
    let (app, owner, id) = setup().await;
    let ns = app.sandbox.demo_credentials().netsuite;
    let resp = owner
        .save_connection(&id, "netsuite", &netsuite_tba_form(&ns))
        .await;
    assert_saved(&resp);
    let html = owner.test_connection(&id, "netsuite").await;
    assert_eq!(state_in(&html), "Connected", "{html}");
}

#[tokio::test]
async fn wrong_keys_show_a_clear_error_and_the_connection_is_broken() {
    let (app, owner, id) = setup().await;
    let demo = app.sandbox.demo_credentials();
    // A valid RSA key, but not the one registered with the connected app.
    let resp = owner
        .save_connection(
            &id,
            "salesforce",
            &[
                ("auth_kind", "jwt_bearer"),
                ("login_url", &demo.salesforce.login_url),
                ("consumer_key", &demo.salesforce.consumer_key),
                ("username", &demo.salesforce.username),
                ("private_key_pem", &demo.netsuite.ps256.private_key_pem),
            ],
        )
        .await;
    assert_saved(&resp);
    let html = owner.test_connection(&id, "salesforce").await;
    assert_eq!(state_in(&html), "Broken");
    assert!(
        html.contains("Salesforce refused the credentials"),
        "{html}"
    );
    // NetSuite TBA with a wrong token secret.
    let mut form = netsuite_tba_form(&demo.netsuite);
    for field in &mut form {
        if field.0 == "token_secret" {
            field.1 = "not-the-secret";
        }
    }
    let resp = owner.save_connection(&id, "netsuite", &form).await;
    assert_saved(&resp);
    let html = owner.test_connection(&id, "netsuite").await;
    assert_eq!(state_in(&html), "Broken");
    assert!(html.contains("NetSuite"), "{html}");
    let list = owner
        .get_html(&format!("/integrations/{id}/connections"))
        .await;
    assert_eq!(list.matches("Broken").count(), 2);
    let home = owner.home_html().await;
    assert!(home.contains("Broken"));
}

#[tokio::test]
async fn invalid_input_is_reported_by_field() {
    let (_app, owner, id) = setup().await;
    let resp = owner
        .save_connection(
            &id,
            "netsuite",
            &[
                ("auth_kind", "client_credentials"),
                ("account_id", "evil.example/"),
                ("algorithm", "RS256"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Choose PS256 or ES256."));
    assert!(html.contains("Enter the client id."));
    // Valid settings but no key yet: the key is asked for.
    let resp = owner
        .save_connection(
            &id,
            "netsuite",
            &[
                ("auth_kind", "client_credentials"),
                ("account_id", "1234567"),
                ("client_id", "abc"),
                ("certificate_id", "cert"),
                ("algorithm", "ES256"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Paste the private key."));
    assert!(
        html.contains("value=\"1234567\""),
        "entered values are kept"
    );
}

#[tokio::test]
async fn secrets_are_encrypted_at_rest_and_never_rendered_back() {
    let (app, owner, id) = setup().await;
    let demo = app.sandbox.demo_credentials();
    let ns = &demo.netsuite;
    owner
        .save_connection(&id, "netsuite", &netsuite_tba_form(ns))
        .await;
    let sf = &demo.salesforce;
    owner
        .save_connection(&id, "salesforce", &salesforce_form(sf))
        .await;
    let secrets = [
        ns.tba.consumer_key.as_str(),
        &ns.tba.consumer_secret,
        &ns.tba.token_id,
        &ns.tba.token_secret,
        &sf.consumer_secret,
        &sf.refresh_token,
    ];
    let rows = connection::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let blob = row.secrets_ciphertext.clone().expect("secrets stored");
        let settings = row.settings.to_string();
        assert!(row.key_id.as_deref().is_some_and(|k| k.len() == 16));
        for secret in secrets {
            let raw = secret.as_bytes();
            assert!(!blob.windows(raw.len()).any(|w| w == raw));
            assert!(!settings.contains(secret));
        }
    }
    for system in ["salesforce", "netsuite"] {
        let html = owner
            .get_html(&TestClient::connection_path(&id, system))
            .await;
        for secret in secrets {
            assert!(!html.contains(secret), "{system} page shows a secret");
        }
        assert!(html.contains("leave blank to keep"));
    }
    let api_token = owner.create_token("read", "viewer").await;
    let body = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/integrations/{id}/connections")))
        .bearer_auth(api_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for secret in secrets {
        assert!(!body.contains(secret), "the API returned a secret");
    }
}

#[tokio::test]
async fn a_blank_secret_on_edit_keeps_the_stored_one() {
    let (app, owner, id) = setup().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    let fields = |pem: &str| -> Vec<(String, String)> {
        vec![
            ("auth_kind".into(), "jwt_bearer".into()),
            ("login_url".into(), sf.login_url.clone()),
            ("consumer_key".into(), sf.consumer_key.clone()),
            ("username".into(), sf.username.clone()),
            ("private_key_pem".into(), pem.into()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let owner = &owner;
        let id = id.clone();
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            owner.save_connection(&id, "salesforce", &pairs).await
        }
    };
    assert_saved(&post(fields(&sf.private_key_pem)).await);
    let before = connection::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    // Edit: change nothing secret, leave the key blank.
    assert_saved(&post(fields("")).await);
    let after = connection::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        before.secrets_ciphertext, after.secrets_ciphertext,
        "re-encrypted"
    );
    let html = owner.test_connection(&id, "salesforce").await;
    assert_eq!(state_in(&html), "Connected", "{html}");
}

#[tokio::test]
async fn use_the_sandbox_fills_both_connections_and_they_test_ok() {
    let (_app, owner, id) = setup().await;
    for system in ["salesforce", "netsuite"] {
        let path = TestClient::connection_path(&id, system);
        let resp = owner.post_form(&format!("{path}/sandbox"), &[]).await;
        assert_eq!(resp.status(), 303);
        let html = owner.test_connection(&id, system).await;
        assert_eq!(state_in(&html), "Connected", "{system}: {html}");
    }
}

#[tokio::test]
async fn a_viewer_sees_the_state_but_cannot_edit_or_test() {
    let (app, owner, id) = setup().await;
    owner
        .post_form(
            &format!("{}/sandbox", TestClient::connection_path(&id, "salesforce")),
            &[],
        )
        .await;
    let (viewer, _) = join_as(&app, &owner, "viewer").await;
    let html = viewer
        .get_html(&TestClient::connection_path(&id, "salesforce"))
        .await;
    assert_eq!(state_in(&html), "Not tested");
    assert!(!html.contains("Test connection</button>"));
    assert!(!html.contains("name=\"private_key_pem\""));
    let resp = viewer
        .save_connection(&id, "salesforce", &[("auth_kind", "jwt_bearer")])
        .await;
    assert_eq!(resp.status(), 403);
    let path = TestClient::connection_path(&id, "salesforce");
    let resp = viewer.post_form(&format!("{path}/test"), &[]).await;
    assert_eq!(resp.status(), 403);
    viewer
        .get_html(&format!("/integrations/{id}/connections"))
        .await;
}

#[tokio::test]
async fn another_tenants_integration_is_not_found() {
    let (app, owner_b, id_b) = setup().await;
    let owner_a = app.owner("Other").await;
    let path = TestClient::connection_path(&id_b, "salesforce");
    assert_eq!(owner_a.get(&path).await.status(), 404);
    let resp = owner_a.post_form(&format!("{path}/sandbox"), &[]).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        owner_b.connection_state(&id_b, "salesforce").await,
        "Not connected"
    );
}

#[tokio::test]
async fn audit_entries_record_changes_without_secrets() {
    let (app, owner, id) = setup().await;
    let demo = app.sandbox.demo_credentials();
    for system in ["salesforce", "netsuite"] {
        let path = TestClient::connection_path(&id, system);
        owner.post_form(&format!("{path}/sandbox"), &[]).await;
        owner.test_connection(&id, system).await;
    }
    let entries = audit_entry::Entity::find().all(&app.db).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"connection.created"));
    assert!(actions.contains(&"connection.tested"));
    let pem_body = |pem: &str| pem.lines().nth(1).unwrap_or_default().to_owned();
    let forbidden = [
        pem_body(&demo.salesforce.private_key_pem),
        pem_body(&demo.netsuite.ps256.private_key_pem),
    ];
    for e in &entries {
        let text = format!("{:?} {:?}", e.before, e.after);
        for secret in &forbidden {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds a secret",
                e.action
            );
        }
        assert!(!text.contains("PRIVATE KEY"), "{}", e.action);
    }
}

#[tokio::test]
async fn the_api_saves_tests_and_lists_connections_for_admin_tokens_only() {
    let (app, owner, id) = setup().await;
    let admin = owner.create_token("admin", "admin").await;
    let viewer = owner.create_token("viewer", "viewer").await;
    let ns = app.sandbox.demo_credentials().netsuite;
    let http = reqwest::Client::new();
    let body = serde_json::json!({
        "auth_kind": "tba",
        "account_id": ns.account_id,
        "base_url": ns.base_url,
        "consumer_key": ns.tba.consumer_key,
        "consumer_secret": ns.tba.consumer_secret,
        "token_id": ns.tba.token_id,
        "token_secret": ns.tba.token_secret,
    });
    let url = app.url(&format!("/api/v1/integrations/{id}/connections/netsuite"));
    let resp = http
        .post(&url)
        .bearer_auth(&viewer)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = http
        .post(&url)
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let saved = resp.text().await.unwrap();
    assert!(!saved.contains(&ns.tba.token_secret));
    assert!(saved.contains("\"untested\""));
    let resp = http
        .post(format!("{url}/test"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let tested: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(tested["ok"], true, "{tested}");
    let resp = http
        .post(&url)
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "auth_kind": "client_credentials", "algorithm": "RS256" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let list: serde_json::Value = http
        .get(app.url(&format!("/api/v1/integrations/{id}/connections")))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][1]["system"], "netsuite");
    assert_eq!(list["data"][1]["status"]["state"], "ok");
    assert_eq!(list["data"][0]["status"]["state"], "not_connected");
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_so_the_connection_keeps_working() {
    let (app, owner, id) = setup().await;
    let sf = app.sandbox.demo_credentials().salesforce;
    let admin = |path: &str| format!("{}/__sandbox/{path}", app.sandbox.salesforce_url());
    let http = reqwest::Client::new();
    // A connected app that rotates refresh tokens: each use revokes the token used.
    let resp = http
        .post(admin("clients"))
        .json(&serde_json::json!({
            "consumer_key": "rotating-app", "consumer_secret": "rotating-secret",
            "usernames": [sf.username], "rotate_refresh_tokens": true
        }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    let granted: serde_json::Value = http
        .post(admin("refresh-tokens"))
        .json(&serde_json::json!({"consumer_key": "rotating-app", "username": sf.username}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = granted["refresh_token"].as_str().unwrap().to_owned();
    let resp = owner
        .save_connection(
            &id,
            "salesforce",
            &[
                ("auth_kind", "refresh_token"),
                ("login_url", &sf.login_url),
                ("client_id", "rotating-app"),
                ("client_secret", "rotating-secret"),
                ("refresh_token", &first),
            ],
        )
        .await;
    assert_saved(&resp);
    let stored_before = connection::Entity::find().all(&app.db).await.unwrap()[0]
        .secrets_ciphertext
        .clone();
    // The first test spends the token; only if Ferry stored the new one can it test again.
    for attempt in 1..=3 {
        let html = owner.test_connection(&id, "salesforce").await;
        assert_eq!(state_in(&html), "Connected", "test {attempt}: {html}");
    }
    let stored_after = connection::Entity::find().all(&app.db).await.unwrap()[0]
        .secrets_ciphertext
        .clone();
    assert_ne!(stored_before, stored_after, "the rotated token was stored");
}
