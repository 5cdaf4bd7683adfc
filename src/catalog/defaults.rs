//! `commands/defaults.toml`: limits shared by the network checks, who is staff, the
//! store's deadline, and the watches' settings (`[watch]`, in [`super::watch`]).

use std::fmt;

use serde::Deserialize;

use super::watch::WatchDefaults;
use super::{CatalogFile, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub rate_limit: RateLimitDefaults,
    pub dns: DnsDefaults,
    pub limits: LimitDefaults,
    pub discord: DiscordDefaults,
    /// Optional in a `COMMANDS_DIR` written before the store: the defaults below.
    #[serde(default)]
    pub store: StoreDefaults,
    /// `[watch]`: optional too, the defaults of [`WatchDefaults`].
    #[serde(default)]
    pub watch: WatchDefaults,
}

/// The store's deadline and the audit log's retention.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreDefaults {
    /// Every store call's deadline; past it the interaction goes on without the store.
    pub deadline_ms: u64,
    /// How long the staff audit log keeps an entry.
    pub audit_retention_days: u64,
}

impl Default for StoreDefaults {
    fn default() -> Self {
        StoreDefaults {
            deadline_ms: 200,
            audit_retention_days: 90,
        }
    }
}

/// Bounds on the work the bot takes on, whatever the crowd does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitDefaults {
    /// Network checks running at once, all users together; past it: "busy".
    pub max_concurrent_checks: usize,
    /// Sessions at once to one server (host and port); more wait their turn.
    pub max_sessions_per_server: usize,
    /// DNS queries in flight across all checks; more wait in a queue.
    pub max_dns_in_flight: usize,
    /// `/blacklist` runs per minute, all users together.
    pub blacklist_runs_per_minute: u32,
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
    /// The permission bits that make a member staff.
    pub staff_permissions: StaffPermissions,
}

/// Discord permission bits that make a member "staff", written as Discord writes
/// them: a decimal string (`"32"`, Manage Server). Never zero: a member always holds
/// "no permission", so zero would make everyone staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffPermissions(u64);

impl StaffPermissions {
    /// The bits; never zero.
    pub fn bits(self) -> u64 {
        self.0
    }
}

impl fmt::Display for StaffPermissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for StaffPermissions {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.trim().parse::<u64>() {
            Ok(0) => Err(serde::de::Error::custom(
                "staff_permissions \"0\" would make every member staff: give the permission bits staff hold, e.g. \"32\" for Manage Server",
            )),
            Ok(bits) => Ok(StaffPermissions(bits)),
            Err(_) => Err(serde::de::Error::custom(format!(
                "staff_permissions {text:?} is not Discord permission bits as a decimal string, e.g. \"32\" for Manage Server"
            ))),
        }
    }
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
        let limits = &self.limits;
        for (key, value, range) in [
            (
                "max_concurrent_checks",
                limits.max_concurrent_checks,
                1..=10_000,
            ),
            (
                "max_sessions_per_server",
                limits.max_sessions_per_server,
                1..=100,
            ),
            ("max_dns_in_flight", limits.max_dns_in_flight, 1..=100_000),
            (
                "blacklist_runs_per_minute",
                limits.blacklist_runs_per_minute as usize,
                1..=10_000,
            ),
        ] {
            if !range.contains(&value) {
                return Err(Invalid::at_key(
                    key,
                    format!(
                        "limits.{key} must be between {} and {}",
                        range.start(),
                        range.end()
                    ),
                ));
            }
        }
        // Discord's interaction token lives 15 minutes: a check must end well before.
        if !(1..=600).contains(&self.discord.check_deadline_seconds) {
            return Err(Invalid::at_key(
                "check_deadline_seconds",
                "discord.check_deadline_seconds must be between 1 and 600",
            ));
        }
        if !(10..=10_000).contains(&self.store.deadline_ms) {
            return Err(Invalid::at_key(
                "deadline_ms",
                "store.deadline_ms must be between 10 and 10000",
            ));
        }
        if !(1..=3650).contains(&self.store.audit_retention_days) {
            return Err(Invalid::at_key(
                "audit_retention_days",
                "store.audit_retention_days must be between 1 and 3650",
            ));
        }
        if self.discord.progress_interval_ms < 250 {
            return Err(Invalid::at_key(
                "progress_interval_ms",
                "discord.progress_interval_ms must be at least 250 (Discord rate-limits edits)",
            ));
        }
        self.watch.validate()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::{parse, Catalog};

    fn with_staff(value: &str) -> String {
        let embedded = Catalog::embedded().unwrap();
        assert_eq!(embedded.defaults.discord.staff_permissions.bits(), 32);
        Defaults::EMBEDDED.replace(
            "staff_permissions = \"32\"",
            &format!("staff_permissions = {value}"),
        )
    }

    #[test]
    fn staff_permissions_are_decimal_bits_and_never_zero() {
        let text = with_staff("\"8192\"");
        let defaults = parse::<Defaults>(Path::new("defaults.toml"), &text).unwrap();
        assert_eq!(defaults.discord.staff_permissions.bits(), 8192);
        for bad in ["\"0\"", "\"admin\"", "32"] {
            let text = with_staff(bad);
            let err = parse::<Defaults>(Path::new("defaults.toml"), &text)
                .unwrap_err()
                .to_string();
            let line = text
                .lines()
                .position(|line| line.starts_with("staff_permissions"))
                .unwrap()
                + 1;
            assert!(
                err.starts_with(&format!("defaults.toml:{line}:")),
                "{bad}: {err}"
            );
        }
        let zero = parse::<Defaults>(Path::new("defaults.toml"), &with_staff("\"0\""))
            .unwrap_err()
            .to_string();
        assert!(zero.contains("every member staff"), "{zero}");
    }
}
