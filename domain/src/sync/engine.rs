//! Running a flow over its inbox: claim due events in batches, plan and apply them, write the
//! outcomes, retry what may pass later, and wake the records that waited for these.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{Duration, Utc};
use rand::Rng;
use sea_orm::{
    DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, Statement,
};
use uuid::Uuid;

use super::SyncContext;
use super::apply::{Applied, apply, failure_outcome};
use super::events::{self, Claimed, EventSource, NewEvent};
use super::messages;
use super::plan::{Planned, fetch_records, plan};
use super::records::{self, Counts, FailureRecord, Outcome, RunContext};
use super::sql;
use super::telemetry;
use crate::connections::{ClientsError, IntegrationClients};
use crate::entities::{flow, record_link};
use crate::flows::{FlowDefinition, FlowSettings, LinkState, definition};

/// Events one batch takes: Salesforce Collections and SOQL `IN` lists take 200.
pub const BATCH_SIZE: u64 = 200;
/// Attempts before a transient failure becomes an open error: with the back-off below, about
/// four minutes of trying, enough to ride out a blip without hiding an outage for long.
pub const MAX_ATTEMPTS: i32 = 8;
/// Attempts before Ferry stops retrying a transient failure on its own: about a day (the
/// back-off is capped at 10 minutes), as long as Salesforce itself redelivers. Until then an
/// open error is shown *and* the record keeps being retried, so an outage heals by itself and
/// nothing waits on someone pressing Retry; a later success resolves the error.
pub const GIVE_UP_ATTEMPTS: i32 = 150;

/// Exponential back-off with ±50 % jitter before attempt `attempts + 1`: about 1 s, 2 s, 4 s …
/// capped at 10 minutes. Jitter keeps a batch that failed together from retrying together.
pub fn backoff(attempts: i32) -> Duration {
    let base_ms = 1000_i64 << (attempts.clamp(1, 20) - 1).min(12);
    let jitter = rand::rng().random_range(0.5..1.5);
    Duration::milliseconds(((base_ms as f64) * jitter) as i64).min(Duration::minutes(10))
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
}

/// What one drain did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub batches: u32,
    pub counts: Counts,
}

/// Processes due events of `flow_id`, and the stored messages it splits into events, until
/// none are left.
#[tracing::instrument(name = "sync_flow", skip_all, fields(flow_id = %flow_id))]
pub async fn drain_flow(ctx: &SyncContext, flow_id: Uuid) -> Result<DrainReport, SyncError> {
    let mut report = DrainReport::default();
    loop {
        let tx = sql::bookkeeping(&ctx.db).await?;
        let (split, claimed) = take_batch(&tx, flow_id).await?;
        tx.commit().await?;
        if split.messages > 0 {
            tracing::debug!(
                messages = split.messages,
                new = split.added,
                "stored messages split into events"
            );
        }
        if claimed.is_empty() {
            if split.messages > 0 {
                // Every notification was a redelivery; more messages may wait.
                continue;
            }
            return Ok(report);
        }
        if claimed.len() as u64 == BATCH_SIZE {
            // A full batch means a backlog: ask another worker to join, so NetSuite's slots
            // stay busy while this one reads Salesforce or writes its outcomes down.
            ctx.waker.wake(flow_id).await;
        }
        let ids: Vec<Uuid> = claimed.iter().map(|c| c.id).collect();
        let renew = async {
            loop {
                tokio::time::sleep(events::CLAIM_RENEWAL).await;
                if let Err(error) = events::renew_claims(&ctx.db, &ids).await {
                    tracing::warn!(%error, "could not renew claims; another worker may take them");
                }
            }
        };
        // The batch, with its claims renewed until it is done (the renewal never ends itself).
        let counts = tokio::select! {
            counts = process_claimed(ctx, flow_id, claimed) => counts?,
            () = renew => unreachable!("the renewal loop never ends"),
        };
        report.batches += 1;
        report.counts.processed += counts.processed;
        report.counts.created += counts.created;
        report.counts.updated += counts.updated;
        report.counts.unchanged += counts.unchanged;
        report.counts.skipped += counts.skipped;
        report.counts.failed += counts.failed;
    }
}

/// Splits the flow's stored messages into events and claims the next batch, in `tx`, which
/// the caller commits. Public for the tests that run two of these at once.
///
/// The flow's lock comes first: two workers taking batches of one flow at once could each
/// claim an event of the same record, since neither sees what the other has split or claimed
/// before it commits ("skipping records another worker is processing" reads committed claims
/// only). Taken one after the other, the second sees the first's claims and skips those
/// records. The lock is held for a split and a claim, milliseconds; the batch is processed
/// after the commit. Asynchronous commit is safe here: a lost split is the message still stored,
/// a lost claim the event still due.
pub async fn take_batch(
    tx: &DatabaseTransaction,
    flow_id: Uuid,
) -> Result<(messages::Split, Vec<Claimed>), DbErr> {
    events::lock_flow(tx, flow_id).await?;
    let split = messages::split(tx, flow_id).await?;
    let claimed = events::claim(tx, flow_id, BATCH_SIZE).await?;
    Ok((split, claimed))
}

fn trigger_of(claimed: &[Claimed]) -> &'static str {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in claimed {
        *counts.entry(c.source.as_str()).or_default() += 1;
    }
    match counts.into_iter().max_by_key(|(_, n)| *n).map(|(s, _)| s) {
        Some("poll") => "scheduled",
        Some("retry") => "retry",
        Some("dependency") => "dependency",
        _ => "realtime",
    }
}

/// The statement that reads the links of `ids` in a flow: one probe of the
/// `(flow_id, source_id)` index per id ([`sql::select_each`]). Public for the plan test.
pub fn link_lookup(backend: DatabaseBackend, flow_id: Uuid, ids: &[String]) -> Statement {
    sql::select_each(
        backend,
        "SELECT * FROM record_links WHERE flow_id = $1",
        vec![flow_id.into()],
        "source_id",
        ids,
    )
}

async fn load_links(
    db: &DatabaseConnection,
    flow_id: Uuid,
    ids: &[String],
) -> Result<HashMap<String, LinkState>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = link_lookup(db.get_database_backend(), flow_id, ids);
    let rows = record_link::Entity::find()
        .from_raw_sql(select)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let state = LinkState {
                target_id: row.target_id,
                fingerprint: row.fingerprint,
            };
            (row.source_id, state)
        })
        .collect())
}

fn every_record(ids: &[String], outcome: &Outcome) -> Vec<Applied> {
    ids.iter()
        .map(|id| Applied {
            record_id: id.clone(),
            outcome: outcome.clone(),
            detail: serde_json::Value::Null,
            fingerprint: None,
        })
        .collect()
}

/// A batch ready to apply, or one outcome for every record (the flow is off, a connection
/// is broken, Salesforce or NetSuite could not be read).
pub enum Prepared {
    Ready {
        clients: IntegrationClients,
        settings: FlowSettings,
        planned: Vec<Planned>,
    },
    Settled(Outcome),
}

fn config_failure(message: String) -> Outcome {
    Outcome::Failed(FailureRecord {
        kind: "config".to_owned(),
        code: None,
        message,
        payload_excerpt: None,
        waiting_on: None,
    })
}

/// Reads the records and decides each: everything short of writing.
pub async fn prepare(
    ctx: &SyncContext,
    flow_row: &flow::Model,
    definition: &'static FlowDefinition,
    ids: &[String],
    backfill: bool,
) -> Result<Prepared, DbErr> {
    let settings = match FlowSettings::from_stored(definition, &flow_row.settings) {
        Ok(s) => s,
        Err(message) => return Ok(Prepared::Settled(config_failure(message))),
    };
    let clients = match ctx
        .clients
        .for_integration(flow_row.tenant_id, flow_row.integration_id)
        .await
    {
        Ok(c) => c,
        Err(ClientsError::Database(e)) => return Err(e),
        Err(e) => return Ok(Prepared::Settled(config_failure(e.to_string()))),
    };
    let netsuite = if backfill {
        clients.netsuite.for_backfill()
    } else {
        clients.netsuite.clone()
    };
    let records = match fetch_records(&clients.salesforce, definition, &settings, ids).await {
        Ok(r) => r,
        Err(e) => {
            return Ok(Prepared::Settled(failure_outcome(
                &e,
                "reading the records from Salesforce",
                None,
            )));
        }
    };
    let links = load_links(&ctx.db, flow_row.id, ids).await?;
    let input: Vec<_> = ids
        .iter()
        .map(|id| (id.clone(), records.get(id).cloned()))
        .collect();
    match plan(&netsuite, definition, &settings, input, &links).await {
        Ok(planned) => Ok(Prepared::Ready {
            clients,
            settings,
            planned,
        }),
        Err(e) => Ok(Prepared::Settled(failure_outcome(
            &e,
            "looking up the NetSuite records",
            None,
        ))),
    }
}

/// Plans and applies the records of one flow; every record gets an outcome.
pub async fn sync_records(
    ctx: &SyncContext,
    flow_row: &flow::Model,
    definition: &'static FlowDefinition,
    ids: &[String],
    backfill: bool,
) -> Result<Vec<Applied>, DbErr> {
    if !flow_row.enabled {
        return Ok(every_record(
            ids,
            &Outcome::Skipped {
                reason: "the flow is off".to_owned(),
            },
        ));
    }
    let (clients, settings, planned) =
        match prepare(ctx, flow_row, definition, ids, backfill).await? {
            Prepared::Ready {
                clients,
                settings,
                planned,
            } => (clients, settings, planned),
            Prepared::Settled(outcome) => return Ok(every_record(ids, &outcome)),
        };
    let netsuite = if backfill {
        clients.netsuite.for_backfill()
    } else {
        clients.netsuite.clone()
    };
    let applied = apply(
        &clients.salesforce,
        &netsuite,
        definition,
        &settings,
        planned,
    )
    .await;
    if let Err(e) = ctx.clients.persist_rotated_token(&clients).await {
        tracing::error!(error = %e, "could not store the rotated Salesforce refresh token");
    }
    Ok(applied)
}

/// Writes outcomes and settles events, in one transaction per batch.
async fn record_batch(
    ctx: &SyncContext,
    flow_row: &flow::Model,
    run_id: Uuid,
    by_record: &BTreeMap<String, Vec<&Claimed>>,
    applied: Vec<Applied>,
) -> Result<(Counts, Vec<String>), DbErr> {
    let run = RunContext {
        tenant_id: flow_row.tenant_id,
        flow_id: flow_row.id,
        flow_key: &flow_row.flow_key,
        run_id: Some(run_id),
    };
    let mut counts = Counts::default();
    let mut done = Vec::new();
    let mut retry: BTreeMap<i64, Vec<Uuid>> = BTreeMap::new();
    let mut synced = Vec::new();
    let mut results = Vec::with_capacity(applied.len());
    for mut result in applied {
        let claimed = by_record
            .get(&result.record_id)
            .cloned()
            .unwrap_or_default();
        let attempts = claimed.iter().map(|c| c.attempts).max().unwrap_or(0);
        let mut retried = false;
        if let Outcome::Retrying { message, after } = &result.outcome {
            let attempt = attempts + 1;
            if attempt < GIVE_UP_ATTEMPTS {
                // Never sooner than the remote system asked (Retry-After).
                let asked = after
                    .and_then(|d| Duration::from_std(d).ok())
                    .unwrap_or_else(Duration::zero);
                let at = (Utc::now() + backoff(attempt).max(asked)).timestamp_millis();
                retry
                    .entry(at)
                    .or_default()
                    .extend(claimed.iter().map(|c| c.id));
                retried = true;
            }
            if attempt >= MAX_ATTEMPTS {
                let message = if retried {
                    format!(
                        "still failing after {attempt} attempts (Ferry keeps retrying): {message}"
                    )
                } else {
                    format!("gave up after {attempt} attempts: {message}")
                };
                result.outcome = Outcome::Failed(FailureRecord {
                    kind: "transient".to_owned(),
                    code: None,
                    message,
                    payload_excerpt: None,
                    waiting_on: None,
                });
            }
        }
        if !retried {
            done.extend(claimed.iter().map(|c| c.id));
        }
        if result.outcome.is_success() {
            synced.push(result.record_id.clone());
        }
        counts.add(&result.outcome);
        results.push(result);
    }
    let rows = results.iter().map(Applied::as_row).collect();
    let tx = sql::bookkeeping(&ctx.db).await?;
    records::record_outcomes(&tx, &run, rows).await?;
    events::finish(&tx, &done).await?;
    for (at, ids) in retry {
        let at = chrono::DateTime::from_timestamp_millis(at).unwrap_or_else(Utc::now);
        events::retry_at(&tx, &ids, at).await?;
    }
    records::finish_run(&tx, run_id, counts).await?;
    tx.commit().await?;
    telemetry::report_outcomes(&flow_row.flow_key, &results);
    Ok((counts, synced))
}

/// Puts the records waiting for `parent_ids` back in their flows' inboxes and wakes them.
pub async fn requeue_waiting(
    ctx: &SyncContext,
    tenant_id: Uuid,
    parent_ids: &[String],
) -> Result<(), DbErr> {
    let waiting = records::waiting_for(&ctx.db, tenant_id, parent_ids).await?;
    let mut by_flow: BTreeMap<Uuid, Vec<NewEvent>> = BTreeMap::new();
    for (flow_id, record_id) in waiting {
        by_flow.entry(flow_id).or_default().push(NewEvent {
            record_id,
            source: EventSource::Dependency,
            notification_id: None,
            modstamp: None,
        });
    }
    for (flow_id, new) in by_flow {
        tracing::info!(%flow_id, records = new.len(), "re-queueing records whose parent synced");
        events::add(&ctx.db, tenant_id, flow_id, new).await?;
        ctx.waker.wake(flow_id).await;
    }
    Ok(())
}

/// One batch: the span names the tenant, flow and run, so every event of the batch (down to
/// each record's outcome) carries them.
#[tracing::instrument(
    name = "sync_batch",
    skip_all,
    fields(flow_id = %flow_id, records = claimed.len(), tenant_id, flow, run_id)
)]
async fn process_claimed(
    ctx: &SyncContext,
    flow_id: Uuid,
    claimed: Vec<Claimed>,
) -> Result<Counts, SyncError> {
    let started = Instant::now();
    let Some(flow_row) = flow::Entity::find_by_id(flow_id).one(&ctx.db).await? else {
        let ids: Vec<Uuid> = claimed.iter().map(|c| c.id).collect();
        events::finish(&ctx.db, &ids).await?;
        return Ok(Counts::default());
    };
    let mut by_record: BTreeMap<String, Vec<&Claimed>> = BTreeMap::new();
    for c in &claimed {
        by_record.entry(c.record_id.clone()).or_default().push(c);
    }
    let ids: Vec<String> = by_record.keys().cloned().collect();
    let span = tracing::Span::current();
    span.record("tenant_id", tracing::field::display(flow_row.tenant_id));
    span.record("flow", flow_row.flow_key.as_str());
    let tx = sql::bookkeeping(&ctx.db).await?;
    let run_id = records::start_run(&tx, flow_row.tenant_id, flow_id, trigger_of(&claimed)).await?;
    tx.commit().await?;
    span.record("run_id", tracing::field::display(run_id));
    let applied = match definition(&flow_row.flow_key) {
        Some(def) => sync_records(ctx, &flow_row, def, &ids, false).await?,
        None => every_record(
            &ids,
            &config_failure(format!("unknown flow {}", flow_row.flow_key)),
        ),
    };
    let (counts, synced) = record_batch(ctx, &flow_row, run_id, &by_record, applied).await?;
    let has_children = definition(&flow_row.flow_key).is_some_and(|d| d.child_flow.is_some());
    if has_children && !synced.is_empty() {
        requeue_waiting(ctx, flow_row.tenant_id, &synced).await?;
    }
    telemetry::record_batch_duration(&flow_row.flow_key, started.elapsed());
    tracing::info!(
        processed = counts.processed,
        created = counts.created,
        updated = counts.updated,
        unchanged = counts.unchanged,
        skipped = counts.skipped,
        failed = counts.failed,
        "batch synced"
    );
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_with_jitter_and_is_capped() {
        for attempts in 1..=12 {
            let base = 1000_i64 << (attempts - 1);
            let d = backoff(attempts).num_milliseconds();
            let cap = 600_000;
            assert!(
                d >= (base / 2).min(cap) && d <= (base * 3 / 2).min(cap),
                "{attempts}: {d}"
            );
        }
        assert!(backoff(40) <= Duration::minutes(10));
    }
}
