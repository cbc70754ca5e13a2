//! `ferry bench` against an external sandbox (`--salesforce-url`, `--netsuite-url`): the
//! sandbox is started here, in the test's process on free ports, as `ferry sandbox` would run
//! elsewhere; the bench is the real binary and reaches it only over HTTP. Its report must
//! agree with what the sandbox holds, and the sandbox must be left as the bench found it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use ferry_sandbox::netsuite::schema::RecordType;
use ferry_sandbox::salesforce::schema::ObjectKind;
use ferry_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

const CONTACTS: u64 = 30;
/// The NetSuite upsert by external id: one per contact, exactly, when nothing goes wrong.
const NETSUITE_UPSERT: &str = "NetSuite PUT /services/rest/record/v1/{record_type}/{key}";

/// One bench at a time: each runs Ferry and its workers, and two at once on a 2-core machine
/// would measure the machine.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A sandbox as `ferry sandbox` serves it, on free ports.
async fn external_sandbox() -> Sandbox {
    let options = SandboxOptions {
        workers: 2,
        ..SandboxOptions::ephemeral()
    };
    Sandbox::start(options).await.unwrap()
}

/// Runs `ferry bench` (SQLite) against `sandbox` with `args`; returns its JSON report, or
/// panics with the output when the bench fails.
async fn bench(sandbox: &Sandbox, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let contacts = CONTACTS.to_string();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["bench", "--contacts", &contacts, "--timeout-secs", "300"])
        .args(["--salesforce-url", sandbox.salesforce_url()])
        .args(["--netsuite-url", &sandbox.netsuite_url()])
        .args(args)
        .arg("--json")
        .arg(&json)
        .env("RUST_LOG", "warn")
        .env_remove("FERRY_BENCH_DATABASE_URL")
        .output()
        .await
        .expect("ferry bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "ferry bench {args:?} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    println!("{stdout}");
    serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap()
}

/// Every contact in NetSuite once, its id written back, one upsert each.
fn assert_correct(report: &Value) {
    let k = &report["correctness"];
    assert_eq!(k["expected"], CONTACTS, "{report}");
    assert_eq!(
        k["found"], CONTACTS,
        "every contact reached NetSuite: {report}"
    );
    assert_eq!(
        k["written_back"], CONTACTS,
        "every id written back: {report}"
    );
    assert_eq!(k["duplicates"], 0, "no contact twice in NetSuite: {report}");
    let calls = &report["calls_per_contact"];
    assert_eq!(
        calls[NETSUITE_UPSERT], 1.0,
        "one upsert per contact: {report}"
    );
    let total = report["calls_per_contact_total"].as_f64().unwrap();
    assert!((1.0..2.0).contains(&total), "calls per contact: {report}");
    assert!(
        report["sandbox"]
            .as_str()
            .unwrap()
            .starts_with("external ("),
        "{report}"
    );
    assert_eq!(
        report["netsuite_concurrency"]["rejected_requests"], 0,
        "{report}"
    );
}

/// What the sandbox itself holds: NetSuite contacts carrying a Salesforce contact's id as
/// external id, and Salesforce contacts with a NetSuite id.
fn synced_in_sandbox(sandbox: &Sandbox) -> (usize, usize) {
    let salesforce = sandbox.salesforce();
    let org = salesforce.lock();
    let ids: HashSet<&str> = org
        .data
        .live(ObjectKind::Contact)
        .map(|r| r.id.as_str())
        .collect();
    let written_back = org
        .data
        .live(ObjectKind::Contact)
        .filter(|r| r.values.get("NetSuite_Id__c").is_some_and(|v| !v.is_null()))
        .count();
    let netsuite = sandbox.netsuite();
    let in_netsuite = netsuite
        .store()
        .records(RecordType::Contact)
        .filter(|r| r.text("externalId").is_some_and(|e| ids.contains(e)))
        .count();
    (in_netsuite, written_back)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realtime_runs_against_an_external_sandbox_report_what_it_holds_and_leave_it_as_found() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sandbox = external_sandbox().await;
    let settings = (
        sandbox.salesforce().settings(),
        sandbox.netsuite().settings(),
    );

    let first = bench(&sandbox, &["--mode", "realtime"]).await;
    assert_correct(&first);
    assert!(
        first["notifications_acknowledged"].as_u64().unwrap() >= CONTACTS,
        "{first}"
    );
    assert!(
        first["ack_latency_ms"]["samples"].as_u64().unwrap() > 0,
        "{first}"
    );
    let n = CONTACTS as usize;
    assert_eq!(synced_in_sandbox(&sandbox), (n, n));

    // A second run on the same sandbox counts only its own contacts, not the first run's.
    let second = bench(&sandbox, &["--mode", "realtime"]).await;
    assert_correct(&second);
    assert_eq!(synced_in_sandbox(&sandbox), (2 * n, 2 * n));

    assert!(
        sandbox.salesforce().lock().outbound.rules.is_empty(),
        "no outbound rule left pointing at a bench that is gone"
    );
    assert_eq!(
        (
            sandbox.salesforce().settings(),
            sandbox.netsuite().settings()
        ),
        settings,
        "settings put back"
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_against_an_external_sandbox_reports_what_it_holds() {
    let _one = ONE_AT_A_TIME.lock().await;
    let sandbox = external_sandbox().await;
    let report = bench(&sandbox, &["--mode", "backfill"]).await;
    assert_correct(&report);
    let n = CONTACTS as usize;
    assert_eq!(synced_in_sandbox(&sandbox), (n, n));
    sandbox.stop().await;
}

#[test]
fn a_salesforce_url_without_a_netsuite_url_is_refused_before_anything_starts() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["bench", "--salesforce-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--netsuite-url"), "{stderr}");
}
