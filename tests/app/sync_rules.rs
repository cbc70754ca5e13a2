//! End to end, the rules around the happy path: lookups of records that already exist in
//! NetSuite, ambiguous lookups, redelivered and reordered notifications, names outside ASCII,
//! contacts changing account, qualification criteria, remote faults and crash safety, "sync
//! existing records", the listener's refusals, scheduled polling and manual retries.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::location;
use crate::sync_fixture::Synced;

/// A synced account: (Salesforce id, NetSuite customer id).
async fn synced_account(s: &Synced, name: &str) -> (String, String) {
    let account = s.sf_create("Account", json!({ "Name": name })).await;
    let customer = s.written_back("Account", &account).await;
    (account, customer)
}

#[tokio::test]
async fn an_existing_netsuite_contact_with_the_same_email_is_found_updated_and_linked() {
    let s = Synced::start().await;
    let (account, customer) = synced_account(&s, "Langley Research").await;
    // Entered by hand in NetSuite: no external id, no company, an older title.
    let existing = s.ns_create(
        "contact",
        &[
            ("firstName", "Mary"),
            ("lastName", "Jackson"),
            ("email", "mary.jackson@nasa.example"),
            ("title", "Computer"),
        ],
        None,
    );

    // The e-mail differs in case only: NetSuite compares case-sensitively, the lookup must not.
    let contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": "Mary", "LastName": "Jackson", "Email": "Mary.Jackson@NASA.example",
                   "Title": "Engineer", "AccountId": account}),
        )
        .await;
    let ns_id = s.written_back("Contact", &contact).await;
    assert_eq!(ns_id, existing, "the existing contact's id is written back");
    s.settled(&contact).await;

    let contacts = s.ns_records("contact");
    assert_eq!(contacts.len(), 1, "no new contact: {contacts:?}");
    let c = &contacts[0];
    assert_eq!(c.id, existing);
    assert_eq!(c.fields["title"], "Engineer", "updated from Salesforce");
    assert_eq!(
        c.fields["company"],
        customer.as_str(),
        "attached to the customer"
    );
    assert_eq!(c.fields["email"], "Mary.Jackson@NASA.example");

    let details = s.outcome_details(&contact).await;
    assert_eq!(details[0].0, "updated", "{details:?}");
    assert_eq!(details[0].1["found_by"], "primary", "{details:?}");
    assert_eq!(details[0].1["write_back"], true, "{details:?}");
}

#[tokio::test]
async fn two_netsuite_contacts_with_the_same_email_are_an_ambiguous_error_and_nothing_is_created() {
    let s = Synced::start().await;
    let (account, _) = synced_account(&s, "Twins Inc").await;
    let first = s.ns_create(
        "contact",
        &[("lastName", "Twin One"), ("email", "twins@example.com")],
        None,
    );
    let second = s.ns_create(
        "contact",
        &[("lastName", "Twin Two"), ("email", "TWINS@example.com")],
        None,
    );

    let contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": "Tom", "LastName": "Twin", "Email": "twins@example.com", "AccountId": account}),
        )
        .await;
    s.eventually("the ambiguity is an open error", || async {
        !s.open_errors(&contact).await.is_empty()
    })
    .await;
    let errors = s.open_errors(&contact).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "ambiguous");
    assert!(errors[0].1.contains(&first), "lists {first}: {errors:?}");
    assert!(errors[0].1.contains(&second), "lists {second}: {errors:?}");
    assert!(
        errors[0].1.contains("primary"),
        "names the lookup: {errors:?}"
    );

    assert_eq!(s.ns_records("contact").len(), 2, "nothing created");
    assert!(s.ns_by_external_id("contact", &contact).is_empty());
    assert_eq!(
        s.netsuite_id_on("Contact", &contact).await,
        None,
        "no id written back"
    );
}

#[tokio::test]
async fn duplicated_and_reordered_notifications_make_one_netsuite_contact_each() {
    let s = Synced::start().await;
    let (account, customer) = synced_account(&s, "Echo Echo Ltd").await;
    let sf = s.app.sandbox.salesforce();
    let mut settings = sf.settings();
    settings.outbound.duplicate_rate = 1.0;
    settings.outbound.reorder = true;
    sf.set_settings(settings).unwrap();

    let mut contacts = Vec::new();
    for i in 0..10 {
        let id = s
            .sf_create(
                "Contact",
                json!({"FirstName": format!("Echo{i}"), "LastName": "Chamber",
                       "Email": format!("echo{i}@example.com"), "AccountId": account}),
            )
            .await;
        contacts.push(id);
    }
    for contact in &contacts {
        let ns_id = s.written_back("Contact", contact).await;
        let found = s.ns_by_external_id("contact", contact);
        assert_eq!(found.len(), 1, "one NetSuite contact for {contact}");
        assert_eq!(found[0].id, ns_id);
        assert_eq!(found[0].fields["company"], customer.as_str());
    }

    // Every notification, the write-backs' included, was delivered twice on purpose.
    s.eventually("duplicates were delivered and acknowledged", || async {
        let log = s
            .sandbox_get("salesforce", "/__sandbox/outbound/deliveries")
            .await;
        let duplicated: BTreeSet<String> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["duplicate"] == true && d["acked"] == true)
            .flat_map(|d| d["record_ids"].as_array().unwrap().clone())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        contacts.iter().all(|c| duplicated.contains(c))
    })
    .await;
    // Let the write-backs' notifications (and their duplicates) settle.
    s.eventually("every contact's write-back was processed", || async {
        let mut all = true;
        for c in &contacts {
            all &= s.outcomes(c).await.len() >= 2;
        }
        all
    })
    .await;
    for c in &contacts {
        s.settled(c).await;
    }

    assert_eq!(
        s.ns_records("contact").len(),
        10,
        "no duplicates in NetSuite"
    );
    for contact in &contacts {
        let outcomes = s.outcomes(contact).await;
        let created = outcomes.iter().filter(|(o, _)| o == "created").count();
        assert_eq!(created, 1, "created once: {outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|(o, _)| o == "created" || o == "unchanged"),
            "{outcomes:?}"
        );
        // The inbox kept one row per notification id.
        let dupes = s
            .count(
                "SELECT COUNT(*) AS n FROM (SELECT notification_id FROM sync_events \
                 WHERE record_id = $1 GROUP BY notification_id HAVING COUNT(*) > 1) d",
                vec![contact.as_str().into()],
            )
            .await;
        assert_eq!(dupes, 0, "no notification stored twice for {contact}");
    }
}

#[tokio::test]
async fn names_with_quotes_accents_cjk_and_emoji_arrive_unchanged() {
    let s = Synced::start().await;
    let (account, _) = synced_account(&s, "Ünïcödé & Søns 株式会社").await;
    let customers = s.ns_by_external_id("customer", &account);
    assert_eq!(
        customers[0].fields["companyName"],
        "Ünïcödé & Søns 株式会社"
    );

    let people = [
        (
            "Zoë \"Z\"",
            "O'Brien",
            "zoe.obrien@example.com",
            "Head of <R&D>",
        ),
        ("太郎", "山田", "yamada@example.jp", "課長"),
        (
            "🚀 Rocket",
            "Ñandú 😀",
            "rocket@example.com",
            "Chief 🦀 Officer",
        ),
    ];
    let mut ids = Vec::new();
    for (first, last, email, title) in people {
        let id = s
            .sf_create(
                "Contact",
                json!({"FirstName": first, "LastName": last, "Email": email, "Title": title,
                       "AccountId": account}),
            )
            .await;
        ids.push(id);
    }
    for (id, (first, last, email, title)) in ids.iter().zip(people) {
        s.written_back("Contact", id).await;
        let found = s.ns_by_external_id("contact", id);
        assert_eq!(found.len(), 1);
        let c = &found[0].fields;
        assert_eq!(c["firstName"], first);
        assert_eq!(c["lastName"], last);
        assert_eq!(c["email"], email);
        assert_eq!(c["title"], title);
    }
    // A second pass over the same records (a touch in Salesforce) changes nothing: the
    // lookups with these values match what the first pass wrote.
    s.sf_update("Contact", &ids[0], json!({"Phone": "+353 1 555 0100"}))
        .await;
    s.eventually("the update reached NetSuite", || async {
        s.ns_by_external_id("contact", &ids[0])
            .first()
            .is_some_and(|c| c.fields["phone"] == "+353 1 555 0100")
    })
    .await;
    assert_eq!(s.ns_records("contact").len(), 3);
    assert_eq!(
        s.ns_by_external_id("contact", &ids[0])[0].fields["firstName"],
        "Zoë \"Z\""
    );
}

#[tokio::test]
async fn a_contact_moved_to_another_account_moves_to_that_customer() {
    let s = Synced::start().await;
    let (first, first_customer) = synced_account(&s, "Old Employer").await;
    let (second, second_customer) = synced_account(&s, "New Employer").await;
    assert_ne!(first_customer, second_customer);
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Mover", "Email": "mover@example.com", "AccountId": first}),
        )
        .await;
    let ns_id = s.written_back("Contact", &contact).await;
    assert_eq!(
        s.ns_by_external_id("contact", &contact)[0].fields["company"],
        first_customer.as_str()
    );

    s.sf_update("Contact", &contact, json!({"AccountId": second}))
        .await;
    s.eventually("the NetSuite contact changed company", || async {
        s.ns_by_external_id("contact", &contact)
            .first()
            .is_some_and(|c| c.fields["company"] == second_customer.as_str())
    })
    .await;
    let contacts = s.ns_records("contact");
    assert_eq!(contacts.len(), 1, "moved, not copied");
    assert_eq!(contacts[0].id, ns_id);
    s.eventually("the update is recorded", || async {
        s.outcomes(&contact)
            .await
            .iter()
            .any(|(o, _)| o == "updated")
    })
    .await;
}

#[tokio::test]
async fn a_contact_failing_the_qualification_criteria_is_skipped_naming_the_condition() {
    let s = Synced::start().await;
    let mut settings =
        serde_json::to_value(ferry_domain::flows::CONTACT.default_settings()).unwrap();
    settings["criteria"] = json!({"match": "all", "groups": [{"match": "all", "conditions": [
        {"field": "Email", "op": "is_not_empty"},
        {"field": "Title", "op": "equals", "value": "Buyer"}
    ]}]});
    s.set_settings(&s.contact_flow, settings).await;
    let (account, _) = synced_account(&s, "Picky Corp").await;

    let no_email = s
        .sf_create(
            "Contact",
            json!({"LastName": "Noemail", "Title": "Buyer", "AccountId": account}),
        )
        .await;
    let wrong_title = s
        .sf_create(
            "Contact",
            json!({"LastName": "Seller", "Email": "seller@example.com", "Title": "Seller",
                   "AccountId": account}),
        )
        .await;
    let qualified = s
        .sf_create(
            "Contact",
            json!({"LastName": "Purchaser", "Email": "buyer@example.com", "Title": "buyer",
                   "AccountId": account}),
        )
        .await;

    s.written_back("Contact", &qualified).await;
    for (id, condition) in [
        (&no_email, "Email is not empty"),
        (&wrong_title, "Title equals Buyer"),
    ] {
        s.eventually("the contact is processed", || async {
            !s.outcomes(id).await.is_empty()
        })
        .await;
        let outcomes = s.outcomes(id).await;
        assert_eq!(outcomes[0].0, "skipped", "{outcomes:?}");
        assert!(
            outcomes[0].1.contains("qualification criteria") && outcomes[0].1.contains(condition),
            "names {condition}: {outcomes:?}"
        );
        assert!(s.open_errors(id).await.is_empty(), "a skip is not an error");
        assert!(s.ns_by_external_id("contact", id).is_empty());
        assert_eq!(s.netsuite_id_on("Contact", id).await, None);
    }
    assert_eq!(s.ns_records("contact").len(), 1, "only the qualified one");
}

#[tokio::test]
async fn netsuite_unavailable_half_the_time_still_ends_with_one_contact_each() {
    let s = Synced::start().await;
    let (account, customer) = synced_account(&s, "Flaky Networks").await;
    // Half the contact record calls fail with 503 for a while; the seed makes the draws the
    // same every run (they decide that a fault happens, not which record it hits).
    s.set_faults(
        "netsuite",
        json!({"seed": 3, "rules": [{
            "path": "/services/rest/record/v1/contact*",
            "error_rates": {"unavailable": 0.5},
            "remaining": 6
        }]}),
    )
    .await;
    let mut contacts = Vec::new();
    for i in 0..4 {
        contacts.push(
            s.sf_create(
                "Contact",
                json!({"LastName": format!("Flaky {i}"), "Email": format!("flaky{i}@example.com"),
                       "AccountId": account}),
            )
            .await,
        );
    }
    for contact in &contacts {
        let ns_id = s.written_back_within(40, "Contact", contact).await;
        s.settled(contact).await;
        let found = s.ns_by_external_id("contact", contact);
        assert_eq!(found.len(), 1, "one NetSuite contact for {contact}");
        assert_eq!(found[0].id, ns_id);
        assert_eq!(found[0].fields["company"], customer.as_str());
    }
    assert_eq!(s.ns_records("contact").len(), 4);
    let unavailable = s.answered("netsuite", "/record/v1/", 503).await;
    assert!(unavailable >= 1, "faults were injected");
    let mut retried = 0;
    for contact in &contacts {
        let outcomes = s.outcomes(contact).await;
        retried += outcomes.iter().filter(|(o, _)| o == "retrying").count();
        assert_eq!(
            outcomes.iter().filter(|(o, _)| o == "created").count(),
            1,
            "{outcomes:?}"
        );
        assert!(s.open_errors(contact).await.is_empty());
    }
    // A call is tried three times at once before its record is put back for later, so a
    // "retrying" outcome stands for three 503s in a row and a lone 503 costs no retry at all.
    assert!(
        retried as u64 * 3 <= unavailable,
        "{retried} retries for {unavailable} 503s"
    );
}

#[tokio::test]
async fn a_failed_write_back_is_retried_without_creating_a_second_contact() {
    let s = Synced::start().await;
    let (account, _) = synced_account(&s, "Crashy Co").await;
    // The contact reaches NetSuite, then writing its id back to Salesforce fails in two
    // attempts (each tries the call three times).
    s.set_faults(
        "salesforce",
        json!({"rules": [{
            "method": "PATCH",
            "path": "/services/data/*/composite/sobjects",
            "error_rates": {"server_error": 1.0},
            "remaining": 6
        }]}),
    )
    .await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Phoenix", "Email": "phoenix@example.com", "AccountId": account}),
        )
        .await;
    let ns_id = s.written_back_within(40, "Contact", &contact).await;
    s.settled(&contact).await;
    let found = s.ns_by_external_id("contact", &contact);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, ns_id);
    assert_eq!(
        s.ns_records("contact").len(),
        1,
        "still one NetSuite contact"
    );
    assert_eq!(
        s.answered("salesforce", "composite/sobjects", 500).await,
        6,
        "every injected failure happened"
    );

    let details = s.outcome_details(&contact).await;
    let kinds: Vec<&str> = details.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(&kinds[..2], ["retrying", "retrying"], "{details:?}");
    let (outcome, detail) = &details[2];
    assert_eq!(outcome, "unchanged", "{details:?}");
    assert_eq!(detail["found_by"], "external_id", "{details:?}");
    assert_eq!(detail["write_back"], true, "{details:?}");
    assert!(s.open_errors(&contact).await.is_empty());
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    total: i64,
    processed: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    skipped: i64,
    failed: i64,
}

impl Counts {
    fn of(b: &Value) -> Self {
        let n = |k: &str| b[k].as_i64().unwrap_or(-1);
        Self {
            total: n("total"),
            processed: n("processed"),
            created: n("created"),
            updated: n("updated"),
            unchanged: n("unchanged"),
            skipped: n("skipped"),
            failed: n("failed"),
        }
    }
}

/// Starts a backfill through the page and waits (through the API) until it is done.
async fn backfill(s: &Synced, token: &str, flow: &str, mode: &str) -> Value {
    let (_, before) = s
        .api_get(token, &format!("/api/v1/flows/{flow}/backfills"))
        .await;
    let known = before["data"].as_array().map_or(0, Vec::len);
    let resp = s
        .owner
        .post_form(
            &format!("{}/backfills", s.flow_path(flow)),
            &[("mode", mode), ("modified_since", "")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), s.flow_path(flow));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(40);
    let latest = loop {
        let (status, list) = s
            .api_get(token, &format!("/api/v1/flows/{flow}/backfills"))
            .await;
        assert_eq!(status, 200, "{list}");
        let rows = list["data"].as_array().unwrap();
        if rows.len() > known {
            let latest = rows[0].clone();
            assert_ne!(latest["status"], "failed", "{latest}");
            if latest["status"] == "done" {
                break latest;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the {mode} backfill did not finish: {list}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(latest["dry_run"], mode == "dry_run");
    latest
}

#[tokio::test]
async fn a_dry_run_predicts_what_syncing_existing_contacts_then_does() {
    let s = Synced::start().await;
    let token = s.owner.create_token("t", "admin").await;
    // Seed 1: 12 accounts (8 synced), 36 contacts (4 standalone, half of the synced
    // accounts' contacts synced). Reseeding also drops the outbound rules: only the backfill
    // moves records here.
    s.app.sandbox.reseed(1);
    let plan = ferry_sandbox::seed::SeedPlan::generate(1);
    let standalone = plan.contacts.iter().filter(|c| c.account.is_none()).count() as i64;
    assert_eq!(standalone, 4);

    // Before the accounts are synced, contacts of the 4 unsynced accounts cannot be.
    let early = backfill(&s, &token, &s.contact_flow, "dry_run").await;
    let counts = Counts::of(&early);
    assert_eq!(counts.total, 36);
    assert_eq!(counts.processed, 36);
    assert_eq!(counts.skipped, standalone, "{early}");
    let waiting = plan
        .contacts
        .iter()
        .filter(|c| {
            c.account
                .is_some_and(|a| plan.accounts[a].netsuite_id.is_none())
        })
        .count() as i64;
    assert_eq!(counts.failed, waiting, "{early}");
    let reasons = early["reasons"].as_object().unwrap();
    assert!(
        reasons
            .iter()
            .any(|(k, v)| k.contains("standalone contact") && v == standalone),
        "standalone contacts are counted as skipped: {reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(k, v)| k.contains("account not synced") && v == waiting),
        "{reasons:?}"
    );
    assert_eq!(
        s.ns_records("contact").len(),
        plan.contacts
            .iter()
            .filter(|c| c.netsuite_id.is_some())
            .count()
            + 4,
        "a dry run writes nothing (seeded contacts plus 4 NetSuite-only ones)"
    );

    // The accounts first, then the contacts.
    let accounts = backfill(&s, &token, &s.account_flow, "sync").await;
    let account_counts = Counts::of(&accounts);
    assert_eq!(account_counts.processed, 12, "{accounts}");
    assert_eq!(
        account_counts.created, 4,
        "the 4 unsynced accounts: {accounts}"
    );
    assert_eq!(account_counts.failed, 0, "{accounts}");

    let dry = backfill(&s, &token, &s.contact_flow, "dry_run").await;
    let predicted = Counts::of(&dry);
    assert_eq!(predicted.total, 36);
    assert_eq!(predicted.processed, predicted.total, "{dry}");
    assert_eq!(
        predicted.created
            + predicted.updated
            + predicted.unchanged
            + predicted.skipped
            + predicted.failed,
        predicted.processed
    );
    assert_eq!(predicted.skipped, standalone, "{dry}");
    assert_eq!(predicted.failed, 0, "{dry}");
    let already = plan
        .contacts
        .iter()
        .filter(|c| c.netsuite_id.is_some())
        .count() as i64;
    assert_eq!(predicted.created, 36 - standalone - already, "{dry}");
    let reasons = dry["reasons"].as_object().unwrap();
    assert!(
        reasons
            .iter()
            .any(|(k, v)| k.contains("would create") && v == predicted.created),
        "{reasons:?}"
    );

    let real = backfill(&s, &token, &s.contact_flow, "sync").await;
    let done = Counts::of(&real);
    assert_eq!(done.processed, predicted.processed, "{real}");
    assert_eq!(done.created, predicted.created, "{real} vs {dry}");
    assert_eq!(done.skipped, predicted.skipped, "{real} vs {dry}");
    assert_eq!(done.updated, predicted.updated, "{real} vs {dry}");
    assert_eq!(done.unchanged, predicted.unchanged, "{real} vs {dry}");
    assert_eq!(done.failed, 0, "{real}");

    // Every contact with an account is in NetSuite now, once, under its account's customer.
    for c in plan.contacts.iter().filter(|c| c.account.is_some()) {
        let ns_id = s
            .netsuite_id_on("Contact", &c.salesforce_id)
            .await
            .unwrap_or_else(|| panic!("{} has its NetSuite id", c.salesforce_id));
        let record = s
            .ns_records("contact")
            .into_iter()
            .find(|r| r.id == ns_id)
            .unwrap();
        assert_eq!(record.fields["email"], c.email.as_str());
        let account = &plan.accounts[c.account.unwrap()];
        let customer = s
            .netsuite_id_on("Account", &account.salesforce_id)
            .await
            .unwrap();
        assert_eq!(record.fields["company"], customer.as_str());
    }
    for c in plan.contacts.iter().filter(|c| c.account.is_none()) {
        assert_eq!(s.netsuite_id_on("Contact", &c.salesforce_id).await, None);
    }
    assert_eq!(
        s.ns_records("contact").len() as i64,
        already + predicted.created + 4,
        "no duplicates"
    );
}

/// An outbound message with one notification, as Salesforce sends it.
fn outbound_message(org: &str, notification_id: &str, object: &str, record_id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>04k000000000001AAA</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/67.0/{org}</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/67.0/{org}</PartnerUrl>
   <Notification>
    <Id>{notification_id}</Id>
    <sObject xsi:type="sf:{object}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>{record_id}</sf:Id>
     <sf:LastName>Wire</sf:LastName>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"#
    )
}

fn is_fault(body: &str) -> bool {
    body.contains("<soapenv:Fault>") && body.contains("<faultstring>")
}

#[tokio::test]
async fn the_listener_refuses_strangers_and_stores_a_notification_once() {
    let s = Synced::start().await;
    let url = s.listener_url(&s.contact_flow).await;
    let org = s.app.sandbox.salesforce().demo_credentials().org_id;
    let contact = s.sf_create("Contact", json!({"LastName": "Wire"})).await;
    let notification = "04l0000000TEST1";
    let message = outbound_message(&org, notification, "Contact", &contact);

    // A well-formed message is acknowledged, and its redelivery adds nothing.
    for _ in 0..2 {
        let (status, body) = s.deliver(&url, &message).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<Ack>true</Ack>"), "{body}");
    }
    // Each delivery is stored as it came; the worker splits both into one event.
    s.split().await;
    let rows = s
        .count(
            "SELECT COUNT(*) AS n FROM sync_events WHERE notification_id = $1",
            vec![notification.into()],
        )
        .await;
    assert_eq!(rows, 1, "one inbox row for a redelivered notification");

    // A SystemModstamp the inbox could not hold is refused before anything is stored.
    let bad_stamp = outbound_message(&org, "04l0000000TEST6", "Contact", &contact).replace(
        "<sf:LastName>Wire</sf:LastName>",
        "<sf:SystemModstamp>not a date</sf:SystemModstamp>",
    );
    let (status, body) = s.deliver(&url, &bad_stamp).await;
    assert_eq!(status, 400, "{body}");
    assert!(is_fault(&body) && body.contains("SystemModstamp"), "{body}");

    // Another org's message: refused.
    let mut other_org: Vec<char> = org.chars().collect();
    other_org[10] = if other_org[10] == '9' { '8' } else { '9' };
    let other_org: String = other_org.into_iter().collect();
    let (status, body) = s
        .deliver(
            &url,
            &outbound_message(&other_org, "04l0000000TEST2", "Contact", &contact),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(is_fault(&body), "{body}");
    assert!(body.contains(&other_org), "says which org: {body}");

    // Another object than the flow's: refused.
    let (status, body) = s
        .deliver(
            &url,
            &outbound_message(&org, "04l0000000TEST3", "Account", &contact),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(is_fault(&body), "{body}");

    // Not XML, or not an outbound message: refused.
    for garbage in [
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>",
        "not xml at all",
        "<html><body>hello</body></html>",
    ] {
        let (status, body) = s.deliver(&url, garbage).await;
        assert_eq!(status, 400, "{garbage}: {body}");
        assert!(is_fault(&body), "{body}");
    }

    // A forged or unknown token: not found, with a fault.
    let (head, tail) = url.rsplit_once("/salesforce").unwrap();
    let mut forged = head.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let forged = format!("{forged}/salesforce{tail}");
    for bad in [
        forged,
        s.app.url("/listeners/nothing-here/salesforce"),
        s.app.url(&format!(
            "/listeners/{}.AAAA/salesforce",
            uuid::Uuid::new_v4().simple()
        )),
    ] {
        let (status, body) = s
            .deliver(
                &bad,
                &outbound_message(&org, "04l0000000TEST4", "Contact", &contact),
            )
            .await;
        assert_eq!(status, 404, "{bad}: {body}");
        assert!(is_fault(&body), "{body}");
    }

    // A rotated URL stops working at once; the new one works.
    let resp = s
        .owner
        .post_form(
            &format!("{}/listener/rotate", s.flow_path(&s.contact_flow)),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let rotated = s.listener_url(&s.contact_flow).await;
    assert_ne!(rotated, url);
    let fresh = outbound_message(&org, "04l0000000TEST5", "Contact", &contact);
    let (status, body) = s.deliver(&url, &fresh).await;
    assert_eq!(status, 404, "{body}");
    assert!(is_fault(&body), "{body}");
    let (status, body) = s.deliver(&rotated, &fresh).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Ack>true</Ack>"), "{body}");

    // Nothing refused reached the inbox, as a message or as an event.
    s.split().await;
    for refused in [
        "04l0000000TEST2",
        "04l0000000TEST3",
        "04l0000000TEST4",
        "04l0000000TEST6",
    ] {
        let rows = s
            .count(
                "SELECT (SELECT COUNT(*) FROM sync_events WHERE notification_id = $1) \
                      + (SELECT COUNT(*) FROM inbox_messages WHERE events LIKE $2) AS n",
                vec![refused.into(), format!("%{refused}%").into()],
            )
            .await;
        assert_eq!(rows, 0, "{refused} was not stored");
    }
}

#[tokio::test]
async fn a_scheduled_flow_polls_salesforce_and_a_second_poll_adds_no_duplicates() {
    use ferry_domain::sync::polling::poll_flow;

    let s = Synced::start().await;
    let (account, customer) = synced_account(&s, "Poll Position").await;
    s.remove_outbound_rules("Contact").await;
    let resp = s
        .owner
        .post_form(
            &format!("{}/trigger", s.flow_path(&s.contact_flow)),
            &[("trigger", "scheduled")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let row = s.flow_row(&s.contact_flow).await;
    assert_eq!(row.trigger_kind, "scheduled");

    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Polled", "Email": "polled@example.com", "AccountId": account}),
        )
        .await;
    // No notification: nothing happens until a poll.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(s.outcomes(&contact).await.is_empty());

    let report = poll_flow(&s.app.sync, s.flow_row(&s.contact_flow).await)
        .await
        .unwrap();
    assert!(report.new >= 1, "the poll found the contact: {report:?}");
    let ns_id = s.written_back("Contact", &contact).await;
    let found = s.ns_by_external_id("contact", &contact);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, ns_id);
    assert_eq!(found[0].fields["company"], customer.as_str());

    // The write-back is itself a change the next poll sees; after that, polls find nothing new
    // although they re-read the boundary second.
    poll_flow(&s.app.sync, s.flow_row(&s.contact_flow).await)
        .await
        .unwrap();
    s.eventually("the write-back's change is processed", || async {
        s.outcomes(&contact).await.len() >= 2
    })
    .await;
    let again = poll_flow(&s.app.sync, s.flow_row(&s.contact_flow).await)
        .await
        .unwrap();
    assert!(
        again.seen >= 1,
        "the boundary second is read again: {again:?}"
    );
    assert_eq!(again.new, 0, "{again:?}");
    let dupes = s
        .count(
            "SELECT COUNT(*) AS n FROM (SELECT modstamp FROM sync_events \
             WHERE record_id = $1 GROUP BY modstamp HAVING COUNT(*) > 1) d",
            vec![contact.as_str().into()],
        )
        .await;
    assert_eq!(dupes, 0, "one event per change");
    let sources = s
        .count(
            "SELECT COUNT(*) AS n FROM sync_events WHERE record_id = $1 AND source <> 'poll'",
            vec![contact.as_str().into()],
        )
        .await;
    assert_eq!(sources, 0, "every event came from polling");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let outcomes = s.outcomes(&contact).await;
    assert_eq!(outcomes[0].0, "created", "{outcomes:?}");
    assert!(
        outcomes[1..].iter().all(|(o, _)| o == "unchanged"),
        "{outcomes:?}"
    );
    assert_eq!(s.ns_records("contact").len(), 1);
}

#[tokio::test]
async fn a_manual_retry_through_the_page_and_the_api_syncs_a_waiting_record() {
    // The account flow is off: the contact waits for an account nobody will sync.
    let s = Synced::start_with(false, true).await;
    let token = s.owner.create_token("t", "admin").await;
    let account = s.sf_create("Account", json!({"Name": "Manual Ltd"})).await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Patient", "Email": "patient@example.com", "AccountId": account}),
        )
        .await;
    s.eventually("the dependency error is open", || async {
        !s.open_errors(&contact).await.is_empty()
    })
    .await;
    assert_eq!(s.open_errors(&contact).await[0].0, "dependency");

    // Someone links the account to a customer made by hand in NetSuite. The account flow is
    // off, so nothing wakes the contact: it takes a retry.
    let customer = s.ns_create("customer", &[("companyName", "Manual Ltd")], None);
    s.sf_update("Account", &account, json!({"NetSuite_Id__c": customer}))
        .await;
    s.eventually("the account's notification is recorded", || async {
        !s.outcomes(&account).await.is_empty()
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(s.netsuite_id_on("Contact", &contact).await, None);

    let resp = s
        .owner
        .post_form(
            &format!("{}/retry", s.flow_path(&s.contact_flow)),
            &[("record_id", contact.as_str())],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), s.flow_path(&s.contact_flow));
    let (status, body) = s
        .api_post(
            &token,
            &format!("/api/v1/flows/{}/records/{contact}/retry", s.contact_flow),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["queued"], true);
    let retries = s
        .count(
            "SELECT COUNT(*) AS n FROM sync_events WHERE record_id = $1 AND source = 'retry'",
            vec![contact.as_str().into()],
        )
        .await;
    assert_eq!(retries, 2, "both retries are in the inbox");

    let ns_id = s.written_back("Contact", &contact).await;
    s.settled(&contact).await;
    let found = s.ns_by_external_id("contact", &contact);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, ns_id);
    assert_eq!(found[0].fields["company"], customer.as_str());
    assert!(s.open_errors(&contact).await.is_empty(), "resolved");

    // A bad record id is refused by the API.
    let (status, _) = s
        .api_post(
            &token,
            &format!("/api/v1/flows/{}/records/not-an-id!/retry", s.contact_flow),
            Value::Null,
        )
        .await;
    assert!(status == 400 || status == 422, "{status}");

    let (status, timeline) = s
        .api_get(&token, &format!("/api/v1/records/{contact}/timeline"))
        .await;
    assert_eq!(status, 200, "{timeline}");
    let entries = timeline["data"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["summary"].as_str().unwrap()))
        .collect();
    assert!(
        kinds
            .iter()
            .any(|(k, s)| *k == "received" && s.starts_with("Salesforce notification 04l")),
        "{kinds:?}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|(k, s)| *k == "received" && *s == "manual retry")
            .count(),
        2,
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, s)| *k == "failed" && s.contains("account not synced")),
        "{kinds:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "created" && e["target_id"] == ns_id.as_str()),
        "{kinds:?}"
    );
    // Newest first.
    let times: Vec<&str> = entries.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
}

#[tokio::test]
async fn a_retry_by_the_15_character_id_is_the_same_record_as_by_its_18_character_id() {
    let s = Synced::start_with(false, true).await;
    let token = s.owner.create_token("t", "admin").await;
    let account = s
        .sf_create("Account", json!({"Name": "Short Ids Ltd"}))
        .await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Fifteen", "Email": "fifteen@example.com", "AccountId": account}),
        )
        .await;
    s.eventually("the dependency error is open", || async {
        !s.open_errors(&contact).await.is_empty()
    })
    .await;
    let customer = s.ns_create("customer", &[("companyName", "Short Ids Ltd")], None);
    s.sf_update("Account", &account, json!({"NetSuite_Id__c": customer}))
        .await;

    // People copy 15-character ids from Salesforce's URLs. Slow Salesforce reads keep both
    // retries in flight at once.
    s.set_faults(
        "salesforce",
        json!({"rules": [{"method": "GET", "path": "/services/data/*/query*",
                          "latency": {"fixed_ms": 1500}}]}),
    )
    .await;
    let short = &contact[..15];
    let resp = s
        .owner
        .post_form(
            &format!("{}/retry", s.flow_path(&s.contact_flow)),
            &[("record_id", short)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (status, body) = s
        .api_post(
            &token,
            &format!("/api/v1/flows/{}/records/{contact}/retry", s.contact_flow),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let ns_id = s.written_back_within(40, "Contact", &contact).await;
    s.settled(&contact).await;
    s.settled(short).await;
    let contacts = s.ns_records("contact");
    assert_eq!(contacts.len(), 1, "one NetSuite contact: {contacts:?}");
    assert_eq!(contacts[0].id, ns_id);
    assert_eq!(
        contacts[0].external_id.as_deref(),
        Some(contact.as_str()),
        "the external id is the 18-character id"
    );
    assert!(s.open_errors(&contact).await.is_empty(), "resolved");
    // Both retries are on the record's one timeline.
    let (_, timeline) = s
        .api_get(&token, &format!("/api/v1/records/{contact}/timeline"))
        .await;
    let retries = timeline["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "received" && e["summary"] == "manual retry")
        .count();
    assert_eq!(retries, 2, "{timeline}");
}
