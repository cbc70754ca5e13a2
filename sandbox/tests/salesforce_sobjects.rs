//! sObject rows, upsert, describe, limits and error shapes (PROTOCOLS.md A3, A7, A8, A9).
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestApp, first_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn is_sf_datetime(text: &str) -> bool {
    // 2026-11-20T09:15:02.000+0000
    text.len() == 28 && &text[10..11] == "T" && &text[19..20] == "." && text.ends_with("+0000")
}

#[tokio::test]
async fn creating_a_contact_answers_201_with_an_18_character_003_id() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/sobjects/Contact/",
            json!({"LastName": "Lovelace", "Email": "ada@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(id.len(), 18);
    assert!(id.starts_with("003"));
    assert_eq!(body["success"], true);
    assert_eq!(body["errors"], json!([]));
}

#[tokio::test]
async fn accounts_get_001_ids() {
    let app = TestApp::start().await;
    let id = app.create("Account", json!({"Name": "Acme"})).await;
    assert!(id.starts_with("001"));
}

#[tokio::test]
async fn reading_a_record_returns_attributes_all_fields_and_salesforce_datetimes() {
    let app = TestApp::start().await;
    let id = app
        .create(
            "Contact",
            json!({"FirstName": "Ada", "LastName": "Lovelace"}),
        )
        .await;
    let res = app.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["attributes"]["type"], "Contact");
    assert_eq!(
        body["attributes"]["url"],
        json!(format!("/services/data/v67.0/sobjects/Contact/{id}"))
    );
    assert_eq!(body["Id"], json!(id));
    assert_eq!(body["Name"], "Ada Lovelace");
    assert_eq!(body["Email"], Value::Null);
    assert_eq!(body["IsDeleted"], false);
    for field in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
        assert!(
            is_sf_datetime(body[field].as_str().unwrap()),
            "{field}: {}",
            body[field]
        );
    }
}

#[tokio::test]
async fn the_url_version_is_echoed_in_generated_urls() {
    let app = TestApp::start().await;
    let id = app.create("Contact", json!({"LastName": "X"})).await;
    let res = app
        .http
        .get(format!(
            "{}/services/data/v58.0/sobjects/Contact/{id}",
            app.base()
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert!(
        body["attributes"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v58.0/")
    );
}

#[tokio::test]
async fn a_fifteen_character_id_reads_the_same_record() {
    let app = TestApp::start().await;
    let id = app.create("Contact", json!({"LastName": "X"})).await;
    let res = app.get(&format!("/sobjects/Contact/{}", &id[..15])).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["Id"], json!(id));
}

#[tokio::test]
async fn the_fields_parameter_limits_the_answer_and_rejects_unknown_fields() {
    let app = TestApp::start().await;
    let id = app
        .create(
            "Contact",
            json!({"LastName": "X", "Email": "x@example.com"}),
        )
        .await;
    let body: Value = app
        .get(&format!("/sobjects/Contact/{id}?fields=Email,LastName"))
        .await
        .json()
        .await
        .unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert_eq!(body["Email"], "x@example.com");
    let res = app
        .get(&format!("/sobjects/Contact/{id}?fields=Nope"))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(first_error(res).await.0, "INVALID_FIELD");
}

#[tokio::test]
async fn an_update_answers_204_and_moves_last_modified_and_system_modstamp() {
    let app = TestApp::start().await;
    let id = app.create("Contact", json!({"LastName": "X"})).await;
    let before: Value = app
        .get(&format!("/sobjects/Contact/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .patch(
            &format!("/sobjects/Contact/{id}"),
            json!({"Email": "new@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(res.bytes().await.unwrap().is_empty());
    let after: Value = app
        .get(&format!("/sobjects/Contact/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["Email"], "new@example.com");
    assert!(after["SystemModstamp"].as_str() > before["SystemModstamp"].as_str());
    assert!(after["LastModifiedDate"].as_str() > before["LastModifiedDate"].as_str());
    assert_eq!(after["CreatedDate"], before["CreatedDate"]);
}

#[tokio::test]
async fn a_deleted_record_answers_entity_is_deleted_and_a_missing_one_not_found() {
    let app = TestApp::start().await;
    let id = app.create("Contact", json!({"LastName": "X"})).await;
    let res = app.delete(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        first_error(res).await,
        ("ENTITY_IS_DELETED".into(), "entity is deleted".into())
    );
    let res = app.get("/sobjects/Contact/003000000000000AAA").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        first_error(res).await,
        (
            "NOT_FOUND".into(),
            "The requested resource does not exist".into()
        )
    );
}

#[tokio::test]
async fn deleting_an_account_deletes_its_contacts() {
    let app = TestApp::start().await;
    let account = app.create("Account", json!({"Name": "Acme"})).await;
    let contact = app
        .create("Contact", json!({"LastName": "X", "AccountId": account}))
        .await;
    app.delete(&format!("/sobjects/Account/{account}")).await;
    let res = app.get(&format!("/sobjects/Contact/{contact}")).await;
    assert_eq!(first_error(res).await.0, "ENTITY_IS_DELETED");
}

#[tokio::test]
async fn an_id_in_the_body_of_a_create_is_invalid_field_with_the_documented_message() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/sobjects/Contact/",
            json!({"Id": "003000000000001AAA", "LastName": "X"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"message": "The Id field should not be specified in the sobject data.", "errorCode": "INVALID_FIELD"}])
    );
}

#[tokio::test]
async fn an_unknown_field_is_invalid_field() {
    let app = TestApp::start().await;
    let res = app
        .post(
            "/sobjects/Contact/",
            json!({"LastName": "X", "Shoe__c": "44"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (code, message) = first_error(res).await;
    assert_eq!(code, "INVALID_FIELD");
    assert!(message.contains("Shoe__c"));
}

#[tokio::test]
async fn field_names_are_case_insensitive() {
    let app = TestApp::start().await;
    let id = app
        .create(
            "contact",
            json!({"lastname": "Lower", "EMAIL": "l@example.com"}),
        )
        .await;
    let body: Value = app
        .get(&format!("/sobjects/Contact/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["LastName"], "Lower");
    assert_eq!(body["Email"], "l@example.com");
}

#[tokio::test]
async fn writing_a_read_only_field_is_invalid_field_for_insert_update() {
    let app = TestApp::start().await;
    let res = app
        .post("/sobjects/Contact/", json!({"LastName": "X", "Name": "Y"}))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD_FOR_INSERT_UPDATE");
    assert_eq!(body[0]["fields"], json!(["Name"]));
}

#[tokio::test]
async fn a_missing_last_name_is_required_field_missing_with_fields() {
    let app = TestApp::start().await;
    let res = app
        .post("/sobjects/Contact/", json!({"FirstName": "Ada"}))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"message": "Required fields are missing: [LastName]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]}])
    );
}

#[tokio::test]
async fn bad_values_get_field_specific_errors() {
    let app = TestApp::start().await;
    let cases = [
        (
            json!({"LastName": "X", "Email": "not-an-email"}),
            "INVALID_EMAIL_ADDRESS",
        ),
        (json!({"LastName": "x".repeat(81)}), "STRING_TOO_LONG"),
        (
            json!({"LastName": "X", "AccountId": "garbage"}),
            "MALFORMED_ID",
        ),
        (
            json!({"LastName": "X", "AccountId": "001000000000000AAA"}),
            "INVALID_CROSS_REFERENCE_KEY",
        ),
        (json!({"LastName": 42}), "JSON_PARSER_ERROR"),
    ];
    for (body, code) in cases {
        let res = app.post("/sobjects/Contact/", body.clone()).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(first_error(res).await.0, code, "{body}");
    }
}

#[tokio::test]
async fn malformed_json_and_non_object_bodies_are_json_parser_errors() {
    let app = TestApp::start().await;
    for raw in ["{not json", "", "[1,2]", "\"text\""] {
        let res = app
            .http
            .post(app.api("/sobjects/Contact/"))
            .bearer_auth(&app.token)
            .header("Content-Type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{raw}");
        assert_eq!(first_error(res).await.0, "JSON_PARSER_ERROR", "{raw}");
    }
}

#[tokio::test]
async fn a_huge_body_is_refused_with_a_clear_error() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["max_body_bytes"] = json!(1024))
        .await;
    let res = app
        .post("/sobjects/Contact/", json!({"LastName": "x".repeat(5000)}))
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_error(res).await.0, "REQUEST_ENTITY_TOO_LARGE");
}

#[tokio::test]
async fn the_netsuite_id_is_unique_per_object() {
    let app = TestApp::start().await;
    let first = app
        .create("Contact", json!({"LastName": "A", "NetSuite_Id__c": "77"}))
        .await;
    let res = app
        .post(
            "/sobjects/Contact/",
            json!({"LastName": "B", "NetSuite_Id__c": "77"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (code, message) = first_error(res).await;
    assert_eq!(code, "DUPLICATE_VALUE");
    assert!(message.contains(&first));
    // The same value on an Account is fine: uniqueness is per object.
    app.create("Account", json!({"Name": "A", "NetSuite_Id__c": "77"}))
        .await;
}

#[tokio::test]
async fn upsert_creates_with_201_and_created_true_then_updates_with_200_and_created_false() {
    let app = TestApp::start().await;
    let res = app
        .patch(
            "/sobjects/Contact/NetSuite_Id__c/5001",
            json!({"LastName": "Hopper"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["created"], true);
    assert_eq!(created["success"], true);
    let res = app
        .patch(
            "/sobjects/Contact/NetSuite_Id__c/5001",
            json!({"Email": "grace@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(
        updated,
        json!({"id": created["id"], "success": true, "errors": [], "created": false})
    );
    let record: Value = app
        .get("/sobjects/Contact/NetSuite_Id__c/5001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["Email"], "grace@example.com");
    assert_eq!(record["NetSuite_Id__c"], "5001");
}

#[tokio::test]
async fn upsert_before_api_46_answers_204_on_update() {
    let app = TestApp::start().await;
    app.create("Contact", json!({"LastName": "X", "NetSuite_Id__c": "9"}))
        .await;
    let res = app
        .http
        .patch(format!(
            "{}/services/data/v45.0/sobjects/Contact/NetSuite_Id__c/9",
            app.base()
        ))
        .bearer_auth(&app.token)
        .json(&json!({"Title": "Boss"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn upsert_on_a_field_that_is_not_an_external_id_is_404_not_found() {
    let app = TestApp::start().await;
    for field in ["Email", "Nope__c"] {
        let res = app
            .patch(
                &format!("/sobjects/Contact/{field}/x"),
                json!({"LastName": "X"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
        );
    }
}

#[tokio::test]
async fn upsert_with_several_matches_answers_300_with_their_urls_and_writes_nothing() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["unique_external_id"] = json!(false))
        .await;
    let a = app
        .create("Contact", json!({"LastName": "A", "NetSuite_Id__c": "42"}))
        .await;
    let b = app
        .create("Contact", json!({"LastName": "B", "NetSuite_Id__c": "42"}))
        .await;
    let res = app
        .patch(
            "/sobjects/Contact/NetSuite_Id__c/42",
            json!({"Title": "Changed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::MULTIPLE_CHOICES);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!([
            format!("/services/data/v67.0/sobjects/Contact/{a}"),
            format!("/services/data/v67.0/sobjects/Contact/{b}"),
        ])
    );
    let record: Value = app
        .get(&format!("/sobjects/Contact/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(record["Title"], Value::Null);
}

#[tokio::test]
async fn upsert_with_update_only_never_creates() {
    let app = TestApp::start().await;
    let res = app
        .patch(
            "/sobjects/Contact/NetSuite_Id__c/404?updateOnly=true",
            json!({"LastName": "X"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(first_error(res).await.0, "NOT_FOUND");
}

#[tokio::test]
async fn posting_to_the_id_field_path_creates_a_record() {
    let app = TestApp::start().await;
    let res = app
        .post("/sobjects/Contact/Id", json!({"LastName": "ViaId"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn describe_lists_fields_with_types_labels_and_flags() {
    let app = TestApp::start().await;
    let res = app.get("/sobjects/Contact/describe/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "Contact");
    assert_eq!(body["keyPrefix"], "003");
    let fields = body["fields"].as_array().unwrap();
    let field = |name: &str| fields.iter().find(|f| f["name"] == name).cloned().unwrap();
    let last_name = field("LastName");
    assert_eq!(last_name["type"], "string");
    assert_eq!(last_name["label"], "Last Name");
    assert_eq!(last_name["length"], 80);
    assert_eq!(last_name["nillable"], false);
    assert_eq!(last_name["createable"], true);
    assert_eq!(last_name["defaultedOnCreate"], false);
    let ns = field("NetSuite_Id__c");
    assert_eq!(ns["externalId"], true);
    assert_eq!(ns["unique"], true);
    assert_eq!(ns["custom"], true);
    let account = field("AccountId");
    assert_eq!(account["type"], "reference");
    assert_eq!(account["referenceTo"], json!(["Account"]));
    assert_eq!(account["relationshipName"], "Account");
    let salutation = field("Salutation");
    assert_eq!(salutation["type"], "picklist");
    assert!(!salutation["picklistValues"].as_array().unwrap().is_empty());
    let modstamp = field("SystemModstamp");
    assert_eq!(modstamp["type"], "datetime");
    assert_eq!(modstamp["updateable"], false);
}

#[tokio::test]
async fn global_describe_and_basic_info_list_the_two_objects() {
    let app = TestApp::start().await;
    let body: Value = app.get("/sobjects/").await.json().await.unwrap();
    let names: Vec<&str> = body["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Account", "Contact"]);
    let res = app.get("/sobjects/Account").await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_sobject_type_is_not_found() {
    let app = TestApp::start().await;
    let res = app.get("/sobjects/Opportunity/describe").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(first_error(res).await.0, "NOT_FOUND");
}

#[tokio::test]
async fn a_malformed_version_or_unknown_resource_is_not_found() {
    let app = TestApp::start().await;
    for url in ["/services/data/67/limits", "/services/data/vX.Y/limits"] {
        let res = app
            .http
            .get(format!("{}{url}", app.base()))
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{url}");
        assert_eq!(first_error(res).await.0, "NOT_FOUND");
    }
    let res = app.get("/nonsense/resource").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unsupported_method_is_405_in_salesforce_shape() {
    let app = TestApp::start().await;
    let res = app
        .call(Method::PUT, "/sobjects/Contact/", Some(json!({})))
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(first_error(res).await.0, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn every_data_response_carries_sforce_limit_info() {
    let app = TestApp::start().await;
    let ok = app.get("/limits").await;
    let header = ok.headers()["sforce-limit-info"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(header.starts_with("api-usage="), "{header}");
    let not_found = app.get("/sobjects/Contact/003000000000000AAA").await;
    assert!(not_found.headers().contains_key("sforce-limit-info"));
    let unauthorized = app.http.get(app.api("/limits")).send().await.unwrap();
    assert!(unauthorized.headers().contains_key("sforce-limit-info"));
}

#[tokio::test]
async fn the_daily_limit_answers_403_request_limit_exceeded() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["daily_api_limit"] = json!(3))
        .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.get("/limits").await.status());
    }
    // The token request does not count; three calls pass, the fourth is refused.
    assert_eq!(statuses[..3], [StatusCode::OK; 3]);
    let res = app.get("/limits").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.headers()["sforce-limit-info"], "api-usage=3/3");
    assert_eq!(
        first_error(res).await,
        (
            "REQUEST_LIMIT_EXCEEDED".into(),
            "TotalRequests Limit exceeded.".into()
        )
    );
}

#[tokio::test]
async fn the_limits_resource_reports_daily_api_requests() {
    let app = TestApp::start().await;
    app.update_settings(|s| s["daily_api_limit"] = json!(100))
        .await;
    let body: Value = app.get("/limits").await.json().await.unwrap();
    assert_eq!(body["DailyApiRequests"]["Max"], 100);
    assert_eq!(body["DailyApiRequests"]["Remaining"], 99);
}

#[tokio::test]
async fn the_versions_root_needs_no_auth_and_lists_versions() {
    let app = TestApp::start().await;
    let res = app
        .http
        .get(format!("{}/services/data/", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.headers().contains_key("sforce-limit-info"));
    let body: Value = res.json().await.unwrap();
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .any(|v| v["version"] == "67.0")
    );
}

#[tokio::test]
async fn get_updated_and_get_deleted_report_ids_in_the_window() {
    let app = TestApp::start().await;
    let start = (chrono::Utc::now() - chrono::Duration::minutes(2)).to_rfc3339();
    let end = (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
    let kept = app.create("Contact", json!({"LastName": "Kept"})).await;
    let gone = app.create("Contact", json!({"LastName": "Gone"})).await;
    app.delete(&format!("/sobjects/Contact/{gone}")).await;
    let updated: Value = app
        .http
        .get(app.api("/sobjects/Contact/updated/"))
        .query(&[("start", &start), ("end", &end)])
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["ids"], json!([kept]));
    assert!(updated["latestDateCovered"].is_string());
    let deleted: Value = app
        .http
        .get(app.api("/sobjects/Contact/deleted/"))
        .query(&[("start", &start), ("end", &end)])
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deleted["deletedRecords"][0]["id"], json!(gone));
}

#[tokio::test]
async fn random_bytes_as_a_body_get_json_errors_never_a_crash() {
    use rand::{Rng, SeedableRng};
    let app = TestApp::start().await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for path in ["/sobjects/Contact/", "/composite/sobjects", "/composite"] {
        for _ in 0..20 {
            let len = rng.random_range(0..64);
            let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let res = app
                .http
                .post(app.api(path))
                .bearer_auth(&app.token)
                .header("Content-Type", "application/json")
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
            let body: Value = res.json().await.unwrap();
            assert!(body[0]["errorCode"].is_string(), "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn unconfirmed_behaviours_follow_their_settings() {
    let app = TestApp::start().await;
    // External ids match case-insensitively by default…
    app.patch(
        "/sobjects/Contact/NetSuite_Id__c/abc",
        json!({"LastName": "X"}),
    )
    .await;
    let res = app
        .patch(
            "/sobjects/Contact/NetSuite_Id__c/ABC",
            json!({"LastName": "Y"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // …and case-sensitively when configured.
    app.update_settings(|s| {
        s["external_id_case_sensitive"] = json!(true);
        s["entity_is_deleted_status"] = json!(400);
        s["collection_error_key"] = json!("errorCode");
        s["upsert_created_flag_since"] = json!(68.0);
    })
    .await;
    let res = app
        .patch(
            "/sobjects/Contact/NetSuite_Id__c/ABC",
            json!({"LastName": "Z"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert!(
        body.get("created").is_none(),
        "v67 is before the configured cut-off"
    );
    let id = body["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/sobjects/Contact/{id}")).await;
    let res = app.get(&format!("/sobjects/Contact/{id}")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(first_error(res).await.0, "ENTITY_IS_DELETED");
    let body: Value = app
        .post(
            "/composite/sobjects",
            json!({"records": [{"attributes": {"type": "Contact"}}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body[0]["errors"][0]["errorCode"], "REQUIRED_FIELD_MISSING");
}

/// `GET /__sandbox/records/{object}/filled?…` as JSON, with its status.
async fn filled(app: &TestApp, object: &str, query: &str) -> (StatusCode, Value) {
    let res = app
        .admin(
            Method::GET,
            &format!("/records/{object}/filled?{query}"),
            None,
        )
        .await;
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn records_with_a_field_filled_are_polled_by_modstamp_cursor() {
    let app = TestApp::start().await;
    let a = app.create("Contact", json!({"LastName": "A"})).await;
    let b = app
        .create(
            "Contact",
            json!({"LastName": "B", "NetSuite_Id__c": "5001"}),
        )
        .await;
    let (status, first) = filled(&app, "Contact", "field=NetSuite_Id__c").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["ids"], json!([b]), "{first}");
    let cursor = first["latest_modstamp"].as_str().unwrap().to_owned();

    let after = format!("field=netsuite_id__c&modified_after={cursor}");
    let (_, nothing_new) = filled(&app, "Contact", &after).await;
    assert_eq!(nothing_new["ids"], json!([]));
    assert_eq!(
        nothing_new["latest_modstamp"],
        json!(cursor),
        "the cursor stays"
    );

    let res = app
        .patch(
            &format!("/sobjects/Contact/{a}"),
            json!({"NetSuite_Id__c": "5002"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, next) = filled(&app, "Contact", &after).await;
    assert_eq!(next["ids"], json!([a]), "only the write after the cursor");
    assert!(next["latest_modstamp"].as_str().unwrap() > cursor.as_str());

    let (status, body) = filled(&app, "Invoice", "field=Name").await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
    let (status, body) = filled(&app, "Contact", "field=Nope__c").await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("bad_request"))
    );
    let (status, _) = filled(&app, "Contact", "field=Email&modified_after=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
