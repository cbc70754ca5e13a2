//! `FERRY_LOG_FORMAT=json`, end to end: the real binary (`ferry demo`) syncs an account created
//! in its sandbox, and every line it logged is a JSON object; the sync's lines name the tenant,
//! flow and record; request lines carry id, method, route, status and duration; and no secret
//! it handled (keys, tokens, passwords, listener and invitation tokens) is in any line.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::TestDatabase;

const API: &str = "/services/data/v67.0";

/// The demo's process, killed when dropped.
struct Demo {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    app: String,
    salesforce: String,
    netsuite: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The value after `label` on a line of the demo's summary.
fn url_after(line: &str, label: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix(label)?;
    Some(rest.trim().trim_end_matches('/').to_owned())
}

async fn start_demo(data_dir: &std::path::Path, database_url: &str) -> Demo {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .args(["demo", "--bind", "127.0.0.1:0"])
        .args([
            "--salesforce-bind",
            "127.0.0.1:0",
            "--netsuite-bind",
            "127.0.0.1:0",
        ])
        .current_dir(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("FERRY_CONFIG")
        .env("FERRY_DATA_DIR", data_dir)
        .env("FERRY_DATABASE_URL", database_url)
        .env("FERRY_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("start ferry demo");
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let collected = stderr.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            collected.lock().unwrap().push(line);
        }
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let summary = async {
        let (mut app, mut salesforce, mut netsuite) = (None, None, None);
        while let Ok(Some(line)) = stdout.next_line().await {
            app = app.or_else(|| url_after(&line, "Ferry demo is running at"));
            salesforce = salesforce.or_else(|| url_after(&line, "Salesforce simulator"));
            netsuite = netsuite.or_else(|| url_after(&line, "NetSuite simulator"));
            if let (Some(app), Some(salesforce), Some(netsuite)) = (&app, &salesforce, &netsuite) {
                return Some((app.clone(), salesforce.clone(), netsuite.clone()));
            }
        }
        None
    };
    let Ok(Some((app, salesforce, netsuite))) =
        tokio::time::timeout(Duration::from_secs(90), summary).await
    else {
        panic!("ferry demo did not start: {:?}", stderr.lock().unwrap());
    };
    // Keep reading standard output so the demo never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
    Demo {
        child,
        stderr,
        app,
        salesforce,
        netsuite,
    }
}

/// Every string of `value` under a key that names a secret.
fn secrets_in(value: &Value, key: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                secrets_in(v, k, out);
            }
        }
        Value::String(s)
            if ["secret", "private_key", "refresh_token", "token_id"]
                .iter()
                .any(|w| key.contains(w)) =>
        {
            out.push(s.clone())
        }
        _ => {}
    }
}

#[tokio::test]
async fn json_logs_of_a_real_sync_name_tenant_flow_and_record_and_hold_no_secret() {
    let (_database, database_url) = TestDatabase::create().await;
    let data_dir = tempfile::tempdir().unwrap();
    let demo = start_demo(data_dir.path(), &database_url).await;
    let http = reqwest::Client::new();

    let mut secrets = Vec::new();
    for simulator in [&demo.salesforce, &demo.netsuite] {
        let credentials: Value = http
            .get(format!("{simulator}/__sandbox/demo-credentials"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        secrets_in(&credentials, "", &mut secrets);
    }
    assert!(secrets.len() >= 5, "the demo's secrets: {}", secrets.len());
    let sf: Value = http
        .get(format!("{}/__sandbox/demo-credentials", demo.salesforce))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = http
        .post(format!("{}/services/oauth2/token", demo.salesforce))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", sf["consumer_key"].as_str().unwrap()),
            ("client_secret", sf["consumer_secret"].as_str().unwrap()),
            ("refresh_token", sf["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access_token = token["access_token"].as_str().expect("a token").to_owned();
    secrets.push(access_token.clone());
    for file in ["master.key", "session.key"] {
        secrets.push(
            std::fs::read_to_string(data_dir.path().join(file))
                .unwrap()
                .trim()
                .to_owned(),
        );
    }
    secrets.push(ferry_domain::demo::DEMO_PASSWORD.to_owned());

    // A real sync: an account created in Salesforce reaches NetSuite and gets its id back.
    let created: Value = http
        .post(format!("{}{API}/sobjects/Account/", demo.salesforce))
        .bearer_auth(&access_token)
        .json(&json!({"Name": "Json Logs Co"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account = created["id"].as_str().expect("account id").to_owned();
    let mut synced = false;
    for _ in 0..300 {
        let record: Value = http
            .get(format!(
                "{}{API}/sobjects/Account/{account}",
                demo.salesforce
            ))
            .bearer_auth(&access_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if record["NetSuite_Id__c"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
        {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        synced,
        "the account never synced: {:?}",
        demo.stderr.lock().unwrap()
    );

    // Requests whose secrets must stay out of the log.
    let bogus_api_token = "ferry_api_token_that_must_never_be_logged";
    let resp = http
        .get(format!("{}/api/v1/me", demo.app))
        .bearer_auth(bogus_api_token)
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    let bogus_listener = "0190aaaaaaaa7bbbbccccddddeeeeffff.listener-secret-part";
    let resp = http
        .post(format!(
            "{}/listeners/{bogus_listener}/salesforce",
            demo.app
        ))
        .body("<not-soap/>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let invitation = "inv_secret_invitation_token_value";
    http.get(format!("{}/invites/{invitation}", demo.app))
        .send()
        .await
        .unwrap();
    secrets.extend([bogus_api_token, bogus_listener, invitation].map(str::to_owned));

    // The sync's last lines and the requests' lines are written as they happen; give the
    // pipe a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let lines = demo.stderr.lock().unwrap().clone();
    drop(demo);

    let logged: Vec<Value> = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert!(v.is_object(), "not an object: {l}");
            for key in ["timestamp", "level", "target", "message"] {
                assert!(v.get(key).is_some(), "no {key}: {l}");
            }
            v
        })
        .collect();
    let find = |what: &str, check: &dyn Fn(&Value) -> bool| -> Value {
        logged
            .iter()
            .find(|v| check(v))
            .cloned()
            .unwrap_or_else(|| panic!("no line {what} in:\n{}", lines.join("\n")))
    };
    let non_empty = |v: &Value, key: &str| v[key].as_str().is_some_and(|s| !s.is_empty());

    let synced = find("of the account's sync", &|v| {
        v["message"] == "record synced" && v["record_id"] == account.as_str()
    });
    assert_eq!(synced["outcome"], "created");
    assert!(
        non_empty(&synced, "tenant_id") && non_empty(&synced, "flow_id"),
        "{synced}"
    );
    assert!(
        non_empty(&synced, "run_id") && synced["flow"] == "sf_account_to_ns_customer",
        "{synced}"
    );
    let stored = find("storing the notification", &|v| {
        v["message"] == "outbound message stored"
            && v["record_ids"]
                .as_str()
                .is_some_and(|ids| ids.contains(account.as_str()))
    });
    assert_eq!(stored["tenant_id"], synced["tenant_id"]);
    assert_eq!(stored["flow_id"], synced["flow_id"]);

    let listener = find("of the listener's request", &|v| {
        v["message"] == "request"
            && v["route"] == "/listeners/{token}/salesforce"
            && v["status"] == 200
    });
    assert_eq!(listener["method"], "POST");
    assert!(non_empty(&listener, "request_id"), "{listener}");
    assert!(
        listener["duration_ms"].as_f64().is_some_and(|d| d >= 0.0),
        "{listener}"
    );
    let api = find("of the API request", &|v| {
        v["message"] == "request" && v["request_id"] == "trace-me-42"
    });
    assert_eq!(api["route"], "/api/v1/me");
    assert_eq!(api["status"], 401);
    find("of the invitation page", &|v| {
        v["message"] == "request" && v["route"] == "/invites/{token}"
    });

    let text = lines.join("\n");
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret was logged: {secret:.12}…"
        );
    }
    for needle in ["PRIVATE KEY", "Bearer ", "bearer "] {
        assert!(!text.contains(needle), "{needle} was logged");
    }
    for (prefix, pattern) in [
        ("/listeners/", "/listeners/{token}"),
        ("/invites/", "/invites/{token}"),
    ] {
        let raw = text.matches(prefix).count();
        let patterns = text.matches(pattern).count();
        assert_eq!(raw, patterns, "a raw {prefix}… path was logged");
    }
}
