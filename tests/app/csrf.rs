use crate::helpers::{PASSWORD, TestApp, unique_email};

#[tokio::test]
async fn a_post_without_a_csrf_token_is_rejected_with_a_clear_page() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    let resp = c
        .post_raw(
            "/signup",
            &[
                ("company", "Acme"),
                ("name", "Ada"),
                ("email", &unique_email("x")),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let html = resp.text().await.unwrap();
    assert!(html.contains("This form has expired"));
}

#[tokio::test]
async fn a_token_from_another_browser_is_rejected() {
    let app = TestApp::spawn().await;
    let victim = app.owner("Victim").await;
    let attacker = app.client().await;
    // The attacker's own valid token does not work with the victim's session.
    let resp = victim
        .post_raw(
            "/workspaces",
            &[("company", "Evil"), ("csrf_token", &attacker.csrf)],
        )
        .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn logged_in_forms_need_the_session_bound_token() {
    let app = TestApp::spawn().await;
    let c = app.owner("Acme").await;
    let resp = c
        .post_raw(
            "/workspaces",
            &[("company", "Second"), ("csrf_token", "wrong")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = c.post_form("/workspaces", &[("company", "Second")]).await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn htmx_requests_may_send_the_token_in_a_header() {
    let app = TestApp::spawn().await;
    let c = app.owner("Acme").await;
    let resp = c
        .http
        .post(app.url("/workspaces"))
        .header("X-CSRF-Token", &c.csrf)
        .form(&[("company", "Via header")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}
