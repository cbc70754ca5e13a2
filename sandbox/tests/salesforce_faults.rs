//! Fault injection, statistics, reset and seed through the admin API, and `--tls`.
// Helpers outside #[test] fns are test code too; clippy.toml's test allowance misses them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, fast_settings, first_error};
use ferry_sandbox::{Sandbox, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn set_faults(app: &TestApp, config: Value) {
    let res = app.admin(Method::PUT, "/faults", Some(config)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn injected_errors_have_salesforce_bodies() {
    let app = TestApp::start().await;
    let cases = [
        (
            "unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
        ),
        (
            "server_error",
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
        ),
        ("lock_row", StatusCode::BAD_REQUEST, "UNABLE_TO_LOCK_ROW"),
        (
            "rate_limited",
            StatusCode::TOO_MANY_REQUESTS,
            "REQUEST_LIMIT_EXCEEDED",
        ),
    ];
    for (kind, status, code) in cases {
        set_faults(
            &app,
            json!({"rules": [{"method": "GET", "path": "/services/data/*/limits", "error_rates": {kind: 1.0}, "remaining": 1}]}),
        )
        .await;
        let res = app.get("/limits").await;
        assert_eq!(res.status(), status, "{kind}");
        assert_eq!(first_error(res).await.0, code, "{kind}");
        assert_eq!(
            app.get("/limits").await.status(),
            StatusCode::OK,
            "{kind} retired"
        );
    }
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error_for_the_client() {
    let app = TestApp::start().await;
    set_faults(
        &app,
        json!({"rules": [{"path": "/services/data/*", "error_rates": {"dropped_connection": 1.0}, "remaining": 1}]}),
    )
    .await;
    let result = app
        .http
        .get(app.api("/limits"))
        .bearer_auth(&app.token)
        .send()
        .await;
    let failed = match result {
        Err(_) => true,
        Ok(res) => res.bytes().await.is_err(),
    };
    assert!(failed, "the client should see a broken connection");
}

#[tokio::test]
async fn a_timeout_fault_hangs_longer_than_a_client_waits() {
    let app = TestApp::start().await;
    set_faults(
        &app,
        json!({"rules": [{"path": "*", "error_rates": {"timeout": 1.0}, "timeout_ms": 2000, "remaining": 1}]}),
    )
    .await;
    let result = app
        .http
        .get(app.api("/limits"))
        .bearer_auth(&app.token)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(result.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn fixed_latency_slows_matching_requests_only() {
    let app = TestApp::start().await;
    set_faults(
        &app,
        json!({"rules": [{"path": "/services/data/*/limits", "latency": {"fixed_ms": 250}}]}),
    )
    .await;
    let started = Instant::now();
    app.get("/limits").await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    let started = Instant::now();
    app.get("/sobjects/").await;
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn the_same_seed_fails_the_same_requests() {
    let app = TestApp::start().await;
    let config = json!({"seed": 99, "rules": [{"path": "*", "error_rates": {"unavailable": 0.5}, "latency": {"normal_ms": {"mean": 2.0, "std_dev": 1.0}}}]});
    let mut runs = Vec::new();
    for _ in 0..2 {
        set_faults(&app, config.clone()).await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(app.get("/limits").await.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&200));
}

#[tokio::test]
async fn admin_routes_are_never_faulted_and_bad_fault_configs_are_refused() {
    let app = TestApp::start().await;
    set_faults(
        &app,
        json!({"rules": [{"path": "*", "error_rates": {"server_error": 1.0}}]}),
    )
    .await;
    let res = app.admin(Method::GET, "/faults", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.admin(Method::DELETE, "/faults", None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/limits").await.status(), StatusCode::OK);
    for bad in [
        json!({"rules": [{"path": "*", "error_rates": {"server_error": 0.7, "unavailable": 0.7}}]}),
        json!({"rules": [{"path": "*", "error_rates": {"bogus": 1.0}}]}),
        json!({"rules": [{"path": "*", "latency": {"uniform_ms": {"min": 5, "max": 1}}}]}),
        json!("nope"),
    ] {
        let res = app.admin(Method::PUT, "/faults", Some(bad.clone())).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "bad_request");
    }
}

#[tokio::test]
async fn stats_count_requests_per_endpoint_and_status_and_track_concurrency() {
    let app = TestApp::start().await;
    app.admin(Method::DELETE, "/stats", None).await;
    app.get("/limits").await;
    app.get("/limits").await;
    app.get("/sobjects/Contact/003000000000000AAA").await;
    let stats: Value = app
        .admin(Method::GET, "/stats", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats["requests"]["GET /services/data/{version}/limits"]["200"],
        2
    );
    assert_eq!(
        stats["requests"]["GET /services/data/{version}/sobjects/{object}/{id}"]["404"],
        1
    );
    assert_eq!(stats["total_requests"], 3);
    assert!(stats["concurrency"]["max"].as_u64().unwrap() >= 1);
    assert_eq!(stats["concurrency"]["current"], 0);
}

#[tokio::test]
async fn reset_clears_data_and_seed_loads_the_deterministic_data_set() {
    let app = TestApp::start().await;
    app.create("Contact", json!({"LastName": "Temp"})).await;
    let res = app.admin(Method::POST, "/reset", None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Reset revokes sessions too.
    assert_eq!(app.get("/limits").await.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .admin(Method::POST, "/seed", Some(json!({"seed": 5})))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let token = app.jwt_token().await;
    let query = |soql: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.http
                .get(app.api("/query"))
                .query(&[("q", soql)])
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let first = query("SELECT Id, Name, NetSuite_Id__c FROM Account ORDER BY Id").await;
    assert_eq!(first["totalSize"], 12);
    let synced = query("SELECT COUNT() FROM Account WHERE NetSuite_Id__c != null").await;
    assert!(synced["totalSize"].as_u64().unwrap() > 0);
    let standalone = query("SELECT COUNT() FROM Contact WHERE AccountId = null").await;
    assert!(standalone["totalSize"].as_u64().unwrap() > 0);
    app.admin(Method::POST, "/seed", Some(json!({"seed": 5})))
        .await;
    let token = app.jwt_token().await;
    let again: Value = app
        .http
        .get(app.api("/query"))
        .query(&[(
            "q",
            "SELECT Id, Name, NetSuite_Id__c FROM Account ORDER BY Id",
        )])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["records"], again["records"]);
}

#[tokio::test]
async fn seeding_at_start_gives_both_simulators_matching_data() {
    let sandbox = Sandbox::start(SandboxOptions {
        seed: Some(3),
        salesforce: fast_settings(),
        ..SandboxOptions::ephemeral()
    })
    .await
    .unwrap();
    let org = sandbox.salesforce();
    let plan = ferry_sandbox::seed::SeedPlan::generate(3);
    {
        let guard = org.lock();
        let account = guard
            .data
            .record(&plan.accounts[0].salesforce_id)
            .expect("seeded account under the planned id");
        assert_eq!(account.text("Name"), plan.accounts[0].name);
        assert_eq!(
            account.text("NetSuite_Id__c"),
            plan.accounts[0].netsuite_id.unwrap().to_string()
        );
    }
    sandbox.stop().await;
}

#[tokio::test]
async fn with_tls_the_simulator_serves_https_with_the_printed_certificate() {
    let dir = std::env::temp_dir().join(format!("ferry-sandbox-tls-test-{}", std::process::id()));
    let sandbox = Sandbox::start(SandboxOptions {
        tls: true,
        tls_dir: Some(dir.clone()),
        ..SandboxOptions::ephemeral()
    })
    .await
    .unwrap();
    assert!(sandbox.salesforce_url().starts_with("https://127.0.0.1:"));
    let pem = std::fs::read(sandbox.tls_certificate_path().unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let res = client
        .get(format!("{}/services/data/", sandbox.salesforce_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    sandbox.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
