//! Every log line the process writes, kept in memory: the app's request log (the `log` crate,
//! bridged), its tracing events with their spans' fields, as JSON lines the way
//! `FERRY_LOG_FORMAT=json` writes them. The server runs on its own threads, so a thread-local
//! subscriber would miss it: this one is global, installed once, and turned off when the
//! capture ends so the rest of the test run does not pay for it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// Debug and up for Ferry and the libraries it calls, where a secret could slip into a
/// message or a field. Left out: the in-process sandbox, which stands for Salesforce and
/// NetSuite and whose logs are theirs, and `cookie_store`, the tests' browsers' cookie jar,
/// which logs every cookie it is given (Ferry itself keeps no cookie jar). Transport
/// internals only repeat bytes at trace level.
const FILTER: &str =
    "debug,ferry_sandbox=off,cookie_store=off,h2=info,hyper=info,hyper_util=info,rustls=info";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Installed {
    buffer: Buffer,
    filter: reload::Handle<EnvFilter, Registry>,
}

static INSTALLED: OnceLock<Option<Installed>> = OnceLock::new();

/// A running capture; [`LogCapture::finish`] returns what was written since it started.
pub struct LogCapture {
    start: usize,
}

impl LogCapture {
    /// Starts capturing, or `None` when another global subscriber was installed first (a run
    /// with `FERRY_TEST_LOG`).
    pub fn start() -> Option<LogCapture> {
        let installed = INSTALLED.get_or_init(|| {
            let buffer = Buffer::default();
            let (filter, handle) = reload::Layer::new(EnvFilter::new(FILTER));
            let writer = buffer.clone();
            let fmt = tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_ansi(false)
                .with_writer(move || writer.clone());
            tracing_subscriber::registry()
                .with(filter)
                .with(fmt)
                .try_init()
                .ok()
                .map(|()| Installed {
                    buffer,
                    filter: handle,
                })
        });
        let installed = installed.as_ref()?;
        installed
            .filter
            .modify(|f| *f = EnvFilter::new(FILTER))
            .unwrap();
        let start = installed.buffer.0.lock().unwrap().len();
        Some(LogCapture { start })
    }

    /// Everything logged since [`LogCapture::start`] (by any test running meanwhile, too);
    /// logging goes quiet again.
    pub fn finish(self) -> String {
        let Some(Some(installed)) = INSTALLED.get() else {
            return String::new();
        };
        installed
            .filter
            .modify(|f| *f = EnvFilter::new("off"))
            .unwrap();
        let bytes = installed.buffer.0.lock().unwrap();
        String::from_utf8_lossy(&bytes[self.start..]).into_owned()
    }
}
