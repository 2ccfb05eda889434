//! Structured logs with `tracing`: human-readable or JSON lines, filtered by `RUST_LOG`.
//!
//! Lines are handed to a writer thread through a bounded queue, so a request never waits for
//! stderr; should the queue ever be full (a flood faster than stderr drains), lines are dropped
//! rather than slowing the service, and the writer says how many.

use std::io::IsTerminal;

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The filter directive that keeps actix-http's reports of unparsable requests out of the log.
const QUIET_HTTP_PARSER: &str = "actix_http::h1::dispatcher=off";

/// Installs the global subscriber once; later calls do nothing and return `None`. Keep the
/// guard until the end of `main`: dropping it writes the lines still queued.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(format: LogFormat) -> Option<WorkerGuard> {
    let mut filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn,r2d2=warn"));
    // actix-http logs every request it cannot parse (a huge URI, oversized or malformed
    // headers) at ERROR, after answering it itself: the client's fault, and a way for any
    // client to flood the error log. Silenced unless `RUST_LOG` names actix_http itself.
    // The directive is a constant, checked by a unit test; it cannot fail at run time.
    if !std::env::var("RUST_LOG").is_ok_and(|v| v.contains("actix_http"))
        && let Ok(quiet) = QUIET_HTTP_PARSER.parse()
    {
        filter = filter.add_directive(quiet);
    }
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(64 * 1024)
        .finish(std::io::stderr());
    // Colours only for a terminal: a log redirected to a file keeps no escape codes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
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

#[cfg(test)]
mod directive_tests {
    #[test]
    fn the_quiet_directive_parses() {
        assert!(
            super::QUIET_HTTP_PARSER
                .parse::<tracing_subscriber::filter::Directive>()
                .is_ok()
        );
    }
}
