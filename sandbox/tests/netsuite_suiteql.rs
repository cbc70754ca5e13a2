//! NetSuite simulator: SuiteQL over `contact` and `customer`.
// Helpers outside #[test] fns unwrap too: a failed request is a failed test.
#![allow(clippy::unwrap_used)]

mod netsuite_support;

use netsuite_support::{TestNetsuite, error_detail};
use serde_json::{Value, json};

/// Test paths start with `netsuite::`, so `cargo test -p ferry-sandbox netsuite` selects them.
mod netsuite {
    use super::*;

    const SUITEQL: &str = "/services/rest/query/v1/suiteql";

    async fn with_people() -> TestNetsuite {
        let ns = TestNetsuite::start().await;
        let acme = ns
            .create(
                "customer",
                json!({"companyName": "Acme", "externalId": "001A"}),
            )
            .await;
        ns.create("customer", json!({"companyName": "Globex"}))
            .await;
        for (first, last, email, ext) in [
            ("Ada", "Lovelace", Some("ada@example.com"), Some("003A")),
            ("Grace", "Hopper", Some("grace@navy.example"), None),
            ("Alan", "Turing", None, Some("003C")),
            ("Edsger", "Dijkstra", Some("ewd@example.com"), None),
            ("Barbara", "O'Liskov", Some("barbara@example.com"), None),
        ] {
            let mut body = json!({"firstName": first, "lastName": last, "company": {"id": acme}});
            if let Some(email) = email {
                body["email"] = json!(email);
            }
            if let Some(ext) = ext {
                body["externalId"] = json!(ext);
            }
            ns.create("contact", body).await;
        }
        ns
    }

    fn column(body: &Value, name: &str) -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[name].as_str().unwrap_or("<absent>").to_string())
            .collect()
    }

    #[tokio::test]
    async fn a_query_answers_the_documented_envelope_with_lowercase_string_values() {
        let ns = with_people().await;
        let (status, body) = ns
            .suiteql(
                "SELECT id, firstName, lastName, email, company FROM contact ORDER BY id",
                "",
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["count"], 5);
        assert_eq!(body["totalResults"], 5);
        assert_eq!(body["offset"], 0);
        assert_eq!(body["hasMore"], false);
        let item = &body["items"][0];
        assert_eq!(item["links"], json!([]));
        assert!(item["id"].is_string());
        assert_eq!(item["firstname"], "Ada");
        assert!(item["company"].is_string());
        assert!(item.get("firstName").is_none());
        let alan = &body["items"][2];
        assert!(
            alan.get("email").is_none(),
            "null columns are omitted: {alan}"
        );
        assert!(
            body["links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["rel"] == "self")
        );
    }

    #[tokio::test]
    async fn where_supports_comparisons_like_in_null_tests_and_boolean_logic() {
        let ns = with_people().await;
        let cases = [
            ("lastname = 'Hopper'", vec!["Grace"]),
            (
                "lastname <> 'Hopper' AND lastname != 'Turing' AND lastname < 'M'",
                vec!["Edsger", "Ada"],
            ),
            ("lastname > 'S'", vec!["Alan"]),
            (
                "email LIKE '%@example.com'",
                vec!["Ada", "Edsger", "Barbara"],
            ),
            ("firstname IN ('Ada', 'Alan')", vec!["Ada", "Alan"]),
            ("email IS NULL", vec!["Alan"]),
            ("externalid IS NOT NULL", vec!["Ada", "Alan"]),
            (
                "NOT (firstname = 'Ada' OR firstname = 'Grace') AND email IS NOT NULL",
                vec!["Edsger", "Barbara"],
            ),
            ("UPPER(lastname) = 'LOVELACE'", vec!["Ada"]),
            ("LOWER(firstname) LIKE 'gr%'", vec!["Grace"]),
            ("lastname = 'O''Liskov'", vec!["Barbara"]),
            (
                "email <> 'ada@example.com'",
                vec!["Grace", "Edsger", "Barbara"],
            ),
        ];
        for (filter, expected) in cases {
            let (status, body) = ns
                .suiteql(&format!("SELECT firstname FROM contact WHERE {filter}"), "")
                .await;
            assert_eq!(status, 200, "{filter}: {body}");
            let mut got = column(&body, "firstname");
            let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{filter}");
        }
    }

    #[tokio::test]
    async fn order_by_sorts_ascending_and_descending() {
        let ns = with_people().await;
        let (_, body) = ns
            .suiteql("SELECT firstname FROM contact ORDER BY lastname DESC", "")
            .await;
        assert_eq!(
            column(&body, "firstname"),
            ["Alan", "Barbara", "Ada", "Grace", "Edsger"]
        );
        let (_, body) = ns
            .suiteql(
                "SELECT firstname, email FROM contact ORDER BY email, id",
                "",
            )
            .await;
        assert_eq!(
            column(&body, "firstname").last().unwrap(),
            "Alan",
            "nulls sort last"
        );
    }

    #[tokio::test]
    async fn select_star_covers_customers_and_to_char_formats_dates() {
        let ns = with_people().await;
        let (status, body) = ns
            .suiteql(
                "SELECT *, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS modified \
                 FROM customer WHERE companyname = 'Acme'",
                "",
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let item = &body["items"][0];
        assert_eq!(item["companyname"], "Acme");
        assert_eq!(item["externalid"], "001A");
        assert_eq!(item["isperson"], "F");
        let modified = item["modified"].as_str().unwrap();
        assert!(
            chrono::NaiveDateTime::parse_from_str(modified, "%Y-%m-%dT%H:%M:%S").is_ok(),
            "{modified}"
        );
        let default_date = item["lastmodifieddate"].as_str().unwrap();
        assert!(
            chrono::NaiveDate::parse_from_str(default_date, "%d/%m/%Y").is_ok(),
            "{default_date}"
        );
    }

    #[tokio::test]
    async fn dates_compare_with_to_date_and_iso_strings() {
        let ns = with_people().await;
        let (status, body) = ns
            .suiteql(
                "SELECT id FROM contact \
             WHERE lastmodifieddate >= TO_DATE('2020-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')",
                "",
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["totalResults"], 5);
        let (_, body) = ns
            .suiteql(
                "SELECT id FROM contact WHERE datecreated > '2999-01-01'",
                "",
            )
            .await;
        assert_eq!(body["totalResults"], 0);
    }

    #[tokio::test]
    async fn paging_follows_limit_and_offset_with_next_links() {
        let ns = with_people().await;
        let (status, body) = ns
            .suiteql("SELECT id FROM contact ORDER BY id", "?limit=2&offset=2")
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["count"], 2);
        assert_eq!(body["offset"], 2);
        assert_eq!(body["hasMore"], true);
        assert_eq!(body["totalResults"], 5);
        let next = body["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .unwrap();
        assert!(
            next["href"]
                .as_str()
                .unwrap()
                .ends_with("/services/rest/query/v1/suiteql?limit=2&offset=4")
        );
    }

    #[tokio::test]
    async fn bad_paging_parameters_are_invalid_parameter() {
        let ns = with_people().await;
        for (params, param) in [
            ("?limit=1001", "limit"),
            ("?limit=2&offset=3", "offset"),
            ("?limit=0", "limit"),
        ] {
            let (status, body) = ns.suiteql("SELECT id FROM contact", params).await;
            assert_eq!(status, 400, "{params}");
            let detail = error_detail(&body, 400);
            assert_eq!(detail["o:errorCode"], "INVALID_PARAMETER");
            assert_eq!(detail["o:errorQueryParam"], param);
        }
    }

    #[tokio::test]
    async fn results_stop_at_the_configured_cap() {
        let ns = with_people().await;
        ns.admin_settings(json!({"suiteql_max_results": 3})).await;
        let (_, body) = ns.suiteql("SELECT id FROM contact", "?limit=2").await;
        assert_eq!(body["totalResults"], 3);
        let (_, body) = ns
            .suiteql("SELECT id FROM contact", "?limit=2&offset=2")
            .await;
        assert_eq!(body["count"], 1);
        assert_eq!(body["hasMore"], false);
        let (status, _) = ns
            .suiteql("SELECT id FROM contact", "?limit=1&offset=3")
            .await;
        assert_eq!(status, 400);
    }

    #[tokio::test]
    async fn null_columns_can_be_switched_on() {
        let ns = with_people().await;
        ns.admin_settings(json!({"suiteql_omit_nulls": false}))
            .await;
        let (_, body) = ns
            .suiteql("SELECT email FROM contact WHERE firstname = 'Alan'", "")
            .await;
        assert_eq!(body["items"][0]["email"], Value::Null);
    }

    #[tokio::test]
    async fn without_prefer_transient_the_query_is_refused() {
        let ns = with_people().await;
        let token = ns.access_token().await;
        let response = ns
            .http
            .post(ns.url(SUITEQL))
            .bearer_auth(token)
            .json(&json!({"q": "SELECT id FROM contact"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        let detail = error_detail(&body, 400);
        assert_eq!(detail["o:errorCode"], "INVALID_HEADER");
        assert_eq!(detail["o:errorHeader"], "Prefer");
    }

    #[tokio::test]
    async fn bad_sql_gets_invalid_parameter_with_a_description() {
        let ns = with_people().await;
        for q in [
            "SELEC id FROM contact",
            "SELECT id FROM contact WHERE",
            "SELECT id FROM contact WHERE lastname = 'open",
            "SELECT nosuchfield FROM contact",
            "SELECT id FROM salesorder",
            "DELETE FROM contact",
            "UPDATE contact SET lastname = 'x'",
            "SELECT id FROM contact; DROP TABLE contact",
            "SELECT id FROM contact WHERE id = 'abc'",
            "SELECT id FROM contact c JOIN customer k ON c.company = k.id",
            "SELECT TO_CHAR(lastmodifieddate, 'QQQ') FROM contact",
            "SELECT id FROM contact WHERE lastname",
            "",
        ] {
            let (status, body) = ns.suiteql(q, "").await;
            assert_eq!(status, 400, "{q}: {body}");
            let detail = error_detail(&body, 400);
            assert_eq!(detail["o:errorCode"], "INVALID_PARAMETER", "{q}");
            assert!(
                detail["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("Invalid search query."),
                "{q}"
            );
        }
    }

    #[tokio::test]
    async fn a_body_without_q_is_invalid_content() {
        let ns = with_people().await;
        let token = ns.access_token().await;
        let response = ns
            .http
            .post(ns.url(SUITEQL))
            .bearer_auth(token)
            .header("Prefer", "transient")
            .json(&json!({"query": "SELECT id FROM contact"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_detail(&body, 400)["o:errorCode"], "INVALID_CONTENT");
    }
}
