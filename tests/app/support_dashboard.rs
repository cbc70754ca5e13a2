//! The support area's error views: only support staff get in; they see every tenant's
//! errors with counts, root causes and a trend, drill down to a record, and retry on a
//! tenant's behalf, which the tenant's audit log records as done by support.

use chrono::Utc;

use crate::dash_fixture::{
    NewError, audit_of, insert_error, insert_outcome, insert_run, retry_events, support_client,
    tenant_of,
};
use crate::helpers::{TestApp, all_between, location};

#[tokio::test]
async fn support_only_routes_refuse_tenant_users() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Not Support").await;
    let t = tenant_of(&app, &owner).await;
    let id = insert_error(&app, &t, NewError::default()).await;
    for path in [
        "/support".to_owned(),
        "/support/errors".to_owned(),
        format!("/support/errors/{id}"),
        format!("/support/tenants/{}/records/003000000000001AAA", t.id),
    ] {
        assert_eq!(owner.get(&path).await.status(), 403, "{path}");
    }
    for path in [
        format!("/support/errors/{id}/retry"),
        "/support/errors/retry".to_owned(),
    ] {
        let resp = owner
            .post_form(&path, &[("scope", "filter"), ("status", "open")])
            .await;
        assert_eq!(resp.status(), 403, "{path}");
    }
    assert!(retry_events(&app, t.id).await.is_empty());
}

#[tokio::test]
async fn support_sees_every_tenants_errors_with_counts_root_causes_and_a_trend() {
    let app = TestApp::spawn().await;
    let a = app.owner("Support Tenant Alpha").await;
    let b = app.owner("Support Tenant Beta").await;
    let (ta, tb) = (tenant_of(&app, &a).await, tenant_of(&app, &b).await);
    for i in 0..3 {
        let record = format!("00300000000000{i}AAA");
        insert_error(
            &app,
            &ta,
            NewError {
                record: &record,
                ..NewError::default()
            },
        )
        .await;
    }
    insert_error(
        &app,
        &tb,
        NewError {
            kind: "dependency",
            code: None,
            message: "account not synced",
            ..NewError::default()
        },
    )
    .await;
    insert_error(
        &app,
        &tb,
        NewError {
            record: "003000000000009AAA",
            open: false,
            ..NewError::default()
        },
    )
    .await;
    insert_run(&app, &tb, 1, Utc::now(), 5, 1).await;
    let support = support_client(&app).await;
    let home = support.get_html("/support").await;
    assert!(home.contains("Open errors by tenant: 4"), "{home}");
    assert!(home.contains("Support Tenant Alpha</a></td><td>3<"));
    assert!(home.contains("Support Tenant Beta</a></td><td>1<"));
    assert!(home.contains("validation</a></td><td>3<"));
    assert!(
        home.contains("Please enter value(s) for: Last Name"),
        "top root cause"
    );
    assert!(home.contains("<svg"), "trend chart");
    assert!(home.contains("5 synced"));
    assert!(!home.contains("style="));

    let all = support.get_html("/support/errors").await;
    assert_eq!(
        all_between(&all, "aria-label=\"Select the error of ", "\"").len(),
        4
    );
    assert!(all.contains("Support Tenant Alpha") && all.contains("Support Tenant Beta"));
    let only_b = support
        .get_html(&format!("/support/errors?tenant={}", tb.id))
        .await;
    assert_eq!(
        all_between(&only_b, "aria-label=\"Select the error of ", "\"").len(),
        1
    );
    let groups = support.get_html("/support/errors?view=groups").await;
    assert!(
        groups.contains(">3</a>") && groups.contains(">1</a>"),
        "{groups}"
    );
    // Support never sees a tenant's settings or connections.
    assert!(!all.contains("/connections/") && !all.contains("/settings"));
}

#[tokio::test]
async fn support_retries_on_a_tenants_behalf_and_the_tenants_audit_log_says_so() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Helped Co").await;
    let t = tenant_of(&app, &owner).await;
    let id = insert_error(&app, &t, NewError::default()).await;
    let other = insert_error(
        &app,
        &t,
        NewError {
            record: "003000000000002AAA",
            kind: "dependency",
            code: None,
            message: "account not synced",
            ..NewError::default()
        },
    )
    .await;
    let support = support_client(&app).await;
    let page = support.get_html(&format!("/support/errors/{id}")).await;
    assert!(page.contains("Retry on the tenant"));
    let resp = support
        .post_form(&format!("/support/errors/{id}/retry"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("/support/errors/{id}"));
    assert_eq!(
        retry_events(&app, t.id).await,
        vec![(t.flows[1], "003000000000001AAA".to_owned())]
    );
    let audit = audit_of(&app, t.id, "errors.retried").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "support");
    assert!(audit[0].1.contains("(Ferry support)"), "{:?}", audit[0]);

    // In bulk, on a filter: only the matching error.
    let resp = support
        .post_form(
            "/support/errors/retry",
            &[
                ("scope", "filter"),
                ("status", "open"),
                ("kind", "dependency"),
                ("tenant", &t.id.to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let events = retry_events(&app, t.id).await;
    assert_eq!(events.len(), 2);
    assert!(events.contains(&(t.flows[1], "003000000000002AAA".to_owned())));
    let _ = other;
    assert_eq!(audit_of(&app, t.id, "errors.retried").await.len(), 2);
}

#[tokio::test]
async fn support_drills_down_to_a_tenants_record_timeline() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Drill Co").await;
    let t = tenant_of(&app, &owner).await;
    insert_outcome(
        &app,
        &t,
        1,
        None,
        "003000000000005AAA",
        "skipped",
        "standalone contact: it has no account",
    )
    .await;
    let support = support_client(&app).await;
    let html = support
        .get_html(&format!(
            "/support/tenants/{}/records/003000000000005AAA",
            t.id
        ))
        .await;
    assert!(html.contains("Drill Co"));
    assert!(html.contains("standalone contact: it has no account"));
    let unknown = support
        .get(&format!(
            "/support/tenants/{}/records/003000000000005AAA",
            uuid::Uuid::now_v7()
        ))
        .await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        support
            .get(&format!("/support/errors/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
}
