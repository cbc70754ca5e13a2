//! Injection through record data, end to end: contacts whose names, titles and e-mails are
//! made to break SOQL and SuiteQL literals are synced through the listener. Each must arrive
//! in NetSuite byte for byte, and the lookups (one SuiteQL query per batch, by e-mail and by
//! name) must find exactly the record with that value — not a near miss, not every record.

use serde_json::json;

use crate::injection_corpus::{EMAILS, TEXT, long_text, near_misses};
use crate::sync_fixture::{NsRecord, Synced};

/// An account synced to NetSuite, and its customer's internal id.
async fn synced_account(s: &Synced) -> (String, String) {
    let account = s
        .sf_create("Account", json!({"Name": "Injection Holdings'; --"}))
        .await;
    let customer = s.written_back("Account", &account).await;
    (account, customer)
}

fn field<'a>(record: &'a NsRecord, name: &str) -> Option<&'a str> {
    record.fields[name].as_str()
}

#[tokio::test]
async fn hostile_names_titles_and_emails_arrive_in_netsuite_byte_for_byte() {
    let s = Synced::start().await;
    let (account, customer) = synced_account(&s).await;
    // Records a broken literal would match: same customer, values the corpus aims at.
    let decoys = [
        ("Decoy", "Decoy", "decoy@example.com"),
        ("O", "Brien", "obrien@example.com"),
        ("x", "x", "x@example.com"),
    ];
    let mut decoy_ids = Vec::new();
    for (first, last, email) in decoys {
        decoy_ids.push(s.ns_create(
            "contact",
            &[("firstName", first), ("lastName", last), ("email", email)],
            Some(&customer),
        ));
    }
    let decoys_before: Vec<NsRecord> = s
        .ns_records("contact")
        .into_iter()
        .filter(|r| decoy_ids.contains(&r.id))
        .collect();

    let mut values: Vec<String> = TEXT.iter().map(|v| (*v).to_owned()).collect();
    values.push(long_text(80));
    let mut sent = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let first: String = value.chars().take(40).collect();
        // Unique per contact, so each one's e-mail lookup has one right answer: none.
        let email = format!("{i}{}", EMAILS[i % EMAILS.len()]);
        let title = format!("{value}{}", long_text(128 - value.chars().count().min(128)));
        let id = s
            .sf_create(
                "Contact",
                json!({"FirstName": first, "LastName": value, "Email": email,
                       "Title": title, "AccountId": account}),
            )
            .await;
        sent.push((id, first, value.clone(), email, title));
    }

    for (id, first, last, email, title) in &sent {
        let ns_id = s.written_back("Contact", id).await;
        let found = s.ns_by_external_id("contact", id);
        assert_eq!(found.len(), 1, "one NetSuite contact for {last:?}");
        let c = &found[0];
        assert_eq!(c.id, ns_id);
        assert!(!decoy_ids.contains(&c.id), "{last:?} took a decoy");
        assert_eq!(field(c, "firstName"), Some(first.as_str()), "{last:?}");
        assert_eq!(field(c, "lastName"), Some(last.as_str()));
        assert_eq!(field(c, "email"), Some(email.as_str()));
        assert_eq!(field(c, "title"), Some(title.as_str()));
        assert!(s.open_errors(id).await.is_empty(), "{last:?}");
        s.settled(id).await;
    }
    // Nothing else was created, and the decoys are as they were.
    assert_eq!(s.ns_records("contact").len(), decoy_ids.len() + sent.len());
    let decoys_after: Vec<NsRecord> = s
        .ns_records("contact")
        .into_iter()
        .filter(|r| decoy_ids.contains(&r.id))
        .collect();
    for (before, after) in decoys_before.iter().zip(&decoys_after) {
        assert_eq!(before.fields, after.fields, "decoy {} changed", before.id);
    }
}

#[tokio::test]
async fn an_email_lookup_finds_exactly_the_record_with_that_address() {
    let s = Synced::start().await;
    let (account, customer) = synced_account(&s).await;
    // For each address: the one NetSuite contact that has it, and its near misses.
    let mut twins = Vec::new();
    let mut misses = Vec::new();
    for (i, email) in EMAILS.iter().enumerate() {
        let last = format!("Twin {i}");
        twins.push(s.ns_create(
            "contact",
            &[("firstName", "Twin"), ("lastName", &last), ("email", email)],
            Some(&customer),
        ));
        for miss in near_misses(email) {
            misses.push(s.ns_create(
                "contact",
                &[
                    ("firstName", "Miss"),
                    ("lastName", "Miss"),
                    ("email", &miss),
                ],
                Some(&customer),
            ));
        }
    }
    assert!(misses.len() >= EMAILS.len(), "near misses exist");
    let misses_before: Vec<NsRecord> = s
        .ns_records("contact")
        .into_iter()
        .filter(|r| misses.contains(&r.id))
        .collect();

    let mut seekers = Vec::new();
    for (i, email) in EMAILS.iter().enumerate() {
        let id = s
            .sf_create(
                "Contact",
                json!({"FirstName": "Seeker", "LastName": format!("Seeker {i}"),
                       "Email": email, "AccountId": account}),
            )
            .await;
        seekers.push(id);
    }
    for ((id, twin), email) in seekers.iter().zip(&twins).zip(EMAILS) {
        let ns_id = s.written_back("Contact", id).await;
        assert_eq!(&ns_id, twin, "{email} found its own record");
        // The write-back lands just before the outcome is committed: wait for it.
        s.settled(id).await;
        let outcomes = s.outcome_details(id).await;
        assert_eq!(outcomes[0].0, "updated", "{email}: {outcomes:?}");
    }
    let contacts = s.ns_records("contact");
    assert_eq!(
        contacts.len(),
        twins.len() + misses.len(),
        "no contact was created"
    );
    for (twin, email) in twins.iter().zip(EMAILS) {
        let record = contacts.iter().find(|r| &r.id == twin).unwrap();
        assert_eq!(field(record, "email"), Some(*email));
        assert!(field(record, "lastName").unwrap().starts_with("Seeker"));
    }
    for before in &misses_before {
        let after = contacts.iter().find(|r| r.id == before.id).unwrap();
        assert_eq!(
            before.fields, after.fields,
            "near miss {} changed",
            before.id
        );
    }
}
