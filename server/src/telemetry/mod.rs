//! What the web layer tells operators: a span, a log line and metrics for every request
//! ([`requests`]), and the Prometheus scrape endpoint that serves every metric of the process
//! on its own address ([`scrape`]).

pub mod requests;
pub mod scrape;

pub use requests::observe_requests;
pub use scrape::{MetricsEndpoint, configure_metrics};

/// Registers the help text of the web layer's metrics with the installed recorder.
pub fn describe() {
    requests::describe();
}
