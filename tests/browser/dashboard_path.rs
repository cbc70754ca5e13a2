//! A member's path through the dashboard (PRODUCT.md "Dashboard"): log in → the tile's
//! Dashboard → Errors → open an error → Retry → it is resolved; then support staff see every
//! tenant's errors.

use fantoccini::Client;
use serde_json::json;

use crate::driver::{Driver, Shots, click, fill, wait_for, wait_for_text};
use crate::helpers::PASSWORD;
use crate::sync_fixture::Synced;

async fn log_in(s: &Synced, browser: &Client, email: &str) {
    browser.goto(&s.app.url("/login")).await.unwrap();
    fill(browser, "input[name=\"email\"]", email).await;
    fill(browser, "input[name=\"password\"]", PASSWORD).await;
    click(browser, "form button[type=\"submit\"]").await;
    // The login's redirect must land before the caller navigates on: otherwise it can arrive
    // after the caller's `goto` and replace that page (seen in CI on a loaded machine).
    for _ in 0..150 {
        let left = browser
            .current_url()
            .await
            .is_ok_and(|url| url.path() != "/login");
        if left {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the login never left /login");
}

async fn path(s: &Synced, contact: &str, browser: &Client, shots: &mut Shots) {
    log_in(s, browser, &s.owner_email).await;
    wait_for(browser, "article.tile").await;
    shots.take(browser, "home").await;
    browser
        .goto(
            &s.app
                .url(&format!("/integrations/{}/dashboard", s.integration)),
        )
        .await
        .unwrap();
    wait_for(browser, "svg").await;
    shots.take(browser, "dashboard").await;
    browser
        .goto(
            &s.app
                .url(&format!("/integrations/{}/dashboard/errors", s.integration)),
        )
        .await
        .unwrap();
    wait_for_text(browser, contact).await;
    shots.take(browser, "errors").await;
    click(browser, "a[href*=\"/dashboard/errors/\"]").await;
    wait_for(browser, "form[action$=\"/retry\"] button").await;
    shots.take(browser, "error").await;
    click(browser, "form[action$=\"/retry\"] button").await;
    // The retried record syncs; its error resolves itself.
    let resolved = s.app.url(&format!(
        "/integrations/{}/dashboard/errors?status=resolved",
        s.integration
    ));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        browser.goto(&resolved).await.unwrap();
        let html = browser.source().await.unwrap();
        if html.contains(contact) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the error never resolved"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    shots.take(browser, "resolved").await;
}

async fn support_path(s: &Synced, browser: &Client, shots: &mut Shots) {
    browser.goto(&s.app.url("/logout")).await.unwrap();
    browser.delete_all_cookies().await.unwrap();
    let email = crate::helpers::unique_email("support");
    ferry_domain::accounts::create_support_user(
        &s.app.db,
        ferry_domain::accounts::Email::parse(&email).unwrap(),
        ferry_domain::accounts::PersonName::parse("Sam Support").unwrap(),
        ferry_domain::accounts::NewPassword::parse(PASSWORD).unwrap(),
    )
    .await
    .unwrap();
    log_in(s, browser, &email).await;
    browser.goto(&s.app.url("/support/errors")).await.unwrap();
    wait_for_text(browser, "Sync Co").await;
    shots.take(browser, "support-errors").await;
}

#[tokio::test]
async fn a_member_retries_an_error_from_the_dashboard_and_support_sees_every_tenant() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let s = Synced::start().await;
    // A subsidiary NetSuite does not have: creating the contact is refused (validation).
    let mut settings =
        serde_json::to_value(ferry_domain::flows::CONTACT.default_settings()).unwrap();
    settings["mappings"]
        .as_array_mut()
        .unwrap()
        .push(json!({"target": "subsidiary", "source": {"kind": "constant", "value": "999"}}));
    s.set_settings(&s.contact_flow, settings).await;
    let account = s
        .sf_create("Account", json!({"Name": "Dashboard Co"}))
        .await;
    s.written_back("Account", &account).await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Retried", "AccountId": account}),
        )
        .await;
    s.eventually("the contact's error is open", || async {
        !s.open_errors(&contact).await.is_empty()
    })
    .await;
    // Someone fixes the mapping; the retry from the dashboard then succeeds.
    s.set_settings(&s.contact_flow, json!({})).await;

    let browser = driver.browser().await;
    let mut shots = Shots::new("dashboard-path");
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        path(&s, &contact, &browser, &mut shots).await;
        support_path(&s, &browser, &mut shots).await;
    }))
    .await;
    if result.is_err() {
        shots.take(&browser, "failed").await;
    }
    let _ = browser.close().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert_eq!(s.ns_by_external_id("contact", &contact).len(), 1);
}
