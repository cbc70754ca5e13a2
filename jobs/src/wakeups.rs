//! Wake-ups off the request path, coalesced per flow. The listener commits a message to the
//! inbox and answers `Ack`; pushing a queue job (an `INSERT` and a commit of its own) used to
//! sit between the two and doubled the Ack latency. Now `wake` only marks the flow, and one
//! task pushes one job per marked flow.
//!
//! Why this loses nothing: a flow is marked after its events are committed, and the pusher
//! takes the marks before it pushes, so every commit is followed by a push that starts after
//! it; the job then claims whatever is due, including those events. A burst of marks while a
//! push is in flight becomes one more job, not one per message. If the process dies with marks
//! not yet pushed, the sweeper wakes flows whose events wait longer than its grace period.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use uuid::Uuid;

use ferry_domain::sync::Waker;

use crate::queues::JobQueues;

#[derive(Default)]
struct Marks {
    flows: HashSet<Uuid>,
    backfills: HashSet<Uuid>,
    closed: bool,
}

struct Shared {
    marks: Mutex<Marks>,
    notify: Notify,
}

impl Shared {
    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        // A panic while holding this lock cannot leave the sets half-updated (inserts and
        // `take`s only), so a poisoned lock is still usable.
        self.marks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The [`Waker`] Ferry's processes use. Dropping it stops the pusher once the marks it holds
/// are pushed (so a test's database can be dropped: the task holds a pool handle).
pub struct CoalescingWaker {
    shared: Arc<Shared>,
}

impl CoalescingWaker {
    /// Starts the pusher on the current tokio runtime.
    pub fn start(queues: JobQueues) -> Self {
        let shared = Arc::new(Shared {
            marks: Mutex::new(Marks::default()),
            notify: Notify::new(),
        });
        tokio::spawn(push_marks(shared.clone(), queues));
        Self { shared }
    }

    fn mark(&self, add: impl FnOnce(&mut Marks)) {
        add(&mut self.shared.marks());
        self.shared.notify.notify_one();
    }
}

impl Drop for CoalescingWaker {
    fn drop(&mut self) {
        self.shared.marks().closed = true;
        self.shared.notify.notify_one();
    }
}

async fn push_marks(shared: Arc<Shared>, queues: JobQueues) {
    loop {
        let (flows, backfills, closed) = {
            let mut marks = shared.marks();
            (
                std::mem::take(&mut marks.flows),
                std::mem::take(&mut marks.backfills),
                marks.closed,
            )
        };
        for flow_id in flows {
            queues.wake(flow_id).await;
        }
        for backfill_id in backfills {
            queues.wake_backfill(backfill_id).await;
        }
        if closed {
            return;
        }
        // A mark made while pushing left a permit, so this returns at once for it.
        shared.notify.notified().await;
    }
}

impl Waker for CoalescingWaker {
    fn wake(&self, flow_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.mark(|m| {
            m.flows.insert(flow_id);
        });
        Box::pin(async {})
    }

    fn wake_backfill(&self, backfill_id: Uuid) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.mark(|m| {
            m.backfills.insert(backfill_id);
        });
        Box::pin(async {})
    }
}
