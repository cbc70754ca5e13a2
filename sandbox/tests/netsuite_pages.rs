//! NetSuite simulator: the customers and contacts pages show what the API wrote.
// Helpers outside #[test] fns unwrap too: a failed request is a failed test.
#![allow(clippy::unwrap_used)]

mod netsuite_support;

use netsuite_support::TestNetsuite;
use serde_json::json;

/// Test paths start with `netsuite::`, so `cargo test -p ferry-sandbox netsuite` selects them.
mod netsuite {
    use super::*;

    async fn page(ns: &TestNetsuite, path: &str) -> (u16, String) {
        let response = ns.http.get(ns.url(path)).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    #[tokio::test]
    async fn customer_and_contact_pages_show_external_ids_company_links_and_dates() {
        let ns = TestNetsuite::start().await;
        let customer = ns
            .create(
                "customer",
                json!({"companyName": "Acme & Sons", "externalId": "001ACME"}),
            )
            .await;
        let contact = ns
            .create(
                "contact",
                json!({
                    "firstName": "Ada", "lastName": "Lovelace", "externalId": "003ADA",
                    "company": {"id": customer}
                }),
            )
            .await;

        let (status, html) = page(&ns, "/customers").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Acme &amp; Sons") || html.contains("Acme &#38; Sons"),
            "names are escaped"
        );
        assert!(html.contains(&format!("/customers/{customer}")));

        let (status, html) = page(&ns, &format!("/customers/{customer}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("001ACME"));
        assert!(html.contains(&format!("/contacts/{contact}")));

        let (status, html) = page(&ns, "/contacts").await;
        assert_eq!(status, 200);
        assert!(html.contains("Ada Lovelace"));

        let (status, html) = page(&ns, &format!("/contacts/{contact}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("003ADA"));
        assert!(html.contains(&format!("href=\"/customers/{customer}\"")));
        assert!(html.contains("Date created"));
    }

    #[tokio::test]
    async fn a_missing_record_page_is_a_404_page() {
        let ns = TestNetsuite::start().await;
        let (status, html) = page(&ns, "/contacts/999999").await;
        assert_eq!(status, 404);
        assert!(html.contains("Not found"));
        let (status, _) = page(&ns, "/customers/not-a-number").await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn the_seeded_pages_list_every_record() {
        let ns = TestNetsuite::seeded(3).await;
        let (status, html) = page(&ns, "/customers").await;
        assert_eq!(status, 200);
        assert_eq!(
            html.matches("<tr").count(),
            1 + 8,
            "a header row and eight customers"
        );
    }
}
