//! Logging: structured `tracing` events, JSON for machines or pretty for people, filtered by
//! `log.level` (or `RUST_LOG` when set, which is what operators reach for first).

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. A second call (tests) is a no-op.
pub fn init(config: &LogConfig) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) => v.parse::<EnvFilter>().unwrap_or_else(|e| {
            // Logging is not up yet, so say it on stderr directly.
            eprintln!("warning: ignoring invalid RUST_LOG ({e}); using log.level");
            EnvFilter::new(&config.level)
        }),
        Err(_) => EnvFilter::new(&config.level),
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let result = match config.format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // Already installed (several apps in one test process): keep the first.
    drop(result);
}
