//! NetSuite simulator: the record API for customers and contacts.
// Helpers outside #[test] fns unwrap too: a failed request is a failed test.
#![allow(clippy::unwrap_used)]

mod netsuite_support;

use netsuite_support::{TestNetsuite, error_detail};
use reqwest::Method;
use serde_json::{Value, json};

/// Test paths start with `netsuite::`, so `cargo test -p ferry-sandbox netsuite` selects them.
mod netsuite {
    use super::*;

    const CUSTOMERS: &str = "/services/rest/record/v1/customer";
    const CONTACTS: &str = "/services/rest/record/v1/contact";

    async fn customer(ns: &TestNetsuite, name: &str) -> String {
        ns.create("customer", json!({"companyName": name})).await
    }

    async fn write(ns: &TestNetsuite, method: Method, path: &str, body: Value) -> (u16, Value) {
        let response = ns.call(method, path, Some(body)).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn creating_a_contact_answers_204_with_the_new_id_in_location_and_no_body() {
        let ns = TestNetsuite::start().await;
        let company = customer(&ns, "Acme Inc").await;
        let response = ns
            .call(
                Method::POST,
                CONTACTS,
                Some(json!({
                    "externalId": "003xx000004TmiQAAS", "firstName": "Ada", "lastName": "Lovelace",
                    "email": "ada@example.com", "phone": "+44 20 7946 0000", "title": "Analyst",
                    "company": {"id": company}, "subsidiary": {"id": "1"}
                })),
            )
            .await;
        assert_eq!(response.status(), 204);
        let location = response.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with(&format!("{}{CONTACTS}/", ns.base)),
            "{location}"
        );
        assert!(response.text().await.unwrap().is_empty());
        let id = location.rsplit('/').next().unwrap();
        assert!(id.parse::<u64>().is_ok());
    }

    #[tokio::test]
    async fn reading_a_contact_shows_links_references_and_honest_dates() {
        let ns = TestNetsuite::start().await;
        let company = customer(&ns, "Acme Inc").await;
        let id = ns
            .create(
                "contact",
                json!({"firstName": "Ada", "lastName": "Lovelace", "company": {"id": company}}),
            )
            .await;
        let response = ns
            .call(Method::GET, &format!("{CONTACTS}/{id}"), None)
            .await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("type=singular")
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["id"], id);
        assert_eq!(body["links"][0]["rel"], "self");
        assert_eq!(
            body["links"][0]["href"],
            format!("{}{CONTACTS}/{id}", ns.base)
        );
        assert_eq!(body["company"]["id"], company);
        assert_eq!(body["company"]["refName"], "Acme Inc");
        assert_eq!(
            body["company"]["links"][0]["href"],
            format!("{}{CUSTOMERS}/{company}", ns.base)
        );
        assert_eq!(body["entityId"], "Ada Lovelace");
        assert_eq!(body["isInactive"], false);
        let created = body["dateCreated"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(created).is_ok(),
            "{created}"
        );
        assert_eq!(body["lastModifiedDate"], body["dateCreated"]);

        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let (status, _) = write(
            &ns,
            Method::PATCH,
            &format!("{CONTACTS}/{id}"),
            json!({"title": "CTO"}),
        )
        .await;
        assert_eq!(status, 204);
        let (_, after) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
        assert_eq!(after["dateCreated"], body["dateCreated"]);
        assert!(
            after["lastModifiedDate"].as_str().unwrap()
                > body["lastModifiedDate"].as_str().unwrap()
        );
    }

    #[tokio::test]
    async fn fields_limits_what_a_read_returns() {
        let ns = TestNetsuite::start().await;
        let id = ns
            .create(
                "contact",
                json!({"firstName": "Ada", "lastName": "Lovelace", "email": "a@b.co"}),
            )
            .await;
        let (status, body) = ns
            .get_json(&format!("{CONTACTS}/{id}?fields=email,lastName"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["email"], "a@b.co");
        assert_eq!(body["lastName"], "Lovelace");
        assert!(body.get("firstName").is_none());
        assert!(body.get("links").is_some());
    }

    #[tokio::test]
    async fn patch_leaves_omitted_fields_and_clears_nulls() {
        let ns = TestNetsuite::start().await;
        let id = ns
            .create(
                "contact",
                json!({"firstName": "Ada", "lastName": "Lovelace", "phone": "123", "title": "X"}),
            )
            .await;
        let response = ns
            .call(
                Method::PATCH,
                &format!("{CONTACTS}/{id}"),
                Some(json!({"phone": null, "title": "Countess"})),
            )
            .await;
        assert_eq!(response.status(), 204);
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .ends_with(&format!("/contact/{id}"))
        );
        let (_, body) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
        assert!(body.get("phone").is_none());
        assert_eq!(body["title"], "Countess");
        assert_eq!(body["firstName"], "Ada");
    }

    #[tokio::test]
    async fn delete_removes_the_record_and_a_second_read_is_nonexistent_id() {
        let ns = TestNetsuite::start().await;
        let id = ns.create("contact", json!({"lastName": "Gone"})).await;
        let response = ns
            .call(Method::DELETE, &format!("{CONTACTS}/{id}"), None)
            .await;
        assert_eq!(response.status(), 204);
        let (status, body) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
        assert_eq!(status, 404);
        assert_eq!(error_detail(&body, 404)["o:errorCode"], "NONEXISTENT_ID");
        let (status, _) = write(
            &ns,
            Method::PATCH,
            &format!("{CONTACTS}/{id}"),
            json!({"title": "x"}),
        )
        .await;
        assert_eq!(status, 404);
        let response = ns
            .call(Method::DELETE, &format!("{CONTACTS}/{id}"), None)
            .await;
        assert_eq!(response.status(), 404);
    }

    #[tokio::test]
    async fn put_on_an_external_id_creates_then_updates_the_same_record() {
        let ns = TestNetsuite::start().await;
        let path = format!("{CONTACTS}/eid:003xx0000001AAA");
        let response = ns
            .call(
                Method::PUT,
                &path,
                Some(json!({"firstName": "Ada", "lastName": "Lovelace"})),
            )
            .await;
        assert_eq!(response.status(), 204);
        let first = response.headers()["location"].to_str().unwrap().to_string();
        let response = ns
            .call(Method::PUT, &path, Some(json!({"title": "Countess"})))
            .await;
        assert_eq!(response.status(), 204);
        let second = response.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(first, second);
        let (status, body) = ns.get_json(&path).await;
        assert_eq!(status, 200);
        assert_eq!(body["externalId"], "003xx0000001AAA");
        assert_eq!(body["lastName"], "Lovelace");
        assert_eq!(body["title"], "Countess");
        let (_, list) = ns.get_json(CONTACTS).await;
        assert_eq!(list["totalResults"], 1);
    }

    #[tokio::test]
    async fn put_without_an_external_id_is_refused() {
        let ns = TestNetsuite::start().await;
        let id = ns.create("contact", json!({"lastName": "X"})).await;
        let (status, body) = write(
            &ns,
            Method::PUT,
            &format!("{CONTACTS}/{id}"),
            json!({"lastName": "Y"}),
        )
        .await;
        assert_eq!(status, 405);
        assert_eq!(error_detail(&body, 405)["o:errorCode"], "INVALID_METHOD");
    }

    #[tokio::test]
    async fn a_contact_whose_company_does_not_exist_is_invalid_content_at_company() {
        let ns = TestNetsuite::start().await;
        let (status, body) = write(
            &ns,
            Method::POST,
            CONTACTS,
            json!({"lastName": "X", "company": {"id": "9999"}}),
        )
        .await;
        assert_eq!(status, 400);
        let detail = error_detail(&body, 400);
        assert_eq!(detail["o:errorCode"], "INVALID_CONTENT");
        assert_eq!(detail["o:errorPath"], "company");
        assert_eq!(
            detail["detail"],
            "Invalid field value 9999 for field company."
        );
    }

    #[tokio::test]
    async fn a_contact_with_a_contact_as_company_is_refused() {
        let ns = TestNetsuite::start().await;
        let other = ns.create("contact", json!({"lastName": "Other"})).await;
        let (status, body) = write(
            &ns,
            Method::POST,
            CONTACTS,
            json!({"lastName": "X", "company": {"id": other}}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorPath"], "company");
    }

    #[tokio::test]
    async fn validation_rules_answer_with_their_codes_and_paths() {
        let ns = TestNetsuite::start().await;
        ns.create("contact", json!({"lastName": "First", "externalId": "E1"}))
            .await;
        let cases = [
            (CONTACTS, json!({"firstName": ""}), "USER_ERROR", "lastName"),
            (
                CONTACTS,
                json!({"lastName": "X", "email": "not-an-email"}),
                "INVALID_CONTENT",
                "email",
            ),
            (
                CONTACTS,
                json!({"lastName": "X", "externalId": "E1"}),
                "USER_ERROR",
                "externalId",
            ),
            (
                CONTACTS,
                json!({"lastName": "X", "favouriteColour": "blue"}),
                "INVALID_CONTENT",
                "favouriteColour",
            ),
            (
                CONTACTS,
                json!({"lastName": "X", "id": "77"}),
                "INVALID_CONTENT",
                "id",
            ),
            (
                CONTACTS,
                json!({"lastName": "X", "lastModifiedDate": "2026-01-01T00:00:00Z"}),
                "INVALID_CONTENT",
                "lastModifiedDate",
            ),
            (
                CONTACTS,
                json!({"lastName": "X", "isInactive": "yes"}),
                "INVALID_CONTENT",
                "isInactive",
            ),
            (
                CONTACTS,
                json!({"lastName": "X", "subsidiary": {"id": "42"}}),
                "INVALID_CONTENT",
                "subsidiary",
            ),
            (
                CUSTOMERS,
                json!({"email": "a@b.co"}),
                "USER_ERROR",
                "companyName",
            ),
            (
                CUSTOMERS,
                json!({"isPerson": true, "firstName": "Solo"}),
                "USER_ERROR",
                "lastName",
            ),
        ];
        for (path, body, code, error_path) in cases {
            let (status, response) = write(&ns, Method::POST, path, body.clone()).await;
            assert_eq!(status, 400, "{body}");
            let detail = error_detail(&response, 400);
            assert_eq!(detail["o:errorCode"], code, "{body}: {response}");
            assert_eq!(detail["o:errorPath"], error_path, "{body}: {response}");
        }
        let (status, body) = write(&ns, Method::POST, CONTACTS, json!([1, 2])).await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorCode"], "INVALID_CONTENT");
    }

    #[tokio::test]
    async fn an_individual_customer_needs_no_company_name() {
        let ns = TestNetsuite::start().await;
        let id = ns
            .create(
                "customer",
                json!({"isPerson": true, "firstName": "Ada", "lastName": "Lovelace"}),
            )
            .await;
        let (_, body) = ns.get_json(&format!("{CUSTOMERS}/{id}")).await;
        assert_eq!(body["entityId"], "Ada Lovelace");
        assert_eq!(body["subsidiary"]["id"], "1");
    }

    #[tokio::test]
    async fn changing_an_external_id_to_a_taken_one_is_refused() {
        let ns = TestNetsuite::start().await;
        ns.create(
            "customer",
            json!({"companyName": "A", "externalId": "001A"}),
        )
        .await;
        let b = ns
            .create(
                "customer",
                json!({"companyName": "B", "externalId": "001B"}),
            )
            .await;
        let (status, body) = write(
            &ns,
            Method::PATCH,
            &format!("{CUSTOMERS}/{b}"),
            json!({"externalId": "001A"}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorPath"], "externalId");
    }

    #[tokio::test]
    async fn a_customer_with_contacts_cannot_be_deleted() {
        let ns = TestNetsuite::start().await;
        let company = customer(&ns, "Acme").await;
        ns.create(
            "contact",
            json!({"lastName": "X", "company": {"id": company}}),
        )
        .await;
        let response = ns
            .call(Method::DELETE, &format!("{CUSTOMERS}/{company}"), None)
            .await;
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_detail(&body, 400)["o:errorCode"], "USER_ERROR");
    }

    #[tokio::test]
    async fn references_may_name_the_external_id() {
        let ns = TestNetsuite::start().await;
        let company = ns
            .create(
                "customer",
                json!({"companyName": "Acme", "externalId": "001ACME"}),
            )
            .await;
        let id = ns
            .create(
                "contact",
                json!({"lastName": "X", "company": {"externalId": "001ACME"}}),
            )
            .await;
        let (_, body) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
        assert_eq!(body["company"]["id"], company);
    }

    #[tokio::test]
    async fn unknown_ids_and_record_types_get_the_error_envelope() {
        let ns = TestNetsuite::start().await;
        let (status, body) = ns.get_json(&format!("{CONTACTS}/424242")).await;
        assert_eq!(status, 404);
        assert_eq!(error_detail(&body, 404)["o:errorCode"], "NONEXISTENT_ID");
        let (status, _) = ns.get_json(&format!("{CONTACTS}/eid:nope")).await;
        assert_eq!(status, 404);
        let (status, body) = ns.get_json("/services/rest/record/v1/salesorder").await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorCode"], "INVALID_PARAMETER");
    }

    #[tokio::test]
    async fn lists_page_with_limit_and_offset_and_items_carry_only_id_and_links() {
        let ns = TestNetsuite::start().await;
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(
                ns.create("contact", json!({"lastName": format!("C{i}")}))
                    .await,
            );
        }
        let (status, page) = ns.get_json(&format!("{CONTACTS}?limit=2&offset=2")).await;
        assert_eq!(status, 200);
        assert_eq!(page["count"], 2);
        assert_eq!(page["offset"], 2);
        assert_eq!(page["totalResults"], 5);
        assert_eq!(page["hasMore"], true);
        let items = page["items"].as_array().unwrap();
        assert_eq!(items[0]["id"], ids[2]);
        assert_eq!(items[0].as_object().unwrap().len(), 2);
        let rel = |r: &str| {
            page["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == r)
                .map(|l| l["href"].as_str().unwrap().to_string())
        };
        assert!(rel("next").unwrap().ends_with("?limit=2&offset=4"));
        assert!(rel("last").unwrap().ends_with("?limit=2&offset=4"));
        assert!(rel("self").unwrap().ends_with("?limit=2&offset=2"));

        let (_, last) = ns.get_json(&format!("{CONTACTS}?limit=2&offset=4")).await;
        assert_eq!(last["count"], 1);
        assert_eq!(last["hasMore"], false);
        assert!(
            last["links"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["rel"] != "next")
        );

        let (status, body) = ns.get_json(&format!("{CONTACTS}?limit=1001")).await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorQueryParam"], "limit");
    }

    #[tokio::test]
    async fn the_seed_creates_customers_for_synced_accounts_with_their_contacts() {
        let ns = TestNetsuite::seeded(7).await;
        let (_, customers) = ns.get_json(CUSTOMERS).await;
        assert_eq!(customers["totalResults"], 8);
        let first = customers["items"][0]["id"].as_str().unwrap().to_string();
        let (_, customer) = ns.get_json(&format!("{CUSTOMERS}/{first}")).await;
        assert!(customer["externalId"].as_str().unwrap().starts_with("001"));
        let (_, contacts) = ns.get_json(CONTACTS).await;
        assert!(contacts["totalResults"].as_u64().unwrap() > 4);
        let again = TestNetsuite::seeded(7).await;
        let (_, customer_again) = again.get_json(&format!("{CUSTOMERS}/{first}")).await;
        assert_eq!(customer_again["companyName"], customer["companyName"]);
        assert_eq!(customer_again["externalId"], customer["externalId"]);
    }

    #[tokio::test]
    async fn the_seed_matches_the_shared_plan_so_both_simulators_agree() {
        let ns = TestNetsuite::seeded(5).await;
        let plan = ferry_sandbox::seed::SeedPlan::generate(5);
        for account in &plan.accounts {
            let Some(id) = account.netsuite_id else {
                continue;
            };
            let (status, customer) = ns.get_json(&format!("{CUSTOMERS}/{id}")).await;
            assert_eq!(status, 200);
            assert_eq!(customer["externalId"], account.salesforce_id);
            assert_eq!(customer["companyName"], account.name);
        }
        for contact in &plan.contacts {
            let Some(id) = contact.netsuite_id else {
                continue;
            };
            let (_, record) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
            assert_eq!(record["externalId"], contact.salesforce_id);
            assert_eq!(record["email"], contact.email);
            let company = contact
                .account
                .and_then(|a| plan.accounts[a].netsuite_id)
                .unwrap();
            assert_eq!(record["company"]["id"], company.to_string());
        }
        let (_, standalone) = ns
            .suiteql("SELECT id FROM contact WHERE company IS NULL", "")
            .await;
        assert_eq!(
            standalone["totalResults"], 1,
            "one NetSuite-only contact has no company"
        );
    }

    #[tokio::test]
    async fn patch_and_delete_work_on_external_ids_too() {
        let ns = TestNetsuite::start().await;
        let id = ns
            .create("contact", json!({"lastName": "X", "externalId": "003EID"}))
            .await;
        let (status, _) = write(
            &ns,
            Method::PATCH,
            &format!("{CONTACTS}/eid:003EID"),
            json!({"title": "T"}),
        )
        .await;
        assert_eq!(status, 204);
        let (_, body) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
        assert_eq!(body["title"], "T");
        let response = ns
            .call(Method::DELETE, &format!("{CONTACTS}/eid:003EID"), None)
            .await;
        assert_eq!(response.status(), 204);
        let (status, _) = ns.get_json(&format!("{CONTACTS}/{id}")).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn an_upsert_body_may_not_name_another_external_id() {
        let ns = TestNetsuite::start().await;
        let (status, body) = write(
            &ns,
            Method::PUT,
            &format!("{CONTACTS}/eid:A1"),
            json!({"lastName": "X", "externalId": "B2"}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorPath"], "externalId");
    }

    #[tokio::test]
    async fn a_customer_cannot_be_its_own_parent_but_can_have_one() {
        let ns = TestNetsuite::start().await;
        let parent = customer(&ns, "Holding").await;
        let child = ns
            .create(
                "customer",
                json!({"companyName": "Sub", "parent": {"refName": "Holding"}}),
            )
            .await;
        let (_, body) = ns.get_json(&format!("{CUSTOMERS}/{child}")).await;
        assert_eq!(body["parent"]["id"], parent);
        assert_eq!(body["parent"]["refName"], "Holding");
        let (status, body) = write(
            &ns,
            Method::PATCH,
            &format!("{CUSTOMERS}/{child}"),
            json!({"parent": {"id": child}}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(error_detail(&body, 400)["o:errorPath"], "parent");
    }

    #[tokio::test]
    async fn the_admin_seed_replaces_the_records_with_the_plan_of_that_seed() {
        let ns = TestNetsuite::start().await;
        ns.create("contact", json!({"lastName": "Temporary"})).await;
        let response = ns.admin_post("/__sandbox/seed", json!({"seed": 11})).await;
        assert_eq!(response.status(), 200);
        let summary: Value = response.json().await.unwrap();
        assert_eq!(summary["customers"], 8);
        let (status, body) = ns
            .suiteql("SELECT id FROM contact WHERE lastname = 'Temporary'", "")
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["totalResults"], 0);
    }

    #[tokio::test]
    async fn unsupported_methods_and_unknown_paths_answer_in_the_envelope() {
        let ns = TestNetsuite::start().await;
        let id = ns.create("contact", json!({"lastName": "X"})).await;
        let response = ns
            .call(Method::POST, &format!("{CONTACTS}/{id}"), Some(json!({})))
            .await;
        assert_eq!(response.status(), 405);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_detail(&body, 405)["o:errorCode"], "INVALID_METHOD");
        let (status, body) = ns.get_json("/services/rest/nothing/here").await;
        assert_eq!(status, 404);
        assert_eq!(error_detail(&body, 404)["o:errorCode"], "NONEXISTENT_ID");
    }

    #[tokio::test]
    async fn external_id_counts_say_how_many_of_the_asked_ids_the_account_holds() {
        let ns = TestNetsuite::start().await;
        for eid in ["003A", "003B"] {
            ns.create("contact", json!({"lastName": eid, "externalId": eid}))
                .await;
        }
        ns.create("contact", json!({"lastName": "Without"})).await;
        let counts = |record_type: &'static str, body: Value| {
            let ns = &ns;
            async move {
                let path = format!("/__sandbox/records/{record_type}/external-ids");
                let response = ns.admin_post(&path, body).await;
                let status = response.status().as_u16();
                (
                    status,
                    response.json::<Value>().await.unwrap_or(Value::Null),
                )
            }
        };
        let (status, body) = counts(
            "contact",
            json!({"external_ids": ["003A", "003B", "003C", "003A"]}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"requested": 3, "found": 2, "duplicates": 0}));
        let (_, body) = counts("customer", json!({"external_ids": ["003A"]})).await;
        assert_eq!(body["found"], 0, "customers hold none of them");
        // A large run's ids go in one call (well over actix's default 256 KiB body).
        let many: Vec<String> = (0..20_000)
            .map(|i| format!("003xx00000{i:08}AAA"))
            .collect();
        let (status, body) = counts("contact", json!({"external_ids": many})).await;
        assert_eq!(
            (status, &body["requested"]),
            (200, &json!(20_000)),
            "{body}"
        );
        let (status, body) = counts("invoice", json!({"external_ids": []})).await;
        assert_eq!((status, &body["error"]), (404, &json!("not_found")));
        let (status, body) = counts("contact", json!({"ids": []})).await;
        assert_eq!((status, &body["error"]), (400, &json!("bad_request")));
    }
}
