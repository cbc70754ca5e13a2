//! NetSuite data calls against the sandbox: record create/get/patch/upsert/delete, SuiteQL
//! with paging, and governance limits.
// Helpers outside #[test] functions panic on purpose too: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use ferry_connectors::ErrorKind;
use ferry_connectors::escape::suiteql_string;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use support::TestSandbox;

#[tokio::test]
async fn a_contact_is_created_read_patched_and_deleted() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    let id = client
        .create_record(
            "contact",
            &json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}),
        )
        .await
        .unwrap();
    assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");

    client
        .patch_record("contact", &id, &json!({"title": "Analyst", "email": null}))
        .await
        .unwrap();
    let record: Value = client.get_record("contact", &id, None).await.unwrap();
    assert_eq!(record["title"], "Analyst");
    assert!(record.get("email").is_none_or(Value::is_null), "{record}");

    let partial: Value = client
        .get_record("contact", &id, Some(&["firstName"]))
        .await
        .unwrap();
    assert_eq!(partial["firstName"], "Ada");
    assert!(partial.get("title").is_none());

    client.delete_record("contact", &id).await.unwrap();
    let err = client
        .get_record::<Value>("contact", &id, None)
        .await
        .unwrap_err();
    assert_eq!((err.kind, err.status), (ErrorKind::NotFound, Some(404)));
}

#[tokio::test]
async fn upsert_by_external_id_creates_then_updates_the_same_record() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    let created = client
        .upsert_record(
            "contact",
            "003xx000004TmiQAAS",
            &json!({"lastName": "Hopper"}),
        )
        .await
        .unwrap();
    let updated = client
        .upsert_record(
            "contact",
            "003xx000004TmiQAAS",
            &json!({"firstName": "Grace"}),
        )
        .await
        .unwrap();
    assert!(created.is_some());
    assert_eq!(created, updated);
    let record: Value = client
        .get_record_by_external_id("contact", "003xx000004TmiQAAS", None)
        .await
        .unwrap();
    assert_eq!(
        (record["firstName"].as_str(), record["lastName"].as_str()),
        (Some("Grace"), Some("Hopper"))
    );
}

#[tokio::test]
async fn suiteql_pages_through_every_row_exactly_once() {
    let app = TestSandbox::seeded(3).await;
    let client = app.netsuite();
    let query = "SELECT id, lastname FROM contact ORDER BY id";
    let first = client.suiteql_page::<Value>(query, 5, 0).await.unwrap();
    let total = first.total_results.unwrap();
    assert!(total > 10, "the seed has enough contacts to page: {total}");
    assert!(first.has_more);
    assert_eq!(first.items.len(), 5);
    assert!(first.items[0].get("links").is_none());

    let rows: Vec<BTreeMap<String, String>> = client.suiteql(query, 5).try_collect().await.unwrap();
    assert_eq!(rows.len() as u64, total);
    let mut ids: Vec<u64> = rows.iter().map(|r| r["id"].parse().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, total);
}

#[tokio::test]
async fn suiteql_literals_built_from_data_match_exactly() {
    let app = TestSandbox::start().await;
    let client = app.netsuite();
    for last_name in ["O'Brien", "O'Brien' OR '1'='1"] {
        client
            .create_record("contact", &json!({"firstName": "T", "lastName": last_name}))
            .await
            .unwrap();
    }
    let query = format!(
        "SELECT id, lastname FROM contact WHERE lastname = {}",
        suiteql_string("O'Brien")
    );
    let rows: Vec<BTreeMap<String, String>> =
        client.suiteql(&query, 10).try_collect().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["lastname"], "O'Brien");
}

#[tokio::test]
async fn governance_limits_report_the_account_concurrency() {
    let app = TestSandbox::start().await;
    app.netsuite_settings(json!({"concurrency_limit": 7})).await;
    let limits = app.netsuite().governance_limits().await.unwrap();
    assert_eq!(limits.account_concurrency_limit, Some(7));
    assert!(limits.limit_type.is_some());
}
