//! What Ferry tells its operators. Logs: human-readable by default, JSON lines with
//! `FERRY_LOG_FORMAT=json` ([`json`]), on standard error so a command's own output on standard
//! output stays clean; the level comes from `RUST_LOG` (default `info`). Metrics: the
//! Prometheus recorder ([`metrics`]), installed when a metrics address is configured.

pub mod json;
pub mod metrics;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::JsonFields;

use crate::config::LogFormat;

pub fn init(format: LogFormat, quiet: bool) {
    let default = if quiet {
        "warn,actix_server=error"
    } else {
        "info,sqlx=warn,sea_orm=warn,actix_server=warn"
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests, embedded use) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .fmt_fields(JsonFields::new())
            .event_format(json::FlatJson)
            .try_init(),
    };
}
