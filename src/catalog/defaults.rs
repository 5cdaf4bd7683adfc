//! `commands/defaults.toml`: limits shared by the network checks.

use serde::Deserialize;

use super::{CatalogFile, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub rate_limit: RateLimitDefaults,
    pub dns: DnsDefaults,
    pub discord: DiscordDefaults,
}

/// How many network checks one user may start per window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitDefaults {
    pub checks_per_window: u32,
    pub window_seconds: u64,
}

/// The shared resolver's per-query timeout and attempts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsDefaults {
    pub timeout_ms: u64,
    pub attempts: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordDefaults {
    /// A check still running after this long is answered "check timed out".
    pub check_deadline_seconds: u64,
    /// Live progress edits are sent at most this often.
    pub progress_interval_ms: u64,
}

impl CatalogFile for Defaults {
    const NAME: &'static str = "defaults.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/defaults.toml");

    fn validate(&self) -> Result<(), Invalid> {
        if self.rate_limit.checks_per_window == 0 || self.rate_limit.window_seconds == 0 {
            return Err(Invalid::at_key(
                "checks_per_window",
                "rate_limit: checks_per_window and window_seconds must be at least 1",
            ));
        }
        if !(1..=60_000).contains(&self.dns.timeout_ms) {
            return Err(Invalid::at_key(
                "timeout_ms",
                "dns.timeout_ms must be between 1 and 60000",
            ));
        }
        if !(1..=10).contains(&self.dns.attempts) {
            return Err(Invalid::at_key(
                "attempts",
                "dns.attempts must be between 1 and 10",
            ));
        }
        // Discord's interaction token lives 15 minutes: a check must end well before.
        if !(1..=600).contains(&self.discord.check_deadline_seconds) {
            return Err(Invalid::at_key(
                "check_deadline_seconds",
                "discord.check_deadline_seconds must be between 1 and 600",
            ));
        }
        if self.discord.progress_interval_ms < 250 {
            return Err(Invalid::at_key(
                "progress_interval_ms",
                "discord.progress_interval_ms must be at least 250 (Discord rate-limits edits)",
            ));
        }
        Ok(())
    }
}
