//! NetSuite simulator: concurrency governance and the governanceLimits endpoint.
// Helpers outside #[test] fns unwrap too: a failed request is a failed test.
#![allow(clippy::unwrap_used)]

mod netsuite_support;

use futures_util::future::join_all;
use netsuite_support::{TestNetsuite, error_detail};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Test paths start with `netsuite::`, so `cargo test -p ferry-sandbox netsuite` selects them.
mod netsuite {
    use super::*;

    const CONTACTS: &str = "/services/rest/record/v1/contact";

    /// How one request of a burst went.
    #[derive(Debug)]
    struct Outcome {
        status: u16,
        body: Value,
        www_authenticate: Option<String>,
        took: Duration,
    }

    /// Fires `n` GETs at once and reports each one.
    async fn burst(ns: &TestNetsuite, token: &str, n: usize) -> Vec<Outcome> {
        let requests = (0..n).map(|_| async {
            let started = Instant::now();
            let response = ns.call_with_token(token, Method::GET, CONTACTS, None).await;
            let took = started.elapsed();
            let status = response.status().as_u16();
            let www_authenticate = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_string());
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            Outcome {
                status,
                body,
                www_authenticate,
                took,
            }
        });
        join_all(requests).await
    }

    async fn admin_json(ns: &TestNetsuite, path: &str) -> Value {
        ns.http
            .get(ns.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Slots are held long enough that every request of a burst arrives while they are taken,
    /// even on a loaded machine.
    const HOLD_MS: u64 = 1500;

    #[tokio::test]
    async fn requests_over_the_account_limit_get_429_at_once_and_the_peak_is_recorded() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        ns.admin_settings(json!({"concurrency_limit": 3, "governance_latency_ms": HOLD_MS}))
            .await;
        let results = burst(&ns, &token, 7).await;
        let admitted: Vec<_> = results.iter().filter(|o| o.status == 200).collect();
        let rejected: Vec<_> = results.iter().filter(|o| o.status == 429).collect();
        assert_eq!(admitted.len(), 3, "{results:?}");
        assert_eq!(rejected.len(), 4, "{results:?}");
        for outcome in &rejected {
            assert!(
                outcome.took < Duration::from_millis(HOLD_MS),
                "refused at once, not queued"
            );
        }
        let detail = error_detail(&rejected[0].body, 429);
        assert_eq!(detail["o:errorCode"], "CONCURRENCY_LIMIT_EXCEEDED");

        let governance = admin_json(&ns, "/__sandbox/governance").await;
        assert_eq!(governance["max_concurrency_seen"], 3);
        assert_eq!(governance["rejected_over_limit"], 4);
        let stats = admin_json(&ns, "/__sandbox/stats").await;
        assert_eq!(stats["rejected_over_limit"], 4);
        assert!(stats["concurrency"]["max"].as_u64().unwrap() >= 3);
    }

    #[tokio::test]
    async fn slot_occupancy_is_integrated_over_time_and_zeroed_on_reset() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        const HOLD: u64 = 400;
        ns.admin_settings(json!({"concurrency_limit": 2, "governance_latency_ms": HOLD}))
            .await;
        let reset = ns.http.delete(ns.url("/__sandbox/governance")).send();
        assert_eq!(reset.await.unwrap().status(), 204);
        let fresh = admin_json(&ns, "/__sandbox/governance").await;
        assert_eq!(
            (&fresh["in_flight_us"], &fresh["at_limit_us"]),
            (&json!(0), &json!(0))
        );

        // Two requests holding both slots for HOLD ms each, at the same time.
        let results = burst(&ns, &token, 2).await;
        assert!(results.iter().all(|o| o.status == 200), "{results:?}");
        let g = admin_json(&ns, "/__sandbox/governance").await;
        let us = |key: &str| g[key].as_u64().unwrap();
        let hold_us = HOLD * 1000;
        assert!(
            us("in_flight_us") >= 2 * hold_us,
            "two requests × {HOLD} ms: {g}"
        );
        // Both in flight for most of the hold; the second may arrive a little later.
        assert!(us("at_limit_us") >= hold_us / 2, "{g}");
        assert!(us("at_limit_us") <= us("window_us"), "{g}");
        assert!(us("in_flight_us") <= 2 * us("window_us"), "{g}");

        let reset = ns.http.delete(ns.url("/__sandbox/governance")).send();
        assert_eq!(reset.await.unwrap().status(), 204);
        let after = admin_json(&ns, "/__sandbox/governance").await;
        assert_eq!(after["in_flight_us"], 0, "{after}");
        assert!(
            after["window_us"].as_u64().unwrap() < us("window_us"),
            "{after}"
        );
    }

    #[tokio::test]
    async fn in_quirk_mode_requests_over_the_limit_get_invalid_login() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        ns.admin_settings(json!({
            "concurrency_limit": 1, "governance_latency_ms": HOLD_MS, "quirk_mode": true
        }))
        .await;
        let results = burst(&ns, &token, 3).await;
        let refused: Vec<_> = results.iter().filter(|o| o.status == 401).collect();
        assert_eq!(refused.len(), 2, "{results:?}");
        assert_eq!(
            error_detail(&refused[0].body, 401)["o:errorCode"],
            "INVALID_LOGIN"
        );
        let www = refused[0].www_authenticate.as_deref().unwrap();
        assert!(www.starts_with("Bearer realm="), "{www}");
    }

    #[tokio::test]
    async fn quirk_refusals_can_be_made_to_arrive_late_without_holding_a_slot() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        ns.admin_settings(json!({
            "concurrency_limit": 1, "governance_latency_ms": HOLD_MS,
            "quirk_mode": true, "quirk_delay_ms": 600
        }))
        .await;
        let results = burst(&ns, &token, 2).await;
        let refused: Vec<_> = results.iter().filter(|o| o.status == 401).collect();
        assert_eq!(refused.len(), 1, "{results:?}");
        assert!(refused[0].took >= Duration::from_millis(600), "{results:?}");
        let governance = admin_json(&ns, "/__sandbox/governance").await;
        assert_eq!(governance["max_concurrency_seen"], 1);
    }

    #[tokio::test]
    async fn slots_are_freed_when_requests_finish() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        ns.admin_settings(json!({"concurrency_limit": 1})).await;
        for _ in 0..5 {
            let response = ns
                .call_with_token(&token, Method::GET, CONTACTS, None)
                .await;
            assert_eq!(response.status(), 200);
        }
    }

    #[tokio::test]
    async fn governance_limits_reports_the_account_limit() {
        let ns = TestNetsuite::start().await;
        ns.admin_settings(json!({"concurrency_limit": 15})).await;
        let (status, body) = ns
            .get_json("/services/rest/system/v1/governanceLimits")
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["accountConcurrencyLimit"], 15);
        assert_eq!(body["accountUnallocatedConcurrencyLimit"], 15);
        assert!(body["limitType"].is_string());
    }

    #[tokio::test]
    async fn injected_faults_answer_in_the_netsuite_envelope() {
        let ns = TestNetsuite::start().await;
        let token = ns.access_token().await;
        let response = ns
            .http
            .put(ns.url("/__sandbox/faults"))
            .json(&json!({"rules": [{
                "path": "/services/rest/record/*",
                "error_rates": {"unavailable": 1.0}
            }]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let response = ns
            .call_with_token(&token, Method::GET, CONTACTS, None)
            .await;
        assert_eq!(response.status(), 503);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            error_detail(&body, 503)["o:errorCode"],
            "SERVICE_UNAVAILABLE"
        );
    }

    #[tokio::test]
    async fn reset_restores_a_fresh_simulator() {
        let ns = TestNetsuite::start().await;
        ns.create("contact", json!({"lastName": "X"})).await;
        ns.admin_settings(json!({"concurrency_limit": 9})).await;
        let summary: Value = ns
            .http
            .get(ns.url("/__sandbox"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(summary["contacts"], 1);
        assert_eq!(summary["account_id"], "1234567_SB1");
        let response = ns.admin_post("/__sandbox/reset", json!({})).await;
        assert_eq!(response.status(), 204);
        let (_, list) = ns.get_json(CONTACTS).await;
        assert_eq!(list["totalResults"], 0);
        let settings: Value = ns
            .http
            .get(ns.url("/__sandbox/settings"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(settings["concurrency_limit"], 5);
        let response = ns
            .http
            .patch(ns.url("/__sandbox/settings"))
            .json(&json!({"concurrency_limit": 0}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
    }
}
