//! Several worker processes on one PostgreSQL: each registers queue workers of its own.
//! Three `run_workers` on pools of their own stand for three processes (PostgreSQL only).

use std::time::Duration;

use ferry::keys::Keys;
use ferry_jobs::RunningWorkers;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use secrecy::SecretSlice;

use crate::helpers::TestApp;

/// Sync-queue workers that reported in the last few seconds.
async fn live_sync_workers(app: &TestApp) -> i64 {
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT COUNT(DISTINCT id) AS n FROM apalis.workers \
             WHERE worker_type = 'ferry.sync' AND last_seen > now() - interval '5 seconds'",
        ))
        .await
        .unwrap();
    rows[0].try_get::<i64>("", "n").unwrap()
}

/// With one worker name for every process, the second registration of the name took an
/// advisory lock the third could never get: that process restarted its sync worker in a
/// tight loop and synced nothing.
#[tokio::test]
async fn every_worker_process_registers_its_own_sync_worker() {
    let Some(app) = TestApp::spawn_on_postgres("apalis' worker registry").await else {
        return;
    };
    let keys = Keys {
        master: SecretSlice::from(vec![7u8; 32]),
        session: SecretSlice::from(vec![8u8; 32]),
    };
    let mut others = Vec::new();
    for _ in 0..2 {
        let db = ferry_domain::db::connect(&app.database_url).await.unwrap();
        let (sync, queues) = ferry::app::sync_runtime(&keys, &db).await.unwrap();
        others.push(RunningWorkers::start(sync, queues, None));
    }
    let mut live = 0;
    for _ in 0..100 {
        live = live_sync_workers(&app).await;
        if live == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(live, 3, "one live sync worker per process");
    for workers in others {
        workers.stop(Duration::from_secs(10)).await;
    }
}
