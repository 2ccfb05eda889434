//! Structured logs with `tracing`: human-readable or JSON lines, filtered by `RUST_LOG`.
//!
//! Lines are handed to a writer thread through a bounded queue, so a request never waits for
//! stderr; should the queue ever be full (a flood faster than stderr drains), lines are dropped
//! rather than slowing the service, and the writer says how many.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber once; later calls do nothing and return `None`. Keep the
/// guard until the end of `main`: dropping it writes the lines still queued.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(format: LogFormat) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn,r2d2=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(64 * 1024)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let installed = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    installed.ok().map(|()| guard)
}
