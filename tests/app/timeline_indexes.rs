//! The inbox keeps no index of its own for the record timeline (each index costs every inbox
//! write): with 300,000 inbox rows (PostgreSQL only), both timeline queries still read
//! `sync_events` through an index, never a sequential scan. Checked on the plans, not on
//! timings, so it holds on any machine.

use ferry_domain::dashboard::timeline::events_query;
use ferry_domain::sync::reads::events_of_record;
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait};

use crate::dash_fixture::{Tenant, tenant_of};
use crate::helpers::TestApp;

const ROWS: i64 = 300_000;

/// Seeds `ROWS` processed notifications over the three tenants' flows, a few per record.
async fn seed(app: &TestApp, tenants: &[&Tenant]) {
    let flow = |t: usize, f: usize| tenants[t].flows[f];
    let sql = format!(
        "INSERT INTO sync_events (id, tenant_id, flow_id, record_id, source, notification_id, \
            modstamp, status, attempts, available_at, claimed_at, received_at, done_at) \
         SELECT gen_random_uuid(), \
            (ARRAY['{t0}','{t1}','{t2}']::uuid[])[1 + i % 3], \
            (ARRAY['{f0}','{f1}','{f2}']::uuid[])[1 + i % 3], \
            '003' || lpad((i / 4)::text, 15, '0'), 'outbound', 'n' || i, 'm' || i, 'done', 1, \
            now(), NULL, now() - (i || ' seconds')::interval, now() \
         FROM generate_series(1, {ROWS}) AS i",
        t0 = tenants[0].id,
        t1 = tenants[1].id,
        t2 = tenants[2].id,
        f0 = flow(0, 1),
        f1 = flow(1, 1),
        f2 = flow(2, 1),
    );
    app.db.execute_unprepared(&sql).await.unwrap();
    app.db
        .execute_unprepared("VACUUM ANALYZE sync_events")
        .await
        .unwrap();
}

#[tokio::test]
async fn record_timelines_read_the_inbox_through_an_index() {
    let Some(app) = TestApp::spawn_on_postgres("the plan check").await else {
        return;
    };
    let mut tenants = Vec::new();
    for name in ["Timeline A", "Timeline B", "Timeline C"] {
        let client = app.owner(name).await;
        tenants.push(tenant_of(&app, &client).await);
    }
    seed(&app, &tenants.iter().collect::<Vec<_>>()).await;
    let record = "003000000000001234";
    let tenant = &tenants[1];
    let queries = [
        (
            "flows page and API",
            events_of_record(tenant.id, record, 200),
        ),
        (
            "dashboard",
            events_query(tenant.id, &tenant.flows, record, 300),
        ),
    ];
    for (name, query) in queries {
        let plan = app.plan(query.build(DbBackend::Postgres)).await;
        assert!(
            !plan.contains("Seq Scan on sync_events"),
            "the {name} timeline scans the inbox:\n{plan}"
        );
        assert!(
            plan.contains("sync_events_record_modstamp"),
            "{name}:\n{plan}"
        );
    }
}
