//! [`PgLeaseGate`]: NetSuite concurrency slots leased in PostgreSQL, so that every worker
//! process sharing the database stays within one account's limit together.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use ferry_connectors::metrics;
use ferry_connectors::netsuite::{ConcurrencyGate, GatePermit, Priority};
use ferry_connectors::{ConnectorError, ErrorKind, System};
use sea_orm::{DatabaseConnection, DbErr};
use tokio::runtime::Handle;
use tokio::sync::{Notify, OnceCell, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::options::LeaseOptions;
use super::store::Store;
use super::{MAX_SLOTS, normalize_account};

/// A [`ConcurrencyGate`] whose slots are rows of `netsuite_slots`, leased per request.
///
/// - **Acquire**: a local semaphore of `limit` permits first (tasks beyond it could not get a
///   slot anyway, so they wait here without querying), then one `UPDATE … FOR UPDATE SKIP
///   LOCKED … RETURNING` claims a free row with a lease that expires after `ttl`.
/// - **Wait**: when no row is free the request polls again after a short pause with jitter,
///   doubling up to `poll_max`; a release in this process wakes its waiters at once. Polling
///   rather than LISTEN/NOTIFY: LISTEN needs a dedicated connection outside the pool, a
///   notification lost during a reconnect would need a poll as fallback anyway, and it does not
///   pass through transaction-mode poolers; with at most `limit` pollers per process and
///   account the load stays a few small queries a second, and only while the account is full.
/// - **Release**: dropping the permit spawns one `UPDATE` (a `Drop` cannot await); the local
///   permit is held until it commits, so local waiters find the row free.
/// - **Reuse**: a real-time lease is parked instead, for `linger`, and the next real-time
///   request of this process takes it without a round trip; unused, it is released then.
///   A claim is reused for at most `max_hold`, never after a 429 seen here, and never by
///   backfill (whose leases are released at once, so real-time work elsewhere gets them).
/// - **Expiry**: a heartbeat renews this process's leases every `ttl / 3` in one statement; a
///   killed process stops renewing and its slots come free after at most `ttl`.
/// - **Priority**: slot 0 is real-time only; backfill also holds at most `limit - 1` local
///   permits and claims nothing while any process has real-time work waiting (each process
///   marks that in `netsuite_waiters`, the mark lapsing like a lease).
/// - **429**: [`ConcurrencyGate::rate_limited`] withholds one more slot (never slot 0) from
///   every process for `cooldown`.
///
/// PostgreSQL only: use [`super::GateRegistry`], which picks an in-process gate on SQLite.
pub struct PgLeaseGate {
    shared: Arc<Shared>,
}

struct Shared {
    store: Store,
    limit: u32,
    options: LeaseOptions,
    /// This gate (one per process and account): the owner of its waiting mark.
    id: Uuid,
    local: Arc<Semaphore>,
    local_backfill: Arc<Semaphore>,
    slots_ready: OnceCell<()>,
    /// Leases held now (parked ones included), renewed by the heartbeat.
    held: Mutex<HashSet<Uuid>>,
    /// Real-time leases whose request ended, waiting `linger` for the next one.
    parked: Mutex<Vec<Parked>>,
    /// Bumped by a 429: leases claimed before it are not reused.
    generation: AtomicU64,
    /// Numbers each parking.
    park_seq: AtomicU64,
    /// Signalled after each release in this process.
    released: Notify,
    heartbeat: Mutex<Option<JoinHandle<()>>>,
    /// Real-time requests waiting for a row (not for a local permit).
    waiting: AtomicUsize,
    /// When the waiting mark was last written; `None` when there is none. The async mutex
    /// orders writing and deleting the mark.
    marked: tokio::sync::Mutex<Option<Instant>>,
}

/// A poisoned lock still guards a consistent set: each change is a single insert or remove.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn store_error(err: DbErr) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::Transient,
        System::Netsuite,
        "the NetSuite concurrency leases could not be read or written in the database",
    )
    .with_source(err)
}

fn closed() -> ConnectorError {
    ConnectorError::config(System::Netsuite, "the concurrency gate was closed")
}

/// `pause` ± 50 %, so that waiters of several processes do not poll in step.
fn jittered(pause: Duration) -> Duration {
    pause.mul_f64(rand::random_range(0.5..1.5))
}

impl PgLeaseGate {
    /// A gate of `limit` slots (1 to 1000) for the NetSuite account `account_key` (the
    /// account id in either form, `1234567_SB1` or `1234567-sb1`), with default timings.
    pub fn new(db: DatabaseConnection, account_key: &str, limit: u32) -> Self {
        Self::with_options(db, account_key, limit, LeaseOptions::default())
    }

    pub fn with_options(
        db: DatabaseConnection,
        account_key: &str,
        limit: u32,
        options: LeaseOptions,
    ) -> Self {
        let limit = limit.clamp(1, MAX_SLOTS);
        Self {
            shared: Arc::new(Shared {
                store: Store::new(db, normalize_account(account_key), limit),
                limit,
                options,
                id: Uuid::new_v4(),
                local: Arc::new(Semaphore::new(limit as usize)),
                local_backfill: Arc::new(Semaphore::new((limit as usize - 1).max(1))),
                slots_ready: OnceCell::new(),
                held: Mutex::new(HashSet::new()),
                parked: Mutex::new(Vec::new()),
                generation: AtomicU64::new(0),
                park_seq: AtomicU64::new(0),
                released: Notify::new(),
                heartbeat: Mutex::new(None),
                waiting: AtomicUsize::new(0),
                marked: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.shared.limit
    }

    /// Slots requests of every process may use now: the limit less the slots withheld after
    /// 429s. Never below 1.
    pub async fn effective_limit(&self) -> Result<u32, DbErr> {
        let withheld = self.shared.store.withheld().await?;
        Ok(self.shared.limit.saturating_sub(withheld).max(1))
    }

    /// What [`ConcurrencyGate::rate_limited`] does, awaited: withholds one more slot for the
    /// cooldown. False when only the last slot is left.
    pub async fn withhold_slot(&self) -> Result<bool, DbErr> {
        self.shared.withhold().await
    }

    async fn admit(&self, priority: Priority) -> Result<GatePermit, ConnectorError> {
        let shared = &self.shared;
        let backfill = match priority {
            Priority::RealTime => None,
            Priority::Backfill => Some(
                shared
                    .local_backfill
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| closed())?,
            ),
        };
        // Counted once per request, whether it waits here or for a row below.
        let mut counted_wait = false;
        let local = match shared.local.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                metrics::count_slot_wait(priority);
                counted_wait = true;
                shared
                    .local
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| closed())?
            }
        };
        shared.ensure_slots().await.map_err(store_error)?;
        let mut waiting = None;
        let mut pause = shared.options.first_pause();
        let mut local = Some(local);
        loop {
            // Created before the claim so that a release during the claim is not missed.
            let released = shared.released.notified();
            if priority == Priority::RealTime
                && let Some(parked) = shared.unpark()
            {
                tracing::trace!(slot = parked.slot, "NetSuite slot lease reused");
                let mut lease = Lease::reused(shared.clone(), parked);
                lease.local = local.take().map(|local| (local, backfill));
                return Ok(GatePermit::new(lease));
            }
            let mut lease = Lease::pending(shared.clone(), priority);
            let claimed = shared
                .store
                .claim(lease.holder, priority, shared.options.ttl)
                .await
                .map_err(store_error)?;
            if let Some(slot) = claimed {
                tracing::trace!(slot, ?priority, "NetSuite slot leased");
                lease.local = local.take().map(|local| (local, backfill));
                lease.slot = Some(slot);
                lock(&shared.held).insert(lease.holder);
                shared.keep_renewing();
                return Ok(GatePermit::new(lease));
            }
            lease.defuse();
            if !counted_wait {
                metrics::count_slot_wait(priority);
                counted_wait = true;
            }
            if priority == Priority::RealTime {
                waiting.get_or_insert_with(|| Waiting::start(shared.clone()));
                shared.mark_waiting().await;
            }
            tokio::select! {
                () = released => {}
                () = tokio::time::sleep(jittered(pause)) => {}
            }
            pause = (pause * 2).min(shared.options.poll_max.max(pause));
        }
    }
}

impl ConcurrencyGate for PgLeaseGate {
    fn acquire(
        &self,
        priority: Priority,
    ) -> Pin<Box<dyn Future<Output = Result<GatePermit, ConnectorError>> + Send + '_>> {
        Box::pin(self.admit(priority))
    }

    fn rate_limited(&self) {
        let Ok(runtime) = Handle::try_current() else {
            return;
        };
        let shared = self.shared.clone();
        // Leases claimed before the 429 are not reused: one of them may be withheld now.
        shared.generation.fetch_add(1, Ordering::SeqCst);
        for parked in std::mem::take(&mut *lock(&shared.parked)) {
            shared.release_in_background(&runtime, parked.holder, None);
        }
        runtime.spawn(async move {
            match shared.withhold().await {
                Ok(true) => tracing::debug!(
                    cooldown_ms = shared.options.cooldown.as_millis() as u64,
                    "NetSuite concurrency rejection; withholding a slot from every process"
                ),
                Ok(false) => tracing::debug!(
                    "NetSuite concurrency rejection; only the last slot is left, none withheld"
                ),
                Err(err) => tracing::warn!(error = %err, "could not withhold a NetSuite slot"),
            }
        });
    }
}

impl Shared {
    async fn ensure_slots(&self) -> Result<(), DbErr> {
        self.slots_ready
            .get_or_try_init(|| self.store.ensure_slots())
            .await
            .map(|_| ())
    }

    async fn withhold(&self) -> Result<bool, DbErr> {
        self.ensure_slots().await?;
        self.store.withhold(self.options.cooldown).await
    }

    /// Starts the heartbeat unless it runs (it ends with its runtime, so a gate that outlives
    /// one, as the process-wide cache does in tests, starts a new one).
    fn keep_renewing(self: &Arc<Self>) {
        let mut task = lock(&self.heartbeat);
        if task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let Ok(runtime) = Handle::try_current() else {
            return;
        };
        *task = Some(runtime.spawn(renew_leases(
            Arc::downgrade(self),
            self.options.renew_every(),
        )));
    }

    /// Whether a lease claimed at `claimed_at` in `generation` may serve another request:
    /// claimed since the last 429 seen here and less than `max_hold` ago.
    fn reusable(&self, generation: u64, claimed_at: Instant) -> bool {
        generation == self.generation.load(Ordering::SeqCst)
            && claimed_at.elapsed() < self.options.max_hold
    }

    /// A parked lease still fit for reuse, taken off the shelf. Unfit ones are released first.
    fn unpark(self: &Arc<Self>) -> Option<Parked> {
        self.release_overdue_parked();
        let mut parked = lock(&self.parked);
        let at = parked
            .iter()
            .rposition(|p| self.reusable(p.generation, p.claimed_at))?;
        Some(parked.swap_remove(at))
    }

    /// Releases the parked leases no request may take any more, and those whose own timer
    /// should have released them by now: a timer dies with its runtime (a process stopping
    /// right after a request, a gate that outlives the runtime it parked on), and a lease left
    /// on the shelf would otherwise be renewed by the heartbeat for good.
    fn release_overdue_parked(self: &Arc<Self>) {
        let overdue = self.options.linger * 2;
        let stale: Vec<Uuid> = {
            let mut parked = lock(&self.parked);
            let (keep, stale) = std::mem::take(&mut *parked).into_iter().partition(|p| {
                self.reusable(p.generation, p.claimed_at) && p.parked_at.elapsed() <= overdue
            });
            *parked = keep;
            stale.into_iter().map(|p: Parked| p.holder).collect()
        };
        if stale.is_empty() {
            return;
        }
        let Ok(runtime) = Handle::try_current() else {
            return;
        };
        for holder in stale {
            self.release_in_background(&runtime, holder, None);
        }
    }

    /// Releases the lease parked as `seq` unless a request took it off the shelf meanwhile
    /// (a lease taken and parked again has a new `seq` and a timer of its own).
    fn release_if_parked(self: &Arc<Self>, seq: u64) {
        let mut parked = lock(&self.parked);
        let Some(at) = parked.iter().position(|p| p.seq == seq) else {
            return;
        };
        let holder = parked.swap_remove(at).holder;
        drop(parked);
        if let Ok(runtime) = Handle::try_current() {
            self.release_in_background(&runtime, holder, None);
        }
    }

    /// Releases the lease `holder` with one `UPDATE`, then lets the local permit go (so local
    /// waiters find the row free) and wakes the waiters.
    fn release_in_background(
        self: &Arc<Self>,
        runtime: &Handle,
        holder: Uuid,
        local: Option<(OwnedSemaphorePermit, Option<OwnedSemaphorePermit>)>,
    ) {
        lock(&self.held).remove(&holder);
        let shared = self.clone();
        runtime.spawn(async move {
            if let Err(err) = shared.store.release(holder).await {
                tracing::warn!(error = %err, "could not release a NetSuite slot; it lapses later");
            }
            drop(local);
            shared.released.notify_waiters();
        });
    }

    /// Tells backfill in every process to yield; rewritten before it lapses.
    async fn mark_waiting(&self) {
        let mut marked = self.marked.lock().await;
        if marked.is_some_and(|at| at.elapsed() < self.options.renew_every()) {
            return;
        }
        match self.store.mark_waiting(self.id, self.options.ttl).await {
            Ok(()) => *marked = Some(Instant::now()),
            Err(err) => tracing::warn!(error = %err, "could not mark real-time work as waiting"),
        }
    }

    async fn unmark_if_idle(&self) {
        let mut marked = self.marked.lock().await;
        if marked.is_none() || self.waiting.load(Ordering::SeqCst) > 0 {
            return;
        }
        if let Err(err) = self.store.unmark_waiting(self.id).await {
            // The mark lapses after the TTL.
            tracing::warn!(error = %err, "could not clear the real-time waiting mark");
        }
        *marked = None;
    }
}

/// Renews the leases held by the gate every `every` while the gate exists.
async fn renew_leases(shared: Weak<Shared>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        shared.release_overdue_parked();
        let holders: Vec<Uuid> = lock(&shared.held).iter().copied().collect();
        if holders.is_empty() {
            continue;
        }
        if let Err(err) = shared.store.renew(&holders, shared.options.ttl).await {
            tracing::warn!(error = %err, "could not renew NetSuite slot leases");
        }
    }
}

/// One lease. Armed from before the claim is sent, so that a claim whose answer is lost (the
/// acquiring task cancelled, an error after the commit) is released too.
struct Lease {
    shared: Arc<Shared>,
    holder: Uuid,
    priority: Priority,
    /// The slot, once the claim answered (a lease whose answer was lost is never parked).
    slot: Option<i32>,
    claimed_at: Instant,
    generation: u64,
    local: Option<(OwnedSemaphorePermit, Option<OwnedSemaphorePermit>)>,
    armed: bool,
}

/// A real-time lease between two requests.
struct Parked {
    holder: Uuid,
    slot: i32,
    claimed_at: Instant,
    generation: u64,
    parked_at: Instant,
    /// Which parking this is, for its timer.
    seq: u64,
}

impl Lease {
    fn pending(shared: Arc<Shared>, priority: Priority) -> Self {
        let generation = shared.generation.load(Ordering::SeqCst);
        Self {
            shared,
            holder: Uuid::new_v4(),
            priority,
            slot: None,
            claimed_at: Instant::now(),
            generation,
            local: None,
            armed: true,
        }
    }

    fn reused(shared: Arc<Shared>, parked: Parked) -> Self {
        Self {
            shared,
            holder: parked.holder,
            priority: Priority::RealTime,
            slot: Some(parked.slot),
            claimed_at: parked.claimed_at,
            generation: parked.generation,
            local: None,
            armed: true,
        }
    }

    /// The claim found no free slot: nothing to release.
    fn defuse(&mut self) {
        self.armed = false;
    }

    /// Whether the next real-time request of this process may take this lease over.
    fn reusable(&self) -> bool {
        self.priority == Priority::RealTime
            && !self.shared.options.linger.is_zero()
            && self.shared.reusable(self.generation, self.claimed_at)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let local = self.local.take();
        // Without a runtime the lease lapses after its TTL.
        let Ok(runtime) = Handle::try_current() else {
            lock(&self.shared.held).remove(&self.holder);
            return;
        };
        let shared = &self.shared;
        match self.slot {
            Some(slot) if self.reusable() => {
                let seq = shared.park_seq.fetch_add(1, Ordering::SeqCst);
                lock(&shared.parked).push(Parked {
                    holder: self.holder,
                    slot,
                    claimed_at: self.claimed_at,
                    generation: self.generation,
                    parked_at: Instant::now(),
                    seq,
                });
                // The row stays ours: the local permit goes at once, and a waiter takes the
                // parked lease.
                drop(local);
                shared.released.notify_waiters();
                let (shared, linger) = (shared.clone(), shared.options.linger);
                runtime.spawn(async move {
                    tokio::time::sleep(linger).await;
                    shared.release_if_parked(seq);
                });
            }
            _ => shared.release_in_background(&runtime, self.holder, local),
        }
    }
}

/// Counts a real-time request waiting for a row; the last one out clears the mark.
struct Waiting(Arc<Shared>);

impl Waiting {
    fn start(shared: Arc<Shared>) -> Self {
        shared.waiting.fetch_add(1, Ordering::SeqCst);
        Self(shared)
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.0.waiting.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        let Ok(runtime) = Handle::try_current() else {
            return;
        };
        let shared = self.0.clone();
        runtime.spawn(async move { shared.unmark_if_idle().await });
    }
}
