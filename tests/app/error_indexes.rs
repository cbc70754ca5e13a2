//! With a million error rows (PostgreSQL only), every query the error views run stays on an
//! index: EXPLAIN shows no sequential scan of `sync_errors`. Checked on the plans, not on
//! timings, so it holds on any machine.

use chrono::{Duration, Utc};
use ferry_domain::dashboard::errors::{
    ErrorScope, breakdown_query, count_query, groups_query, list_query,
};
use ferry_domain::dashboard::filter::{Cursor, ErrorFilter, ErrorStatus};
use ferry_domain::entities::membership;
use ferry_domain::ids::{FlowId, TenantId, UserId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement,
};

use crate::dash_fixture::{Tenant, tenant_of};
use crate::helpers::TestApp;

const ROWS: i64 = 1_000_000;

/// Seeds `ROWS` errors: 2% for tenant `small` (the one a person looks at), the rest split
/// between two large tenants; six in seven resolved, like a system that has run a while; kinds,
/// codes and a few hundred root causes spread evenly; a year of timestamps.
async fn seed(app: &TestApp, small: &Tenant, large: &[&Tenant]) {
    let sql = format!(
        "INSERT INTO sync_errors (id, tenant_id, flow_id, record_id, kind, code, message, \
            payload_excerpt, attempts, status, signature, waiting_on, first_seen_at, last_seen_at, \
            resolved_at, resolved_by) \
         SELECT gen_random_uuid(), \
            CASE WHEN i % 50 = 0 THEN '{s}'::uuid WHEN i % 2 = 0 THEN '{a}'::uuid ELSE '{b}'::uuid END, \
            CASE WHEN i % 50 = 0 THEN (CASE WHEN i % 3 = 0 THEN '{s0}'::uuid ELSE '{s1}'::uuid END) \
                 WHEN i % 2 = 0 THEN '{a1}'::uuid ELSE '{b1}'::uuid END, \
            '003' || lpad(i::text, 15, '0'), \
            (ARRAY['validation','dependency','ambiguous','config','auth','not_found','transient','rate_limited'])[1 + i % 8], \
            (ARRAY['USER_ERROR','INVALID_CONTENT',NULL,'NONEXISTENT_ID'])[1 + i % 4], \
            'error ' || (i % 397) || ' on record ' || i, NULL, 1 + i % 6, \
            CASE WHEN i % 7 = 0 THEN 'open' ELSE 'resolved' END, \
            md5((i % 397)::text), NULL, \
            now() - (i || ' seconds')::interval * 30, now() - (i || ' seconds')::interval * 30, \
            CASE WHEN i % 7 = 0 THEN NULL ELSE now() END, NULL \
         FROM generate_series(1, {ROWS}) AS i",
        s = small.id,
        a = large[0].id,
        b = large[1].id,
        s0 = small.flows[0],
        s1 = small.flows[1],
        a1 = large[0].flows[1],
        b1 = large[1].flows[1],
    );
    app.db.execute_unprepared(&sql).await.unwrap();
    app.db
        .execute_unprepared("VACUUM ANALYZE sync_errors")
        .await
        .unwrap();
}

#[tokio::test]
async fn error_views_use_indexes_with_a_million_rows() {
    let Some(app) = TestApp::spawn_on_postgres("the million-row plan check").await else {
        return;
    };
    let small_c = app.owner("Index Small").await;
    let a_c = app.owner("Index Large A").await;
    let b_c = app.owner("Index Large B").await;
    let small = tenant_of(&app, &small_c).await;
    let a = tenant_of(&app, &a_c).await;
    let b = tenant_of(&app, &b_c).await;
    seed(&app, &small, &[&a, &b]).await;

    let owner = membership::Entity::find()
        .filter(membership::Column::TenantId.eq(small.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let tenant =
        ferry_domain::tenancy::access_for_user(&app.db, UserId(owner.user_id), TenantId(small.id))
            .await
            .unwrap()
            .unwrap()
            .tenant;
    let support_user = ferry_domain::accounts::create_support_user(
        &app.db,
        ferry_domain::accounts::Email::parse("index-support@example.com").unwrap(),
        ferry_domain::accounts::PersonName::parse("Support").unwrap(),
        ferry_domain::accounts::NewPassword::parse(crate::helpers::PASSWORD).unwrap(),
    )
    .await
    .unwrap()
    .0;
    let support_access = ferry_domain::tenancy::support_access(&app.db, support_user)
        .await
        .unwrap()
        .unwrap();
    let flows: Vec<FlowId> = small.flows.iter().map(|f| FlowId(*f)).collect();
    let scope = ErrorScope::flows(&tenant, &flows);
    let cursor = Some(Cursor {
        at: Utc::now() - Duration::days(3),
        id: uuid::Uuid::now_v7(),
    });
    let open = ErrorFilter::open();
    let by_kind = ErrorFilter {
        kind: Some("validation"),
        code: Some("USER_ERROR".to_owned()),
        ..ErrorFilter::open()
    };
    let by_flow_and_date = ErrorFilter {
        flow: Some(flows[1]),
        since: Some(Utc::now() - Duration::days(30)),
        until: Some(Utc::now() - Duration::days(1)),
        ..ErrorFilter::open()
    };
    let by_signature = ErrorFilter {
        // The seed's signatures are md5(n): this is md5('5').
        signature: Some("e4da3b7fbbce2345d7772b0674a318d5".to_owned()),
        ..ErrorFilter::open()
    };
    let resolved = ErrorFilter {
        status: ErrorStatus::Resolved,
        ..ErrorFilter::open()
    };
    let support = ErrorScope::support(&support_access);
    let one_tenant = ErrorFilter {
        tenant: Some(TenantId(a.id)),
        ..ErrorFilter::open()
    };
    let pg = DbBackend::Postgres;
    let mut checks: Vec<(&str, Statement)> = vec![
        ("tenant list", list_query(&scope, &open, None, 50).build(pg)),
        (
            "tenant list, next page",
            list_query(&scope, &open, cursor, 50).build(pg),
        ),
        (
            "tenant list by kind and code",
            list_query(&scope, &by_kind, None, 50).build(pg),
        ),
        (
            "tenant list by flow and date",
            list_query(&scope, &by_flow_and_date, cursor, 50).build(pg),
        ),
        (
            "tenant list by signature",
            list_query(&scope, &by_signature, None, 50).build(pg),
        ),
        (
            "tenant resolved tab",
            list_query(&scope, &resolved, cursor, 50).build(pg),
        ),
        ("tenant count", pg.build(&count_query(&scope, &open))),
        (
            "tenant count by kind",
            pg.build(&count_query(&scope, &by_kind)),
        ),
        (
            "tenant resolved count",
            pg.build(&count_query(&scope, &resolved)),
        ),
        ("tenant groups", pg.build(&groups_query(&scope, &open, 50))),
        (
            "tenant breakdown",
            pg.build(&breakdown_query(&scope, ErrorStatus::Open)),
        ),
        (
            "support list",
            list_query(&support, &open, None, 50).build(pg),
        ),
        (
            "support list, next page",
            list_query(&support, &open, cursor, 50).build(pg),
        ),
        (
            "support list of one tenant",
            list_query(&support, &one_tenant, cursor, 50).build(pg),
        ),
        (
            "support list by signature",
            list_query(&support, &by_signature, None, 50).build(pg),
        ),
        ("support count", pg.build(&count_query(&support, &open))),
        (
            "support top signatures",
            pg.build(&groups_query(&support, &open, 10)),
        ),
        (
            "support breakdown",
            pg.build(&breakdown_query(&support, ErrorStatus::Open)),
        ),
    ];
    let mut failures = Vec::new();
    for (what, stmt) in checks.drain(..) {
        let plan = app.plan(stmt).await;
        if std::env::var("FERRY_SHOW_PLANS").is_ok() {
            eprintln!("== {what}\n{plan}\n");
        }
        if plan.contains("Seq Scan on sync_errors") {
            failures.push(format!("{what}:\n{plan}"));
        }
    }
    assert!(
        failures.is_empty(),
        "sequential scans:\n{}",
        failures.join("\n\n")
    );
}
