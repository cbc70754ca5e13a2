//! End to end through the listener: Salesforce (the sandbox) sends outbound messages, Ferry
//! stores, syncs, and writes NetSuite ids back. One test per rule of the Contact flow
//! (PRODUCT.md "The first flow") and the Account flow it depends on.

use serde_json::json;

use crate::sync_fixture::Synced;

#[tokio::test]
async fn a_new_account_and_contact_reach_netsuite_and_get_their_ids_back_once() {
    let s = Synced::start().await;
    let account = s
        .sf_create("Account", json!({"Name": "Analytical Engines Ltd"}))
        .await;
    let customer_id = s.written_back("Account", &account).await;
    let customers = s.ns_by_external_id("customer", &account);
    assert_eq!(customers.len(), 1, "one NetSuite customer");
    assert_eq!(customers[0].id, customer_id);
    assert_eq!(customers[0].fields["companyName"], "Analytical Engines Ltd");

    let contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com",
                   "Phone": "+44 20 7946 0000", "Title": "Analyst", "AccountId": account}),
        )
        .await;
    let ns_id = s.written_back("Contact", &contact).await;
    let contacts = s.ns_by_external_id("contact", &contact);
    assert_eq!(contacts.len(), 1, "one NetSuite contact");
    let c = &contacts[0];
    assert_eq!(c.id, ns_id);
    assert_eq!(c.fields["firstName"], "Ada");
    assert_eq!(c.fields["lastName"], "Lovelace");
    assert_eq!(c.fields["email"], "ada@example.com");
    assert_eq!(c.fields["title"], "Analyst");
    assert_eq!(
        c.fields["company"],
        customer_id.as_str(),
        "attached to the account's customer"
    );

    // The write-back itself fires a notification; it must end as "no change", not a loop.
    s.eventually("the write-back's notification is processed", || async {
        s.outcomes(&contact).await.len() >= 2
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let outcomes = s.outcomes(&contact).await;
    assert_eq!(outcomes[0].0, "created", "{outcomes:?}");
    assert!(
        outcomes[1..].iter().all(|(o, _)| o == "unchanged"),
        "after the create only no-change outcomes: {outcomes:?}"
    );
    assert_eq!(s.ns_records("contact").len(), 1);
}

#[tokio::test]
async fn a_standalone_contact_is_skipped_with_its_reason() {
    let s = Synced::start().await;
    let contact = s.sf_create("Contact", json!({"LastName": "Alone"})).await;
    s.eventually("the contact is processed", || async {
        !s.outcomes(&contact).await.is_empty()
    })
    .await;
    let outcomes = s.outcomes(&contact).await;
    assert_eq!(outcomes[0].0, "skipped");
    assert!(outcomes[0].1.contains("standalone contact"), "{outcomes:?}");
    assert!(s.ns_records("contact").is_empty());
    assert!(
        s.open_errors(&contact).await.is_empty(),
        "a skip is not an error"
    );
}

#[tokio::test]
async fn a_contact_waits_for_its_account_and_syncs_by_itself_once_the_account_does() {
    // The account flow is off: the account stays out of NetSuite.
    let s = Synced::start_with(false, true).await;
    let account = s.sf_create("Account", json!({"Name": "Later Corp"})).await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Waiting", "AccountId": account}),
        )
        .await;
    s.eventually("the dependency error is open", || async {
        !s.open_errors(&contact).await.is_empty()
    })
    .await;
    let errors = s.open_errors(&contact).await;
    assert_eq!(errors[0].0, "dependency");
    assert!(
        errors[0].1.contains("account not synced to NetSuite"),
        "{errors:?}"
    );
    assert!(
        errors[0].1.contains(&account),
        "names the missing account: {errors:?}"
    );
    assert!(s.ns_records("contact").is_empty());

    // Turning the account flow on and touching the account syncs it, and the contact follows
    // without anyone touching it.
    s.set_flow(&s.account_flow, true).await;
    s.sf_update("Account", &account, json!({"Name": "Later Corp Ltd"}))
        .await;
    let customer_id = s.written_back("Account", &account).await;
    let ns_contact = s.written_back("Contact", &contact).await;
    let contacts = s.ns_by_external_id("contact", &contact);
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].id, ns_contact);
    assert_eq!(contacts[0].fields["company"], customer_id.as_str());
    // The id reaches Salesforce just before the outcome is committed.
    s.settled(&contact).await;
    assert!(
        s.open_errors(&contact).await.is_empty(),
        "the error resolved itself"
    );
}

#[tokio::test]
async fn an_update_in_salesforce_changes_only_what_differs_in_netsuite() {
    let s = Synced::start().await;
    let account = s.sf_create("Account", json!({"Name": "Update Co"})).await;
    s.written_back("Account", &account).await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@navy.mil", "AccountId": account}),
        )
        .await;
    let ns_id = s.written_back("Contact", &contact).await;
    s.sf_update(
        "Contact",
        &contact,
        json!({"Email": "grace.hopper@navy.mil", "Title": "Rear Admiral"}),
    )
    .await;
    s.eventually("NetSuite has the new e-mail", || async {
        s.ns_by_external_id("contact", &contact)
            .first()
            .is_some_and(|c| c.fields["email"] == "grace.hopper@navy.mil")
    })
    .await;
    let c = &s.ns_by_external_id("contact", &contact)[0];
    assert_eq!(c.id, ns_id, "the same NetSuite contact, updated");
    assert_eq!(c.fields["title"], "Rear Admiral");
    assert_eq!(s.ns_records("contact").len(), 1);
    s.eventually("the update is recorded", || async {
        s.outcomes(&contact)
            .await
            .iter()
            .any(|(o, _)| o == "updated")
    })
    .await;
}

#[tokio::test]
async fn a_flow_that_is_off_acknowledges_and_records_the_skip() {
    let s = Synced::start_with(true, false).await;
    let account = s.sf_create("Account", json!({"Name": "Off Co"})).await;
    s.written_back("Account", &account).await;
    let contact = s
        .sf_create(
            "Contact",
            json!({"LastName": "Ignored", "AccountId": account}),
        )
        .await;
    s.eventually("the contact is recorded", || async {
        !s.outcomes(&contact).await.is_empty()
    })
    .await;
    let outcomes = s.outcomes(&contact).await;
    assert_eq!(
        outcomes[0],
        ("skipped".to_owned(), "the flow is off".to_owned())
    );
    assert!(s.ns_records("contact").is_empty());
}

#[tokio::test]
async fn a_backfill_whose_worker_died_resumes_from_its_cursor() {
    use ferry_domain::entities::backfill;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    let s = Synced::start().await;
    let mut ids = Vec::new();
    for name in ["Resume A", "Resume B", "Resume C"] {
        ids.push(s.sf_create("Account", json!({"Name": name})).await);
    }
    for id in &ids {
        s.written_back("Account", id).await;
    }
    ids.sort();
    // A dry run that a killed worker left "running" an hour ago, after the first record.
    let flow_id = uuid::Uuid::parse_str(&s.account_flow).unwrap();
    let tenant_id = ferry_domain::entities::flow::Entity::find_by_id(flow_id)
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap()
        .tenant_id;
    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let id = uuid::Uuid::now_v7();
    backfill::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant_id),
        flow_id: Set(flow_id),
        dry_run: Set(true),
        modified_since: Set(None),
        status: Set("running".into()),
        cursor: Set(Some(ids[0].clone())),
        total: Set(Some(3)),
        processed: Set(1),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(1),
        skipped: Set(0),
        failed: Set(0),
        reasons: Set(json!({"already in step": 1})),
        error: Set(None),
        requested_by: Set("test".into()),
        created_at: Set(an_hour_ago),
        started_at: Set(Some(an_hour_ago)),
        heartbeat_at: Set(Some(an_hour_ago)),
        finished_at: Set(None),
    }
    .insert(&s.app.db)
    .await
    .unwrap();
    let woken = ferry_domain::sync::backfill::resume_stale(&s.app.sync)
        .await
        .unwrap();
    assert_eq!(woken, 1);
    let db = s.app.db.clone();
    s.eventually("the backfill finishes", || {
        let db = db.clone();
        async move {
            let r = backfill::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            r.status == "done"
        }
    })
    .await;
    let row = backfill::Entity::find_by_id(id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    // Only the two records after the cursor were visited again.
    assert_eq!(row.processed, 3, "{row:?}");
    assert_eq!(
        row.unchanged, 3,
        "all three accounts are already in NetSuite: {row:?}"
    );
    assert_eq!(row.cursor.as_deref(), Some(ids[2].as_str()));
}
