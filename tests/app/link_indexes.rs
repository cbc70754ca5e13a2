//! The engine reads a batch's record links with one probe of the `(flow_id, source_id)` index
//! per record, whatever PostgreSQL's statistics say. The case that needs it: statistics taken
//! while another flow held the links, then this flow grew (a new tenant's first backfill; every
//! `ferry bench` run). A list compared with `= ANY(…)` was then planned as "read every link of
//! the flow and filter", 80 ms instead of 0.3 ms per 200 records over 30,000 links. Checked on
//! the plan, not on timings (PostgreSQL only).

use ferry_domain::sync::engine::link_lookup;
use sea_orm::{ConnectionTrait, DbBackend};

use crate::dash_fixture::tenant_of;
use crate::helpers::TestApp;

/// Inserts `n` links of `flow` for records `{prefix}000…` to `{prefix}…{n}`.
async fn seed(app: &TestApp, tenant: uuid::Uuid, flow: uuid::Uuid, prefix: &str, n: u32) {
    let sql = format!(
        "INSERT INTO record_links (id, tenant_id, flow_id, source_id, target_id, fingerprint, \
            synced_at) \
         SELECT gen_random_uuid(), '{tenant}', '{flow}', '{prefix}' || lpad(i::text, 15, '0'), \
            'ns' || i, 'fp', now() \
         FROM generate_series(1, {n}) AS i"
    );
    app.db.execute_unprepared(&sql).await.unwrap();
}

#[tokio::test]
async fn a_batch_reads_its_links_by_index_even_with_statistics_from_before_the_flow_grew() {
    let Some(app) = TestApp::spawn_on_postgres("the plan check").await else {
        return;
    };
    let client = app.owner("Links Co").await;
    let tenant = tenant_of(&app, &client).await;
    let (accounts, contacts) = (tenant.flows[0], tenant.flows[1]);
    seed(&app, tenant.id, accounts, "001", 2_000).await;
    app.db
        .execute_unprepared("ANALYZE record_links")
        .await
        .unwrap();
    seed(&app, tenant.id, contacts, "003", 30_000).await;

    let ids: Vec<String> = (100..300).map(|i| format!("003{i:015}")).collect();
    let plan = app
        .plan(link_lookup(DbBackend::Postgres, contacts, &ids))
        .await;
    assert!(
        plan.lines()
            .any(|l| l.contains("Index Cond") && l.contains("flow_id") && l.contains("source_id")),
        "each id is an index probe:\n{plan}"
    );
    assert!(
        !plan.contains("Filter"),
        "no link of the flow is read to be filtered out:\n{plan}"
    );
}
