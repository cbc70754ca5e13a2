//! Salesforce data calls against the sandbox: sObject CRUD and upsert, SOQL with paging,
//! sObject Collections, describe, and the limit header.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ferry_connectors::ErrorKind;
use ferry_connectors::escape::soql_string;
use ferry_connectors::salesforce::{QueryOptions, RecordUpdate};
use futures_util::TryStreamExt;
use serde_json::{Map, Value, json};
use support::TestSandbox;

#[tokio::test]
async fn a_contact_is_created_read_updated_and_deleted() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let id = client
        .create_record(
            "Contact",
            &json!({"FirstName": "Ada", "LastName": "Lovelace"}),
        )
        .await
        .unwrap();
    assert!(id.starts_with("003") && id.len() == 18, "{id}");

    client
        .update_record("Contact", &id, &json!({"Email": "ada@example.com"}))
        .await
        .unwrap();
    let record: Value = client
        .get_record("Contact", &id, Some(&["LastName", "Email"]))
        .await
        .unwrap();
    assert_eq!(record["Email"], "ada@example.com");
    assert_eq!(record["attributes"]["type"], "Contact");

    client.delete_record("Contact", &id).await.unwrap();
    let err = client
        .get_record::<Value>("Contact", &id, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(err.code.as_deref(), Some("ENTITY_IS_DELETED"));
}

#[tokio::test]
async fn upsert_by_external_id_creates_then_updates_the_same_record() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let created = client
        .upsert_by_external_id(
            "Contact",
            "NetSuite_Id__c",
            "5231",
            &json!({"LastName": "Hopper"}),
        )
        .await
        .unwrap();
    assert!(created.created);
    let updated = client
        .upsert_by_external_id(
            "Contact",
            "NetSuite_Id__c",
            "5231",
            &json!({"FirstName": "Grace"}),
        )
        .await
        .unwrap();
    assert!(!updated.created);
    assert_eq!(updated.id, created.id);

    let record: Value = client
        .get_record_by_external_id("Contact", "NetSuite_Id__c", "5231", Some(&["FirstName"]))
        .await
        .unwrap();
    assert_eq!(record["FirstName"], "Grace");
}

#[tokio::test]
async fn a_query_streams_every_page_through_next_records_url() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    for n in 0..7 {
        client
            .create_record(
                "Contact",
                &json!({"FirstName": format!("P{n}"), "LastName": "O'Pager"}),
            )
            .await
            .unwrap();
    }
    let soql = format!(
        "SELECT Id, FirstName FROM Contact WHERE LastName = {} ORDER BY Id",
        soql_string("O'Pager")
    );
    let options = QueryOptions {
        batch_size: Some(3),
        ..QueryOptions::default()
    };
    let first = client.query_page::<Value>(&soql, options).await.unwrap();
    assert_eq!(
        (first.total_size, first.records.len(), first.done),
        (7, 3, false)
    );
    assert!(first.next_records_url.is_some());

    let all: Vec<Value> = client.query(&soql, options).try_collect().await.unwrap();
    assert_eq!(all.len(), 7);
    let mut names: Vec<&str> = all.iter().filter_map(|r| r["FirstName"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["P0", "P1", "P2", "P3", "P4", "P5", "P6"]);
}

#[tokio::test]
async fn query_all_also_returns_deleted_records() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let id = client
        .create_record("Contact", &json!({"LastName": "Gone"}))
        .await
        .unwrap();
    client.delete_record("Contact", &id).await.unwrap();
    let soql = "SELECT Id, IsDeleted FROM Contact WHERE LastName = 'Gone'";
    let live: Vec<Value> = client
        .query(soql, QueryOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert!(live.is_empty());
    let options = QueryOptions {
        include_deleted: true,
        ..QueryOptions::default()
    };
    let all: Vec<Value> = client.query(soql, options).try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["IsDeleted"], true);
}

#[tokio::test]
async fn a_collection_update_reports_each_record_on_its_own() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let good = client
        .create_record("Contact", &json!({"LastName": "Good"}))
        .await
        .unwrap();
    let bad = client
        .create_record("Contact", &json!({"LastName": "Bad"}))
        .await
        .unwrap();
    let update = |id: &str, field: &str, value: &str| {
        let mut fields = Map::new();
        fields.insert(field.into(), Value::String(value.into()));
        RecordUpdate {
            sobject: "Contact".into(),
            id: id.into(),
            fields,
        }
    };
    let results = client
        .update_records(
            &[
                update(&good, "Email", "good@example.com"),
                update(&bad, "Email", "not an e-mail"),
            ],
            false,
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    assert!(results[0].success && results[0].error().is_none());
    let err = results[1].error().expect("the second record fails");
    assert_eq!(err.kind, ErrorKind::Validation);
    assert_eq!(err.code.as_deref(), Some("INVALID_EMAIL_ADDRESS"));

    let record: Value = client.get_record("Contact", &good, None).await.unwrap();
    assert_eq!(record["Email"], "good@example.com");
}

#[tokio::test]
async fn more_than_200_records_in_one_collection_update_are_refused_before_sending() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let records: Vec<RecordUpdate> = (0..201)
        .map(|n| RecordUpdate {
            sobject: "Contact".into(),
            id: format!("003{n:015}"),
            fields: Map::new(),
        })
        .collect();
    let err = client.update_records(&records, false).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
}

#[tokio::test]
async fn describe_lists_fields_with_types_flags_and_picklist_values() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    let contact = client.describe("Contact").await.unwrap();
    assert_eq!(contact.name, "Contact");
    let last_name = contact.field("LastName").unwrap();
    assert!(last_name.is_required_on_create());
    assert_eq!(last_name.field_type, "string");
    let id = contact.field("Id").unwrap();
    assert!(!id.createable && !id.updateable);
    let email = contact.field("Email").unwrap();
    assert!(email.nillable && !email.is_required_on_create());
    let external = contact.field("NetSuite_Id__c").unwrap();
    assert!(external.external_id);
    assert!(
        contact
            .fields
            .iter()
            .any(|f| f.field_type == "picklist" && !f.picklist_values.is_empty())
    );
}

#[tokio::test]
async fn the_limit_header_of_the_last_response_is_exposed() {
    let app = TestSandbox::start().await;
    let client = app.salesforce();
    assert!(client.limit_info().is_none());
    client.describe("Contact").await.unwrap();
    let first = client.limit_info().unwrap().api_usage().unwrap();
    client.describe("Account").await.unwrap();
    let second = client.limit_info().unwrap().api_usage().unwrap();
    assert_eq!(second.max, 100_000);
    assert!(second.used > first.used);
}

#[tokio::test]
async fn writes_are_tagged_so_their_change_events_can_be_recognised() {
    let app = TestSandbox::start().await;
    let config = app
        .salesforce_config()
        .with_call_options_client("ferry-sync")
        .unwrap();
    let client =
        ferry_connectors::salesforce::SalesforceClient::new(config, app.jwt_credentials()).unwrap();
    client
        .create_record("Contact", &json!({"LastName": "Tagged"}))
        .await
        .unwrap();
    let events = app
        .sf_admin(reqwest::Method::GET, "/__sandbox/cdc/events?after=0", None)
        .await;
    let origin = events["events"][0]["data"]["payload"]["ChangeEventHeader"]["changeOrigin"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(origin.ends_with(";client=ferry-sync"), "{origin}");
}
