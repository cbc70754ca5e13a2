//! Injection through what people type: the preview's record search (a SOQL `LIKE` built from
//! the search box) must match names literally, wildcards and quotes included; qualification
//! criteria values compare literally too, and a criteria field that is not an API name is
//! refused before it could reach a query.

use std::collections::BTreeSet;

use serde_json::json;

use crate::flow_settings::{contact_form, set};
use crate::helpers::all_between;
use crate::injection_corpus::SEARCH_TERMS;
use crate::sync_fixture::Synced;

const NAMES: &[&str] = &[
    "50% off",
    "500 off",
    "a_b",
    "axb",
    "back\\slash",
    "backslash",
    "ends in back\\",
    "O'Brien",
    "OBrien",
    "x' OR 'a'='a",
    "100\\% sure",
    "under\\_score",
    "say \"hi\"",
    "it''s doubled",
];

#[tokio::test]
async fn the_preview_search_matches_quotes_backslashes_and_wildcards_literally() {
    let s = Synced::start_with(false, false).await;
    let mut contacts = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let id = s
            .sf_create(
                "Contact",
                json!({"LastName": name, "Email": format!("c{i}@example.com")}),
            )
            .await;
        // What Salesforce searches: the full name it computed, and the e-mail.
        let record = s.sf_get("Contact", &id).await;
        let searched = format!(
            "{}\n{}",
            record["Name"].as_str().unwrap(),
            record["Email"].as_str().unwrap()
        )
        .to_lowercase();
        contacts.push((id, searched));
    }
    let base = format!(
        "/integrations/{}/flows/{}/preview",
        s.integration, s.contact_flow
    );
    for term in SEARCH_TERMS {
        let expected: BTreeSet<String> = contacts
            .iter()
            .filter(|(_, searched)| searched.contains(&term.to_lowercase()))
            .map(|(id, _)| id.clone())
            .collect();
        let query = serde_urlencoded::to_string([("q", term)]).unwrap();
        let html = s.owner.get_html(&format!("{base}?{query}")).await;
        assert!(!html.contains("did not answer"), "{term:?}: {html}");
        let found: BTreeSet<String> = all_between(&html, "data-record=\"", "\"")
            .into_iter()
            .collect();
        assert_eq!(found, expected, "search for {term:?}");
    }
}

#[tokio::test]
async fn criteria_values_with_quotes_and_wildcards_compare_literally() {
    let s = Synced::start().await;
    let account = s
        .sf_create("Account", json!({"Name": "Criteria Corp"}))
        .await;
    s.written_back("Account", &account).await;
    // Qualifies: a title that is exactly the injection string, or one containing `50%_`.
    let criteria = json!({"match": "any", "groups": [{"match": "any", "conditions": [
        {"field": "Title", "op": "equals", "value": "x' OR '1'='1"},
        {"field": "Title", "op": "contains", "value": "50%_"},
        {"field": "Email", "op": "starts_with", "value": "'--"},
    ]}]});
    // Saved through the settings API, which validates them as the page does.
    let token = s.owner.create_token("criteria", "admin").await;
    let path = format!("/api/v1/flows/{}/settings", s.contact_flow);
    let (status, read) = s.api_get(&token, &path).await;
    assert_eq!(status, 200, "{read}");
    let mut settings = read["data"]["settings"].clone();
    settings["criteria"] = criteria;
    let body = json!({"version": read["data"]["version"], "settings": settings});
    let resp = reqwest::Client::new()
        .put(s.app.url(&path))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    let cases = [
        ("x' OR '1'='1", "plain@example.com", true),
        ("x", "plain2@example.com", false),
        ("1", "plain3@example.com", false),
        ("save 50%_ now", "plain4@example.com", true),
        ("save 500x now", "plain5@example.com", false),
        ("save 50% now", "plain6@example.com", false),
        ("Clerk", "'--x@example.com", true),
        ("Clerk", "x'--@example.com", false),
    ];
    let mut ids = Vec::new();
    for (i, (title, email, _)) in cases.iter().enumerate() {
        let id = s
            .sf_create(
                "Contact",
                json!({"LastName": format!("Case {i}"), "Title": title, "Email": email,
                       "AccountId": account}),
            )
            .await;
        ids.push(id);
    }
    for (id, (title, _, qualifies)) in ids.iter().zip(cases) {
        s.eventually("the contact is processed", || async {
            !s.outcomes(id).await.is_empty()
        })
        .await;
        let (outcome, reason) = s.outcomes(id).await.remove(0);
        if qualifies {
            assert_eq!(outcome, "created", "{title:?}: {reason}");
        } else {
            assert_eq!(outcome, "skipped", "{title:?}");
            assert!(reason.contains("qualification criteria"), "{reason}");
        }
    }
}

#[tokio::test]
async fn a_criteria_field_that_is_not_an_api_name_is_refused() {
    let s = Synced::start_with(false, false).await;
    let path = format!(
        "/integrations/{}/flows/{}/settings",
        s.integration, s.contact_flow
    );
    let before = s.flow_row(&s.contact_flow).await;
    let post = |field: &'static str| {
        let mut fields = contact_form(before.version);
        set(&mut fields, "criteria.groups.0.match", "all");
        set(&mut fields, "criteria.groups.0.conditions.0.field", field);
        set(&mut fields, "criteria.groups.0.conditions.0.op", "equals");
        set(&mut fields, "criteria.groups.0.conditions.0.value", "x");
        set(&mut fields, "action", "save");
        let path = path.clone();
        let owner = &s.owner;
        async move {
            let body: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            owner.post_form(&path, &body).await
        }
    };
    for field in [
        "Email) FROM User --",
        "Email' OR '1'='1",
        "Id, Password__c",
        "Account.Name FROM Account WHERE Name LIKE '%",
    ] {
        let resp = post(field).await;
        assert_eq!(resp.status(), 422, "{field:?} was accepted");
        let html = resp.text().await.unwrap();
        assert!(html.contains("is not a Salesforce field name."), "{html}");
    }
    let after = s.flow_row(&s.contact_flow).await;
    assert_eq!(after.version, before.version, "nothing was saved");
    assert_eq!(after.settings, before.settings);
    // The same form with an API name saves: the refusals were the field's.
    assert_eq!(post("Title").await.status(), 303);
}

/// A U+0000 typed into a form is refused with a message; PostgreSQL could not store it, and
/// the flow settings and integration name answered with a server error.
#[tokio::test]
async fn a_nul_character_in_a_form_is_refused_with_a_message() {
    let s = Synced::start_with(false, false).await;
    let path = format!(
        "/integrations/{}/flows/{}/settings",
        s.integration, s.contact_flow
    );
    let before = s.flow_row(&s.contact_flow).await;
    for (name, value) in [
        ("criteria.groups.0.conditions.0.value", "a\0b"),
        ("mappings.5.constant", "c\0d"),
        ("mappings.5.default", "e\0f"),
    ] {
        let mut fields = contact_form(before.version);
        set(&mut fields, "criteria.groups.0.match", "all");
        set(&mut fields, "criteria.groups.0.conditions.0.field", "Title");
        set(&mut fields, "criteria.groups.0.conditions.0.op", "equals");
        set(&mut fields, "criteria.groups.0.conditions.0.value", "CEO");
        if name == "mappings.5.constant" {
            set(&mut fields, "mappings.5.source", "@constant");
        }
        set(&mut fields, name, value);
        set(&mut fields, "action", "save");
        let body: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let resp = s.owner.post_form(&path, &body).await;
        assert_eq!(resp.status(), 422, "{name}");
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("Remove the control characters"),
            "{name}: {html}"
        );
    }
    assert_eq!(s.flow_row(&s.contact_flow).await.version, before.version);
    let general = format!("/integrations/{}/settings/general", s.integration);
    for (path, fields) in [
        (
            general.as_str(),
            vec![("name", "x\0y"), ("environment", "production")],
        ),
        (
            "/settings/api-tokens",
            vec![("name", "t\0k"), ("role", "viewer")],
        ),
        ("/workspaces", vec![("company", "w\0s")]),
    ] {
        let resp = s.owner.post_form(path, &fields).await;
        assert_eq!(resp.status(), 422, "{path}");
    }
}
