//! `commands/smtp.toml`: what `/smtp` tests by default, where it may connect, and its timeouts.

use std::time::Duration;

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::values::domain::DomainName;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpCatalog {
    /// The provider's submission host, tested when `/smtp` gets no host.
    pub host: String,
    pub port: u16,
    /// The only ports the bot connects to unless private targets are allowed.
    pub allowed_ports: Vec<u16>,
    /// Ports that speak TLS from the first byte (SSL/TLS); all others use STARTTLS.
    #[serde(default = "default_implicit_tls_ports")]
    pub implicit_tls_ports: Vec<u16>,
    /// Submission ports, where a client must be offered AUTH after TLS.
    #[serde(default = "default_submission_ports")]
    pub submission_ports: Vec<u16>,
    /// The name sent in EHLO.
    pub ehlo_name: String,
    pub timeouts: SmtpTimeouts,
    pub slow_greeting_ms: u64,
    pub expiry_warning_days: i64,
}

fn default_implicit_tls_ports() -> Vec<u16> {
    vec![465]
}

fn default_submission_ports() -> Vec<u16> {
    vec![465, 587]
}

/// Per-step timeouts and the deadline of the whole test, in milliseconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpTimeouts {
    pub resolve_ms: u64,
    pub connect_ms: u64,
    pub greeting_ms: u64,
    pub command_ms: u64,
    pub tls_ms: u64,
    pub total_ms: u64,
}

impl SmtpTimeouts {
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
}

impl CatalogFile for SmtpCatalog {
    const NAME: &'static str = "smtp.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/smtp.toml");

    fn validate(&self) -> Result<(), Invalid> {
        DomainName::parse(&self.host)
            .map_err(|err| Invalid::at_key("host", format!("host: {err}")))?;
        DomainName::parse(&self.ehlo_name)
            .map_err(|err| Invalid::at_key("ehlo_name", format!("ehlo_name: {err}")))?;
        if self.allowed_ports.is_empty() || self.allowed_ports.contains(&0) {
            return Err(Invalid::at_key(
                "allowed_ports",
                "allowed_ports must list at least one port, each between 1 and 65535",
            ));
        }
        if self.implicit_tls_ports.contains(&0) || self.submission_ports.contains(&0) {
            return Err(Invalid::at_key(
                "implicit_tls_ports",
                "implicit_tls_ports and submission_ports hold ports between 1 and 65535",
            ));
        }
        if !self.allowed_ports.contains(&self.port) {
            return Err(Invalid::at_key(
                "port",
                format!("port {} is not among allowed_ports", self.port),
            ));
        }
        let t = &self.timeouts;
        let steps = [
            t.resolve_ms,
            t.connect_ms,
            t.greeting_ms,
            t.command_ms,
            t.tls_ms,
        ];
        if steps.contains(&0) || t.total_ms == 0 || t.total_ms > 600_000 {
            return Err(Invalid::at_key(
                "total_ms",
                "timeouts must be at least 1 ms, and total_ms at most 600000",
            ));
        }
        if self.expiry_warning_days < 0 {
            return Err(Invalid::at_key(
                "expiry_warning_days",
                "expiry_warning_days must not be negative",
            ));
        }
        Ok(())
    }
}
