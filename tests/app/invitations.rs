use crate::helpers::{PASSWORD, TestApp, location, unique_email};

#[tokio::test]
async fn an_invited_person_creates_an_account_and_joins_with_the_role() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let email = unique_email("bob");
    let link = owner.invite(&email, "member").await;

    let users = owner.get_html("/settings/users").await;
    assert!(users.contains(&email), "pending invitation listed");

    let mut bob = app.client().await;
    bob.refresh_csrf(&link).await;
    let page = bob.get_html(&link).await;
    assert!(page.contains("Join Acme"));
    assert!(page.contains("Member"));
    let resp = bob
        .post_form(
            &format!("{link}/register"),
            &[("name", "Bob"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    bob.refresh_csrf("/").await;
    assert!(bob.home_html().await.contains("Salesforce ↔ NetSuite"));

    let users = owner.get_html("/settings/users").await;
    assert!(users.contains("Bob"));
    assert!(
        !users.contains("Pending invitations</h2>\n  <table"),
        "no longer pending"
    );

    // The link works once.
    let again = app.client().await.get(&link).await;
    assert_eq!(again.status(), 404);
}

#[tokio::test]
async fn an_existing_user_logs_in_and_accepts_then_switches_tenants() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let email = unique_email("carol");
    let mut carol = app.client().await;
    carol.signup("Carol Co", "Carol", &email, PASSWORD).await;
    let link = owner.invite(&email, "viewer").await;

    let page = carol.get_html(&link).await;
    assert!(page.contains("Accept and join"));
    let resp = carol.post_form(&format!("{link}/accept"), &[]).await;
    assert_eq!(resp.status(), 303);
    carol.refresh_csrf("/").await;

    let home = carol.home_html().await;
    assert!(
        home.contains("Acme (Viewer)"),
        "now in Acme, which is current"
    );
    assert!(home.contains("Carol Co (Owner)"));
    // Switch back to her own tenant.
    let carol_co = crate::helpers::all_between(&home, "<option value=\"", "\"")
        .into_iter()
        .find(|id| {
            home.contains(&format!("{id}\" >Carol Co"))
                || home.contains(&format!("{id}\" selected>Carol Co"))
        })
        .expect("Carol Co option");
    let resp = carol
        .post_form("/workspaces/switch", &[("tenant_id", &carol_co)])
        .await;
    assert_eq!(resp.status(), 303);
    carol.refresh_csrf("/").await;
    assert!(
        carol
            .home_html()
            .await
            .contains(&format!("value=\"{carol_co}\" selected"))
    );
}

#[tokio::test]
async fn an_invitation_cannot_be_used_by_another_account() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let link = owner.invite(&unique_email("dave"), "member").await;
    let mut mallory = app.client().await;
    mallory
        .signup("Mallory", "Mallory", &unique_email("mallory"), PASSWORD)
        .await;
    let resp = mallory.post_form(&format!("{link}/accept"), &[]).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn a_withdrawn_invitation_link_stops_working() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let link = owner.invite(&unique_email("erin"), "member").await;
    let users = owner.get_html("/settings/users").await;
    let id = crate::helpers::between(&users, "/settings/invitations/", "/revoke").unwrap();
    let resp = owner
        .post_form(&format!("/settings/invitations/{id}/revoke"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/settings/users");
    assert_eq!(app.client().await.get(&link).await.status(), 404);
}

#[tokio::test]
async fn inviting_with_a_bad_email_shows_the_error_in_the_form() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let resp = owner
        .post_form(
            "/settings/users/invite",
            &[("email", "nope"), ("role", "member")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Enter a valid e-mail address"));
    assert!(html.contains("value=\"nope\""));
}
