//! Tracing set-up: `RUST_LOG` picks what is logged, `LOG_FORMAT=json` makes JSON lines.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; logs go to stderr so `check` output stays clean.
pub fn init(format: LogFormat) {
    let mut filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,serenity=warn,tracing::span=warn"));
    // hickory's debug lines name every query, and a blocklist query through Spamhaus
    // DQS holds the key: keep them out unless RUST_LOG asks for hickory by name.
    let asks_for_hickory = std::env::var("RUST_LOG").is_ok_and(|value| value.contains("hickory"));
    if !asks_for_hickory {
        for directive in ["hickory_proto=info", "hickory_resolver=info"] {
            if let Ok(directive) = directive.parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed (tests start the bot several times in one process): keep it.
    let _ = result;
}
