//! Settings > Integration Flows: the tabbed Settings page, the flow toggle in its row, the
//! flow settings form (criteria, lookup, mappings, switches) with every form path — valid,
//! invalid, stale version, wrong role, another tenant — the preview, the audit log, and the
//! settings JSON API.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestClient, between, location};
use crate::roles::join_as;
use crate::sync_fixture::Synced;

pub type Fields = Vec<(String, String)>;

pub fn set(fields: &mut Fields, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_owned(), value.to_owned()));
}

/// The Contact flow's settings form as the page first shows it (the defaults), at `version`.
pub fn contact_form(version: i32) -> Fields {
    let mut f: Vec<(&str, String)> = vec![
        ("version", version.to_string()),
        ("criteria.match", "all".into()),
        ("create", "on".into()),
        ("update", "on".into()),
        ("poll_interval_minutes", "15".into()),
        ("lookup.primary.0.target", "email".into()),
        ("lookup.primary.0.source", "Email".into()),
        ("lookup.secondary.0.target", "firstName".into()),
        ("lookup.secondary.0.source", "FirstName".into()),
        ("lookup.secondary.1.target", "lastName".into()),
        ("lookup.secondary.1.source", "LastName".into()),
        ("lookup.secondary.2.target", "company".into()),
        ("lookup.secondary.2.source", "@parent".into()),
    ];
    let mappings = [
        ("firstName", "FirstName"),
        ("lastName", "LastName"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("mobilePhone", "MobilePhone"),
        ("title", "Title"),
        ("company", "@parent"),
    ];
    let mut out: Fields = f.drain(..).map(|(k, v)| (k.to_owned(), v)).collect();
    for (i, (target, source)) in mappings.iter().enumerate() {
        out.push((format!("mappings.{i}.target"), (*target).to_owned()));
        out.push((format!("mappings.{i}.source"), (*source).to_owned()));
        out.push((format!("mappings.{i}.constant"), String::new()));
        out.push((format!("mappings.{i}.case"), String::new()));
        out.push((format!("mappings.{i}.default"), String::new()));
        out.push((format!("mappings.{i}.value_map"), String::new()));
    }
    out
}

async fn post_settings(
    c: &TestClient,
    integration: &str,
    flow: &str,
    fields: &Fields,
    action: &str,
) -> reqwest::Response {
    let mut body: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    body.push(("action", action));
    c.post_form(
        &format!("/integrations/{integration}/flows/{flow}/settings"),
        &body,
    )
    .await
}

fn settings_path(integration: &str, flow: &str) -> String {
    format!("/integrations/{integration}/flows/{flow}/settings")
}

async fn htmx_toggle(c: &TestClient, integration: &str, flow: &str, on: bool) -> reqwest::Response {
    c.http
        .post(format!(
            "{}/integrations/{integration}/settings/flows/{flow}/toggle",
            c.base
        ))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &c.csrf)
        .form(&[("enabled", if on { "on" } else { "off" })])
        .send()
        .await
        .unwrap()
}

async fn api(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn the_settings_page_has_tabs_and_a_row_per_flow_in_each_section() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Tabs Co").await;
    let integration = owner.first_integration_id().await;
    let base = format!("/integrations/{integration}/settings");

    let flows = owner.get_html(&base).await;
    for tab in ["Integration Flows", "Connections", "General", "Audit log"] {
        assert!(flows.contains(tab), "{tab} tab");
    }
    assert!(flows.contains("data-section=\"Account\""));
    assert!(flows.contains("data-section=\"Contact\""));
    assert!(flows.contains("Salesforce Account to NetSuite Customer Add/Update"));
    assert!(
        !flows.contains("Salesforce Contact to NetSuite Contact"),
        "one section at a time"
    );
    assert!(flows.contains("role=\"switch\""), "the toggle");
    assert!(flows.contains("Flow settings"), "the settings icon");

    let contact = owner.get_html(&format!("{base}?section=Contact")).await;
    assert!(contact.contains("Salesforce Contact to NetSuite Contact Add/Update"));
    assert!(contact.contains("Real-time"));
    assert!(contact.contains("Never"), "no run yet");

    let connections = owner.get_html(&format!("{base}?tab=connections")).await;
    assert!(connections.contains("data-system=\"salesforce\""));
    assert!(connections.contains("Not connected"));

    let general = owner.get_html(&format!("{base}?tab=general")).await;
    assert!(general.contains("Integration name"));
    assert!(general.contains("/listeners/"), "listener URLs for admins");
    assert!(general.contains("data-copy"), "copy buttons");
    assert!(general.contains("Outbound Messages"), "setup steps");
}

#[tokio::test]
async fn turning_a_flow_on_without_connections_is_refused_with_the_reason_in_its_row() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Refused Co").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(1);

    let resp = htmx_toggle(&owner, &integration, &flow, true).await;
    assert_eq!(resp.status(), 200);
    let row = resp.text().await.unwrap();
    assert!(row.starts_with("<tr"), "the row alone: {row}");
    assert!(
        row.contains("Cannot turn it on: Connect Salesforce first"),
        "{row}"
    );
    assert!(row.contains("aria-checked=\"false\""));

    // Without JavaScript: back to the section with the reason as a flash message.
    let resp = owner
        .post_form(
            &format!("/integrations/{integration}/settings/flows/{flow}/toggle"),
            &[("enabled", "on")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        location(&resp),
        format!("/integrations/{integration}/settings?section=Contact")
    );
    let page = owner.get_html(&location(&resp)).await;
    assert!(page.contains("Cannot turn Salesforce Contact to NetSuite Contact Add/Update on"));
}

#[tokio::test]
async fn a_connected_flow_toggles_on_and_off_in_place() {
    let s = Synced::start_with(false, false).await;
    let resp = htmx_toggle(&s.owner, &s.integration, &s.contact_flow, true).await;
    let row = resp.text().await.unwrap();
    assert!(row.contains("aria-checked=\"true\""), "{row}");
    assert!(
        row.contains("hx-swap-oob=\"true\">1/1 on"),
        "the section count: {row}"
    );
    assert!(!row.contains("Cannot turn"));
    let resp = htmx_toggle(&s.owner, &s.integration, &s.contact_flow, false).await;
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("aria-checked=\"false\"")
    );
    let audit = s
        .owner
        .get_html(&format!("/integrations/{}/audit", s.integration))
        .await;
    assert!(audit.contains("Turned the flow on"));
    assert!(audit.contains("Turned the flow off"));
}

#[tokio::test]
async fn the_form_offers_salesforce_fields_with_type_aware_operators_and_values() {
    let s = Synced::start_with(false, false).await;
    let path = settings_path(&s.integration, &s.contact_flow);
    let page = s.owner.get_html(&path).await;
    assert!(page.contains("Qualification Criteria"));
    assert!(page.contains("Define Lookup Criteria"));
    assert!(page.contains("Field mappings"));
    assert!(page.contains("Email (Email)"), "labels from describe");
    assert!(
        page.contains("Account: Account Type (Account.Type)"),
        "parent fields"
    );
    assert!(
        page.contains("Last name (lastName) *"),
        "required target marked"
    );
    assert!(!page.contains("fields-unavailable"));

    // A picklist condition: its values to choose from, and only fitting operators.
    let mut fields = contact_form(1);
    set(&mut fields, "criteria.groups.0.match", "all");
    set(
        &mut fields,
        "criteria.groups.0.conditions.0.field",
        "Salutation",
    );
    set(&mut fields, "criteria.groups.0.conditions.0.op", "equals");
    set(&mut fields, "criteria.groups.0.conditions.0.value", "");
    let resp = post_settings(
        &s.owner,
        &s.integration,
        &s.contact_flow,
        &fields,
        "refresh",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    let condition = between(&html, "data-condition=\"0.0\"", "cell-remove").unwrap();
    assert!(condition.contains("<option value=\"Mr.\""), "{condition}");
    assert!(
        !condition.contains("value=\"contains\""),
        "no contains on a picklist"
    );

    // A date-time condition: a date input and before / after only.
    set(
        &mut fields,
        "criteria.groups.0.conditions.0.field",
        "CreatedDate",
    );
    set(
        &mut fields,
        "criteria.groups.0.conditions.0.op",
        "greater_than",
    );
    let html = post_settings(
        &s.owner,
        &s.integration,
        &s.contact_flow,
        &fields,
        "refresh",
    )
    .await
    .text()
    .await
    .unwrap();
    let condition = between(&html, "data-condition=\"0.0\"", "cell-remove").unwrap();
    assert!(condition.contains("type=\"date\""), "{condition}");
    assert!(!condition.contains("value=\"equals\""));
}

#[tokio::test]
async fn without_salesforce_the_form_falls_back_to_typed_field_names_with_a_notice() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Offline Co").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(1);
    let page = owner.get_html(&settings_path(&integration, &flow)).await;
    assert!(page.contains("id=\"fields-unavailable\""), "the notice");
    assert!(page.contains("the Salesforce connection is missing"), "why");
    assert!(
        page.contains("name=\"mappings.0.field\" value=\"FirstName\""),
        "typed names kept"
    );

    // Typed names still save.
    let mut fields = contact_form(1);
    set(&mut fields, "mappings.0.source", "@field");
    set(&mut fields, "mappings.0.field", "FirstName");
    let resp = post_settings(&owner, &integration, &flow, &fields, "save").await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
}

#[tokio::test]
async fn add_and_remove_buttons_change_rows_and_keep_what_was_typed() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Rows Co").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(1);
    let mut fields = contact_form(1);
    set(&mut fields, "mappings.3.default", "n/a typed");

    let html = post_settings(&owner, &integration, &flow, &fields, "add_condition.0")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-condition=\"0.0\""), "a first condition");
    assert!(html.contains("value=\"n/a typed\""), "input kept");

    set(&mut fields, "criteria.groups.0.match", "all");
    set(&mut fields, "criteria.groups.0.conditions.0.field", "Email");
    set(
        &mut fields,
        "criteria.groups.0.conditions.0.op",
        "is_not_empty",
    );
    let html = post_settings(&owner, &integration, &flow, &fields, "add_pair.primary")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-pair=\"primary.1\""));
    assert!(html.contains("data-condition=\"0.0\""));

    let html = post_settings(&owner, &integration, &flow, &fields, "remove_mapping.6")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-mapping=\"5\""));
    assert!(!html.contains("data-mapping=\"6\""));
    let html = post_settings(&owner, &integration, &flow, &fields, "remove_condition.0.0")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("data-condition="));
    // Nothing was saved by any of this.
    let page = owner.get_html(&settings_path(&integration, &flow)).await;
    assert!(page.contains("version 1"));
}

#[tokio::test]
async fn a_valid_save_stores_the_settings_and_the_audit_log_shows_the_diff() {
    let s = Synced::start_with(false, false).await;
    let mut fields = contact_form(1);
    set(&mut fields, "criteria.groups.0.match", "all");
    set(&mut fields, "criteria.groups.0.conditions.0.field", "Email");
    set(
        &mut fields,
        "criteria.groups.0.conditions.0.op",
        "is_not_empty",
    );
    set(
        &mut fields,
        "criteria.groups.0.conditions.1.field",
        "Salutation",
    );
    set(&mut fields, "criteria.groups.0.conditions.1.op", "in_list");
    set(
        &mut fields,
        "criteria.groups.0.conditions.1.value",
        "Mr., Ms.",
    );
    set(&mut fields, "lookup.secondary.0.target", "phone");
    set(&mut fields, "lookup.secondary.0.source", "Phone");
    set(&mut fields, "mappings.2.trim", "on");
    set(&mut fields, "mappings.2.case", "lower");
    set(
        &mut fields,
        "mappings.5.value_map",
        "CEO = Chief Executive\n* = Staff",
    );
    set(&mut fields, "mappings.7.target", "comments");
    set(&mut fields, "mappings.7.source", "@constant");
    set(&mut fields, "mappings.7.constant", "From Salesforce");
    set(&mut fields, "update", "");
    let resp = post_settings(&s.owner, &s.integration, &s.contact_flow, &fields, "save").await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let path = settings_path(&s.integration, &s.contact_flow);
    assert_eq!(location(&resp), path);
    let page = s.owner.get_html(&path).await;
    assert!(page.contains("Settings saved (version 2)."));
    assert!(page.contains("Email is not empty AND Salutation is one of Mr., Ms."));
    assert!(page.contains("value=\"From Salesforce\""));

    let token = s.owner.create_token("settings", "viewer").await;
    let (status, body) = api(
        &s.app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/flows/{}/settings", s.contact_flow),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let settings = &body["data"]["settings"];
    assert_eq!(body["data"]["version"], 2);
    assert_eq!(settings["update"], false);
    assert_eq!(settings["lookup"]["secondary"][0]["target"], "phone");
    assert_eq!(
        settings["mappings"][2]["transforms"],
        json!([{"kind": "trim"}, {"kind": "lower"}])
    );
    assert_eq!(
        settings["mappings"][5]["transforms"][0],
        json!({"kind": "value_map", "entries": [{"from": "CEO", "to": "Chief Executive"}], "otherwise": "Staff"})
    );
    assert_eq!(
        settings["mappings"][7]["source"],
        json!({"kind": "constant", "value": "From Salesforce"})
    );

    let audit = s
        .owner
        .get_html(&format!("/integrations/{}/audit", s.integration))
        .await;
    assert!(audit.contains("Changed the settings"));
    assert!(audit.contains("Contact flow"));
    assert!(audit.contains("Qualification criteria: Every record → Email is not empty"));
    assert!(audit.contains("settings.update"));
    assert!(audit.contains("settings.lookup.secondary.0.target"));
}

#[tokio::test]
async fn an_invalid_save_comes_back_with_messages_at_the_fields_and_the_input_kept() {
    let s = Synced::start_with(false, false).await;
    let mut fields = contact_form(1);
    set(&mut fields, "criteria.groups.0.match", "all");
    set(&mut fields, "criteria.groups.0.conditions.0.field", "Email");
    set(&mut fields, "criteria.groups.0.conditions.0.op", "equals");
    set(&mut fields, "criteria.groups.0.conditions.0.value", "");
    set(
        &mut fields,
        "criteria.groups.0.conditions.1.field",
        "CreatedDate",
    );
    set(&mut fields, "criteria.groups.0.conditions.1.op", "contains");
    set(&mut fields, "criteria.groups.0.conditions.1.value", "2026");
    set(&mut fields, "mappings.1.target", "email");
    set(&mut fields, "mappings.6.source", "@constant");
    set(&mut fields, "mappings.6.constant", "");
    set(&mut fields, "poll_interval_minutes", "0");
    set(&mut fields, "mappings.3.default", "kept input");
    let resp = post_settings(&s.owner, &s.integration, &s.contact_flow, &fields, "save").await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Not saved:"), "summary");
    let first = between(&html, "data-condition=\"0.0\"", "cell-remove").unwrap();
    assert!(first.contains("Enter a value for"), "{first}");
    let second = between(&html, "data-condition=\"0.1\"", "cell-remove").unwrap();
    assert!(
        second.contains("does not apply to a date/time field"),
        "{second}"
    );
    let mapping = between(&html, "data-mapping=\"2\"", "</tr>").unwrap();
    assert!(mapping.contains("is mapped twice"), "{mapping}");
    assert!(html.contains("is required by NetSuite: map it."));
    assert!(html.contains("Enter the constant value."));
    assert!(html.contains("Poll every 1 to 1440 minutes."));
    assert!(html.contains("value=\"kept input\""), "input kept");
    assert!(html.contains("value=\"2026\""));
    let page = s
        .owner
        .get_html(&settings_path(&s.integration, &s.contact_flow))
        .await;
    assert!(page.contains("version 1"), "nothing saved");
}

#[tokio::test]
async fn a_save_over_a_stale_version_is_refused_and_overwrites_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Race Co").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(1);
    let (other_admin, _) = join_as(&app, &owner, "admin").await;

    let mut first = contact_form(1);
    set(&mut first, "poll_interval_minutes", "30");
    let resp = post_settings(&other_admin, &integration, &flow, &first, "save").await;
    assert_eq!(resp.status(), 303);

    let mut second = contact_form(1);
    set(&mut second, "poll_interval_minutes", "45");
    let resp = post_settings(&owner, &integration, &flow, &second, "save").await;
    assert_eq!(resp.status(), 409);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("someone else changed these settings"),
        "{html}"
    );
    assert!(html.contains("saved at"), "who and when");
    assert!(html.contains("value=\"45\""), "the person's input is kept");

    let page = owner.get_html(&settings_path(&integration, &flow)).await;
    assert!(page.contains("version 2"));
    assert!(page.contains("value=\"30\""), "the first save stands");
}

#[tokio::test]
async fn viewers_read_settings_and_only_admins_change_them() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Roles Co").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(1);
    let path = settings_path(&integration, &flow);
    let (viewer, _) = join_as(&app, &owner, "viewer").await;
    let (member, _) = join_as(&app, &owner, "member").await;
    let (admin, _) = join_as(&app, &owner, "admin").await;

    let page = viewer.get_html(&path).await;
    assert!(page.contains("read-only"));
    assert!(page.contains("<fieldset class=\"bare\" disabled>"));
    assert!(!page.contains("id=\"save-settings\""));
    assert!(!page.contains("hx-post"));
    assert!(page.contains("Members, admins and owners can preview"));
    let settings = viewer
        .get_html(&format!("/integrations/{integration}/settings"))
        .await;
    assert!(
        !settings.contains("role=\"switch\""),
        "no toggle for viewers"
    );

    for c in [&viewer, &member] {
        let resp = post_settings(c, &integration, &flow, &contact_form(1), "save").await;
        assert_eq!(resp.status(), 403);
        let resp = htmx_toggle(c, &integration, &flow, true).await;
        assert_eq!(resp.status(), 403);
        let resp = c
            .post_form(
                &format!("/integrations/{integration}/settings/general"),
                &[("name", "X"), ("environment", "sandbox")],
            )
            .await;
        assert_eq!(resp.status(), 403);
    }
    assert_eq!(
        viewer
            .get(&format!("/integrations/{integration}/flows/{flow}/preview"))
            .await
            .status(),
        403
    );
    assert_eq!(
        member
            .get(&format!("/integrations/{integration}/flows/{flow}/preview"))
            .await
            .status(),
        200
    );
    let resp = post_settings(&admin, &integration, &flow, &contact_form(1), "save").await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn another_tenants_flow_settings_are_not_found() {
    let app = TestApp::spawn().await;
    let b = app.owner("Tenant B").await;
    let b_integration = b.first_integration_id().await;
    let b_flow = b.flow_ids(&b_integration).await.remove(1);
    let a = app.owner("Tenant A").await;
    let a_integration = a.first_integration_id().await;

    let path = settings_path(&b_integration, &b_flow);
    assert_eq!(a.get(&path).await.status(), 404);
    let resp = post_settings(&a, &b_integration, &b_flow, &contact_form(1), "save").await;
    assert_eq!(resp.status(), 404);
    // B's flow under A's integration is not found either.
    let mixed = settings_path(&a_integration, &b_flow);
    assert_eq!(a.get(&mixed).await.status(), 404);
    let resp = post_settings(&a, &a_integration, &b_flow, &contact_form(1), "save").await;
    assert_eq!(resp.status(), 404);
    let resp = htmx_toggle(&a, &a_integration, &b_flow, true).await;
    assert_eq!(resp.status(), 404);
    let token = a.create_token("a", "admin").await;
    let (status, _) = api(
        &app,
        &token,
        reqwest::Method::PUT,
        &format!("/api/v1/flows/{b_flow}/settings"),
        Some(json!({"version": 1, "settings": {}})),
    )
    .await;
    assert_eq!(status, 404);
    let page = b.get_html(&path).await;
    assert!(page.contains("version 1"), "B's settings untouched");
}

#[tokio::test]
async fn the_settings_api_validates_and_checks_the_version_like_the_form() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Api Co").await;
    let integration = owner.first_integration_id().await;
    let flow = owner.flow_ids(&integration).await.remove(1);
    let admin = owner.create_token("admin", "admin").await;
    let viewer = owner.create_token("viewer", "viewer").await;
    let path = format!("/api/v1/flows/{flow}/settings");

    let (status, body) = api(&app, &viewer, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["version"], 1);
    assert_eq!(body["data"]["criteria_summary"], "Every record");
    let mut settings = body["data"]["settings"].clone();
    settings["criteria"] = json!({"match": "all", "groups": [{"match": "any", "conditions": [
        {"field": "Email", "op": "is_not_empty"}, {"field": "Phone", "op": "starts_with", "value": "+44"}]}]});

    let put = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        let path = path.clone();
        async move { api(app, &token, reqwest::Method::PUT, &path, Some(body)).await }
    };
    let (status, _) = put(&viewer, json!({"version": 1, "settings": settings})).await;
    assert_eq!(status, 403);
    let (status, body) = put(&admin, json!({"version": 1, "settings": settings})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["version"], 2);
    assert_eq!(
        body["data"]["criteria_summary"],
        "Email is not empty OR Phone starts with +44"
    );

    let (status, body) = put(&admin, json!({"version": 1, "settings": settings})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");

    let mut invalid = settings.clone();
    invalid["mappings"][0]["target"] = json!("nope");
    invalid["poll_interval_minutes"] = json!(0);
    let (status, body) = put(&admin, json!({"version": 2, "settings": invalid})).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"mappings.0.target"), "{fields:?}");
    assert!(fields.contains(&"poll_interval_minutes"), "{fields:?}");

    let (status, body) = put(&admin, json!({"settings": "nonsense"})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = api(&app, &viewer, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["version"], 2, "nothing else was stored");
}

#[tokio::test]
async fn preview_finds_records_by_name_or_id_and_shows_the_payload_without_writing() {
    let s = Synced::start_with(false, false).await;
    let account = s
        .sf_create(
            "Account",
            json!({"Name": "Preview Works Ltd", "NetSuite_Id__c": "842"}),
        )
        .await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@example.com",
                   "AccountId": account}),
        )
        .await;
    let standalone = s
        .sf_create(
            "Contact",
            json!({"LastName": "Alone", "Email": "alone@example.com"}),
        )
        .await;
    let base = format!(
        "/integrations/{}/flows/{}/preview",
        s.integration, s.contact_flow
    );

    let hits = s.owner.get_html(&format!("{base}?q=hopp")).await;
    assert!(
        hits.contains(&format!("data-record=\"{contact}\"")),
        "{hits}"
    );
    assert!(hits.contains("grace@example.com"));
    let by_id = s.owner.get_html(&format!("{base}?q={contact}")).await;
    assert!(by_id.contains(&format!("data-record=\"{contact}\"")));
    let none = s.owner.get_html(&format!("{base}?q=zzz%27%25")).await;
    assert!(none.contains("No Contact matches"));

    let report = s
        .owner
        .get_html(&format!("{base}?record_id={contact}"))
        .await;
    assert!(report.contains("data-action=\"create\""), "{report}");
    assert!(report.contains("Would create a NetSuite contact."));
    assert!(
        report.contains("Grace Hopper"),
        "the record's name as heading"
    );
    assert!(report.contains("No criteria: every record qualifies."));
    assert!(report.contains("is NetSuite record 842"));
    let payload = between(&report, "id=\"preview-payload\">", "</pre>").unwrap();
    assert!(
        payload.contains("&#34;lastName&#34;: &#34;Hopper&#34;"),
        "{payload}"
    );
    assert!(payload.contains("&#34;company&#34;: {"), "{payload}");
    assert!(report.contains("NetSuite_Id__c"), "write-back named");

    let skipped = s
        .owner
        .get_html(&format!("{base}?record_id={standalone}"))
        .await;
    assert!(skipped.contains("data-action=\"skip\""));
    assert!(skipped.contains("standalone contact"));

    // Nothing was written anywhere.
    assert!(s.ns_records("contact").is_empty());
    let record = s.sf_get("Contact", &contact).await;
    assert!(record["NetSuite_Id__c"].is_null(), "{record}");
}

#[tokio::test]
async fn preview_explains_a_record_that_fails_the_criteria() {
    let s = Synced::start_with(false, false).await;
    let mut fields = contact_form(1);
    set(&mut fields, "criteria.groups.0.match", "all");
    set(&mut fields, "criteria.groups.0.conditions.0.field", "Title");
    set(&mut fields, "criteria.groups.0.conditions.0.op", "equals");
    set(&mut fields, "criteria.groups.0.conditions.0.value", "CEO");
    let resp = post_settings(&s.owner, &s.integration, &s.contact_flow, &fields, "save").await;
    assert_eq!(resp.status(), 303);
    let contact = s
        .sf_create("Contact", json!({"LastName": "Clerk", "Title": "Clerk"}))
        .await;
    let report = s
        .owner
        .get_html(&format!(
            "/integrations/{}/flows/{}/preview?record_id={contact}",
            s.integration, s.contact_flow
        ))
        .await;
    assert!(report.contains("Does not qualify:"), "{report}");
    assert!(report.contains("✗ Title equals CEO"));
    assert!(report.contains("data-action=\"skip\""));
}

#[tokio::test]
async fn general_settings_rename_the_integration_and_refuse_bad_input() {
    let app = TestApp::spawn().await;
    let owner = app.owner("General Co").await;
    let integration = owner.first_integration_id().await;
    let path = format!("/integrations/{integration}/settings/general");
    let resp = owner
        .post_form(&path, &[("name", "  "), ("environment", "staging")])
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Give the integration a name."));
    assert!(html.contains("Choose production or sandbox."));

    let resp = owner
        .post_form(&path, &[("name", "EU org"), ("environment", "sandbox")])
        .await;
    assert_eq!(resp.status(), 303);
    let home = owner.home_html().await;
    assert!(home.contains("EU org"));
    assert!(home.contains(">sandbox<"));
    let audit = owner
        .get_html(&format!("/integrations/{integration}/audit"))
        .await;
    assert!(audit.contains("Changed the general settings"));
    assert!(audit.contains("EU org"));
}
