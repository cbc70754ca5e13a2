//! SOQL subset, paging and error shapes (PROTOCOLS.md A4).
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, first_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn rows(app: &TestApp, soql: &str) -> Vec<Value> {
    let res = app.query(soql).await;
    assert_eq!(res.status(), StatusCode::OK, "{soql}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["done"], true, "{soql}");
    body["records"].as_array().unwrap().clone()
}

async fn last_names(app: &TestApp, soql: &str) -> Vec<String> {
    rows(app, soql)
        .await
        .iter()
        .map(|r| r["LastName"].as_str().unwrap_or("<null>").to_owned())
        .collect()
}

/// Acme (synced, NetSuite id 1001) with Ada and Grace; Globex (not synced) with Alan;
/// standalone Edsger (no email).
async fn fixture() -> (TestApp, String, String) {
    let app = TestApp::start().await;
    let acme = app
        .create("Account", json!({"Name": "Acme", "NetSuite_Id__c": "1001"}))
        .await;
    let globex = app.create("Account", json!({"Name": "Globex"})).await;
    app.create("Contact", json!({"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com", "AccountId": acme})).await;
    app.create("Contact", json!({"FirstName": "Grace", "LastName": "Hopper", "Email": "grace@navy.example", "AccountId": acme, "NetSuite_Id__c": "5001"})).await;
    app.create("Contact", json!({"FirstName": "Alan", "LastName": "Turing", "Email": "alan@example.com", "AccountId": globex})).await;
    app.create(
        "Contact",
        json!({"FirstName": "Edsger", "LastName": "Dijkstra"}),
    )
    .await;
    (app, acme, globex)
}

#[tokio::test]
async fn a_query_returns_total_size_done_and_records_with_attributes() {
    let (app, _, _) = fixture().await;
    let res = app.query("SELECT Id, LastName FROM Contact").await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["totalSize"], 4);
    assert_eq!(body["done"], true);
    assert!(body.get("nextRecordsUrl").is_none());
    let first = &body["records"][0];
    assert_eq!(first["attributes"]["type"], "Contact");
    assert!(
        first["attributes"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v67.0/sobjects/Contact/")
    );
    assert_eq!(first.as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn keywords_and_field_names_are_case_insensitive_and_keys_are_canonical() {
    let (app, _, _) = fixture().await;
    let records = rows(
        &app,
        "select id, lastname from contact where lastname = 'LOVELACE'",
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["LastName"], "Lovelace");
}

#[tokio::test]
async fn parent_fields_come_back_nested_under_the_relationship() {
    let (app, _, _) = fixture().await;
    let records = rows(
        &app,
        "SELECT LastName, Account.Name, Account.NetSuite_Id__c FROM Contact ORDER BY LastName",
    )
    .await;
    let dijkstra = &records[0];
    assert_eq!(dijkstra["LastName"], "Dijkstra");
    assert_eq!(dijkstra["Account"], Value::Null);
    let hopper = &records[1];
    assert_eq!(hopper["Account"]["Name"], "Acme");
    assert_eq!(hopper["Account"]["NetSuite_Id__c"], "1001");
    assert_eq!(hopper["Account"]["attributes"]["type"], "Account");
}

#[tokio::test]
async fn where_supports_comparison_operators() {
    let (app, _, _) = fixture().await;
    let cases = [
        ("LastName = 'Hopper'", vec!["Hopper"]),
        (
            "LastName != 'Hopper'",
            vec!["Dijkstra", "Lovelace", "Turing"],
        ),
        (
            "LastName <> 'Hopper'",
            vec!["Dijkstra", "Lovelace", "Turing"],
        ),
        ("LastName < 'Lovelace'", vec!["Dijkstra", "Hopper"]),
        (
            "LastName <= 'Lovelace'",
            vec!["Dijkstra", "Hopper", "Lovelace"],
        ),
        ("LastName > 'Lovelace'", vec!["Turing"]),
        ("LastName >= 'Lovelace'", vec!["Lovelace", "Turing"]),
        ("LastName LIKE 'lo%'", vec!["Lovelace"]),
        ("Email LIKE '%@example.com'", vec!["Lovelace", "Turing"]),
        ("LastName IN ('Hopper', 'Turing')", vec!["Hopper", "Turing"]),
        (
            "LastName NOT IN ('Hopper', 'Turing')",
            vec!["Dijkstra", "Lovelace"],
        ),
        ("Email = null", vec!["Dijkstra"]),
        ("Email != null", vec!["Hopper", "Lovelace", "Turing"]),
        ("NetSuite_Id__c = '5001'", vec!["Hopper"]),
    ];
    for (filter, expected) in cases {
        let soql = format!("SELECT LastName FROM Contact WHERE {filter} ORDER BY LastName");
        assert_eq!(last_names(&app, &soql).await, expected, "{filter}");
    }
}

#[tokio::test]
async fn where_combines_and_or_not_and_parentheses() {
    let (app, _, _) = fixture().await;
    let cases = [
        (
            "Email != null AND AccountId != null",
            vec!["Hopper", "Lovelace", "Turing"],
        ),
        (
            "LastName = 'Hopper' OR LastName = 'Turing'",
            vec!["Hopper", "Turing"],
        ),
        (
            "NOT LastName = 'Hopper'",
            vec!["Dijkstra", "Lovelace", "Turing"],
        ),
        (
            "(LastName = 'Hopper' OR LastName = 'Turing') AND Email LIKE '%example.com'",
            vec!["Turing"],
        ),
        (
            "NOT (LastName = 'Hopper' OR Email = null)",
            vec!["Lovelace", "Turing"],
        ),
    ];
    for (filter, expected) in cases {
        let soql = format!("SELECT LastName FROM Contact WHERE {filter} ORDER BY LastName");
        assert_eq!(last_names(&app, &soql).await, expected, "{filter}");
    }
}

#[tokio::test]
async fn parent_fields_can_be_filtered() {
    let (app, _, _) = fixture().await;
    let names = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE Account.NetSuite_Id__c != null ORDER BY LastName",
    )
    .await;
    assert_eq!(names, ["Hopper", "Lovelace"]);
}

#[tokio::test]
async fn ids_filter_in_fifteen_or_eighteen_character_form() {
    let (app, acme, _) = fixture().await;
    let soql = format!(
        "SELECT LastName FROM Contact WHERE AccountId IN ('{}', '{}') ORDER BY LastName",
        &acme[..15],
        acme
    );
    assert_eq!(last_names(&app, &soql).await, ["Hopper", "Lovelace"]);
}

#[tokio::test]
async fn datetime_literals_filter_on_system_modstamp() {
    let (app, _, _) = fixture().await;
    let all = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE SystemModstamp > 2020-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(all.len(), 4);
    let none = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE SystemModstamp > 2999-01-01T00:00:00.000+00:00",
    )
    .await;
    assert!(none.is_empty());
    let today = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE CreatedDate = TODAY",
    )
    .await;
    assert_eq!(today.len(), 4);
    let recent = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE CreatedDate = LAST_N_DAYS:3",
    )
    .await;
    assert_eq!(recent.len(), 4);
}

#[tokio::test]
async fn a_sync_cursor_query_sees_only_later_changes_in_modstamp_order() {
    let (app, _, _) = fixture().await;
    let records = rows(
        &app,
        "SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id",
    )
    .await;
    let cursor = records[1]["SystemModstamp"].as_str().unwrap().to_owned();
    // Salesforce prints +0000; SOQL literals take the ISO form.
    let literal = format!("{}Z", &cursor[..23]);
    let later = rows(
        &app,
        &format!(
            "SELECT Id FROM Contact WHERE SystemModstamp > {literal} ORDER BY SystemModstamp, Id"
        ),
    )
    .await;
    assert_eq!(later.len(), 2);
    assert_eq!(later[0]["Id"], records[2]["Id"]);
}

#[tokio::test]
async fn order_by_limit_and_offset_shape_the_result() {
    let (app, _, _) = fixture().await;
    assert_eq!(
        last_names(
            &app,
            "SELECT LastName FROM Contact ORDER BY LastName DESC LIMIT 2"
        )
        .await,
        ["Turing", "Lovelace"]
    );
    assert_eq!(
        last_names(
            &app,
            "SELECT LastName FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1"
        )
        .await,
        ["Hopper", "Lovelace"]
    );
    assert_eq!(
        last_names(
            &app,
            "SELECT LastName FROM Contact ORDER BY Email NULLS LAST, LastName"
        )
        .await,
        ["Lovelace", "Turing", "Hopper", "Dijkstra"]
    );
    assert_eq!(
        last_names(
            &app,
            "SELECT LastName FROM Contact ORDER BY Email, LastName"
        )
        .await[0],
        "Dijkstra"
    );
}

#[tokio::test]
async fn count_returns_only_a_total() {
    let (app, _, _) = fixture().await;
    let body: Value = app
        .query("SELECT COUNT() FROM Contact WHERE Email != null")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"totalSize": 3, "done": true, "records": []}));
}

#[tokio::test]
async fn query_all_also_returns_deleted_rows_with_is_deleted_true() {
    let (app, _, _) = fixture().await;
    let id = app.create("Contact", json!({"LastName": "Deleted"})).await;
    app.delete(&format!("/sobjects/Contact/{id}")).await;
    let plain = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE LastName = 'Deleted'",
    )
    .await;
    assert!(plain.is_empty());
    let res = app
        .http
        .get(app.api("/queryAll"))
        .query(&[(
            "q",
            "SELECT LastName, IsDeleted FROM Contact WHERE IsDeleted = true",
        )])
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["totalSize"], 1);
    assert_eq!(body["records"][0]["IsDeleted"], true);
}

#[tokio::test]
async fn paging_follows_next_records_url_with_the_requested_batch_size() {
    let app = TestApp::start().await;
    for i in 0..7 {
        app.create("Contact", json!({"LastName": format!("P{i}")}))
            .await;
    }
    let res = app
        .http
        .get(app.api("/query"))
        .query(&[("q", "SELECT LastName FROM Contact ORDER BY LastName")])
        .header("Sforce-Query-Options", "batchSize=3")
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let mut page: Value = res.json().await.unwrap();
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert_eq!(page["totalSize"], 7);
        for r in page["records"].as_array().unwrap() {
            names.push(r["LastName"].as_str().unwrap().to_owned());
        }
        if page["done"] == true {
            assert!(page.get("nextRecordsUrl").is_none());
            break;
        }
        let next = page["nextRecordsUrl"].as_str().unwrap().to_owned();
        assert!(next.starts_with("/services/data/v67.0/query/01g"), "{next}");
        assert!(next.ends_with(&format!("-{}", names.len())), "{next}");
        page = app
            .http
            .get(format!("{}{next}", app.base()))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["P0", "P1", "P2", "P3", "P4", "P5", "P6"]);
}

#[tokio::test]
async fn the_default_batch_size_is_configurable() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["query_batch_size"] = json!(2))
        .await;
    for i in 0..3 {
        app.create("Contact", json!({"LastName": format!("B{i}")}))
            .await;
    }
    let body: Value = app
        .query("SELECT Id FROM Contact")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["records"].as_array().unwrap().len(), 2);
    assert_eq!(body["done"], false);
}

#[tokio::test]
async fn an_unknown_locator_is_invalid_query_locator() {
    let app = TestApp::start().await;
    let res = app.get("/query/01g5g0000000000AAA-2000").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(first_error(res).await.0, "INVALID_QUERY_LOCATOR");
}

#[tokio::test]
async fn a_malformed_query_is_malformed_query_with_row_and_column() {
    let app = TestApp::start().await;
    let res = app.query("SELECT Id FRO Contact").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY");
    assert_eq!(
        body[0]["message"],
        "\nSELECT Id FRO Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRO'"
    );
}

#[tokio::test]
async fn every_kind_of_bad_soql_gets_a_clean_error_never_a_crash() {
    let app = TestApp::start().await;
    let cases = [
        ("", "MALFORMED_QUERY"),
        ("SELECT", "MALFORMED_QUERY"),
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Contact WHERE LastName = 'unterminated",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Contact WHERE LastName = 'a' AND Email = 'b' OR Title = 'c'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Contact LIMIT x", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact ORDER LastName", "MALFORMED_QUERY"),
        ("SELECT Id, Id FROM Contact", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Contact WHERE LastName # 'x'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Id FROM Contact extra tokens", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Contact WHERE LastName = 'a\\qb'",
            "MALFORMED_QUERY",
        ),
        (
            "SELECT Id FROM Contact OFFSET 5000",
            "NUMBER_OUTSIDE_VALID_RANGE",
        ),
        ("SELECT Id FROM Opportunity", "INVALID_TYPE"),
        (
            "SELECT Id FROM Contact WHERE Id = 'nope'",
            "INVALID_QUERY_FILTER_OPERATOR",
        ),
        ("((((((((", "MALFORMED_QUERY"),
    ];
    for (soql, code) in cases {
        let res = app.query(soql).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{soql}");
        assert_eq!(first_error(res).await.0, code, "{soql}");
    }
}

#[tokio::test]
async fn an_unknown_field_is_invalid_field_naming_the_entity() {
    let app = TestApp::start().await;
    let res = app.query("SELECT Id, Shoe__c FROM Contact").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (code, message) = first_error(res).await;
    assert_eq!(code, "INVALID_FIELD");
    assert!(
        message.contains("No such column 'Shoe__c' on entity 'Contact'"),
        "{message}"
    );
    assert!(message.contains("ERROR at Row:1:Column:12"), "{message}");
    let res = app.query("SELECT Owner2.Name FROM Contact").await;
    assert_eq!(first_error(res).await.0, "INVALID_FIELD");
}

#[tokio::test]
async fn literal_types_must_match_the_field_type() {
    let app = TestApp::start().await;
    let cases = [
        "SELECT Id FROM Contact WHERE SystemModstamp > '2026-01-01T00:00:00Z'",
        "SELECT Id FROM Contact WHERE LastName = 5",
        "SELECT Id FROM Contact WHERE IsDeleted = 'true'",
    ];
    for soql in cases {
        let res = app.query(soql).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{soql}");
        assert_eq!(first_error(res).await.0, "INVALID_FIELD", "{soql}");
    }
}

#[tokio::test]
async fn a_missing_q_parameter_is_malformed_query() {
    let app = TestApp::start().await;
    let res = app.get("/query").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(first_error(res).await.0, "MALFORMED_QUERY");
}

#[tokio::test]
async fn escaped_quotes_in_string_literals_match() {
    let app = TestApp::start().await;
    app.create("Contact", json!({"LastName": "O'Brien"})).await;
    let names = last_names(
        &app,
        "SELECT LastName FROM Contact WHERE LastName = 'O\\'Brien'",
    )
    .await;
    assert_eq!(names, ["O'Brien"]);
}

#[tokio::test]
async fn random_token_soup_never_crashes_the_parser() {
    use rand::{Rng, SeedableRng};
    let (app, _, _) = fixture().await;
    let pieces = [
        "SELECT",
        "FROM",
        "WHERE",
        "Contact",
        "Account",
        "Id",
        "LastName",
        "Account.Name",
        ",",
        "(",
        ")",
        "=",
        "!=",
        "<",
        ">=",
        "LIKE",
        "IN",
        "NOT",
        "AND",
        "OR",
        "null",
        "'x'",
        "'",
        "2026-01-01T00:00:00Z",
        "TODAY",
        "LAST_N_DAYS:2",
        "ORDER",
        "BY",
        "DESC",
        "NULLS",
        "LIMIT",
        "OFFSET",
        "5",
        "-1",
        "COUNT()",
        "\\",
        "é",
        "%",
        "_",
        "\n",
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for _ in 0..150 {
        let len = rng.random_range(1..14);
        let soql: Vec<&str> = (0..len)
            .map(|_| pieces[rng.random_range(0..pieces.len())])
            .collect();
        let soql = soql.join(" ");
        let res = app.query(&soql).await;
        let status = res.status();
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "{soql}: {status}"
        );
        let body: Value = res.json().await.unwrap();
        if status == StatusCode::BAD_REQUEST {
            assert!(body[0]["errorCode"].is_string(), "{soql}: {body}");
        }
    }
}

#[tokio::test]
async fn deeply_nested_conditions_are_refused_not_a_stack_overflow() {
    let app = TestApp::start().await;
    let deep = format!(
        "SELECT Id FROM Contact WHERE {}LastName = 'x'{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let res = app.query(&deep).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(first_error(res).await.0, "MALFORMED_QUERY");
    let nots = format!(
        "SELECT Id FROM Contact WHERE {}LastName = 'x'",
        "NOT ".repeat(5000)
    );
    let res = app.query(&nots).await;
    assert_eq!(first_error(res).await.0, "MALFORMED_QUERY");
}
