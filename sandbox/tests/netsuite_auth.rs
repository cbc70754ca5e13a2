//! NetSuite simulator: M2M token endpoint, bearer checks, Token-Based Authentication.
// Helpers outside #[test] fns unwrap too: a failed request is a failed test.
#![allow(clippy::unwrap_used)]

mod netsuite_support;

use jsonwebtoken::Algorithm;
use netsuite_support::{TestNetsuite, error_detail, now, random_nonce, tba_header};
use reqwest::Method;
use serde_json::{Value, json};

/// Test paths start with `netsuite::`, so `cargo test -p ferry-sandbox netsuite` selects them.
mod netsuite {
    use super::*;

    const CONTACTS: &str = "/services/rest/record/v1/contact";

    async fn token_error(ns: &TestNetsuite, assertion: &str) -> (u16, Value) {
        let response = ns.token_for(assertion).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    #[tokio::test]
    async fn a_ps256_assertion_gets_a_sixty_minute_bearer_token() {
        let ns = TestNetsuite::start().await;
        let response = ns.token_for(&ns.ps256_assertion()).await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], "3600");
        let token = body["access_token"].as_str().unwrap();
        assert_eq!(token.split('.').count(), 3, "the access token is a JWT");
        let response = ns.call_with_token(token, Method::GET, CONTACTS, None).await;
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn an_es256_assertion_gets_a_token_too() {
        let ns = TestNetsuite::start().await;
        let assertion = ns.sign(
            Algorithm::ES256,
            &ns.creds.es256.certificate_id,
            &ns.claims(),
        );
        let response = ns.token_for(&assertion).await;
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn scope_may_be_a_comma_separated_string() {
        let ns = TestNetsuite::start().await;
        let mut claims = ns.claims();
        claims["scope"] = json!("restlets,rest_webservices");
        let assertion = ns.sign(Algorithm::PS256, &ns.creds.ps256.certificate_id, &claims);
        assert_eq!(ns.token_for(&assertion).await.status(), 200);
    }

    #[tokio::test]
    async fn assertions_breaking_a_rule_get_invalid_grant() {
        let ns = TestNetsuite::start().await;
        let ps = ns.creds.ps256.certificate_id.clone();
        let now = now();
        let cases: Vec<(&str, Value, Algorithm, String)> = vec![
            (
                "wrong iss",
                json!({"iss": "someone-else"}),
                Algorithm::PS256,
                ps.clone(),
            ),
            (
                "wrong aud",
                json!({"aud": "https://example.com/token"}),
                Algorithm::PS256,
                ps.clone(),
            ),
            (
                "expired",
                json!({"iat": now - 4000, "exp": now - 600}),
                Algorithm::PS256,
                ps.clone(),
            ),
            (
                "too long-lived",
                json!({"iat": now, "exp": now + 3601}),
                Algorithm::PS256,
                ps.clone(),
            ),
            (
                "no rest scope",
                json!({"scope": ["restlets"]}),
                Algorithm::PS256,
                ps.clone(),
            ),
            (
                "space-separated scope",
                json!({"scope": "restlets rest_webservices"}),
                Algorithm::PS256,
                ps.clone(),
            ),
            (
                "unknown kid",
                json!({}),
                Algorithm::PS256,
                "no-such-certificate".into(),
            ),
            ("RS256", json!({}), Algorithm::RS256, ps.clone()),
            (
                "ES256 under the RSA certificate",
                json!({}),
                Algorithm::ES256,
                ps.clone(),
            ),
        ];
        for (name, overrides, alg, kid) in cases {
            let mut claims = ns.claims();
            for (k, v) in overrides.as_object().unwrap() {
                claims[k] = v.clone();
            }
            let (status, body) = token_error(&ns, &ns.sign(alg, &kid, &claims)).await;
            assert_eq!(status, 400, "{name}");
            assert_eq!(body["error"], "invalid_grant", "{name}: {body}");
        }
    }

    #[tokio::test]
    async fn a_tampered_signature_is_invalid_grant() {
        let ns = TestNetsuite::start().await;
        let assertion = ns.ps256_assertion();
        let mut parts: Vec<String> = assertion.split('.').map(str::to_string).collect();
        let mut claims = ns.claims();
        claims["iss"] = json!(ns.creds.client_id.clone() + "x");
        let other = ns.sign(Algorithm::PS256, &ns.creds.ps256.certificate_id, &claims);
        parts[1] = other.split('.').nth(1).unwrap().to_string();
        let (status, body) = token_error(&ns, &parts.join(".")).await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "invalid_grant");
        let (status, body) = token_error(&ns, "not-a-jwt").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }

    #[tokio::test]
    async fn malformed_token_requests_get_invalid_request_or_unsupported_grant_type() {
        let ns = TestNetsuite::start().await;
        let response = ns
            .token_request(&[("grant_type", "client_credentials")])
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            "invalid_request"
        );

        let response = ns
            .token_request(&[
                ("grant_type", "client_credentials"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
                ),
                ("client_assertion", "x"),
            ])
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            "invalid_request"
        );

        let response = ns.token_request(&[("grant_type", "password")]).await;
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            "unsupported_grant_type"
        );

        let response = ns
            .http
            .post(ns.token_url())
            .json(&json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"],
            "invalid_request"
        );
    }

    #[tokio::test]
    async fn a_data_call_without_credentials_is_invalid_login_with_www_authenticate() {
        let ns = TestNetsuite::start().await;
        let response = ns.http.get(ns.url(CONTACTS)).send().await.unwrap();
        assert_eq!(response.status(), 401);
        let www = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(www.starts_with("Bearer realm=\"1234567_SB1\""), "{www}");
        assert!(www.contains("error=\"invalid_token\""));
        let body: Value = response.json().await.unwrap();
        let detail = error_detail(&body, 401);
        assert_eq!(body["title"], "Unauthorized");
        assert_eq!(detail["o:errorCode"], "INVALID_LOGIN");
        assert!(
            detail["detail"]
                .as_str()
                .unwrap()
                .starts_with("Invalid login attempt.")
        );

        let response = ns
            .call_with_token("made-up", Method::GET, CONTACTS, None)
            .await;
        assert_eq!(response.status(), 401);
    }

    #[tokio::test]
    async fn a_revoked_token_is_refused() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        assert_eq!(
            ns.call_with_token(&token, Method::GET, CONTACTS, None)
                .await
                .status(),
            200
        );
        let response = ns
            .admin_post("/__sandbox/revoke", json!({"access_token": token}))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            ns.call_with_token(&token, Method::GET, CONTACTS, None)
                .await
                .status(),
            401
        );
    }

    #[tokio::test]
    async fn tokens_expire_after_the_configured_lifetime() {
        let ns = TestNetsuite::start().await;
        ns.admin_settings(json!({"token_lifetime_secs": 1})).await;
        let response = ns.token_for(&ns.ps256_assertion()).await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["expires_in"], "1");
        let token = body["access_token"].as_str().unwrap().to_string();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(
            ns.call_with_token(&token, Method::GET, CONTACTS, None)
                .await
                .status(),
            401
        );
    }

    #[tokio::test]
    async fn a_client_registered_with_a_public_key_can_sign_assertions() {
        let ns = TestNetsuite::start().await;
        let public_key = include_str!("../src/netsuite/demo_keys/ec_public.pem");
        let response = ns
        .admin_post(
            "/__sandbox/m2m-clients",
            json!({"client_id": "integration-2", "certificate_id": "cert-2", "pem": public_key}),
        )
        .await;
        assert_eq!(response.status(), 201);
        let mut claims = ns.claims();
        claims["iss"] = json!("integration-2");
        let assertion = ns.sign(Algorithm::ES256, "cert-2", &claims);
        assert_eq!(ns.token_for(&assertion).await.status(), 200);
    }

    #[tokio::test]
    async fn a_tba_signed_request_with_query_parameters_is_accepted() {
        let ns = TestNetsuite::start().await;
        let url = ns.url("/services/rest/record/v1/contact?limit=5&offset=0");
        let header = ns.tba_header("GET", &url, &random_nonce(), now());
        let response = ns
            .http
            .get(&url)
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    #[tokio::test]
    async fn a_replayed_tba_nonce_is_invalid_login() {
        let ns = TestNetsuite::start().await;
        let url = ns.url(CONTACTS);
        let header = ns.tba_header("GET", &url, &random_nonce(), now());
        let first = ns
            .http
            .get(&url)
            .header("Authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), 200);
        let replay = ns
            .http
            .get(&url)
            .header("Authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 401);
        let www = replay.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(www.starts_with("OAuth realm="), "{www}");
        let body: Value = replay.json().await.unwrap();
        assert_eq!(error_detail(&body, 401)["o:errorCode"], "INVALID_LOGIN");
    }

    #[tokio::test]
    async fn tba_requests_with_bad_signatures_stale_timestamps_or_wrong_realms_are_refused() {
        let ns = TestNetsuite::start().await;
        let url = ns.url(CONTACTS);
        let tba = ns.creds.tba.clone();
        let signed_for_other_url = ns.tba_header(
            "GET",
            &ns.url("/services/rest/record/v1/customer"),
            &random_nonce(),
            now(),
        );
        let stale = ns.tba_header("GET", &url, &random_nonce(), now() - 3600);
        let wrong_secret = tba_header(
            "GET",
            &url,
            &ns.creds.account_id,
            (&tba.consumer_key, "wrong"),
            (&tba.token_id, &tba.token_secret),
            &random_nonce(),
            now(),
        );
        let wrong_realm = tba_header(
            "GET",
            &url,
            "7654321",
            (&tba.consumer_key, &tba.consumer_secret),
            (&tba.token_id, &tba.token_secret),
            &random_nonce(),
            now(),
        );
        let sha1 = ns
            .tba_header("GET", &url, &random_nonce(), now())
            .replace("HMAC-SHA256", "HMAC-SHA1");
        for (name, header) in [
            ("other url", signed_for_other_url),
            ("stale", stale),
            ("wrong secret", wrong_secret),
            ("wrong realm", wrong_realm),
            ("HMAC-SHA1", sha1),
        ] {
            let response = ns
                .http
                .get(&url)
                .header("Authorization", header)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{name}");
        }
    }

    #[tokio::test]
    async fn the_realm_is_not_part_of_the_signature_and_matches_the_account_in_host_form() {
        let ns = TestNetsuite::start().await;
        let url = ns.url(CONTACTS);
        let header = ns
            .tba_header("GET", &url, &random_nonce(), now())
            .replace("realm=\"1234567_SB1\"", "realm=\"1234567-sb1\"");
        let response = ns
            .http
            .get(&url)
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn a_revoked_tba_token_is_refused() {
        let ns = TestNetsuite::start().await;
        let response = ns
            .admin_post(
                "/__sandbox/revoke",
                json!({"tba_token_id": ns.creds.tba.token_id}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let url = ns.url(CONTACTS);
        let header = ns.tba_header("GET", &url, &random_nonce(), now());
        let response = ns
            .http
            .get(&url)
            .header("Authorization", header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }

    #[tokio::test]
    async fn tba_signs_post_requests_with_json_bodies() {
        let ns = TestNetsuite::start().await;
        let url = ns.url(CONTACTS);
        let header = ns.tba_header("POST", &url, &random_nonce(), now());
        let response = ns
            .http
            .post(&url)
            .header("Authorization", header)
            .json(&json!({"lastName": "Lovelace"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
}
