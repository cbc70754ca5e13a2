//! OAuth token endpoint and session rules of the Salesforce simulator (PROTOCOLS.md A2).
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{JWT_BEARER, TestApp, UNTRUSTED_KEY, first_error, sign};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn token_error(app: &TestApp, claims: Value) -> (StatusCode, Value) {
    let assertion = app.assertion(claims);
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    (res.status(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_valid_jwt_bearer_assertion_gets_a_token_without_expires_in_or_refresh_token() {
    let app = TestApp::start().await;
    let assertion = app.assertion(app.claims());
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let creds = app.sandbox.demo_credentials().salesforce;
    assert!(
        body["access_token"]
            .as_str()
            .unwrap()
            .starts_with(&creds.org_id[..15])
    );
    assert_eq!(body["instance_url"], json!(app.base()));
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["id"].as_str().unwrap().contains(&creds.org_id));
    assert!(body.get("expires_in").is_none());
    assert!(body.get("refresh_token").is_none());
}

#[tokio::test]
async fn the_production_login_audience_is_accepted_too() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    claims["aud"] = json!("https://login.salesforce.com");
    let assertion = app.assertion(claims);
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_issuer_is_an_invalid_client_id() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    claims["iss"] = json!("no-such-consumer-key");
    let (status, body) = token_error(&app, claims).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_client_id", "error_description": "client identifier invalid"})
    );
}

#[tokio::test]
async fn a_signature_from_another_key_is_an_invalid_assertion() {
    let app = TestApp::start().await;
    let assertion = sign(&app.claims(), UNTRUSTED_KEY);
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "invalid assertion"})
    );
}

#[tokio::test]
async fn an_hs256_assertion_is_refused_because_only_rs256_is_accepted() {
    let app = TestApp::start().await;
    let assertion = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &app.claims(),
        &EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "invalid assertion");
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    claims["aud"] = json!("https://acme.my.salesforce.com");
    let (status, body) = token_error(&app, claims).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "audience is invalid"})
    );
}

#[tokio::test]
async fn an_expired_assertion_is_an_expired_authorization_code() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    claims["exp"] = json!(Utc::now().timestamp() - 10);
    let (_, body) = token_error(&app, claims).await;
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "expired authorization code"})
    );
}

#[tokio::test]
async fn an_exp_more_than_three_minutes_ahead_is_refused() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    claims["exp"] = json!(Utc::now().timestamp() + 600);
    let (status, body) = token_error(&app, claims).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_user_not_approved_for_the_app_is_refused() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    claims["sub"] = json!("someone.else@example.com");
    let (_, body) = token_error(&app, claims).await;
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "user hasn't approved this consumer"})
    );
}

#[tokio::test]
async fn prn_wins_over_sub_when_both_are_present() {
    let app = TestApp::start().await;
    let mut claims = app.claims();
    let username = claims["sub"].clone();
    claims["sub"] = json!("someone.else@example.com");
    claims["prn"] = username;
    let assertion = app.assertion(claims);
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_garbage_assertion_is_an_invalid_assertion_not_a_crash() {
    let app = TestApp::start().await;
    for garbage in ["", "abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.!!!.x"] {
        let res = app
            .token_request(&[("grant_type", JWT_BEARER), ("assertion", garbage)])
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant", "{garbage}");
    }
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported() {
    let app = TestApp::start().await;
    let res = app.token_request(&[("grant_type", "password")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn a_jwt_client_registered_through_the_admin_api_can_log_in() {
    let app = TestApp::start().await;
    let creds = app.sandbox.demo_credentials().salesforce;
    let res = app
        .admin(
            Method::POST,
            "/clients",
            Some(json!({
                "consumer_key": "tenant-app",
                "certificate_pem": creds.certificate_pem,
                "usernames": ["ops@tenant.example"],
            })),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let assertion = sign(
        &json!({"iss": "tenant-app", "sub": "ops@tenant.example", "aud": "https://test.salesforce.com", "exp": Utc::now().timestamp() + 60}),
        &creds.private_key_pem,
    );
    let res = app
        .token_request(&[("grant_type", JWT_BEARER), ("assertion", &assertion)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn registering_a_client_with_a_bad_certificate_is_a_clear_admin_error() {
    let app = TestApp::start().await;
    let res = app
        .admin(
            Method::POST,
            "/clients",
            Some(json!({"consumer_key": "x", "certificate_pem": "not a pem"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
}

#[tokio::test]
async fn the_refresh_token_grant_issues_a_new_access_token_with_signature_and_issued_at() {
    let app = TestApp::start().await;
    let creds = app.sandbox.demo_credentials().salesforce;
    let res = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &creds.refresh_token),
            ("client_id", &creds.consumer_key),
            ("client_secret", &creds.consumer_secret),
        ])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert!(body["access_token"].is_string());
    assert!(body["issued_at"].is_string());
    assert!(body["signature"].is_string());
    assert!(body.get("expires_in").is_none());
    let token = body["access_token"].as_str().unwrap();
    let res = app
        .http
        .get(app.api("/limits"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn client_credentials_may_come_in_basic_auth() {
    let app = TestApp::start().await;
    let creds = app.sandbox.demo_credentials().salesforce;
    let res = app
        .http
        .post(format!("{}/services/oauth2/token", app.base()))
        .basic_auth(&creds.consumer_key, Some(&creds.consumer_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", creds.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_invalid_client() {
    let app = TestApp::start().await;
    let creds = app.sandbox.demo_credentials().salesforce;
    let res = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &creds.refresh_token),
            ("client_id", &creds.consumer_key),
            ("client_secret", "wrong"),
        ])
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_client", "error_description": "invalid client credentials"})
    );
}

#[tokio::test]
async fn an_unknown_refresh_token_is_an_invalid_grant() {
    let app = TestApp::start().await;
    let creds = app.sandbox.demo_credentials().salesforce;
    let res = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "5AepNOPE"),
            ("client_id", &creds.consumer_key),
            ("client_secret", &creds.consumer_secret),
        ])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "expired access/refresh token"})
    );
}

#[tokio::test]
async fn refresh_token_rotation_invalidates_the_old_token() {
    let app = TestApp::start().await;
    let res = app
        .admin(
            Method::POST,
            "/clients",
            Some(json!({"consumer_key": "rotating", "consumer_secret": "s", "usernames": ["r@x.example"], "rotate_refresh_tokens": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant: Value = app
        .admin(
            Method::POST,
            "/refresh-tokens",
            Some(json!({"consumer_key": "rotating", "username": "r@x.example"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let old = grant["refresh_token"].as_str().unwrap();
    let form = |token: &str| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", token.to_owned()),
            ("client_id", "rotating".to_owned()),
            ("client_secret", "s".to_owned()),
        ]
    };
    let first: Value = app
        .http
        .post(format!("{}/services/oauth2/token", app.base()))
        .form(&form(old))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = first["refresh_token"]
        .as_str()
        .expect("a rotated refresh token");
    assert_ne!(new, old);
    let again = app
        .http
        .post(format!("{}/services/oauth2/token", app.base()))
        .form(&form(old))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_data_call_without_a_token_gets_invalid_session_id_as_an_array() {
    let app = TestApp::start().await;
    let res = app.http.get(app.api("/limits")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
}

#[tokio::test]
async fn a_made_up_token_gets_invalid_session_id() {
    let app = TestApp::start().await;
    let res = app
        .http
        .get(app.api("/sobjects/Contact/describe"))
        .bearer_auth("00D000000000001!nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(first_error(res).await.0, "INVALID_SESSION_ID");
}

#[tokio::test]
async fn tokens_expire_after_the_configured_session_timeout() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["session_timeout_secs"] = json!(1))
        .await;
    let token = app.jwt_token().await;
    let ok = app
        .http
        .get(app.api("/limits"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = app
        .http
        .get(app.api("/limits"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(first_error(expired).await.0, "INVALID_SESSION_ID");
}

#[tokio::test]
async fn revoking_tokens_through_the_admin_api_ends_sessions() {
    let app = TestApp::start().await;
    let res = app
        .admin(Method::POST, "/tokens/revoke", Some(json!({})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get("/limits").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_revoke_endpoint_revokes_one_access_token() {
    let app = TestApp::start().await;
    let res = app
        .http
        .post(format!("{}/services/oauth2/revoke", app.base()))
        .form(&[("token", app.token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get("/limits").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_admin_api_issues_a_demo_access_token_that_reaches_the_data_api() {
    let app = TestApp::start().await;
    let res = app.admin(Method::POST, "/access-tokens", None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["instance_url"], json!(app.base()));
    let token = body["access_token"].as_str().unwrap();
    let res = app
        .http
        .get(app.api("/sobjects/Contact/describe"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
