//! A tenant admin's path (PRODUCT.md "Settings > Integration Flows"): sign up → the tile's
//! gear → connect both systems with the sandbox → Contact section → toggle the flow on →
//! its settings icon → add a qualification criterion and a lookup pair → save → preview a
//! Salesforce contact.

use fantoccini::Client;
use serde_json::{Value, json};

use crate::driver::{
    Driver, Shots, choose, click, fill, quoted, value_of, wait_for, wait_for_text,
};
use crate::helpers::{PASSWORD, TestApp, unique_email};

const API: &str = "/services/data/v67.0";

/// Creates a Salesforce record in the test's sandbox through its REST API.
async fn sf_create(app: &TestApp, object: &str, fields: Value) -> String {
    let token = app.sandbox.salesforce().issue_demo_token();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}{API}/sobjects/{object}/",
            app.sandbox.salesforce_url()
        ))
        .bearer_auth(token)
        .json(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "create {object}");
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn connect(browser: &Client, shots: &mut Shots, system: &str, label: &str) {
    click(browser, "[data-tab=\"connections\"]").await;
    click(browser, &format!("tr[data-system=\"{system}\"] a.btn")).await;
    wait_for_text(browser, &format!("{label} connection")).await;
    click(browser, "form[action$=\"/sandbox\"] button").await;
    wait_for_text(browser, "Filled in with the sandbox").await;
    click(browser, "form[action$=\"/test\"] button").await;
    wait_for_text(browser, "answered the test").await;
    shots.take(browser, &format!("{system}-connected")).await;
    click(browser, ".crumbs a[href$=\"/settings\"]").await;
}

async fn path_of_a_tenant_admin(app: &TestApp, browser: &Client, shots: &mut Shots) {
    // Sign up: a new workspace with the Salesforce ↔ NetSuite app installed.
    browser.goto(&app.url("/signup")).await.unwrap();
    fill(browser, "input[name=\"company\"]", "Browser Co").await;
    fill(browser, "input[name=\"name\"]", "Ada Admin").await;
    fill(browser, "input[name=\"email\"]", &unique_email("browser")).await;
    fill(browser, "input[name=\"password\"]", PASSWORD).await;
    shots.take(browser, "signup").await;
    click(browser, "form button[type=\"submit\"]").await;
    wait_for(browser, "article.tile").await;
    shots.take(browser, "home").await;

    // The tile's gear opens Settings, on Integration Flows.
    click(browser, "a.gear").await;
    wait_for_text(browser, "Integration Flows").await;
    shots.take(browser, "settings").await;

    // Connections first (the toggle is refused without them).
    connect(browser, shots, "salesforce", "Salesforce").await;
    connect(browser, shots, "netsuite", "NetSuite").await;

    // Contact section, toggle on: the row updates in place.
    click(browser, "[data-section=\"Contact\"]").await;
    wait_for_text(browser, "Salesforce Contact to NetSuite Contact Add/Update").await;
    shots.take(browser, "contact-section").await;
    let before = browser.current_url().await.unwrap();
    click(browser, "button.switch[aria-checked=\"false\"]").await;
    wait_for(browser, "button.switch[aria-checked=\"true\"]").await;
    wait_for_text(browser, "1/1 on").await;
    assert_eq!(
        browser.current_url().await.unwrap(),
        before,
        "the toggle did not reload the page"
    );
    shots.take(browser, "contact-flow-on").await;

    // The settings icon opens the flow's settings.
    click(browser, "a[data-settings]").await;
    wait_for_text(browser, "Qualification Criteria").await;
    wait_for(browser, "#settings-form").await;
    shots.take(browser, "flow-settings").await;

    // A criterion: add a row, choose a field (the form re-renders with its operators), an
    // operator.
    click(browser, "button[value=\"add_condition.0\"]").await;
    let field = "[name=\"criteria.groups.0.conditions.0.field\"]";
    wait_for(browser, field).await;
    choose(browser, field, "Salutation").await;
    // The picklist's values arrive once the form came back from the server.
    wait_for(
        browser,
        "select[name=\"criteria.groups.0.conditions.0.value\"] option[value=\"Dr.\"]",
    )
    .await;
    choose(
        browser,
        "[name=\"criteria.groups.0.conditions.0.op\"]",
        "not_equals",
    )
    .await;
    wait_for(
        browser,
        "[name=\"criteria.groups.0.conditions.0.op\"] option[value=\"not_equals\"][selected]",
    )
    .await;
    choose(
        browser,
        "select[name=\"criteria.groups.0.conditions.0.value\"]",
        "Dr.",
    )
    .await;
    shots.take(browser, "criterion-added").await;

    // A lookup: another primary pair, NetSuite phone = Salesforce Phone.
    click(browser, "button[value=\"add_pair.primary\"]").await;
    let target = "[name=\"lookup.primary.1.target\"]";
    wait_for(browser, target).await;
    choose(browser, target, "phone").await;
    choose(browser, "[name=\"lookup.primary.1.source\"]", "Phone").await;
    assert_eq!(
        value_of(browser, "[name=\"criteria.groups.0.conditions.0.value\"]").await,
        "Dr.",
        "the criterion survived adding a lookup row"
    );
    shots.take(browser, "lookup-added").await;

    // Save: the page comes back with the message and the new summary.
    click(browser, "#save-settings").await;
    wait_for_text(browser, "Settings saved (version 2).").await;
    wait_for_text(browser, "Salutation does not equal Dr.").await;
    assert_eq!(
        value_of(browser, "[name=\"lookup.primary.1.source\"]").await,
        "Phone"
    );
    shots.take(browser, "saved").await;

    // Preview a real Salesforce contact: search by name, pick it, read the decision.
    let account = sf_create(
        app,
        "Account",
        json!({"Name": "Preview Browser Ltd", "NetSuite_Id__c": "842"}),
    )
    .await;
    let contact = sf_create(
        app,
        "Contact",
        json!({"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@example.com",
               "Phone": "+1 555 0100", "AccountId": account}),
    )
    .await;
    fill(browser, "#preview-q", "Hopper").await;
    click(browser, "#preview-find").await;
    click(browser, &format!("a[data-record={}]", quoted(&contact))).await;
    wait_for(browser, "#preview-report").await;
    wait_for_text(browser, "Would create a NetSuite contact.").await;
    wait_for_text(browser, "Grace Hopper").await;
    let payload = wait_for(browser, "#preview-payload")
        .await
        .text()
        .await
        .unwrap();
    assert!(payload.contains("\"lastName\": \"Hopper\""), "{payload}");
    assert!(payload.contains("\"phone\": \"+1 555 0100\""), "{payload}");
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/settings"),
        "the preview showed in place"
    );
    shots.take(browser, "preview").await;

    // The change is in the audit log, with its before and after.
    click(browser, ".crumbs a[href$=\"/settings\"]").await;
    click(browser, "[data-tab=\"audit\"]").await;
    wait_for_text(browser, "Changed the settings").await;
    click(
        browser,
        "li[data-action=\"flow.settings_changed\"] details.diff summary",
    )
    .await;
    wait_for_text(browser, "settings.criteria.groups.0.conditions.0.field").await;
    shots.take(browser, "audit-log").await;
    click(browser, "[data-tab=\"general\"]").await;
    wait_for(browser, "#listeners input[readonly]").await;
    shots.take(browser, "general").await;
}

#[tokio::test]
async fn an_admin_connects_turns_the_contact_flow_on_sets_criteria_and_previews_a_contact() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let browser = driver.browser().await;
    let mut shots = Shots::new("settings-path");
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(
        path_of_a_tenant_admin(&app, &browser, &mut shots),
    ))
    .await;
    if result.is_err() {
        shots.take(&browser, "failed").await;
    }
    let _ = browser.close().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    // Nothing was written to NetSuite by the preview.
    let written = app
        .sandbox
        .netsuite()
        .store()
        .records(ferry_sandbox::netsuite::schema::RecordType::Contact)
        .count();
    assert_eq!(written, 0, "the preview wrote nothing");
}
