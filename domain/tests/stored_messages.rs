//! Stored outbound messages and their split into inbox events, on SQLite (always) and on
//! PostgreSQL (when `FERRY_TEST_DATABASE_URL` is set): the two backends split differently (a
//! transaction of statements; one statement with `FOR UPDATE SKIP LOCKED`), so each scenario
//! runs on both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use ferry_domain::accounts::{Email, NewPassword, PersonName, SignupInput, TenantName, signup};
use ferry_domain::entities::{flow, inbox_message, sync_event};
use ferry_domain::sync::backlog::inbox_backlog;
use ferry_domain::sync::engine::take_batch;
use ferry_domain::sync::events::{EventSource, NewEvent};
use ferry_domain::sync::messages::{self, SPLIT_MESSAGES, Split};
use ferry_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};
use uuid::Uuid;

/// A migrated database with one signed-up tenant; dropped (PostgreSQL) or removed (SQLite)
/// with the value.
struct Db {
    db: DatabaseConnection,
    tenant_id: Uuid,
    flow_id: Uuid,
    _sqlite_dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Db {
    async fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("t.sqlite").display()
        );
        Self::open(&url, Some(dir), None).await
    }

    async fn postgres() -> Option<Db> {
        let admin_url = std::env::var("FERRY_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let name = format!("ferry_test_{}", Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Some(Self::open(&url, None, Some((admin_url, name))).await)
    }

    async fn open(
        url: &str,
        dir: Option<tempfile::TempDir>,
        postgres: Option<(String, String)>,
    ) -> Db {
        let db = Database::connect(url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let input = SignupInput {
            company: TenantName::parse("Split Co").unwrap(),
            name: PersonName::parse("Ada").unwrap(),
            email: Email::parse("ada@example.com").unwrap(),
            password: NewPassword::parse("correct horse battery").unwrap(),
        };
        let (_, tenant) = signup(&db, input).await.unwrap();
        let flow = flow::Entity::find()
            .filter(flow::Column::TenantId.eq(tenant.0))
            .one(&db)
            .await
            .unwrap()
            .expect("sign-up installs the app's flows");
        Db {
            db,
            tenant_id: tenant.0,
            flow_id: flow.id,
            _sqlite_dir: dir,
            postgres,
        }
    }

    async fn store(&self, notifications: &[(&str, &str, &str)]) {
        let events = notifications
            .iter()
            .map(|(id, record, modstamp)| NewEvent {
                record_id: (*record).to_owned(),
                source: EventSource::Outbound,
                notification_id: Some((*id).to_owned()),
                modstamp: Some((*modstamp).to_owned()),
            })
            .collect();
        messages::store(&self.db, self.tenant_id, self.flow_id, events)
            .await
            .unwrap();
    }

    async fn stored(&self) -> u64 {
        inbox_message::Entity::find().count(&self.db).await.unwrap()
    }

    async fn events(&self) -> Vec<sync_event::Model> {
        sync_event::Entity::find()
            .order_by_asc(sync_event::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    async fn split(&self) -> Split {
        let tx = self.db.begin().await.unwrap();
        let split = messages::split(&tx, self.flow_id).await.unwrap();
        tx.commit().await.unwrap();
        split
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let admin = Database::connect(&admin_url).await.unwrap();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                admin.execute_unprepared(&sql).await.ok();
            });
        })
        .join();
    }
}

const STAMP: &str = "2026-11-27T06:40:37.000Z";
const CONTACT: &str = "003000000000001AAA";
const OTHER: &str = "003000000000002AAA";

/// A stored message is one row, counted as due work, untouched by a split that rolls back,
/// and split once: one event per notification not seen before, then gone.
async fn a_message_is_split_once_into_its_new_notifications(d: Db) {
    d.store(&[
        ("04l000000000001AAA", CONTACT, STAMP),
        ("04l000000000002AAA", OTHER, STAMP),
        // The same change notified twice in one message: one event.
        ("04l000000000003AAA", CONTACT, STAMP),
    ])
    .await;
    assert_eq!(d.stored().await, 1, "one row per message");
    assert!(d.events().await.is_empty(), "no events before the split");
    let backlog = inbox_backlog(&d.db).await.unwrap();
    assert_eq!(
        backlog.due, 3,
        "stored notifications count as due: {backlog:?}"
    );
    let waiting = messages::flows_waiting(&d.db, Duration::zero())
        .await
        .unwrap();
    assert_eq!(waiting, vec![d.flow_id], "the sweeper sees the flow");

    // A split whose transaction does not commit (a crash, a failed claim) leaves the message.
    let tx = d.db.begin().await.unwrap();
    let split = messages::split(&tx, d.flow_id).await.unwrap();
    assert_eq!(split.messages, 1);
    tx.rollback().await.unwrap();
    assert_eq!(d.stored().await, 1, "a rolled-back split keeps the message");
    assert!(d.events().await.is_empty());

    let split = d.split().await;
    assert_eq!(
        split,
        Split {
            messages: 1,
            added: 2
        }
    );
    assert_eq!(d.stored().await, 0, "a split message is gone");
    let events = d.events().await;
    let records: Vec<&str> = events.iter().map(|e| e.record_id.as_str()).collect();
    assert_eq!(records, [CONTACT, OTHER], "in arrival order");
    for e in &events {
        assert_eq!(e.status, "pending");
        assert_eq!(e.source, "outbound");
        assert_eq!(e.flow_id, d.flow_id);
        assert_eq!(e.tenant_id, d.tenant_id);
        assert_eq!(e.available_at, e.received_at, "due when it arrived");
    }
    assert!(
        messages::flows_waiting(&d.db, Duration::zero())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(inbox_backlog(&d.db).await.unwrap().due, 2);

    // Salesforce redelivers the message: stored again, split into nothing new.
    d.store(&[
        ("04l000000000002AAA", OTHER, STAMP),
        ("04l000000000001AAA", CONTACT, STAMP),
    ])
    .await;
    assert_eq!(
        d.split().await,
        Split {
            messages: 1,
            added: 0
        }
    );
    assert_eq!(d.events().await.len(), 2, "no duplicates");
    assert_eq!(d.split().await, Split::default(), "nothing left to split");
}

/// A split takes at most `SPLIT_MESSAGES` messages, oldest first, and the next takes the rest.
async fn a_split_takes_a_bounded_batch_oldest_first(d: Db) {
    let total = SPLIT_MESSAGES as usize + 5;
    for i in 0..total {
        let notification = format!("04l{i:015}");
        let record = format!("003{i:015}");
        d.store(&[(notification.as_str(), record.as_str(), STAMP)])
            .await;
    }
    let first = d.split().await;
    assert_eq!(
        first,
        Split {
            messages: SPLIT_MESSAGES,
            added: SPLIT_MESSAGES
        }
    );
    let events = d.events().await;
    assert_eq!(events[0].record_id, format!("003{:015}", 0), "oldest first");
    let rest = d.split().await;
    assert_eq!(
        rest,
        Split {
            messages: 5,
            added: 5
        }
    );
    assert_eq!(d.stored().await, 0);
    assert_eq!(d.events().await.len(), total);
}

#[tokio::test]
async fn a_message_is_split_once_into_its_new_notifications_on_sqlite() {
    a_message_is_split_once_into_its_new_notifications(Db::sqlite().await).await;
}

#[tokio::test]
async fn a_message_is_split_once_into_its_new_notifications_on_postgres() {
    if let Some(d) = Db::postgres().await {
        a_message_is_split_once_into_its_new_notifications(d).await;
    }
}

#[tokio::test]
async fn a_split_takes_a_bounded_batch_oldest_first_on_sqlite() {
    a_split_takes_a_bounded_batch_oldest_first(Db::sqlite().await).await;
}

#[tokio::test]
async fn a_split_takes_a_bounded_batch_oldest_first_on_postgres() {
    if let Some(d) = Db::postgres().await {
        a_split_takes_a_bounded_batch_oldest_first(d).await;
    }
}

/// Two workers taking batches of one flow at once never both claim one record: the second
/// waits for the first to commit, then skips the records the first claimed. (Without the
/// flow's lock neither saw the other's split or claim, and both took the record.)
#[tokio::test]
async fn two_workers_taking_batches_of_one_flow_never_claim_one_record_twice() {
    let Some(d) = Db::postgres().await else {
        return;
    };
    // One message per record, as many as one split takes, then a later change of the first
    // record: the first worker's split takes the first ones, the second's the last.
    for i in 0..SPLIT_MESSAGES {
        let notification = format!("04l{i:015}");
        let record = format!("003{i:015}");
        d.store(&[(notification.as_str(), record.as_str(), STAMP)])
            .await;
    }
    let changed = format!("003{:015}", 0);
    d.store(&[(
        "04l999999999999999",
        changed.as_str(),
        "2026-11-27T06:41:00.000Z",
    )])
    .await;

    let first = d.db.begin().await.unwrap();
    let (_, taken) = take_batch(&first, d.flow_id).await.unwrap();
    assert!(taken.iter().any(|c| c.record_id == changed), "{taken:?}");
    let (db, flow_id) = (d.db.clone(), d.flow_id);
    let second = tokio::spawn(async move {
        let tx = db.begin().await.unwrap();
        let batch = take_batch(&tx, flow_id).await.unwrap();
        tx.commit().await.unwrap();
        batch
    });
    // Time for the second worker to reach the lock (or, without one, to claim).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    let (split, claimed) = second.await.unwrap();
    assert_eq!(
        split.messages, 1,
        "the second worker split the last message"
    );
    assert!(
        claimed.iter().all(|c| c.record_id != changed),
        "the record the first worker holds is left for later: {claimed:?}"
    );
}
