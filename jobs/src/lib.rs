//! Background work. Each job is a plain async function over its arguments
//! (ids only, never secrets) so tests can run it without a queue; the apalis
//! wiring in [`workers`] only schedules and retries.

pub mod housekeeping;
pub mod workers;

pub use workers::run_workers;
