use crate::helpers::{PASSWORD, TestApp, location, unique_email};

#[tokio::test]
async fn signup_creates_a_tenant_with_the_salesforce_netsuite_tile() {
    let app = TestApp::spawn().await;
    let mut c = app.client().await;
    let resp = c
        .signup("Acme Corp", "Ada Lovelace", &unique_email("ada"), PASSWORD)
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/");
    let home = c.home_html().await;
    assert!(home.contains("Salesforce ↔ NetSuite"), "tile shown");
    assert!(home.contains("/integrations/"), "gear links to settings");
    assert!(
        home.contains("Not connected"),
        "connections state shown honestly"
    );
    assert!(home.contains("0 of 2"), "flows on count");
    assert!(home.contains("Acme Corp"), "tenant in the switcher");
}

#[tokio::test]
async fn signup_reports_every_invalid_field_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    let resp = c
        .post_form(
            "/signup",
            &[
                ("company", ""),
                ("name", "Ada"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Enter your company"));
    assert!(html.contains("Enter a valid e-mail address"));
    assert!(html.contains("Use at least 10 characters"));
    assert!(html.contains("value=\"Ada\""), "input kept");
    assert!(html.contains("value=\"not-an-email\""), "input kept");
}

#[tokio::test]
async fn signup_with_a_taken_email_is_refused() {
    let app = TestApp::spawn().await;
    let email = unique_email("taken");
    let mut first = app.client().await;
    assert_eq!(
        first.signup("One", "One", &email, PASSWORD).await.status(),
        303
    );
    let mut second = app.client().await;
    let resp = second
        .signup("Two", "Two", &email.to_uppercase(), PASSWORD)
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("already exists"));
}

#[tokio::test]
async fn login_failure_says_the_same_for_unknown_email_and_wrong_password() {
    let app = TestApp::spawn().await;
    let email = unique_email("user");
    let mut owner = app.client().await;
    owner.signup("Acme", "Ada", &email, PASSWORD).await;

    let mut c = app.client().await;
    let wrong_password = c.login(&email, "not the password").await;
    assert_eq!(wrong_password.status(), 401);
    let a = wrong_password.text().await.unwrap();
    let unknown = c.login(&unique_email("nobody"), PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let b = unknown.text().await.unwrap();
    assert!(a.contains("Incorrect e-mail or password."));
    assert!(b.contains("Incorrect e-mail or password."));
    assert!(a.contains(&email), "e-mail kept in the form");
}

#[tokio::test]
async fn logout_then_login_again() {
    let app = TestApp::spawn().await;
    let email = unique_email("ada");
    let mut c = app.client().await;
    c.signup("Acme", "Ada", &email, PASSWORD).await;
    let resp = c.logout().await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/login");
    let home = c.get("/").await;
    assert_eq!(home.status(), 303, "logged out");
    assert!(location(&home).starts_with("/login"));

    let resp = c.login(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(resp.status(), 303);
    assert!(c.home_html().await.contains("Salesforce ↔ NetSuite"));
}

#[tokio::test]
async fn login_follows_only_local_next_paths() {
    let app = TestApp::spawn().await;
    let email = unique_email("ada");
    let mut c = app.client().await;
    c.signup("Acme", "Ada", &email, PASSWORD).await;
    c.logout().await;
    let resp = c
        .post_form(
            "/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/settings/users"),
            ],
        )
        .await;
    assert_eq!(location(&resp), "/settings/users");
    c.refresh_csrf("/").await;
    c.logout().await;
    let resp = c
        .post_form(
            "/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&resp), "/");
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
    let c = app.client().await;
    let resp = c
        .post_form(
            "/signup",
            &[
                ("company", "Acme"),
                ("name", "Ada"),
                ("email", &unique_email("c")),
                ("password", PASSWORD),
            ],
        )
        .await;
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("ferry_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Max-Age="), "session expires");
    assert!(!cookie.contains("Secure"), "plain http in tests");
}

#[tokio::test]
async fn a_forged_session_cookie_is_ignored() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http
        .get(app.url("/"))
        .header(
            "cookie",
            "ferry_session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwIn0.forged",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}
