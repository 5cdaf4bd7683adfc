//! The `[timeouts]` table of the server tests (`smtp.toml`, `mailbox.toml`): each step's
//! own timeout and the deadline of the whole test, in milliseconds.

use std::time::Duration;

use serde::Deserialize;

use super::Invalid;

/// Per-step timeouts and the deadline of the whole test, in milliseconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerTimeouts {
    pub resolve_ms: u64,
    pub connect_ms: u64,
    pub greeting_ms: u64,
    pub command_ms: u64,
    pub tls_ms: u64,
    pub total_ms: u64,
}

impl ServerTimeouts {
    pub fn resolve(&self) -> Duration {
        Duration::from_millis(self.resolve_ms)
    }
    pub fn connect(&self) -> Duration {
        Duration::from_millis(self.connect_ms)
    }
    pub fn greeting(&self) -> Duration {
        Duration::from_millis(self.greeting_ms)
    }
    pub fn command(&self) -> Duration {
        Duration::from_millis(self.command_ms)
    }
    pub fn tls(&self) -> Duration {
        Duration::from_millis(self.tls_ms)
    }
    pub fn total(&self) -> Duration {
        Duration::from_millis(self.total_ms)
    }

    /// Every step at least 1 ms, and the whole test at most ten minutes.
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        let steps = [
            self.resolve_ms,
            self.connect_ms,
            self.greeting_ms,
            self.command_ms,
            self.tls_ms,
        ];
        if steps.contains(&0) || self.total_ms == 0 || self.total_ms > 600_000 {
            return Err(Invalid::at_key(
                "total_ms",
                "timeouts must be at least 1 ms, and total_ms at most 600000",
            ));
        }
        Ok(())
    }
}
