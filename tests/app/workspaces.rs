use crate::helpers::TestApp;

#[tokio::test]
async fn a_user_can_create_a_second_workspace_and_lands_in_it() {
    let app = TestApp::spawn().await;
    let mut c = app.owner("First Co").await;
    let resp = c
        .post_form("/workspaces", &[("company", "Second Co")])
        .await;
    assert_eq!(resp.status(), 303);
    c.refresh_csrf("/").await;
    let home = c.home_html().await;
    assert!(home.contains("selected>Second Co (Owner)"));
    assert!(home.contains("First Co (Owner)"));
}

#[tokio::test]
async fn switching_to_a_tenant_one_is_not_a_member_of_is_not_found() {
    let app = TestApp::spawn().await;
    let a = app.owner("A").await;
    let resp = a
        .post_form(
            "/workspaces/switch",
            &[("tenant_id", &uuid::Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(resp.status(), 404);
    let resp = a
        .post_form("/workspaces/switch", &[("tenant_id", "garbage")])
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_integration_settings_page_shows_its_flows_by_section() {
    let app = TestApp::spawn().await;
    let c = app.owner("Acme").await;
    let id = c.first_integration_id().await;
    let html = c.get_html(&format!("/integrations/{id}/settings")).await;
    assert!(html.contains("data-section=\"Account\""));
    assert!(html.contains("data-section=\"Contact\""));
    assert!(html.contains("Salesforce Account to NetSuite Customer Add/Update"));
    assert!(html.contains("Not connected"));
    let contact = c
        .get_html(&format!("/integrations/{id}/settings?section=Contact"))
        .await;
    assert!(contact.contains("Salesforce Contact to NetSuite Contact Add/Update"));
}

#[tokio::test]
async fn names_with_markup_are_escaped_everywhere() {
    let app = TestApp::spawn().await;
    let c = app.owner("<script>alert(1)</script>").await;
    let home = c.home_html().await;
    assert!(!home.contains("<script>alert(1)</script>"));
    assert!(home.contains("alert(1)"), "the name is shown, escaped");
}
