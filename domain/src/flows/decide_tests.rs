//! Unit tests of [`decide`]: one per rule of the Contact flow (and the Account flow), plus the
//! edge cases. Records are built as Salesforce returns them (SOQL rows), candidates as SuiteQL
//! rows, links as `record_links` rows.

use serde_json::{Map, Value, json};

use super::criteria::{Combinator, Condition, Criteria, Group, Operator};
use super::decide::{
    DecideInput, Decision, Failure, FoundBy, LinkState, Skip, decide, fingerprint, wanted_values,
};
use super::definition::{ACCOUNT, CONTACT, FlowDefinition};
use super::fields::SourceField;
use super::lookup::{Matches, TargetRow, matches_for};
use super::record::SourceRecord;
use super::settings::FlowSettings;

const CONTACT_ID: &str = "0035g00000AbCdEAAZ";
const ACCOUNT_ID: &str = "0015g00000XyZwQAAR";
const CUSTOMER_ID: &str = "842";

fn object(value: Value) -> Map<String, Value> {
    let Value::Object(map) = value else {
        panic!("not an object: {value}")
    };
    map
}

/// A Contact as SOQL returns it, synced account, no NetSuite id yet; `overrides` replace or
/// add top-level fields.
fn contact(overrides: Value) -> SourceRecord {
    let mut fields = object(json!({
        "attributes": {"type": "Contact", "url": format!("/services/data/v62.0/sobjects/Contact/{CONTACT_ID}")},
        "Id": CONTACT_ID,
        "SystemModstamp": "2025-03-01T10:00:00.000+0000",
        "NetSuite_Id__c": null,
        "AccountId": ACCOUNT_ID,
        "Account": {"attributes": {"type": "Account"}, "NetSuite_Id__c": CUSTOMER_ID},
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Email": "ada@example.com",
        "Phone": "+44 20 7946 0000",
        "MobilePhone": null,
        "Title": "Analyst",
        "LeadSource": "Web",
    }));
    fields.extend(object(overrides));
    SourceRecord::new(fields)
}

/// An Account as SOQL returns it, not yet synced.
fn account(overrides: Value) -> SourceRecord {
    let mut fields = object(json!({
        "attributes": {"type": "Account"},
        "Id": ACCOUNT_ID,
        "SystemModstamp": "2025-03-01T10:00:00.000+0000",
        "NetSuite_Id__c": null,
        "Name": "Acme Widgets",
        "Phone": "+1 555 0100",
        "Fax": null,
        "Website": "https://acme.example",
    }));
    fields.extend(object(overrides));
    SourceRecord::new(fields)
}

/// A SuiteQL row: lowercase columns, nulls left out.
fn row(id: &str, values: &[(&str, &str)]) -> TargetRow {
    TargetRow {
        id: id.to_owned(),
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// The NetSuite contact holding exactly what [`contact`]`(json!({}))` maps to.
fn synced_contact_row(id: &str) -> TargetRow {
    row(
        id,
        &[
            ("id", id),
            ("externalid", CONTACT_ID),
            ("firstname", "Ada"),
            ("lastname", "Lovelace"),
            ("email", "ada@example.com"),
            ("phone", "+44 20 7946 0000"),
            ("title", "Analyst"),
            ("company", CUSTOMER_ID),
        ],
    )
}

fn with_values(mut row: TargetRow, values: &[(&str, &str)]) -> TargetRow {
    for (k, v) in values {
        row.values.insert((*k).to_owned(), (*v).to_owned());
    }
    row
}

fn without(mut row: TargetRow, columns: &[&str]) -> TargetRow {
    for c in columns {
        row.values.remove(*c);
    }
    row
}

fn run(
    definition: &FlowDefinition,
    settings: &FlowSettings,
    record: Option<&SourceRecord>,
    link: Option<&LinkState>,
    matches: Option<&Matches>,
) -> Decision {
    decide(&DecideInput {
        definition,
        settings,
        record,
        link,
        matches,
    })
}

fn contact_settings() -> FlowSettings {
    CONTACT.default_settings()
}

/// The contact flow with default settings.
fn decide_contact(
    record: &SourceRecord,
    link: Option<&LinkState>,
    matches: Option<&Matches>,
) -> Decision {
    run(&CONTACT, &contact_settings(), Some(record), link, matches)
}

/// The fingerprint Ferry would have stored after syncing `record` to `target_id`.
fn contact_fingerprint(record: &SourceRecord, target_id: &str) -> String {
    fingerprint(
        &wanted_values(&CONTACT, &contact_settings(), record),
        target_id,
    )
}

fn link_to(record: &SourceRecord, target_id: &str) -> LinkState {
    LinkState {
        target_id: Some(target_id.to_owned()),
        fingerprint: Some(contact_fingerprint(record, target_id)),
    }
}

fn nothing_found() -> Matches {
    Matches::default()
}

fn condition(field: &str, op: Operator, value: &str) -> Condition {
    Condition {
        field: SourceField::parse(field).unwrap(),
        op,
        value: value.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 1: fetched fresh; deleted or missing → skip; not qualified → skip naming the condition.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_deleted_or_invisible_record_is_skipped_as_missing() {
    let record = contact(json!({"NetSuite_Id__c": "501"}));
    let link = link_to(&record, "501");
    let found = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    // Whatever Ferry remembers or NetSuite holds, a record Salesforce no longer returns is
    // left alone.
    for (link, matches) in [
        (None, None),
        (Some(&link), None),
        (Some(&link), Some(&found)),
    ] {
        assert_eq!(
            run(&CONTACT, &contact_settings(), None, link, matches),
            Decision::Skip(Skip::Missing)
        );
    }
    assert_eq!(
        run(&ACCOUNT, &ACCOUNT.default_settings(), None, None, None),
        Decision::Skip(Skip::Missing)
    );
}

#[test]
fn a_record_failing_the_criteria_is_skipped_naming_the_failing_condition() {
    let mut settings = contact_settings();
    settings.criteria = Criteria {
        combinator: Combinator::All,
        groups: vec![Group {
            combinator: Combinator::All,
            conditions: vec![
                condition("Email", Operator::IsNotEmpty, ""),
                condition("LeadSource", Operator::Equals, "Partner"),
            ],
        }],
    };
    let web = contact(json!({"LeadSource": "Web"}));
    let decision = run(
        &CONTACT,
        &settings,
        Some(&web),
        None,
        Some(&nothing_found()),
    );
    assert_eq!(
        decision,
        Decision::Skip(Skip::NotQualified("LeadSource equals Partner".to_owned()))
    );

    let no_email = contact(json!({"Email": null, "LeadSource": "Partner"}));
    assert_eq!(
        run(&CONTACT, &settings, Some(&no_email), None, None),
        Decision::Skip(Skip::NotQualified("Email is not empty".to_owned()))
    );

    // The same record qualifies once the condition holds (case-insensitively, as Salesforce).
    let partner = contact(json!({"LeadSource": "partner"}));
    assert_eq!(
        run(&CONTACT, &settings, Some(&partner), None, None),
        Decision::NeedsLookup
    );
}

#[test]
fn qualification_is_checked_before_the_account() {
    let mut settings = contact_settings();
    settings.criteria = Criteria {
        combinator: Combinator::All,
        groups: vec![Group {
            combinator: Combinator::Any,
            conditions: vec![
                condition("LeadSource", Operator::Equals, "Partner"),
                condition("Title", Operator::Contains, "CEO"),
            ],
        }],
    };
    // Standalone and with an unsynced account: still "not qualified", which says why.
    let standalone = contact(json!({"AccountId": null, "Account": null}));
    assert_eq!(
        run(&CONTACT, &settings, Some(&standalone), None, None),
        Decision::Skip(Skip::NotQualified(
            "none of (LeadSource equals Partner OR Title contains CEO)".to_owned()
        ))
    );
    let unsynced = contact(json!({"Account": {"NetSuite_Id__c": null}}));
    assert!(matches!(
        run(&CONTACT, &settings, Some(&unsynced), None, None),
        Decision::Skip(Skip::NotQualified(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Rule 3: no account → skip "standalone contact".
// ---------------------------------------------------------------------------------------------

#[test]
fn a_contact_without_an_account_is_skipped_as_standalone() {
    let found = Matches {
        by_external_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    for record in [
        contact(json!({"AccountId": null, "Account": null})),
        // Salesforce stores "" as null; a row may still carry it.
        contact(json!({"AccountId": "", "Account": null})),
        // Relationship fields not selected at all.
        SourceRecord::new({
            let mut fields = contact(json!({})).into_fields();
            fields.remove("AccountId");
            fields.remove("Account");
            fields
        }),
    ] {
        assert_eq!(
            decide_contact(&record, None, None),
            Decision::Skip(Skip::Standalone)
        );
        // Even when NetSuite has the contact already: standalone contacts are not synced.
        assert_eq!(
            decide_contact(&record, None, Some(&found)),
            Decision::Skip(Skip::Standalone)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 4: the account has no NetSuite id → dependency error naming the account.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_contact_whose_account_is_not_synced_fails_as_a_dependency_naming_the_account() {
    let existing = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    for record in [
        contact(json!({"Account": {"attributes": {"type": "Account"}, "NetSuite_Id__c": null}})),
        contact(json!({"Account": {"NetSuite_Id__c": ""}})),
        contact(json!({"Account": {"Name": "Acme"}})),
        contact(json!({"Account": null})),
    ] {
        let expected = Decision::Fail(Failure::Dependency {
            parent_id: ACCOUNT_ID.to_owned(),
        });
        assert_eq!(decide_contact(&record, None, None), expected);
        assert_eq!(decide_contact(&record, None, Some(&existing)), expected);
        let Decision::Fail(failure) = expected else {
            unreachable!()
        };
        let message = failure.message(&CONTACT);
        assert!(
            message.contains("account not synced to NetSuite"),
            "{message}"
        );
        assert!(message.contains(ACCOUNT_ID), "{message}");
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 5: find the NetSuite contact — internal id, external id, primary, secondary; several
// matches are an error, never a guess.
// ---------------------------------------------------------------------------------------------

#[test]
fn without_lookup_results_the_decision_asks_for_them() {
    let new = contact(json!({}));
    assert_eq!(decide_contact(&new, None, None), Decision::NeedsLookup);
    let with_id = contact(json!({"NetSuite_Id__c": "501"}));
    assert_eq!(decide_contact(&with_id, None, None), Decision::NeedsLookup);
    // A link with nothing remembered is no shortcut.
    let empty_link = LinkState {
        target_id: None,
        fingerprint: None,
    };
    assert_eq!(
        decide_contact(&with_id, Some(&empty_link), None),
        Decision::NeedsLookup
    );
    assert_eq!(
        run(
            &ACCOUNT,
            &ACCOUNT.default_settings(),
            Some(&account(json!({}))),
            None,
            None
        ),
        Decision::NeedsLookup
    );
}

#[test]
fn the_netsuite_id_on_the_record_wins_over_every_other_match() {
    let record = contact(json!({"NetSuite_Id__c": "501"}));
    let matches = Matches {
        by_id: Some(synced_contact_row("501")),
        by_external_id: Some(synced_contact_row("502")),
        // Ambiguous criteria do not matter when the id names the record.
        primary: vec![synced_contact_row("503"), synced_contact_row("504")],
        secondary: vec![synced_contact_row("505"), synced_contact_row("506")],
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Unchanged {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            fingerprint: contact_fingerprint(&record, "501"),
            write_back: false,
        }
    );
}

#[test]
fn the_external_id_is_next_when_the_record_has_no_netsuite_id() {
    let record = contact(json!({}));
    let matches = Matches {
        by_id: None,
        by_external_id: Some(synced_contact_row("502")),
        primary: vec![synced_contact_row("503"), synced_contact_row("504")],
        secondary: vec![synced_contact_row("505")],
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Unchanged {
            target_id: "502".to_owned(),
            found_by: FoundBy::ExternalId,
            fingerprint: contact_fingerprint(&record, "502"),
            write_back: true,
        }
    );
}

#[test]
fn a_netsuite_id_naming_no_record_falls_back_to_the_external_id() {
    // The contact's NetSuite id points at a contact deleted in NetSuite since.
    let record = contact(json!({"NetSuite_Id__c": "777"}));
    let rows = vec![synced_contact_row("502")];
    let matches = matches_for(
        &CONTACT,
        &contact_settings(),
        &record,
        Some(CUSTOMER_ID),
        &rows,
    );
    assert_eq!(matches.by_id, None);
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Unchanged {
            target_id: "502".to_owned(),
            found_by: FoundBy::ExternalId,
            fingerprint: contact_fingerprint(&record, "502"),
            // The stale id in Salesforce is replaced by the one found.
            write_back: true,
        }
    );
}

#[test]
fn a_netsuite_id_that_is_not_numeric_is_ignored() {
    // A hand edit: the field holds no internal id.
    for odd in [
        "n/a",
        "501x",
        " 501",
        "5 01",
        "-501",
        "12345678901234567890123",
    ] {
        let record = contact(json!({"NetSuite_Id__c": odd, "Title": "Engineer"}));
        let rows = vec![
            with_values(synced_contact_row("502"), &[("title", "Analyst")]),
            // A record whose id is the odd text itself never counts.
            row(odd, &[("email", "someone@else.example")]),
        ];
        let matches = matches_for(
            &CONTACT,
            &contact_settings(),
            &record,
            Some(CUSTOMER_ID),
            &rows,
        );
        assert_eq!(matches.by_id, None, "{odd}");
        assert_eq!(
            decide_contact(&record, None, Some(&matches)),
            Decision::Update {
                target_id: "502".to_owned(),
                found_by: FoundBy::ExternalId,
                changes: object(json!({"title": "Engineer"})),
                fingerprint: contact_fingerprint(&record, "502"),
                write_back: true,
            },
            "{odd}"
        );
    }
}

#[test]
fn the_primary_lookup_is_used_when_no_id_matches() {
    let record = contact(json!({}));
    let primary = without(synced_contact_row("503"), &["externalid"]);
    let matches = Matches {
        primary: vec![primary],
        // Secondary is not consulted once the primary found one.
        secondary: vec![synced_contact_row("505"), synced_contact_row("506")],
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Unchanged {
            target_id: "503".to_owned(),
            found_by: FoundBy::Primary,
            fingerprint: contact_fingerprint(&record, "503"),
            write_back: true,
        }
    );
}

#[test]
fn the_secondary_lookup_is_used_when_the_primary_finds_nothing() {
    // A NetSuite contact with another e-mail, same name and company.
    let record = contact(json!({"Email": "ada.lovelace@example.com"}));
    let candidate = without(synced_contact_row("505"), &["externalid"]);
    let rows = vec![candidate.clone()];
    let matches = matches_for(
        &CONTACT,
        &contact_settings(),
        &record,
        Some(CUSTOMER_ID),
        &rows,
    );
    assert_eq!(matches.primary, Vec::<TargetRow>::new());
    assert_eq!(matches.secondary, vec![candidate]);
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Update {
            target_id: "505".to_owned(),
            found_by: FoundBy::Secondary,
            changes: object(json!({"email": "ada.lovelace@example.com"})),
            fingerprint: contact_fingerprint(&record, "505"),
            write_back: true,
        }
    );
}

#[test]
fn several_primary_matches_are_an_ambiguous_lookup_listing_every_id() {
    let record = contact(json!({}));
    let matches = Matches {
        primary: vec![
            synced_contact_row("503"),
            synced_contact_row("504"),
            synced_contact_row("510"),
        ],
        // A unique secondary match must not be used as a guess either.
        secondary: vec![synced_contact_row("505")],
        ..Matches::default()
    };
    let decision = decide_contact(&record, None, Some(&matches));
    let expected = Failure::Ambiguous {
        criterion: "primary".to_owned(),
        ids: vec!["503".to_owned(), "504".to_owned(), "510".to_owned()],
    };
    assert_eq!(decision, Decision::Fail(expected.clone()));
    let message = expected.message(&CONTACT);
    assert!(message.contains("ambiguous lookup"), "{message}");
    assert!(message.contains("primary"), "{message}");
    assert!(message.contains("503, 504, 510"), "{message}");
    assert!(message.contains("3 NetSuite contacts"), "{message}");
}

#[test]
fn several_secondary_matches_are_an_ambiguous_lookup_too() {
    let record = contact(json!({"Email": null}));
    let matches = Matches {
        secondary: vec![synced_contact_row("505"), synced_contact_row("506")],
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Fail(Failure::Ambiguous {
            criterion: "secondary".to_owned(),
            ids: vec!["505".to_owned(), "506".to_owned()],
        })
    );
    // Ambiguity is an error even when creating is off: nothing is guessed or skipped silently.
    let mut settings = contact_settings();
    settings.create = false;
    settings.update = false;
    assert!(matches!(
        run(&CONTACT, &settings, Some(&record), None, Some(&matches)),
        Decision::Fail(Failure::Ambiguous { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Rule 6: found → update only what differs; not found → create.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_found_contact_gets_only_the_mapped_fields_that_differ() {
    let record = contact(json!({
        "NetSuite_Id__c": "501",
        "Title": "Head of Engines",
        "MobilePhone": "+44 7700 900123",
    }));
    let current = with_values(
        synced_contact_row("501"),
        &[
            ("title", "Analyst"),
            // Columns Ferry does not map are never touched.
            ("comments", "keep me"),
            ("salutation", "Ms."),
        ],
    );
    let matches = Matches {
        by_id: Some(current),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Update {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            changes: object(json!({
                "mobilePhone": "+44 7700 900123",
                "title": "Head of Engines",
            })),
            fingerprint: contact_fingerprint(&record, "501"),
            write_back: false,
        }
    );
}

#[test]
fn nothing_differing_is_unchanged() {
    let record = contact(json!({"NetSuite_Id__c": "501"}));
    // Surrounding spaces in NetSuite are no difference; neither is an empty column for an
    // empty Salesforce field.
    let current = with_values(
        synced_contact_row("501"),
        &[("firstname", " Ada "), ("mobilephone", "")],
    );
    let matches = Matches {
        by_id: Some(current),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Unchanged {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            fingerprint: contact_fingerprint(&record, "501"),
            write_back: false,
        }
    );
}

#[test]
fn a_differing_case_is_a_change() {
    let record = contact(json!({"NetSuite_Id__c": "501", "Email": "Ada@Example.com"}));
    let matches = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    let Decision::Update { changes, .. } = decide_contact(&record, None, Some(&matches)) else {
        panic!("expected an update")
    };
    assert_eq!(changes, object(json!({"email": "Ada@Example.com"})));
}

#[test]
fn a_contact_moved_to_another_account_updates_its_company_as_a_reference() {
    let record = contact(json!({
        "NetSuite_Id__c": "501",
        "AccountId": "0015g00000OtHeRAAB",
        "Account": {"NetSuite_Id__c": "900"},
    }));
    let matches = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, None, Some(&matches)),
        Decision::Update {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            changes: object(json!({"company": {"id": "900"}})),
            fingerprint: contact_fingerprint(&record, "501"),
            write_back: false,
        }
    );
}

#[test]
fn a_contact_not_found_is_created_attached_to_the_customer() {
    let record = contact(json!({}));
    assert_eq!(
        decide_contact(&record, None, Some(&nothing_found())),
        Decision::Create {
            body: object(json!({
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "phone": "+44 20 7946 0000",
                "title": "Analyst",
                "company": {"id": CUSTOMER_ID},
            })),
            // Known only once NetSuite answers with the new id.
            fingerprint: String::new(),
        }
    );
}

#[test]
fn a_contact_whose_netsuite_id_names_nothing_and_matches_nothing_is_created() {
    let record = contact(json!({"NetSuite_Id__c": "777"}));
    let matches = matches_for(
        &CONTACT,
        &contact_settings(),
        &record,
        Some(CUSTOMER_ID),
        &[],
    );
    let Decision::Create { body, .. } = decide_contact(&record, None, Some(&matches)) else {
        panic!("expected a create")
    };
    assert_eq!(body.get("company"), Some(&json!({"id": CUSTOMER_ID})));
    assert_eq!(body.get("lastName"), Some(&json!("Lovelace")));
}

// ---------------------------------------------------------------------------------------------
// Rule 7: Ferry's own write-back ends as "no change".
// ---------------------------------------------------------------------------------------------

#[test]
fn the_write_back_notification_ends_as_unchanged_by_link_without_a_lookup() {
    // Ferry created 501 and wrote it back; Salesforce notifies about that very edit.
    let record = contact(json!({"NetSuite_Id__c": "501"}));
    let link = link_to(&record, "501");
    let expected = Decision::Unchanged {
        target_id: "501".to_owned(),
        found_by: FoundBy::Link,
        fingerprint: contact_fingerprint(&record, "501"),
        write_back: false,
    };
    assert_eq!(decide_contact(&record, Some(&link), None), expected);
    // Lookup results, if given anyway, do not change that.
    let matches = Matches {
        by_id: Some(with_values(synced_contact_row("501"), &[("title", "x")])),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, Some(&link), Some(&matches)),
        expected
    );
}

#[test]
fn a_whole_create_and_write_back_round_ends_without_a_loop() {
    let settings = contact_settings();
    let before = contact(json!({}));
    let Decision::Create { .. } = decide_contact(&before, None, Some(&nothing_found())) else {
        panic!("expected a create")
    };
    // The engine creates 9001 and stores the link with the values it wrote.
    let link = LinkState {
        target_id: Some("9001".to_owned()),
        fingerprint: Some(fingerprint(
            &wanted_values(&CONTACT, &settings, &before),
            "9001",
        )),
    };
    // The write-back changes only the NetSuite id field (and the modstamp).
    let after = contact(json!({
        "NetSuite_Id__c": "9001",
        "SystemModstamp": "2025-03-01T10:00:05.000+0000",
    }));
    assert_eq!(
        run(&CONTACT, &settings, Some(&after), Some(&link), None),
        Decision::Unchanged {
            target_id: "9001".to_owned(),
            found_by: FoundBy::Link,
            fingerprint: link.fingerprint.clone().unwrap(),
            write_back: false,
        }
    );
}

#[test]
fn the_link_is_no_shortcut_once_anything_differs() {
    let record = contact(json!({"NetSuite_Id__c": "501"}));

    // A mapped field changed in Salesforce since the last sync.
    let edited = contact(json!({"NetSuite_Id__c": "501", "Title": "CTO"}));
    let old_link = link_to(&record, "501");
    assert_eq!(
        decide_contact(&edited, Some(&old_link), None),
        Decision::NeedsLookup
    );
    let matches = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&edited, Some(&old_link), Some(&matches)),
        Decision::Update {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            changes: object(json!({"title": "CTO"})),
            fingerprint: contact_fingerprint(&edited, "501"),
            write_back: false,
        }
    );

    // The account's customer changed: the company reference is part of the fingerprint.
    let moved = contact(json!({"NetSuite_Id__c": "501", "Account": {"NetSuite_Id__c": "900"}}));
    assert_eq!(
        decide_contact(&moved, Some(&old_link), None),
        Decision::NeedsLookup
    );

    // Someone put another id into the Salesforce field.
    let repointed = contact(json!({"NetSuite_Id__c": "502"}));
    assert_eq!(
        decide_contact(&repointed, Some(&old_link), None),
        Decision::NeedsLookup
    );

    // The id was cleared in Salesforce: it must be found and written back again.
    let cleared = contact(json!({"NetSuite_Id__c": null}));
    let link_for_cleared = link_to(&cleared, "501");
    assert_eq!(
        decide_contact(&cleared, Some(&link_for_cleared), None),
        Decision::NeedsLookup
    );
    let found = Matches {
        by_external_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&cleared, Some(&link_for_cleared), Some(&found)),
        Decision::Unchanged {
            target_id: "501".to_owned(),
            found_by: FoundBy::ExternalId,
            fingerprint: contact_fingerprint(&cleared, "501"),
            write_back: true,
        }
    );

    // The fingerprint of the same values for another target does not count.
    let other_target = LinkState {
        target_id: Some("501".to_owned()),
        fingerprint: Some(contact_fingerprint(&record, "502")),
    };
    assert_eq!(
        decide_contact(&record, Some(&other_target), None),
        Decision::NeedsLookup
    );

    // Both halves are required: a fingerprint for the record's id is not enough when the link
    // points elsewhere or nowhere.
    for target_id in [Some("502".to_owned()), None] {
        let inconsistent = LinkState {
            target_id,
            fingerprint: Some(contact_fingerprint(&record, "501")),
        };
        assert_eq!(
            decide_contact(&record, Some(&inconsistent), None),
            Decision::NeedsLookup
        );
    }

    // A link whose fingerprint is missing (e.g. a failed sync) is no shortcut.
    let no_fingerprint = LinkState {
        target_id: Some("501".to_owned()),
        fingerprint: None,
    };
    assert_eq!(
        decide_contact(&record, Some(&no_fingerprint), None),
        Decision::NeedsLookup
    );
}

#[test]
fn changed_mappings_invalidate_the_link() {
    let record = contact(json!({"NetSuite_Id__c": "501"}));
    let link = link_to(&record, "501");
    let mut settings = contact_settings();
    settings
        .mappings
        .retain(|m| m.target.as_str() != "mobilePhone");
    assert_eq!(
        run(&CONTACT, &settings, Some(&record), Some(&link), None),
        Decision::NeedsLookup
    );
}

#[test]
fn the_link_shortcut_still_needs_the_account() {
    // Skips and dependency errors come before the link: the account lost its NetSuite id.
    let synced = contact(json!({"NetSuite_Id__c": "501"}));
    let link = link_to(&synced, "501");
    let unsynced = contact(json!({"NetSuite_Id__c": "501", "Account": {"NetSuite_Id__c": null}}));
    assert_eq!(
        decide_contact(&unsynced, Some(&link), None),
        Decision::Fail(Failure::Dependency {
            parent_id: ACCOUNT_ID.to_owned()
        })
    );
    let standalone = contact(json!({"NetSuite_Id__c": "501", "AccountId": null, "Account": null}));
    assert_eq!(
        decide_contact(&standalone, Some(&link), None),
        Decision::Skip(Skip::Standalone)
    );
}

// ---------------------------------------------------------------------------------------------
// Switches: creating and updating can each be turned off.
// ---------------------------------------------------------------------------------------------

#[test]
fn with_creating_off_a_contact_not_found_is_skipped() {
    let mut settings = contact_settings();
    settings.create = false;
    let record = contact(json!({}));
    assert_eq!(
        run(
            &CONTACT,
            &settings,
            Some(&record),
            None,
            Some(&nothing_found())
        ),
        Decision::Skip(Skip::CreatesOff)
    );
    // Existing contacts are still updated.
    let edited = contact(json!({"Title": "CTO"}));
    let found = Matches {
        by_external_id: Some(synced_contact_row("502")),
        ..Matches::default()
    };
    assert_eq!(
        run(&CONTACT, &settings, Some(&edited), None, Some(&found)),
        Decision::Update {
            target_id: "502".to_owned(),
            found_by: FoundBy::ExternalId,
            changes: object(json!({"title": "CTO"})),
            fingerprint: contact_fingerprint(&edited, "502"),
            write_back: true,
        }
    );
}

#[test]
fn with_updating_off_a_differing_contact_is_skipped() {
    let mut settings = contact_settings();
    settings.update = false;
    let edited = contact(json!({"NetSuite_Id__c": "501", "Title": "CTO"}));
    let found = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    assert_eq!(
        run(&CONTACT, &settings, Some(&edited), None, Some(&found)),
        Decision::Skip(Skip::UpdatesOff)
    );
    // Nothing to update is still "unchanged" (and may still write the id back).
    let same = contact(json!({}));
    assert_eq!(
        run(&CONTACT, &settings, Some(&same), None, Some(&found)),
        Decision::Unchanged {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            fingerprint: contact_fingerprint(&same, "501"),
            write_back: true,
        }
    );
    // New contacts are still created.
    assert!(matches!(
        run(
            &CONTACT,
            &settings,
            Some(&same),
            None,
            Some(&nothing_found())
        ),
        Decision::Create { .. }
    ));
}

// ---------------------------------------------------------------------------------------------
// Write-back: whenever the Salesforce field does not hold the id found.
// ---------------------------------------------------------------------------------------------

#[test]
fn write_back_is_asked_exactly_when_the_salesforce_id_differs_from_the_one_found() {
    let cases = [
        (Value::Null, "501", true),
        (json!("501"), "501", false),
        (json!("777"), "501", true),
        (json!(""), "501", true),
    ];
    for (own, found_id, write_back) in cases {
        let record = contact(json!({"NetSuite_Id__c": own, "Title": "CTO"}));
        let matches = Matches {
            primary: vec![synced_contact_row(found_id)],
            ..Matches::default()
        };
        let decision = decide_contact(&record, None, Some(&matches));
        let Decision::Update {
            target_id,
            write_back: asked,
            ..
        } = decision
        else {
            panic!("expected an update, got {decision:?}")
        };
        assert_eq!(target_id, found_id);
        assert_eq!(asked, write_back, "{own}");
    }
}

// ---------------------------------------------------------------------------------------------
// The Account flow: same shape, no parent.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_account_flow_has_no_parent_so_never_skips_as_standalone_or_waits() {
    let settings = ACCOUNT.default_settings();
    // No AccountId, no Account relationship: irrelevant for an account.
    let record = account(json!({"Name": "Acme \"Widgets\" GmbH & Co. KG — Zürich"}));
    assert_eq!(
        run(&ACCOUNT, &settings, Some(&record), None, None),
        Decision::NeedsLookup
    );
    assert_eq!(
        run(
            &ACCOUNT,
            &settings,
            Some(&record),
            None,
            Some(&nothing_found())
        ),
        Decision::Create {
            body: object(json!({
                "companyName": "Acme \"Widgets\" GmbH & Co. KG — Zürich",
                "phone": "+1 555 0100",
                "url": "https://acme.example",
            })),
            fingerprint: String::new(),
        }
    );
}

#[test]
fn the_account_flow_updates_the_customer_and_ends_its_write_back_by_link() {
    let settings = ACCOUNT.default_settings();
    let record = account(json!({"NetSuite_Id__c": CUSTOMER_ID, "Fax": "+1 555 0199"}));
    let customer = row(
        CUSTOMER_ID,
        &[
            ("id", CUSTOMER_ID),
            ("companyname", "Acme Widgets"),
            ("phone", "+1 555 0100"),
            ("url", "https://acme.example"),
        ],
    );
    let matches = matches_for(&ACCOUNT, &settings, &record, None, &[customer]);
    let values = wanted_values(&ACCOUNT, &settings, &record);
    assert_eq!(
        run(&ACCOUNT, &settings, Some(&record), None, Some(&matches)),
        Decision::Update {
            target_id: CUSTOMER_ID.to_owned(),
            found_by: FoundBy::InternalId,
            changes: object(json!({"fax": "+1 555 0199"})),
            fingerprint: fingerprint(&values, CUSTOMER_ID),
            write_back: false,
        }
    );
    let link = LinkState {
        target_id: Some(CUSTOMER_ID.to_owned()),
        fingerprint: Some(fingerprint(&values, CUSTOMER_ID)),
    };
    assert_eq!(
        run(&ACCOUNT, &settings, Some(&record), Some(&link), None),
        Decision::Unchanged {
            target_id: CUSTOMER_ID.to_owned(),
            found_by: FoundBy::Link,
            fingerprint: fingerprint(&values, CUSTOMER_ID),
            write_back: false,
        }
    );
}

#[test]
fn an_ambiguous_customer_name_is_an_error_in_the_account_flow() {
    let settings = ACCOUNT.default_settings();
    let record = account(json!({}));
    let twins = [
        row("900", &[("companyname", "Acme Widgets")]),
        row("901", &[("companyname", "ACME WIDGETS")]),
    ];
    let matches = matches_for(&ACCOUNT, &settings, &record, None, &twins);
    assert_eq!(
        run(&ACCOUNT, &settings, Some(&record), None, Some(&matches)),
        Decision::Fail(Failure::Ambiguous {
            criterion: "primary".to_owned(),
            ids: vec!["900".to_owned(), "901".to_owned()],
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Values pass through as they are.
// ---------------------------------------------------------------------------------------------

#[test]
fn unicode_and_quotes_pass_through_unchanged() {
    let first = "Zoë \"Zo\" Ñúñez";
    let last = "O'Brien-Łukasiewicz";
    let title = "Directeur général — R&D <研究> \\ 'lead'";
    let record = contact(json!({"FirstName": first, "LastName": last, "Title": title}));
    let Decision::Create { body, .. } = decide_contact(&record, None, Some(&nothing_found()))
    else {
        panic!("expected a create")
    };
    assert_eq!(body.get("firstName"), Some(&json!(first)));
    assert_eq!(body.get("lastName"), Some(&json!(last)));
    assert_eq!(body.get("title"), Some(&json!(title)));

    // And into an update, against an ASCII-folded NetSuite copy.
    let found = Matches {
        by_external_id: Some(with_values(
            synced_contact_row("502"),
            &[
                ("firstname", "Zoe \"Zo\" Nunez"),
                ("lastname", last),
                ("title", title),
            ],
        )),
        ..Matches::default()
    };
    let decision = decide_contact(&record, None, Some(&found));
    let Decision::Update { changes, .. } = decision else {
        panic!("expected an update, got {decision:?}")
    };
    assert_eq!(changes, object(json!({"firstName": first})));
}

#[test]
fn an_emptied_field_is_cleared_by_an_update_but_left_out_of_a_create() {
    let record = contact(json!({"NetSuite_Id__c": "501", "Title": null, "Phone": ""}));
    let found = Matches {
        by_id: Some(synced_contact_row("501")),
        ..Matches::default()
    };
    assert_eq!(
        decide_contact(&record, None, Some(&found)),
        Decision::Update {
            target_id: "501".to_owned(),
            found_by: FoundBy::InternalId,
            changes: object(json!({"phone": null, "title": null})),
            fingerprint: contact_fingerprint(&record, "501"),
            write_back: false,
        }
    );

    let new = contact(json!({"Title": null, "Phone": "", "MobilePhone": null}));
    assert_eq!(
        decide_contact(&new, None, Some(&nothing_found())),
        Decision::Create {
            body: object(json!({
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "company": {"id": CUSTOMER_ID},
            })),
            fingerprint: String::new(),
        }
    );
}

// ---------------------------------------------------------------------------------------------
// The words the dashboard shows.
// ---------------------------------------------------------------------------------------------

#[test]
fn skip_reasons_and_failure_messages_read_well() {
    let reason = |skip: Skip| skip.reason(&CONTACT);
    assert_eq!(
        reason(Skip::Standalone),
        "standalone contact: it has no account"
    );
    assert!(reason(Skip::Missing).contains("Contact was deleted"));
    assert_eq!(
        reason(Skip::NotQualified("Email is not empty".to_owned())),
        "does not meet the qualification criteria: Email is not empty"
    );
    assert!(reason(Skip::CreatesOff).contains("no NetSuite contact exists"));
    assert!(reason(Skip::CreatesOff).contains("creating is turned off"));
    assert!(reason(Skip::UpdatesOff).contains("the NetSuite contact exists"));
    assert!(reason(Skip::UpdatesOff).contains("updating is turned off"));
    assert_eq!(reason(Skip::FlowOff), "the flow is off");
    assert!(
        Skip::CreatesOff
            .reason(&ACCOUNT)
            .contains("no NetSuite customer")
    );

    let dependency = Failure::Dependency {
        parent_id: ACCOUNT_ID.to_owned(),
    }
    .message(&CONTACT);
    assert!(
        dependency.starts_with("account not synced to NetSuite"),
        "{dependency}"
    );
    assert!(
        dependency.contains(&format!("account {ACCOUNT_ID} has no NetSuite id")),
        "{dependency}"
    );

    let ambiguous = Failure::Ambiguous {
        criterion: "secondary".to_owned(),
        ids: vec!["505".to_owned(), "506".to_owned()],
    }
    .message(&CONTACT);
    assert!(ambiguous.starts_with("ambiguous lookup"), "{ambiguous}");
    assert!(
        ambiguous.contains("the secondary lookup matches 2 NetSuite contacts (505, 506)"),
        "{ambiguous}"
    );

    assert_eq!(FoundBy::Link.label(), "last sync");
    assert_eq!(FoundBy::InternalId.label(), "the NetSuite id on the record");
}
