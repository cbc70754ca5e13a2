//! Opening the database. PostgreSQL in production and tests; SQLite as the
//! embedded default.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::DomainResult;

/// Connects to `url` (`postgres://…` or `sqlite://…`).
pub async fn connect(url: &str) -> DomainResult<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One connection: SQLite has one writer at a time anyway, and several connections
        // turn read-then-write transactions into "database is locked" failures under load.
        // The embedded default is for one process; PostgreSQL is for scale. The job queue
        // shares this connection (see `ferry_jobs::JobQueues`).
        options
            .max_connections(1)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                // Set per connection, so a reconnect keeps them. WAL lets readers and the
                // writer overlap; NORMAL keeps every acknowledged commit across a process
                // crash (OFF would not).
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
            });
    } else {
        options.max_connections(20).min_connections(1);
    }
    Ok(Database::connect(options).await?)
}

/// A small pool of its own on the same PostgreSQL database whose commits do not wait for the
/// WAL flush (`synchronous_commit = off`), for writes that are safe to forget in a crash
/// (NetSuite leases, queue wake-ups; each caller says why). Lazy: no connection until used.
pub fn relaxed_postgres_pool(
    db: &DatabaseConnection,
    max_connections: u32,
) -> sea_orm::sqlx::PgPool {
    let options = (*db.get_postgres_connection_pool().connect_options())
        .clone()
        .options([("synchronous_commit", "off")]);
    sea_orm::sqlx::postgres::PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .idle_timeout(Duration::from_secs(60))
        .acquire_timeout(Duration::from_secs(30))
        .connect_lazy_with(options)
}

/// True when the database answers a trivial query (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Re-applies Ferry's durability setting on SQLite after something else (apalis' queue
/// setup) switched the connection to `synchronous=OFF`.
pub async fn restore_sqlite_durability(db: &DatabaseConnection) -> DomainResult<()> {
    use sea_orm::{ConnectionTrait, DbBackend};
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA synchronous = NORMAL").await?;
    }
    Ok(())
}
