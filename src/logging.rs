//! Tracing set-up: `RUST_LOG` picks what is logged, `LOG_FORMAT=json` makes JSON lines,
//! and every line passes a writer that masks the bot's secrets, whatever the filter.
//!
//! Filters keep noise down, but they are not a safety device: `RUST_LOG=hickory_proto=
//! debug` makes the resolver log every query name, and a blocklist query through
//! Spamhaus DQS or with a SpamRATS key carries the key in its name. So the writer itself replaces every
//! secret of the configuration with `***` before a line reaches stderr.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::values::Secret;

/// The filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str = "info,serenity=warn,tracing::span=warn";

/// Installs the global subscriber; logs go to stderr so `check` output stays clean.
/// `secrets` are masked in every line.
pub fn init(format: LogFormat, secrets: &[Secret]) {
    let mut filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // hickory's debug lines name every query: keep them out unless RUST_LOG asks for
    // hickory by name (and even then, the writer masks the keys).
    let asks_for_hickory = std::env::var("RUST_LOG").is_ok_and(|value| value.contains("hickory"));
    if !asks_for_hickory {
        for directive in ["hickory_proto=info", "hickory_resolver=info"] {
            if let Ok(directive) = directive.parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    let writer = Scrubbing::new(secrets, std::io::stderr);
    // Colours only for a person at a terminal, never in a container's log stream.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed (tests start the bot several times in one process): keep it.
    let _ = result;
}

/// Makes writers that mask secrets. tracing formats each event in full and then
/// writes it through one writer, which this one holds until dropped, so a secret
/// is masked even when it is written in pieces.
#[derive(Clone)]
pub struct Scrubbing<W> {
    secrets: Arc<Vec<String>>,
    inner: W,
}

impl<W> Scrubbing<W> {
    pub fn new(secrets: &[Secret], inner: W) -> Self {
        let secrets = secrets
            .iter()
            .map(|secret| secret.expose().to_string())
            // A very short "secret" would mask ordinary words; real keys are long.
            .filter(|secret| secret.len() >= 4)
            .collect();
        Scrubbing {
            secrets: Arc::new(secrets),
            inner,
        }
    }
}

impl<'a, W, O> MakeWriter<'a> for Scrubbing<W>
where
    W: Fn() -> O + 'static,
    O: Write,
{
    type Writer = ScrubbingWriter<O>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbingWriter {
            secrets: self.secrets.clone(),
            buffer: Vec::new(),
            inner: (self.inner)(),
        }
    }
}

/// Collects one event's text and writes it, masked, when dropped.
pub struct ScrubbingWriter<O: Write> {
    secrets: Arc<Vec<String>>,
    buffer: Vec<u8>,
    inner: O,
}

impl<O: Write> Write for ScrubbingWriter<O> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<O: Write> Drop for ScrubbingWriter<O> {
    fn drop(&mut self) {
        let mut text = String::from_utf8_lossy(&self.buffer).into_owned();
        for secret in self.secrets.iter() {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "***");
            }
        }
        let _ = self.inner.write_all(text.as_bytes());
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_masked_even_when_written_in_pieces() {
        let sink = Sink::default();
        let secrets = [Secret::new("dqs-key-123"), Secret::new("ab")];
        let make = Scrubbing::new(&secrets, {
            let sink = sink.clone();
            move || sink.clone()
        });
        {
            let mut writer = make.make_writer();
            writer.write_all(b"query 2.0.0.127.dqs-").unwrap();
            writer
                .write_all(b"key-123.zen.dq.spamhaus.net. about ab\n")
                .unwrap();
        }
        let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            written,
            "query 2.0.0.127.***.zen.dq.spamhaus.net. about ab\n"
        );
    }
}
