use crate::helpers::{TestApp, between};

#[tokio::test]
async fn a_token_reads_its_own_tenant_through_the_api() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let token = owner.create_token("CI", "viewer").await;
    assert!(token.starts_with("ferry_pat_"));

    let http = reqwest::Client::new();
    let me: serde_json::Value = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["tenant"]["name"], "Acme");
    assert_eq!(me["role"], "viewer");

    let list: serde_json::Value = http
        .get(app.url("/api/v1/integrations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["name"], "Salesforce ↔ NetSuite");
    assert_eq!(data[0]["salesforce"]["state"], "not_connected");
    assert_eq!(data[0]["flows_total"], 2);
}

#[tokio::test]
async fn the_secret_is_shown_once_and_stored_only_as_a_digest() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let token = owner.create_token("CI", "viewer").await;
    let page = owner.get_html("/settings/api-tokens").await;
    assert!(!page.contains(&token), "not shown again");
    assert!(page.contains(&token[..16]), "prefix shown to recognise it");

    use sea_orm::EntityTrait;
    let rows = ferry_domain::entities::api_token::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        rows.iter()
            .all(|r| r.token_hash != token && !r.token_hash.contains(&token[10..]))
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let token = owner.create_token("CI", "admin").await;
    let http = reqwest::Client::new();
    let ok = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let page = owner.get_html("/settings/api-tokens").await;
    let id = between(&page, "/settings/api-tokens/", "/revoke").unwrap();
    let resp = owner
        .post_form(&format!("/settings/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(resp.status(), 303);

    let refused = http
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.headers().contains_key("www-authenticate"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn api_calls_without_or_with_a_bad_token_are_401() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    for auth in [
        None,
        Some("Bearer nope"),
        Some("Basic abc"),
        Some("Bearer ferry_pat_forged"),
    ] {
        let mut req = http.get(app.url("/api/v1/me"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        assert_eq!(req.send().await.unwrap().status(), 401, "{auth:?}");
    }
}

#[tokio::test]
async fn a_token_cannot_have_more_power_than_its_creator_and_names_are_required() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let resp = owner
        .post_form("/settings/api-tokens", &[("name", ""), ("role", "owner")])
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Enter a name for the token"));
    assert!(html.contains("Tokens can be admin at most") || html.contains("field-error"));
}
