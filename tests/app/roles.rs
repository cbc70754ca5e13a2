use crate::helpers::{PASSWORD, TestApp, TestClient, all_between, unique_email};

/// A new person with `role` in the owner's current tenant.
pub async fn join_as(app: &TestApp, owner: &TestClient, role: &str) -> (TestClient, String) {
    let email = unique_email(role);
    let link = owner.invite(&email, role).await;
    let mut c = app.client().await;
    c.refresh_csrf(&link).await;
    let resp = c
        .post_form(
            &format!("{link}/register"),
            &[("name", role), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    c.refresh_csrf("/").await;
    (c, email)
}

/// Membership ids on the Users page, keyed by e-mail.
pub async fn membership_of(owner: &TestClient, email: &str) -> String {
    let html = owner.get_html("/settings/users").await;
    let row_start = html.find(email).expect("member listed");
    all_between(&html[row_start..], "/settings/users/", "/role")
        .into_iter()
        .next()
        .expect("membership id")
}

#[tokio::test]
async fn viewers_and_members_cannot_manage_users_or_tokens() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    for role in ["viewer", "member"] {
        let (c, _) = join_as(&app, &owner, role).await;
        assert_eq!(c.get("/").await.status(), 200, "{role} sees the home page");
        assert_eq!(c.get("/settings/users").await.status(), 403, "{role}");
        assert_eq!(c.get("/settings/api-tokens").await.status(), 403, "{role}");
        let resp = c
            .post_form(
                "/settings/users/invite",
                &[("email", &unique_email("x")), ("role", "viewer")],
            )
            .await;
        assert_eq!(resp.status(), 403, "{role} cannot invite");
        assert!(
            !c.home_html().await.contains("href=\"/settings/users\""),
            "no Users link"
        );
    }
}

#[tokio::test]
async fn an_admin_cannot_grant_ownership_but_an_owner_can() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let (admin, _) = join_as(&app, &owner, "admin").await;
    let (_viewer, viewer_email) = join_as(&app, &owner, "viewer").await;
    let viewer_id = membership_of(&owner, &viewer_email).await;

    let resp = admin
        .post_form(
            &format!("/settings/users/{viewer_id}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = admin
        .post_form(
            &format!("/settings/users/{viewer_id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = owner
        .post_form(
            &format!("/settings/users/{viewer_id}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let html = owner.get_html("/settings/users").await;
    assert!(html.contains("Role updated."));
}

#[tokio::test]
async fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let html = owner.get_html("/settings/users").await;
    let me = all_between(&html, "/settings/users/", "/role")
        .into_iter()
        .next()
        .unwrap();
    let resp = owner
        .post_form(&format!("/settings/users/{me}/role"), &[("role", "admin")])
        .await;
    assert_eq!(resp.status(), 303);
    let html = owner.get_html("/settings/users").await;
    assert!(html.contains("at least one owner"));
    let resp = owner
        .post_form(&format!("/settings/users/{me}/remove"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    assert!(
        owner
            .get_html("/settings/users")
            .await
            .contains("last owner cannot be removed")
    );
}

#[tokio::test]
async fn a_removed_member_loses_access_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme").await;
    let (member, email) = join_as(&app, &owner, "member").await;
    let id = membership_of(&owner, &email).await;
    let resp = owner
        .post_form(&format!("/settings/users/{id}/remove"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    // Still logged in, but in no workspace: the home page offers to create one.
    let html = member.home_html().await;
    assert!(html.contains("No workspace yet"));
    assert!(
        !html.contains("data-integration"),
        "no tiles of the old tenant"
    );
    let settings = member.get("/settings/users").await;
    assert_eq!(settings.status(), 303);
}

#[tokio::test]
async fn support_staff_see_the_support_area_and_tenant_users_do_not() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Acme Support Test").await;
    assert_eq!(owner.get("/support").await.status(), 403);

    let email = unique_email("support");
    ferry_domain::accounts::create_support_user(
        &app.db,
        ferry_domain::accounts::Email::parse(&email).unwrap(),
        ferry_domain::accounts::PersonName::parse("Support").unwrap(),
        ferry_domain::accounts::NewPassword::parse(PASSWORD).unwrap(),
    )
    .await
    .unwrap();
    let mut support = app.client().await;
    assert_eq!(support.login(&email, PASSWORD).await.status(), 303);
    let html = support.get_html("/support").await;
    assert!(html.contains("Acme Support Test"));
    // Support staff are not members: no tenant settings.
    assert!(support.home_html().await.contains("No workspace yet"));
    assert_eq!(support.get("/settings/users").await.status(), 303);
}
