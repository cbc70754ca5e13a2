//! The few statements sea-orm's query builder cannot say portably (claiming with
//! `FOR UPDATE SKIP LOCKED`, `UPDATE … RETURNING`). Written once with `$n` placeholders;
//! SQLite takes them as `?n`.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, QueryResult,
    Statement, TransactionTrait, Value,
};

pub(crate) fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

pub(crate) async fn query(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all_raw(statement(db.get_database_backend(), sql, values))
        .await
}

pub(crate) async fn execute(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<u64, DbErr> {
    Ok(db
        .execute_raw(statement(db.get_database_backend(), sql, values))
        .await?
        .rows_affected())
}

/// `column` is one of the texts of the JSON array bound as `$n`: one parameter however long
/// the list. A list of one parameter per value (`IN ($2, …, $201)`) is a new statement for
/// each length, and under PostgreSQL's generic plan for a given length it was rebuilt for
/// every row the scan read: 66 ms instead of 0.5 ms to find 200 record links in 10,000
/// (measured). An array read from one parameter is computed once and serves as an index
/// condition.
fn among(backend: DatabaseBackend, column: &str, n: usize) -> String {
    match backend {
        DatabaseBackend::Sqlite => format!("{column} IN (SELECT value FROM json_each(${n}))"),
        _ => format!("{column} = ANY(ARRAY(SELECT json_array_elements_text(${n}::json)))"),
    }
}

/// `texts` as one JSON array, the parameter [`among`] and [`select_each`] read.
fn json_list<S: AsRef<str>>(texts: &[S]) -> Value {
    let texts: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&texts)
        .unwrap_or_else(|_| "[]".to_owned())
        .into()
}

/// `sql` (a statement whose last condition is open to an `AND`, with `values` bound as
/// `$1…`) narrowed to rows whose `column` is one of `texts`, bound as one more parameter
/// (see [`among`]).
pub(crate) fn statement_among<S: AsRef<str>>(
    backend: DatabaseBackend,
    sql: &str,
    mut values: Vec<Value>,
    column: &str,
    texts: &[S],
) -> Statement {
    values.push(json_list(texts));
    let sql = format!("{sql} AND {}", among(backend, column, values.len()));
    statement(backend, &sql, values)
}

/// `select` (a `SELECT` whose last condition is open to an `AND`, with `values` bound as
/// `$1…`) run for each of `texts` with `column` equal to it, for columns that lead a unique
/// index after the columns `select` already fixes.
///
/// On PostgreSQL each text is looked up on its own (a `LATERAL` subquery per value, kept apart
/// by `OFFSET 0`), so the plan is one index probe per text whatever the statistics say. With
/// [`statement_among`]'s `= ANY(…)` the planner may read every row of the flow and filter
/// them instead, and it does when the statistics predate the flow's growth: a flow synced into
/// an installation whose statistics were taken before it (a new tenant's first backfill, every
/// `ferry bench` run) took 80 ms per 200-record lookup over 30,000 links instead of 0.3 ms
/// (measured; `tests/app/link_indexes.rs` checks the plan).
pub(crate) fn select_each<S: AsRef<str>>(
    backend: DatabaseBackend,
    select: &str,
    mut values: Vec<Value>,
    column: &str,
    texts: &[S],
) -> Statement {
    if backend == DatabaseBackend::Sqlite {
        return statement_among(backend, select, values, column, texts);
    }
    values.push(json_list(texts));
    let n = values.len();
    let sql = format!(
        "SELECT one.* FROM json_array_elements_text(${n}::json) AS wanted(value), \
         LATERAL ({select} AND {column} = wanted.value OFFSET 0) AS one"
    );
    statement(backend, &sql, values)
}

/// `$first, $first+1, …` for `n` values.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A transaction for the engine's own bookkeeping (claims, runs, outcomes, events done), whose
/// commit does not wait for the WAL to reach the disk on PostgreSQL.
///
/// Why that is safe: everything written here can be written again. The inbox rows themselves
/// are committed durably by the listener (and by re-queues) before anyone is told; if a crash
/// forgets the last fraction of a second of engine commits, those events are pending or claimed
/// again, the sweeper hands them out, and the redo finds its NetSuite records by external id
/// (creates are upserts) and rewrites the same outcome. Nothing is lost or duplicated; a run
/// may be recorded twice. Why it matters: under load every synchronous commit queued behind
/// the disk's flushes (15-200 ms each, measured with `ferry bench`), and the listener's own
/// durable commits queued behind them.
pub(crate) async fn bookkeeping(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let tx = db.begin().await?;
    if tx.get_database_backend() == DatabaseBackend::Postgres {
        tx.execute_unprepared("SET LOCAL synchronous_commit = off")
            .await?;
    }
    Ok(tx)
}
