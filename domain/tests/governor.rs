//! The NetSuite governor against PostgreSQL: two connection pools stand for two worker
//! processes sharing one database. These tests need `FERRY_TEST_DATABASE_URL` (a PostgreSQL
//! URL whose role may create databases); each creates a fresh database and drops it after.
//! Timeouts only catch hangs; nothing asserts how fast anything is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use ferry_connectors::netsuite::{
    ConcurrencyGate, GatePermit, NetsuiteClient, NetsuiteConfig, NetsuiteCredentials, Priority,
};
use ferry_domain::governor::{GateRegistry, LeaseOptions, PgLeaseGate};
use ferry_migrations::{Migrator, MigratorTrait};
use ferry_sandbox::netsuite::NetsuiteSettings;
use ferry_sandbox::{Sandbox, SandboxOptions};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use secrecy::SecretString;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::timeout;

/// Long enough that only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

/// A fresh PostgreSQL database, migrated, dropped when the value is.
struct TestDb {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDb {
    async fn create() -> Option<TestDb> {
        let Some(admin_url) = std::env::var("FERRY_TEST_DATABASE_URL")
            .ok()
            .filter(|url| url.starts_with("postgres"))
        else {
            eprintln!("skipped: set FERRY_TEST_DATABASE_URL to a PostgreSQL URL to run it");
            return None;
        };
        let name = format!("ferry_gov_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url).await.expect("connect");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let url = replace_db_name(&admin_url, &name);
        let db = TestDb {
            admin_url,
            name,
            url,
        };
        let pool = db.pool().await;
        Migrator::up(&pool, None).await.expect("migrate");
        pool.close().await.ok();
        Some(db)
    }

    /// A new connection pool: what one worker process has.
    async fn pool(&self) -> DatabaseConnection {
        ferry_domain::db::connect(&self.url).await.expect("connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // The test's runtime is blocked in this drop, so the database is dropped from a thread
        // with its own; FORCE ends the connections pools (and "killed" gates) still hold.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    admin.execute_unprepared(&sql).await.ok();
                    admin.close().await.ok();
                }
            });
        });
        let _ = cleanup.join();
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    format!("{}/{name}{query}", &base[..cut])
}

/// A gate account key no other test uses (the factory's cache is process-wide).
fn unique_account() -> String {
    format!("GOV_{}", uuid::Uuid::new_v4().simple())
}

fn options(ttl: Duration, cooldown: Duration) -> LeaseOptions {
    LeaseOptions {
        ttl,
        cooldown,
        ..LeaseOptions::default()
    }
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn acquire(gate: &dyn ConcurrencyGate, priority: Priority) -> GatePermit {
    timeout(HANG, gate.acquire(priority))
        .await
        .expect("acquire hung")
        .unwrap()
}

/// Waits until `check` holds, failing only if it never does.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let waited = timeout(HANG, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "never happened: {what}");
}

fn netsuite_client(sandbox: &Sandbox, gate: Arc<dyn ConcurrencyGate>) -> NetsuiteClient {
    let creds = sandbox.demo_credentials().netsuite;
    let config = NetsuiteConfig::new(&creds.account_id)
        .unwrap()
        .with_base_url(&creds.base_url)
        .unwrap()
        .with_timeout(Duration::from_secs(30));
    let credentials = NetsuiteCredentials::Tba {
        consumer_key: SecretString::from(creds.tba.consumer_key),
        consumer_secret: SecretString::from(creds.tba.consumer_secret),
        token_id: SecretString::from(creds.tba.token_id),
        token_secret: SecretString::from(creds.tba.token_secret),
    };
    NetsuiteClient::with_gate(config, credentials, gate).unwrap()
}

#[tokio::test]
async fn two_processes_together_never_exceed_the_account_limit_and_nothing_is_refused() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let sandbox = Sandbox::start(SandboxOptions {
        netsuite: NetsuiteSettings {
            concurrency_limit: 3,
            governance_latency_ms: 40,
            ..NetsuiteSettings::default()
        },
        ..SandboxOptions::ephemeral()
    })
    .await
    .unwrap();
    let account = unique_account();
    let (pool_a, pool_b) = (db.pool().await, db.pool().await);
    // One process builds its gate through the factory, the other directly: the same leases.
    let gate_a = GateRegistry::new(pool_a.clone()).gate(&account, 3);
    let gate_b: Arc<dyn ConcurrencyGate> = Arc::new(PgLeaseGate::new(pool_b, &account, 3));
    let clients = [
        netsuite_client(&sandbox, gate_a),
        netsuite_client(&sandbox, gate_b),
    ];

    let mut calls = JoinSet::new();
    for (p, client) in clients.iter().enumerate() {
        for i in 0..30 {
            let client = client.clone();
            calls.spawn(async move {
                if i % 2 == 0 {
                    let contact = json!({"lastName": format!("Governed {p}-{i}")});
                    client.create_record("contact", &contact).await.map(|_| ())
                } else {
                    client.governance_limits().await.map(|_| ())
                }
            });
        }
    }
    while let Some(call) = timeout(HANG, calls.join_next()).await.expect("hung") {
        call.unwrap().expect("every request succeeds");
    }

    let stats = sandbox.netsuite().stats().snapshot();
    assert_eq!(stats.total_requests, 60, "{stats:?}");
    assert_eq!(stats.rejected_over_limit, 0, "{stats:?}");
    assert!(stats.concurrency.max <= 3, "{stats:?}");
    assert!(
        stats.concurrency.max >= 2,
        "the slots were not used: {stats:?}"
    );
    eventually("every lease is released", || async {
        count(
            &pool_a,
            "SELECT count(*) FROM netsuite_slots WHERE holder IS NULL",
        )
        .await
            == 3
    })
    .await;
    sandbox.stop().await;
}

#[tokio::test]
async fn real_time_work_of_another_process_gets_freed_slots_before_waiting_backfill() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let account = unique_account();
    let slow = options(Duration::from_secs(30), Duration::from_secs(30));
    // Process A holds every slot; B waits with real-time work but polls slowly; C waits with
    // backfill and polls fast, so it would see the freed slots first if it did not yield.
    let a = PgLeaseGate::with_options(db.pool().await, &account, 3, slow);
    let b = Arc::new(PgLeaseGate::with_options(
        db.pool().await,
        &account,
        3,
        LeaseOptions {
            poll_min: Duration::from_secs(1),
            poll_max: Duration::from_secs(1),
            ..slow
        },
    ));
    let c = Arc::new(PgLeaseGate::with_options(
        db.pool().await,
        &account,
        3,
        slow,
    ));
    let observer = db.pool().await;
    let mut held = vec![
        acquire(&a, Priority::RealTime).await,
        acquire(&a, Priority::RealTime).await,
        acquire(&a, Priority::RealTime).await,
    ];

    let (tx, mut rx) = mpsc::unbounded_channel();
    let waiter = |gate: &Arc<PgLeaseGate>, priority: Priority| {
        let (gate, tx) = (gate.clone(), tx.clone());
        tokio::spawn(async move {
            let permit = acquire(gate.as_ref(), priority).await;
            tx.send((priority, permit)).unwrap();
        })
    };
    waiter(&c, Priority::Backfill);
    waiter(&b, Priority::RealTime);
    waiter(&b, Priority::RealTime);
    eventually("real-time work is marked as waiting", || async {
        count(
            &observer,
            "SELECT count(*) FROM netsuite_waiters WHERE expires_at > now()",
        )
        .await
            == 1
    })
    .await;

    // Two slots come free: both go to real-time work.
    held.truncate(1);
    let mut granted = Vec::new();
    for _ in 0..2 {
        let (priority, permit) = timeout(HANG, rx.recv()).await.unwrap().unwrap();
        granted.push(permit);
        assert_eq!(priority, Priority::RealTime);
    }

    // Backfill gets a slot once no real-time work waits and one comes free.
    drop(granted);
    drop(held);
    let (priority, _permit) = timeout(HANG, rx.recv()).await.unwrap().unwrap();
    assert_eq!(priority, Priority::Backfill);
}

#[tokio::test]
async fn slots_of_a_killed_process_come_free_when_their_leases_lapse() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let account = unique_account();
    let url = db.url.clone();
    let gate_account = account.clone();
    // A "process" on its own runtime takes both slots and dies without releasing them: its
    // heartbeat and its pool stop with the runtime, as with SIGKILL.
    let killed = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let pool = ferry_domain::db::connect(&url).await.unwrap();
            let short = options(Duration::from_secs(1), Duration::from_secs(30));
            let gate = PgLeaseGate::with_options(pool, &gate_account, 2, short);
            let first = acquire(&gate, Priority::RealTime).await;
            let second = acquire(&gate, Priority::RealTime).await;
            std::mem::forget((first, second));
        });
    });
    tokio::task::spawn_blocking(move || killed.join())
        .await
        .unwrap()
        .unwrap();
    let survivor = db.pool().await;
    assert_eq!(
        count(
            &survivor,
            "SELECT count(*) FROM netsuite_slots WHERE holder IS NOT NULL"
        )
        .await,
        2,
        "the killed process left its leases behind"
    );

    let gate = PgLeaseGate::new(survivor, &account, 2);
    let _first = acquire(&gate, Priority::RealTime).await;
    let _second = acquire(&gate, Priority::RealTime).await;
}

#[tokio::test]
async fn a_live_holder_keeps_its_slot_past_the_lease_ttl() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let account = unique_account();
    let short = options(Duration::from_secs(3), Duration::from_secs(30));
    let holder = PgLeaseGate::with_options(db.pool().await, &account, 1, short);
    let other = Arc::new(PgLeaseGate::with_options(
        db.pool().await,
        &account,
        1,
        short,
    ));
    let permit = acquire(&holder, Priority::RealTime).await;

    let waiting = {
        let other = other.clone();
        tokio::spawn(async move { acquire(other.as_ref(), Priority::RealTime).await })
    };
    // Well past the TTL: the heartbeat (every second) must have kept the lease.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(!waiting.is_finished(), "the lease lapsed while held");
    drop(permit);
    timeout(HANG, waiting).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_429_shrinks_the_limit_of_every_process_for_the_cooldown_but_never_to_zero() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let account = unique_account();
    let cooling = options(Duration::from_secs(30), Duration::from_secs(5));
    let a = PgLeaseGate::with_options(db.pool().await, &account, 3, cooling);
    let b = Arc::new(PgLeaseGate::with_options(
        db.pool().await,
        &account,
        3,
        cooling,
    ));
    assert_eq!(b.effective_limit().await.unwrap(), 3);

    // The 429 reaches process A; process B's limit shrinks as well.
    a.rate_limited();
    eventually("process B sees the shrunk limit", || async {
        b.effective_limit().await.unwrap() == 2
    })
    .await;
    assert_eq!(a.effective_limit().await.unwrap(), 2);
    let first = acquire(b.as_ref(), Priority::RealTime).await;
    let second = acquire(b.as_ref(), Priority::RealTime).await;
    let third = {
        let b = b.clone();
        tokio::spawn(async move { acquire(b.as_ref(), Priority::RealTime).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!third.is_finished(), "a withheld slot was used");
    // When the cooldown ends the third request gets its slot.
    let third = timeout(HANG, third).await.unwrap().unwrap();
    assert_eq!(b.effective_limit().await.unwrap(), 3);
    drop((first, second, third));

    // 429 after 429: everything but the last slot is withheld, and that one still works.
    assert!(a.withhold_slot().await.unwrap());
    assert!(a.withhold_slot().await.unwrap());
    assert!(
        !a.withhold_slot().await.unwrap(),
        "the last slot was withheld"
    );
    assert_eq!(a.effective_limit().await.unwrap(), 1);
    assert_eq!(b.effective_limit().await.unwrap(), 1);
    drop(acquire(b.as_ref(), Priority::RealTime).await);
    // Backfill too gets the last slot when it is all there is.
    drop(acquire(&a, Priority::Backfill).await);
}

/// The lease ids holding a slot now.
async fn holders(db: &DatabaseConnection) -> Vec<String> {
    let sql =
        "SELECT holder::text AS holder FROM netsuite_slots WHERE holder IS NOT NULL ORDER BY slot";
    db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "holder").unwrap())
        .collect()
}

/// Waits (at most `within`) until no slot is held.
async fn released_within(db: &DatabaseConnection, within: Duration, what: &str) {
    let waited = timeout(within, async {
        while !holders(db).await.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "{what}: still held after {within:?}");
}

#[tokio::test]
async fn back_to_back_real_time_requests_reuse_one_lease_until_it_idles_ages_or_a_429_comes() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let observer = db.pool().await;
    let db = &db;
    let gate = |linger: Duration, max_hold: Duration| async move {
        let options = LeaseOptions {
            linger,
            max_hold,
            ..LeaseOptions::default()
        };
        PgLeaseGate::with_options(db.pool().await, &unique_account(), 2, options)
    };
    let long = Duration::from_secs(60);

    // The next request takes the parked lease over: no new claim.
    let quick = gate(Duration::from_millis(300), long).await;
    drop(acquire(&quick, Priority::RealTime).await);
    let parked = holders(&observer).await;
    assert_eq!(parked.len(), 1, "the finished request's lease is parked");
    let again = acquire(&quick, Priority::RealTime).await;
    assert_eq!(holders(&observer).await, parked, "the lease was not reused");
    drop(again);
    // Idle for its linger: released.
    released_within(&observer, HANG, "an idle parked lease").await;

    // Backfill never parks: released at once (long before a minute's linger).
    let lingering = gate(long, long).await;
    drop(acquire(&lingering, Priority::Backfill).await);
    released_within(&observer, Duration::from_secs(10), "a backfill lease").await;

    // A 429 seen here releases what is parked; the next request claims afresh.
    drop(acquire(&lingering, Priority::RealTime).await);
    let before = holders(&observer).await;
    assert_eq!(before.len(), 1);
    lingering.rate_limited();
    released_within(
        &observer,
        Duration::from_secs(10),
        "a lease parked before a 429",
    )
    .await;
    let after = acquire(&lingering, Priority::RealTime).await;
    assert_ne!(
        holders(&observer).await,
        before,
        "a lease from before the 429 was reused"
    );
    drop(after);

    // A claim older than max_hold is released when its request ends, not parked.
    let aging = gate(long, Duration::from_millis(200)).await;
    let old = acquire(&aging, Priority::RealTime).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let held_by_aging = holders(&observer).await;
    drop(old);
    eventually("the aged lease is released", || async {
        holders(&observer).await.len() < held_by_aging.len()
    })
    .await;
}

#[tokio::test]
async fn a_lease_parked_by_a_runtime_that_stopped_is_released_not_kept() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let observer = db.pool().await;
    let options = LeaseOptions {
        linger: Duration::from_millis(50),
        max_hold: Duration::from_millis(300),
        ..LeaseOptions::default()
    };
    let gate = Arc::new(PgLeaseGate::with_options(
        db.pool().await,
        &unique_account(),
        2,
        options,
    ));
    // A runtime parks a lease and stops at once, before the lease's linger timer fires.
    // (Joined off the test's runtime, which keeps driving the pool's connections meanwhile.)
    let parking = gate.clone();
    let stopped = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move { drop(acquire(parking.as_ref(), Priority::RealTime).await) });
    });
    tokio::task::spawn_blocking(move || stopped.join())
        .await
        .unwrap()
        .unwrap();
    let left = holders(&observer).await;
    assert_eq!(left.len(), 1, "the stopped runtime's lease is still parked");

    // Too old to reuse: the next request releases it and claims afresh.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let next = acquire(gate.as_ref(), Priority::RealTime).await;
    eventually("the orphaned parked lease is released", || async {
        let now = holders(&observer).await;
        now.len() == 1 && now != left
    })
    .await;
    drop(next);
}

#[tokio::test]
async fn on_sqlite_each_account_gets_one_shared_in_process_gate() {
    let db = ferry_domain::db::connect("sqlite::memory:").await.unwrap();
    let account = unique_account();
    let registry = GateRegistry::new(db.clone());
    let gate = registry.gate(&account, 2);
    let same = registry.gate(&account.to_lowercase().replace('_', "-"), 2);
    assert!(Arc::ptr_eq(&gate, &same));
    let resized = registry.gate(&account, 4);
    assert!(!Arc::ptr_eq(&gate, &resized));
    // No lease tables are needed: the gate is a semaphore.
    let _one = acquire(gate.as_ref(), Priority::RealTime).await;
    let _two = acquire(gate.as_ref(), Priority::Backfill).await;
}

#[tokio::test]
async fn the_lease_tables_migrate_on_sqlite_too() {
    let path = std::env::temp_dir().join(format!("ferry-gov-{}.sqlite", uuid::Uuid::new_v4()));
    let db = ferry_domain::db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared("SELECT account_key, slot, holder, priority, expires_at, withheld_until FROM netsuite_slots")
        .await
        .unwrap();
    db.execute_unprepared("SELECT account_key, waiter, expires_at FROM netsuite_waiters")
        .await
        .unwrap();
    db.close().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
}
