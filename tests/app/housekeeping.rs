//! Housekeeping keeps the inbox and the queue tables from growing without bound.

use chrono::{Duration, Utc};
use ferry_domain::entities::{flow, sync_event};
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::helpers::TestApp;

#[tokio::test]
async fn processed_inbox_rows_go_after_a_week_and_pending_ones_stay() {
    let app = TestApp::spawn().await;
    let owner = app.owner("Tidy Co").await;
    let _ = owner.first_integration_id().await;
    let f = flow::Entity::find().one(&app.db).await.unwrap().unwrap();
    let row = |status: &str, done_days_ago: Option<i64>, n: u32| sync_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(f.tenant_id),
        flow_id: Set(f.id),
        record_id: Set(format!("00300000000000{n}AAA")),
        source: Set("outbound".into()),
        notification_id: Set(Some(format!("04l00000000000{n}AAA"))),
        modstamp: Set(None),
        status: Set(status.into()),
        attempts: Set(0),
        available_at: Set(Utc::now()),
        claimed_at: Set(None),
        received_at: Set(Utc::now() - Duration::days(10)),
        done_at: Set(done_days_ago.map(|d| Utc::now() - Duration::days(d))),
    };
    row("done", Some(8), 1).insert(&app.db).await.unwrap();
    row("done", Some(1), 2).insert(&app.db).await.unwrap();
    row("pending", None, 3).insert(&app.db).await.unwrap();
    let report = ferry_jobs::housekeeping::run_housekeeping(&app.db)
        .await
        .unwrap();
    assert_eq!(report.processed_events_removed, 1);
    assert_eq!(sync_event::Entity::find().count(&app.db).await.unwrap(), 2);
    // The queue's own table is reachable with the statement housekeeping uses.
    ferry_jobs::housekeeping::purge_finished_jobs(&app.db)
        .await
        .expect("the apalis jobs table is where housekeeping looks");
}

#[tokio::test]
async fn the_embedded_database_keeps_durable_commits_after_the_queue_setup() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::spawn().await;
    if app.db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    // apalis' SQLite setup turns `synchronous` OFF; Ferry puts it back to NORMAL (1).
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA synchronous",
        ))
        .await
        .unwrap()
        .unwrap();
    let level: i32 = row.try_get_by_index(0).unwrap();
    assert_eq!(level, 1, "synchronous = NORMAL");
}
