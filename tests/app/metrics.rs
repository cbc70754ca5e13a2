//! `/metrics`: served on its own address behind its token, never with the app; what a real
//! sync leaves in it (requests, remote calls, outcomes, slot waits, jobs); and the backlog
//! gauges read from the database at scrape time.
//!
//! The recorder is one per process and tests run side by side, so counters are compared as
//! growth between two scrapes (at least what this test did), while the backlog gauges, read
//! from this test's own database, are exact.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::helpers::TestApp;
use crate::sync_fixture::Synced;

/// One sample of the text format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A parsed scrape.
struct Scrape {
    text: String,
    samples: Vec<Sample>,
}

impl Scrape {
    fn parse(text: String) -> Scrape {
        let samples = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| parse_sample(l).unwrap_or_else(|| panic!("not a sample line: {l:?}")))
            .collect();
        Scrape { text, samples }
    }

    /// The sample with exactly these labels.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    }

    /// How much a counter grew since `before` (a series not there yet counts as 0).
    fn growth(&self, before: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels).unwrap_or(0.0) - before.value(name, labels).unwrap_or(0.0)
    }
}

/// `name{k="v",…} value`, where label values may hold braces and commas (route patterns).
fn parse_sample(line: &str) -> Option<Sample> {
    let Some(open) = line.find('{') else {
        let (name, value) = line.split_once(' ')?;
        return Some(Sample {
            name: name.to_owned(),
            labels: BTreeMap::new(),
            value: value.trim().parse().ok()?,
        });
    };
    let mut labels = BTreeMap::new();
    let mut rest = &line[open + 1..];
    loop {
        rest = rest.trim_start_matches(',');
        if let Some(after) = rest.strip_prefix('}') {
            return Some(Sample {
                name: line[..open].to_owned(),
                labels,
                value: after.trim().parse().ok()?,
            });
        }
        let (key, quoted) = rest.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => value.push(chars.next()?.1),
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        labels.insert(key.to_owned(), value);
        rest = &quoted[end + 1..];
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    let resp = reqwest::Client::new()
        .get(format!("{}/metrics", app.metrics_address))
        .bearer_auth(&app.metrics_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    Scrape::parse(resp.text().await.unwrap())
}

#[test]
fn the_sample_parser_reads_label_values_with_braces_and_commas() {
    let s =
        parse_sample(r#"ferry_http_requests_total{method="POST",route="/a/{b},c",status="2xx"} 3"#)
            .unwrap();
    assert_eq!(s.name, "ferry_http_requests_total");
    assert_eq!(s.labels["route"], "/a/{b},c");
    assert_eq!(s.labels["status"], "2xx");
    assert_eq!(s.value, 3.0);
    let s = parse_sample("ferry_database_up 1").unwrap();
    assert!(s.labels.is_empty());
    assert_eq!(s.value, 1.0);
}

#[tokio::test]
async fn a_real_sync_shows_in_request_remote_call_outcome_wait_and_job_metrics() {
    let s = Synced::start().await;
    let listener_url = s.listener_url(&s.account_flow).await;
    let before = scrape(&s.app).await;

    let account = s.sf_create("Account", json!({"Name": "Metrics Co"})).await;
    s.written_back("Account", &account).await;
    // The job's own metrics are written when it returns, just after the write-back.
    let listener = [
        ("method", "POST"),
        ("route", "/listeners/{token}/salesforce"),
        ("status", "2xx"),
    ];
    let mut after = scrape(&s.app).await;
    for _ in 0..50 {
        if after.growth(
            &before,
            "ferry_job_runs_total",
            &[("job", "sync"), ("result", "ok")],
        ) >= 1.0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = scrape(&s.app).await;
    }

    for (name, labels) in [
        ("ferry_http_requests_total", &listener[..]),
        ("ferry_http_request_duration_seconds_count", &listener[..2]),
        (
            "ferry_sync_outcomes_total",
            &[("flow", "sf_account_to_ns_customer"), ("kind", "created")][..],
        ),
        (
            "ferry_sync_batch_duration_seconds_count",
            &[("flow", "sf_account_to_ns_customer")][..],
        ),
        (
            "ferry_remote_requests_total",
            &[
                ("system", "salesforce"),
                ("endpoint", "soql"),
                ("status", "2xx"),
            ][..],
        ),
        (
            "ferry_remote_requests_total",
            &[
                ("system", "netsuite"),
                ("endpoint", "record"),
                ("status", "2xx"),
            ][..],
        ),
        (
            "ferry_remote_requests_total",
            &[
                ("system", "salesforce"),
                ("endpoint", "sobject_collections"),
                ("status", "2xx"),
            ][..],
        ),
        (
            "ferry_remote_request_duration_seconds_count",
            &[("system", "netsuite"), ("endpoint", "record")][..],
        ),
        (
            "ferry_governor_wait_seconds_count",
            &[("priority", "realtime")][..],
        ),
        (
            "ferry_job_runs_total",
            &[("job", "sync"), ("result", "ok")][..],
        ),
    ] {
        let grew = after.growth(&before, name, labels);
        assert!(
            grew >= 1.0,
            "{name}{labels:?} grew by {grew}:\n{}",
            after.text
        );
    }
    assert!(
        after
            .value(
                "ferry_remote_requests_total",
                &[
                    ("system", "salesforce"),
                    ("endpoint", "token"),
                    ("status", "2xx")
                ]
            )
            .is_some_and(|n| n >= 1.0),
        "the connection test and the sync obtained tokens"
    );
    for help in [
        "# HELP ferry_sync_outcomes_total",
        "# TYPE ferry_http_request_duration_seconds histogram",
        "# TYPE ferry_remote_requests_total counter",
        "# HELP ferry_governor_wait_seconds",
    ] {
        assert!(after.text.contains(help), "{help} missing");
    }
    assert_eq!(after.value("ferry_database_up", &[]), Some(1.0));
    // Bounded labels: no tenant's ids, records or secrets.
    let token = listener_url.rsplit("/listeners/").next().unwrap();
    let token = token.split('/').next().unwrap();
    for private in [
        token,
        account.as_str(),
        s.account_flow.as_str(),
        &s.integration,
    ] {
        assert!(
            !after.text.contains(private),
            "{private} leaked into /metrics"
        );
    }
}

#[tokio::test]
async fn queued_work_shows_as_queue_depth_and_inbox_backlog_until_a_worker_takes_it() {
    let s = Synced::start_without_workers().await;
    let empty = scrape(&s.app).await;
    assert_eq!(
        empty.value("ferry_inbox_events", &[("state", "due")]),
        Some(0.0)
    );
    assert_eq!(
        empty.value("ferry_job_queue_depth", &[("queue", "ferry.backfill")]),
        Some(0.0)
    );

    s.sf_create("Account", json!({"Name": "Backlog Co"})).await;
    // The sandbox delivers the notification; the listener stores it and, right after its
    // Ack, queues a wake-up (coalesced, off the request path), which no worker takes.
    let mut now = scrape(&s.app).await;
    for _ in 0..100 {
        let stored = now.value("ferry_inbox_events", &[("state", "due")]) == Some(1.0);
        let queued = now
            .value("ferry_job_queue_depth", &[("queue", "ferry.sync")])
            .is_some_and(|n| n >= 1.0);
        if stored && queued {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        now = scrape(&s.app).await;
    }
    assert_eq!(
        now.value("ferry_inbox_events", &[("state", "due")]),
        Some(1.0),
        "{}",
        now.text
    );
    assert_eq!(
        now.value("ferry_inbox_events", &[("state", "claimed")]),
        Some(0.0)
    );
    let queued = now
        .value("ferry_job_queue_depth", &[("queue", "ferry.sync")])
        .unwrap();
    assert!(queued >= 1.0, "one wake-up per delivery, got {queued}");
    assert_eq!(
        now.value("ferry_job_queue_depth", &[("queue", "ferry.backfill")]),
        Some(0.0)
    );

    tokio::time::sleep(Duration::from_millis(1200)).await;
    let later = scrape(&s.app).await;
    let inbox_age = later
        .value("ferry_inbox_oldest_due_age_seconds", &[])
        .unwrap();
    let queue_age = later
        .value(
            "ferry_job_queue_oldest_age_seconds",
            &[("queue", "ferry.sync")],
        )
        .unwrap();
    assert!(
        inbox_age >= 1.0,
        "the event has waited over a second: {inbox_age}"
    );
    assert!(
        queue_age >= 1.0,
        "the job has waited over a second: {queue_age}"
    );
    assert_eq!(
        later.value(
            "ferry_job_queue_oldest_age_seconds",
            &[("queue", "ferry.backfill")]
        ),
        Some(0.0)
    );

    // A worker's drain takes the event: what is due now, if anything, is newer (the
    // write-back of the NetSuite id may already have brought the next notification).
    let flow_id = s.account_flow.parse().unwrap();
    ferry_domain::sync::engine::drain_flow(&s.app.sync, flow_id)
        .await
        .unwrap();
    let drained = scrape(&s.app).await;
    assert_eq!(
        drained.value("ferry_inbox_events", &[("state", "claimed")]),
        Some(0.0)
    );
    let age_now = drained
        .value("ferry_inbox_oldest_due_age_seconds", &[])
        .unwrap();
    assert!(
        age_now < inbox_age,
        "the old event is gone: {age_now} vs {inbox_age}"
    );
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_address_and_only_with_the_token() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();

    let on_the_app = http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(
        on_the_app.status(),
        404,
        "the public app does not serve metrics"
    );

    let url = format!("{}/metrics", app.metrics_address);
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["www-authenticate"],
        "Bearer realm=\"ferry-metrics\""
    );
    assert!(!anonymous.text().await.unwrap().contains("ferry_"));
    for wrong in ["wrong", &app.metrics_token[..app.metrics_token.len() - 1]] {
        let resp = http.get(&url).bearer_auth(wrong).send().await.unwrap();
        assert_eq!(resp.status(), 401, "token {wrong:?}");
    }
    let basic = http
        .get(&url)
        .basic_auth("prometheus", Some(&app.metrics_token))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401, "only the bearer scheme");

    let ok = http
        .get(&url)
        .bearer_auth(&app.metrics_token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains("# TYPE ferry_job_queue_depth gauge")
    );

    let elsewhere = http
        .get(format!("{}/healthz", app.metrics_address))
        .bearer_auth(&app.metrics_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        elsewhere.status(),
        404,
        "the metrics address serves /metrics only"
    );
}
