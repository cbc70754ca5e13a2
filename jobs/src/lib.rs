//! Background work. Each job is a plain async function over its arguments (ids only, never
//! secrets) so tests can run it without a queue; the apalis wiring in [`workers`] only
//! schedules, [`queues`] is where wake-ups are pushed, and [`wakeups`] coalesces them off the
//! request path.

pub mod digests;
pub mod housekeeping;
pub mod metrics;
pub mod queue_stats;
pub mod queues;
pub mod sync_jobs;
pub mod wakeups;
pub mod workers;

pub use digests::{MailSettings, Mailer};
pub use queues::JobQueues;
pub use wakeups::CoalescingWaker;
pub use workers::{RunningWorkers, run_workers};
