//! The integration dashboard over HTTP: every view, every action, roles and other tenants'
//! ids. Rows are written straight into the database (see `dash_fixture`); the end-to-end
//! tests with real syncs are in `dashboard_sync.rs`.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::dash_fixture::{
    NewError, audit_of, error_status, insert_error, insert_outcome, insert_run, retry_events,
    tenant_of,
};
use crate::helpers::{TestApp, all_between, between, location};
use crate::roles::join_as;

const CONTACT: usize = 1;
const ACCOUNT: usize = 0;

#[tokio::test]
async fn the_home_tile_links_to_the_dashboard_and_counts_open_errors() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Tile Co").await;
    let t = tenant_of(&app, &owner).await;
    let home = owner.home_html().await;
    assert!(home.contains(&format!("href=\"{}\"", t.dash())), "{home}");
    assert!(home.contains("No sync has run yet"));
    insert_error(&app, &t, NewError::default()).await;
    insert_run(&app, &t, CONTACT, Utc::now(), 3, 1).await;
    let home = owner.home_html().await;
    assert!(home.contains(&format!(
        "{}/errors\"><span class=\"badge badge-error\">1<",
        t.dash()
    )));
    assert!(!home.contains("No sync has run yet"));
}

#[tokio::test]
async fn the_dashboard_shows_each_flow_with_its_numbers_and_a_chart_readable_without_colour() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Chart Co").await;
    let t = tenant_of(&app, &owner).await;
    let now = Utc::now();
    insert_run(&app, &t, CONTACT, now - Duration::minutes(1), 7, 2).await;
    insert_run(&app, &t, CONTACT, now - Duration::hours(30), 4, 0).await;
    insert_run(&app, &t, CONTACT, now - Duration::days(9), 100, 100).await;
    insert_error(&app, &t, NewError::default()).await;
    let html = owner.get_html(&t.dash()).await;
    let card = between(
        &html,
        &format!("id=\"flow-{}\"", t.flows[CONTACT]),
        "</section>",
    )
    .unwrap();
    assert!(
        card.contains("Synced today</dt><dd class=\"stat\">7<"),
        "{card}"
    );
    assert!(
        card.contains("Failed today</dt><dd class=\"stat\">2<"),
        "{card}"
    );
    assert!(card.contains(">1</a>"), "one open error: {card}");
    // The chart: server-rendered SVG, one bar per busy hour, a tooltip on each, a text
    // alternative, hatching for failures, the numbers as a table; nothing older than 7 days.
    assert!(card.contains("<svg"));
    assert_eq!(card.matches("class=\"chart-synced\"").count(), 2, "{card}");
    assert_eq!(card.matches("class=\"chart-failed\"").count(), 1);
    assert!(card.contains("fill=\"url(#flow-"));
    assert!(card.contains("<desc"));
    assert!(
        card.contains("11 synced"),
        "the 7-day total, not the old run: {card}"
    );
    assert!(card.contains("As a table"));
    assert!(!html.contains("style="), "the CSP forbids inline styles");
    assert!(html.contains("Recent runs"));
    assert!(
        html.contains("Please enter value(s) for: Last Name"),
        "top root causes"
    );
    // The other flow has nothing yet.
    let other = between(
        &html,
        &format!("id=\"flow-{}\"", t.flows[ACCOUNT]),
        "</section>",
    )
    .unwrap();
    assert!(other.contains("Nothing synced or failed in the last 7 days"));
}

#[tokio::test]
async fn errors_show_the_remote_code_and_message_in_full_with_a_hint_and_a_salesforce_link() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Errors Co").await;
    let t = tenant_of(&app, &owner).await;
    // Connect Salesforce to the sandbox: its instance URL makes record links.
    let resp = owner
        .post_form(
            &format!(
                "/integrations/{}/connections/salesforce/sandbox",
                t.integration
            ),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let long = format!(
        "NetSuite rejected the record: {}",
        "field trouble ".repeat(40)
    );
    let id = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000042AAA",
            message: &long,
            ..NewError::default()
        },
    )
    .await;
    let list = owner.get_html(&format!("{}/errors", t.dash())).await;
    assert!(list.contains(long.trim_end()), "message in full");
    assert!(list.contains("<code>USER_ERROR</code>"));
    assert!(list.contains("required field"), "plain-language hint");
    let link = format!("{}/003000000000042AAA", app.sandbox.salesforce_url());
    assert!(list.contains(&format!("href=\"{link}\"")), "{list}");
    // The sandbox opens a record by id like a real org.
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&link)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/contacts/003000000000042AAA");

    let page = owner.get_html(&format!("{}/errors/{id}", t.dash())).await;
    for want in [
        "Attempts",
        "First seen",
        "Last seen",
        "What Ferry sent",
        "Retry",
        "Resolve",
    ] {
        assert!(page.contains(want), "{want}");
    }
}

#[tokio::test]
async fn errors_have_open_and_resolved_tabs_and_filters_by_flow_kind_code_and_date() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Filter Co").await;
    let t = tenant_of(&app, &owner).await;
    let old = Utc::now() - Duration::days(10);
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000001AAA",
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000002AAA",
            kind: "dependency",
            code: None,
            message: "account not synced to NetSuite",
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "001000000000003AAA",
            flow: ACCOUNT,
            code: Some("INVALID_CONTENT"),
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000004AAA",
            seen: old,
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000005AAA",
            open: false,
            ..NewError::default()
        },
    )
    .await;
    let ids = |html: &str| {
        let mut v = all_between(html, "aria-label=\"Select the error of ", "\"");
        v.sort();
        v
    };
    let base = format!("{}/errors", t.dash());
    let all = owner.get_html(&base).await;
    assert_eq!(ids(&all).len(), 4);
    assert!(all.contains("Open <span class=\"count\">4</span>"));
    assert!(all.contains("Resolved <span class=\"count\">1</span>"));
    let resolved = owner.get_html(&format!("{base}?status=resolved")).await;
    assert_eq!(ids(&resolved), vec!["003000000000005AAA"]);
    assert!(resolved.contains("by someone@example.com"));
    let kind = owner.get_html(&format!("{base}?kind=dependency")).await;
    assert_eq!(ids(&kind), vec!["003000000000002AAA"]);
    let code = owner
        .get_html(&format!("{base}?code=INVALID_CONTENT"))
        .await;
    assert_eq!(ids(&code), vec!["001000000000003AAA"]);
    let flow = owner
        .get_html(&format!("{base}?flow={}", t.flows[ACCOUNT]))
        .await;
    assert_eq!(ids(&flow), vec!["001000000000003AAA"]);
    let day = old.format("%Y-%m-%d");
    let dated = owner.get_html(&format!("{base}?from={day}&to={day}")).await;
    assert_eq!(ids(&dated), vec!["003000000000004AAA"]);
    let bad = owner
        .get(&format!("{base}?kind=cosmic&from=yesterday"))
        .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn errors_page_through_a_long_list_without_repeating_or_skipping() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Paging Co").await;
    let t = tenant_of(&app, &owner).await;
    let now = Utc::now();
    for i in 0..120 {
        let record = format!("003{i:015}");
        // Pairs of errors seen at the same instant test the id tie-break.
        let seen = now - Duration::seconds(i / 2);
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                seen,
                ..NewError::default()
            },
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut url = format!("{}/errors", t.dash());
    let mut pages = 0;
    loop {
        let html = owner.get_html(&url).await;
        seen.extend(all_between(
            &html,
            "aria-label=\"Select the error of ",
            "\"",
        ));
        pages += 1;
        match between(
            &html,
            "class=\"pager\"><a class=\"btn btn-small\" href=\"",
            "\"",
        ) {
            Some(next) => url = next.replace("&#38;", "&"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 120, "no error shown twice");
}

#[tokio::test]
async fn errors_of_one_root_cause_are_grouped_with_their_count() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Group Co").await;
    let t = tenant_of(&app, &owner).await;
    for i in 0..3 {
        let record = format!("00300000000000{i}AAA");
        let message = format!("account 00100000000000{i}AAA not synced to NetSuite");
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                kind: "dependency",
                code: None,
                message: &message,
                ..NewError::default()
            },
        )
        .await;
    }
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000009AAA",
            ..NewError::default()
        },
    )
    .await;
    let html = owner
        .get_html(&format!("{}/errors?view=groups", t.dash()))
        .await;
    assert!(
        html.contains("account &#60;id&#62; not synced to NetSuite"),
        "{html}"
    );
    assert!(html.contains("Retry all 3"), "{html}");
    assert!(html.contains("Retry all 1"));
    // A group's link lists exactly its errors.
    let link = between(&html, "class=\"stat-cell\"><a href=\"", "\"")
        .unwrap()
        .replace("&#38;", "&");
    let group = owner.get_html(&link).await;
    assert_eq!(
        all_between(&group, "aria-label=\"Select the error of ", "\"").len(),
        3
    );
}

#[tokio::test]
async fn retry_and_resolve_one_error_are_recorded_and_audited() {
    // Retries queue events; a worker would work them off before the test reads them.
    let app = TestApp::spawn_without_workers().await;
    let owner = app.owner("Act Co").await;
    let t = tenant_of(&app, &owner).await;
    let id = insert_error(&app, &t, NewError::default()).await;
    let page = format!("{}/errors/{id}", t.dash());
    let resp = owner.post_form(&format!("{page}/retry"), &[]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), page);
    assert_eq!(
        retry_events(&app, t.id).await,
        vec![(t.flows[CONTACT], "003000000000001AAA".to_owned())]
    );
    assert_eq!(audit_of(&app, t.id, "errors.retried").await.len(), 1);

    let other = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000077AAA",
            ..NewError::default()
        },
    )
    .await;
    let resp = owner
        .post_form(&format!("{}/errors/{other}/resolve", t.dash()), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (status, by) = error_status(&app, other).await;
    assert_eq!(status, "resolved");
    let by = by.unwrap();
    assert!(
        by.starts_with("actco-") && by.ends_with("@example.com"),
        "resolved by the person: {by}"
    );
    assert_eq!(audit_of(&app, t.id, "errors.resolved").await.len(), 1);
}

#[tokio::test]
async fn bulk_retry_on_a_filter_requeues_exactly_the_matching_errors() {
    // Retries queue events; a worker would work them off before the test reads them.
    let app = TestApp::spawn_without_workers().await;
    let owner = app.owner("Bulk Co").await;
    let t = tenant_of(&app, &owner).await;
    let mut expected = Vec::new();
    for i in 0..4 {
        let record = format!("00300000000010{i}AAA");
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                ..NewError::default()
            },
        )
        .await;
        expected.push((t.flows[CONTACT], record));
    }
    for i in 0..2 {
        let record = format!("00300000000020{i}AAA");
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                code: Some("INVALID_CONTENT"),
                ..NewError::default()
            },
        )
        .await;
    }
    for i in 0..3 {
        let record = format!("00300000000030{i}AAA");
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                kind: "dependency",
                code: None,
                message: "account not synced",
                ..NewError::default()
            },
        )
        .await;
    }
    insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000400AAA",
            open: false,
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &t,
        NewError {
            record: "001000000000500AAA",
            flow: ACCOUNT,
            ..NewError::default()
        },
    )
    .await;

    let filtered = format!(
        "{}/errors?kind=validation&code=USER_ERROR&flow={}",
        t.dash(),
        t.flows[CONTACT]
    );
    let html = owner.get_html(&filtered).await;
    assert!(
        html.contains("Retry all 4"),
        "the count offered is the filter's: {html}"
    );
    let resp = owner
        .post_form(
            &format!("{}/errors/bulk", t.dash()),
            &[
                ("action", "retry"),
                ("scope", "filter"),
                ("status", "open"),
                ("kind", "validation"),
                ("code", "USER_ERROR"),
                ("flow", &t.flows[CONTACT].to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert!(
        location(&resp).contains("code=USER_ERROR"),
        "back to the same filter"
    );
    expected.sort();
    assert_eq!(retry_events(&app, t.id).await, expected);
    let audit = audit_of(&app, t.id, "errors.retried").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].2["errors"], json!(4));
}

#[tokio::test]
async fn bulk_actions_on_a_selection_touch_only_the_selected_errors() {
    // Retries queue events; a worker would work them off before the test reads them.
    let app = TestApp::spawn_without_workers().await;
    let owner = app.owner("Select Co").await;
    let t = tenant_of(&app, &owner).await;
    let a = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000601AAA",
            ..NewError::default()
        },
    )
    .await;
    let b = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000602AAA",
            ..NewError::default()
        },
    )
    .await;
    let c = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000603AAA",
            ..NewError::default()
        },
    )
    .await;
    let (a_s, b_s) = (a.to_string(), b.to_string());
    let resp = owner
        .post_form(
            &format!("{}/errors/bulk", t.dash()),
            &[
                ("action", "resolve"),
                ("scope", "selected"),
                ("ids", &a_s),
                ("ids", &b_s),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(error_status(&app, a).await.0, "resolved");
    assert_eq!(error_status(&app, b).await.0, "resolved");
    assert_eq!(error_status(&app, c).await.0, "open");
    let resp = owner
        .post_form(
            &format!("{}/errors/bulk", t.dash()),
            &[
                ("action", "retry"),
                ("scope", "selected"),
                ("ids", &c.to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        retry_events(&app, t.id).await,
        vec![(t.flows[CONTACT], "003000000000603AAA".to_owned())]
    );
}

#[tokio::test]
async fn viewers_see_every_view_but_cannot_retry_or_resolve() {
    let app = TestApp::spawn().await;
    let owner = app.owner("View Co").await;
    let t = tenant_of(&app, &owner).await;
    let id = insert_error(&app, &t, NewError::default()).await;
    let run = insert_run(&app, &t, CONTACT, Utc::now(), 1, 0).await;
    let (viewer, _) = join_as(&app, &owner, "viewer").await;
    for path in [
        t.dash(),
        format!("{}/errors", t.dash()),
        format!("{}/errors?view=groups", t.dash()),
        format!("{}/errors/{id}", t.dash()),
        format!("{}/runs", t.dash()),
        format!("{}/runs/{run}", t.dash()),
        format!("{}/records", t.dash()),
        format!("{}/records/003000000000001AAA", t.dash()),
    ] {
        let html = viewer.get_html(&path).await;
        assert!(!html.contains("Retry"), "no Retry for a viewer on {path}");
    }
    for (path, fields) in [
        (format!("{}/errors/{id}/retry", t.dash()), vec![]),
        (format!("{}/errors/{id}/resolve", t.dash()), vec![]),
        (
            format!("{}/errors/bulk", t.dash()),
            vec![("action", "retry"), ("scope", "filter")],
        ),
    ] {
        assert_eq!(
            viewer.post_form(&path, &fields).await.status(),
            403,
            "{path}"
        );
    }
    assert_eq!(error_status(&app, id).await.0, "open");
    assert!(retry_events(&app, t.id).await.is_empty());
    // Members act; only admins change the digest.
    let (member, _) = join_as(&app, &owner, "member").await;
    assert!(
        member
            .get_html(&format!("{}/errors", t.dash()))
            .await
            .contains("Retry selected")
    );
    let resp = member
        .post_form(
            &format!("{}/digest", t.dash()),
            &[("enabled", "on"), ("recipients", "a@example.com")],
        )
        .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn another_tenants_errors_and_runs_are_not_found_even_under_ones_own_integration() {
    let app = TestApp::spawn().await;
    let a = app.owner("Tenant A").await;
    let b = app.owner("Tenant B").await;
    let ta = tenant_of(&app, &a).await;
    let tb = tenant_of(&app, &b).await;
    let error = insert_error(&app, &tb, NewError::default()).await;
    let run = insert_run(&app, &tb, CONTACT, Utc::now(), 1, 0).await;
    for path in [
        format!("{}/errors/{error}", ta.dash()),
        format!("{}/runs/{run}", ta.dash()),
        format!("{}/errors/{error}", tb.dash()),
    ] {
        assert_eq!(a.get(&path).await.status(), 404, "{path}");
    }
    let resp = a
        .post_form(&format!("{}/errors/{error}/retry", ta.dash()), &[])
        .await;
    assert_eq!(resp.status(), 404);
    let e = error.to_string();
    let resp = a
        .post_form(
            &format!("{}/errors/bulk", ta.dash()),
            &[("action", "resolve"), ("scope", "selected"), ("ids", &e)],
        )
        .await;
    assert_eq!(resp.status(), 303, "the selection simply matches nothing");
    assert_eq!(error_status(&app, error).await.0, "open");
    assert!(retry_events(&app, tb.id).await.is_empty());
    // A's lists never show B's rows.
    let html = a.get_html(&format!("{}/errors", ta.dash())).await;
    assert!(!html.contains("003000000000001AAA"));
}

#[tokio::test]
async fn run_history_lists_runs_and_a_run_page_lists_its_records_and_outcomes() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Runs Co").await;
    let t = tenant_of(&app, &owner).await;
    let run = insert_run(&app, &t, CONTACT, Utc::now(), 2, 1).await;
    insert_outcome(
        &app,
        &t,
        CONTACT,
        Some(run),
        "003000000000801AAA",
        "skipped",
        "standalone contact: it has no account",
    )
    .await;
    insert_outcome(
        &app,
        &t,
        CONTACT,
        Some(run),
        "003000000000802AAA",
        "created",
        "created NetSuite record 7",
    )
    .await;
    let runs = owner.get_html(&format!("{}/runs", t.dash())).await;
    assert!(runs.contains(&format!("{}/runs/{run}", t.dash())));
    assert!(runs.contains("1.5 s"), "duration");
    assert!(runs.contains("real-time"));
    let page = owner.get_html(&format!("{}/runs/{run}", t.dash())).await;
    assert!(page.contains("003000000000801AAA"));
    assert!(page.contains("standalone contact: it has no account"));
    assert!(
        page.contains("not synced: standalone"),
        "the decision in words"
    );
    assert!(page.contains("created NetSuite record 7"));
    let filtered = owner
        .get_html(&format!("{}/runs?flow={}", t.dash(), t.flows[ACCOUNT]))
        .await;
    assert!(filtered.contains("No runs."));
}

#[tokio::test]
async fn skipped_records_are_listed_with_their_reason() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Skip Co").await;
    let t = tenant_of(&app, &owner).await;
    insert_outcome(
        &app,
        &t,
        CONTACT,
        None,
        "003000000000901AAA",
        "skipped",
        "standalone contact: it has no account",
    )
    .await;
    insert_outcome(
        &app,
        &t,
        CONTACT,
        None,
        "003000000000902AAA",
        "created",
        "created NetSuite record 8",
    )
    .await;
    let html = owner
        .get_html(&format!("{}/records?outcome=skipped", t.dash()))
        .await;
    assert!(html.contains("003000000000901AAA"));
    assert!(html.contains("standalone contact: it has no account"));
    assert!(!html.contains("003000000000902AAA"));
    let all = owner.get_html(&format!("{}/records", t.dash())).await;
    assert!(all.contains("003000000000902AAA"));
    // The record search opens the timeline.
    let resp = owner
        .get(&format!("{}/records?timeline=003000000000901AAA", t.dash()))
        .await;
    assert_eq!(resp.status(), 303);
    let timeline = owner.get_html(&location(&resp)).await;
    assert!(timeline.contains("standalone contact: it has no account"));
}

async fn api_get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn api_post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_errors_api_lists_filters_pages_retries_and_resolves() {
    // Retries queue events; a worker would work them off before the test reads them.
    let app = TestApp::spawn_without_workers().await;
    let owner = app.owner("Api Co").await;
    let t = tenant_of(&app, &owner).await;
    for i in 0..3 {
        let record = format!("00300000000100{i}AAA");
        insert_error(
            &app,
            &t,
            NewError {
                record: &record,
                ..NewError::default()
            },
        )
        .await;
    }
    let dep = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000002000AAA",
            kind: "dependency",
            code: None,
            message: "account not synced",
            ..NewError::default()
        },
    )
    .await;
    let viewer = owner.create_token("viewer", "viewer").await;
    let member = owner.create_token("member", "member").await;
    let base = format!("/api/v1/integrations/{}", t.integration);

    let (status, body) = api_get(&app, &viewer, &format!("{base}/errors?limit=2")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
    assert_eq!(body["total"]["n"], 4);
    let next = body["next"].as_str().unwrap();
    let (_, page2) = api_get(
        &app,
        &viewer,
        &format!("{base}/errors?limit=2&after={next}"),
    )
    .await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 2);
    assert!(page2["next"].is_null());
    let (_, deps) = api_get(&app, &viewer, &format!("{base}/errors?kind=dependency")).await;
    assert_eq!(deps["data"][0]["id"], dep.to_string());
    assert!(deps["data"][0]["hint"].as_str().unwrap().contains("parent"));
    let (_, groups) = api_get(&app, &viewer, &format!("{base}/errors/groups")).await;
    assert_eq!(groups["data"][0]["count"], 3);
    let (status, _) = api_get(&app, &viewer, &format!("{base}/errors?kind=nope")).await;
    assert_eq!(status, 422);

    // Viewers read; members act.
    let (status, _) = api_post(
        &app,
        &viewer,
        &format!("/api/v1/errors/{dep}/retry"),
        json!({}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = api_post(
        &app,
        &member,
        &format!("{base}/errors/retry"),
        json!({"filter": {"code": "USER_ERROR"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!({"errors": 3, "records": 3}));
    assert_eq!(retry_events(&app, t.id).await.len(), 3);
    let (status, body) = api_post(
        &app,
        &member,
        &format!("/api/v1/errors/{dep}/resolve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "resolved");
    let (status, body) = api_post(
        &app,
        &member,
        &format!("{base}/errors/resolve"),
        json!({"ids": [], "filter": {}}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (_, open) = api_get(&app, &viewer, &format!("{base}/errors")).await;
    assert_eq!(open["total"]["n"], 3);
}

#[tokio::test]
async fn the_runs_outcomes_and_timeline_api_answer_for_the_tokens_tenant_only() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Api Runs").await;
    let t = tenant_of(&app, &owner).await;
    let run = insert_run(&app, &t, CONTACT, Utc::now(), 1, 0).await;
    insert_outcome(
        &app,
        &t,
        CONTACT,
        Some(run),
        "003000000003000AAA",
        "skipped",
        "the flow is off",
    )
    .await;
    let token = owner.create_token("read", "viewer").await;
    let (_, runs) = api_get(
        &app,
        &token,
        &format!("/api/v1/integrations/{}/runs", t.integration),
    )
    .await;
    assert_eq!(runs["data"][0]["id"], run.to_string());
    let (_, one) = api_get(&app, &token, &format!("/api/v1/runs/{run}")).await;
    assert_eq!(one["data"]["records"][0]["record_id"], "003000000003000AAA");
    let (_, skipped) = api_get(
        &app,
        &token,
        &format!(
            "/api/v1/integrations/{}/outcomes?outcome=skipped",
            t.integration
        ),
    )
    .await;
    assert_eq!(skipped["data"][0]["reason"], "the flow is off");
    let (_, tl) = api_get(
        &app,
        &token,
        &format!(
            "/api/v1/integrations/{}/records/003000000003000AAA/timeline",
            t.integration
        ),
    )
    .await;
    assert_eq!(tl["data"][0]["kind"], "skipped");
    let (_, summary) = api_get(
        &app,
        &token,
        &format!("/api/v1/integrations/{}/summary", t.integration),
    )
    .await;
    assert_eq!(summary["data"]["flows"].as_array().unwrap().len(), 2);
    // Another tenant's token finds none of it.
    let other = app.owner("Api Other").await;
    let other_token = other.create_token("read", "viewer").await;
    let (status, _) = api_get(&app, &other_token, &format!("/api/v1/runs/{run}")).await;
    assert_eq!(status, 404);
    let (status, _) = api_get(
        &app,
        &other_token,
        &format!("/api/v1/integrations/{}/errors", t.integration),
    )
    .await;
    assert_eq!(status, 404);
}
