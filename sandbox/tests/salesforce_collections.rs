//! sObject Collections and Composite (PROTOCOLS.md A5).
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, first_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn contact(last_name: &str) -> Value {
    json!({"attributes": {"type": "Contact"}, "LastName": last_name})
}

#[tokio::test]
async fn collection_create_answers_results_in_input_order_with_status_code_inside_errors() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/composite/sobjects",
            json!({"allOrNone": false, "records": [contact("A"), {"attributes": {"type": "Contact"}, "FirstName": "NoLast"}, contact("C")]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let results = body.as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["success"], true);
    assert!(results[0]["id"].as_str().unwrap().starts_with("003"));
    assert_eq!(results[1]["success"], false);
    assert_eq!(
        results[1]["errors"],
        json!([{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}])
    );
    assert!(results[1]["errors"][0].get("errorCode").is_none());
    assert_eq!(results[2]["success"], true);
    let count: Value = app
        .query("SELECT COUNT() FROM Contact")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["totalSize"], 2);
}

#[tokio::test]
async fn all_or_none_rolls_back_every_record_when_one_fails() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/composite/sobjects",
            json!({"allOrNone": true, "records": [contact("A"), {"attributes": {"type": "Contact"}}]}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["success"], false);
    assert_eq!(
        body[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert_eq!(body[1]["errors"][0]["statusCode"], "REQUIRED_FIELD_MISSING");
    let count: Value = app
        .query("SELECT COUNT() FROM Contact")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["totalSize"], 0);
}

#[tokio::test]
async fn mixed_types_are_allowed_and_ids_are_refused_on_create() {
    let app = TestApp::start().await;
    let body: Value = app
        .post(
            "/composite/sobjects",
            json!({"records": [
                {"attributes": {"type": "Account"}, "Name": "Acme"},
                contact("A"),
                {"attributes": {"type": "Contact"}, "id": "003000000000001AAA", "LastName": "X"},
                {"LastName": "NoType"},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(body[0]["id"].as_str().unwrap().starts_with("001"));
    assert!(body[1]["id"].as_str().unwrap().starts_with("003"));
    assert_eq!(body[2]["errors"][0]["statusCode"], "INVALID_FIELD");
    assert_eq!(body[3]["errors"][0]["statusCode"], "INVALID_TYPE");
}

#[tokio::test]
async fn more_than_200_records_is_refused_as_a_whole() {
    let app = TestApp::start().await;
    let records: Vec<Value> = (0..201).map(|i| contact(&format!("C{i}"))).collect();
    let res = app
        .post("/composite/sobjects", json!({"records": records}))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(first_error(res).await.0, "EXCEEDED_ID_LIMIT");
}

#[tokio::test]
async fn a_malformed_collection_body_is_a_400() {
    let app = TestApp::start().await;
    for body in [json!([1]), json!({"records": "x"}), json!({"records": [1]})] {
        let res = app.post("/composite/sobjects", body.clone()).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
    }
}

#[tokio::test]
async fn collection_update_retrieve_and_delete_work_per_record() {
    let app = TestApp::start().await;
    let a = app.create("Contact", json!({"LastName": "A"})).await;
    let b = app.create("Contact", json!({"LastName": "B"})).await;
    let body: Value = app
        .patch(
            "/composite/sobjects",
            json!({"records": [
                {"attributes": {"type": "Contact"}, "id": a, "Title": "T1"},
                {"attributes": {"type": "Contact"}, "Title": "no id"},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0], json!({"id": a, "success": true, "errors": []}));
    assert_eq!(body[1]["errors"][0]["statusCode"], "MISSING_ARGUMENT");

    let res = app
        .get(&format!(
            "/composite/sobjects/Contact?ids={a},{b},003000000000000AAA&fields=LastName,Title"
        ))
        .await;
    let records: Value = res.json().await.unwrap();
    assert_eq!(records[0]["Title"], "T1");
    assert_eq!(records[1]["LastName"], "B");
    assert_eq!(records[2], Value::Null);

    let body: Value = app
        .call(
            Method::DELETE,
            &format!("/composite/sobjects?ids={a},nonsense"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[1]["errors"][0]["statusCode"], "MALFORMED_ID");
}

#[tokio::test]
async fn collection_upsert_reports_created_per_record() {
    let app = TestApp::start().await;
    app.create("Contact", json!({"LastName": "Old", "NetSuite_Id__c": "1"}))
        .await;
    let body: Value = app
        .patch(
            "/composite/sobjects/Contact/NetSuite_Id__c",
            json!({"allOrNone": false, "records": [
                {"attributes": {"type": "Contact"}, "NetSuite_Id__c": "1", "LastName": "Updated"},
                {"attributes": {"type": "Contact"}, "NetSuite_Id__c": "2", "LastName": "New"},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["created"], false);
    assert_eq!(body[0]["success"], true);
    assert_eq!(body[1]["created"], true);
    let names: Value = app
        .query("SELECT LastName FROM Contact ORDER BY NetSuite_Id__c")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names["records"][0]["LastName"], "Updated");
}

#[tokio::test]
async fn composite_runs_subrequests_with_references_and_answers_200() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/composite",
            json!({"allOrNone": true, "compositeRequest": [
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Account", "referenceId": "refAcct", "body": {"Name": "Acme"}},
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Contact", "referenceId": "refContact", "body": {"LastName": "X", "AccountId": "@{refAcct.id}"}},
                {"method": "GET", "url": "/services/data/v67.0/sobjects/Contact/@{refContact.id}?fields=AccountId", "referenceId": "readBack"},
            ]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses.len(), 3);
    assert_eq!(responses[0]["httpStatusCode"], 201);
    assert_eq!(responses[0]["referenceId"], "refAcct");
    let account_id = responses[0]["body"]["id"].as_str().unwrap();
    assert!(
        responses[0]["httpHeaders"]["Location"]
            .as_str()
            .unwrap()
            .ends_with(account_id)
    );
    assert_eq!(responses[2]["httpStatusCode"], 200);
    assert_eq!(responses[2]["body"]["AccountId"], json!(account_id));
}

#[tokio::test]
async fn composite_counts_as_one_api_call() {
    let app = TestApp::start().await;
    let before: Value = app
        .admin(Method::GET, "/usage", None)
        .await
        .json()
        .await
        .unwrap();
    let sub: Vec<Value> = (0..5)
        .map(|i| json!({"method": "GET", "url": "/services/data/v67.0/limits", "referenceId": format!("r{i}")}))
        .collect();
    app.post("/composite", json!({"compositeRequest": sub}))
        .await;
    let after: Value = app
        .admin(Method::GET, "/usage", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["used"].as_u64().unwrap(),
        before["used"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn composite_all_or_none_rolls_back_and_halts_the_others() {
    let app = TestApp::start().await;
    let body: Value = app
        .post(
            "/composite",
            json!({"allOrNone": true, "compositeRequest": [
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Account", "referenceId": "ok", "body": {"Name": "Acme"}},
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Contact", "referenceId": "bad", "body": {"FirstName": "NoLast"}},
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Account", "referenceId": "later", "body": {"Name": "Later"}},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 400);
    assert_eq!(responses[0]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(
        responses[1]["body"][0]["errorCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(responses[2]["body"][0]["errorCode"], "PROCESSING_HALTED");
    let count: Value = app
        .query("SELECT COUNT() FROM Account")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count["totalSize"], 0);
}

#[tokio::test]
async fn without_all_or_none_a_failed_reference_halts_only_its_dependents() {
    let app = TestApp::start().await;
    let body: Value = app
        .post(
            "/composite",
            json!({"compositeRequest": [
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Contact", "referenceId": "bad", "body": {"FirstName": "NoLast"}},
                {"method": "PATCH", "url": "/services/data/v67.0/sobjects/Contact/@{bad.id}", "referenceId": "dependent", "body": {"Title": "x"}},
                {"method": "POST", "url": "/services/data/v67.0/sobjects/Account", "referenceId": "independent", "body": {"Name": "Fine"}},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 400);
    assert_eq!(responses[1]["body"][0]["errorCode"], "PROCESSING_HALTED");
    assert_eq!(responses[2]["httpStatusCode"], 201);
}

#[tokio::test]
async fn composite_refuses_more_than_25_subrequests_and_bad_reference_ids() {
    let app = TestApp::start().await;
    let sub: Vec<Value> = (0..26)
        .map(|i| json!({"method": "GET", "url": "/services/data/v67.0/limits", "referenceId": format!("r{i}")}))
        .collect();
    let res = app
        .post("/composite", json!({"compositeRequest": sub}))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(first_error(res).await.1.contains("25"));
    let res = app
        .post(
            "/composite",
            json!({"compositeRequest": [
                {"method": "GET", "url": "/services/data/v67.0/limits", "referenceId": "same"},
                {"method": "GET", "url": "/services/data/v67.0/limits", "referenceId": "same"},
            ]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn composite_subrequests_to_unknown_urls_fail_alone() {
    let app = TestApp::start().await;
    let body: Value = app
        .post(
            "/composite",
            json!({"compositeRequest": [
                {"method": "GET", "url": "/services/data/v67.0/nope", "referenceId": "a"},
                {"method": "GET", "url": "/elsewhere", "referenceId": "b"},
                {"method": "GET", "url": "/services/data/v67.0/query?q=SELECT+Id+FROM+Contact", "referenceId": "c"},
            ]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 404);
    assert_eq!(responses[1]["httpStatusCode"], 404);
    assert_eq!(responses[2]["httpStatusCode"], 200);
    assert_eq!(responses[2]["body"]["totalSize"], 0);
}
