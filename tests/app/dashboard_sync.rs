//! The dashboard with real syncs through the sandbox: a dependency error appears with its
//! hint and Salesforce link, resolves itself when the account syncs, and the record's
//! timeline tells the whole story; a skipped contact is listed with its reason.

use serde_json::json;

use crate::helpers::{all_between, between};
use crate::sync_fixture::Synced;

#[tokio::test]
async fn a_waiting_contact_shows_on_the_dashboard_and_resolves_itself_when_its_account_syncs() {
    let s = Synced::start_with(false, true).await;
    let dash = format!("/integrations/{}/dashboard", s.integration);
    let account = s
        .sf_create("Account", json!({"Name": "Dash Later Corp"}))
        .await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Waits", "AccountId": account}),
        )
        .await;
    s.eventually("the dependency error is open", || async {
        !s.open_errors(&contact).await.is_empty()
    })
    .await;

    let errors = s.owner.get_html(&format!("{dash}/errors")).await;
    assert!(errors.contains(&contact));
    assert!(errors.contains("dependency"));
    assert!(errors.contains("account not synced to NetSuite"));
    assert!(errors.contains("is not in NetSuite yet"), "the hint");
    assert!(
        errors.contains(&format!(
            "href=\"{}/{contact}\"",
            s.app.sandbox.salesforce_url()
        )),
        "links the Salesforce record"
    );
    let overview = s.owner.get_html(&dash).await;
    let card = between(
        &overview,
        &format!("id=\"flow-{}\"", s.contact_flow),
        "</section>",
    )
    .unwrap();
    assert!(
        card.contains("Open errors</dt><dd class=\"stat\"><a"),
        "{card}"
    );

    // Retry from the dashboard: the record goes back through the inbox (and fails the same
    // way while the account is still missing).
    let error_id = all_between(&errors, "aria-label=\"Select the error of ", "\"");
    assert_eq!(error_id, vec![contact.clone()]);
    let id = between(&errors, "data-error=\"", "\"").unwrap();
    let resp = s
        .owner
        .post_form(&format!("{dash}/errors/{id}/retry"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    s.eventually("the retry is processed", || async {
        s.outcomes(&contact).await.len() >= 2
    })
    .await;

    // The account syncs; the contact follows and its error resolves itself.
    s.set_flow(&s.account_flow, true).await;
    s.sf_update("Account", &account, json!({"Name": "Dash Later Corp Ltd"}))
        .await;
    s.written_back("Contact", &contact).await;
    s.eventually("the error is resolved", || async {
        s.open_errors(&contact).await.is_empty()
    })
    .await;
    let open = s.owner.get_html(&format!("{dash}/errors")).await;
    assert!(!open.contains(&format!("Select the error of {contact}")));
    let resolved = s
        .owner
        .get_html(&format!("{dash}/errors?status=resolved"))
        .await;
    assert!(resolved.contains(&contact));
    assert!(resolved.contains("Ferry (later sync succeeded)"));

    // The timeline answers "why didn't this sync?" and "what happened then?".
    let timeline = s.owner.get_html(&format!("{dash}/records/{contact}")).await;
    for want in [
        "Salesforce notification",
        "manual retry",
        "parent synced",
        "error opened (dependency)",
        "error resolved by Ferry (later sync succeeded)",
        "created NetSuite record",
        "no NetSuite record found, so create it",
    ] {
        assert!(timeline.contains(want), "timeline lacks {want:?}");
    }
}

#[tokio::test]
async fn a_standalone_contact_is_listed_under_skipped_records_and_on_its_run() {
    let s = Synced::start().await;
    let dash = format!("/integrations/{}/dashboard", s.integration);
    let contact = s.sf_create("Contact", json!({"LastName": "Alone"})).await;
    s.eventually("the contact is processed", || async {
        !s.outcomes(&contact).await.is_empty()
    })
    .await;
    let skipped = s
        .owner
        .get_html(&format!("{dash}/records?outcome=skipped"))
        .await;
    assert!(skipped.contains(&contact));
    assert!(skipped.contains("standalone contact"));
    let runs = s.owner.get_html(&format!("{dash}/runs")).await;
    let run = between(&runs, &format!("{dash}/runs/"), "\"").unwrap();
    let page = s.owner.get_html(&format!("{dash}/runs/{run}")).await;
    assert!(page.contains(&contact), "{page}");
    assert!(page.contains("not synced: standalone"));
}
