//! `commands/smtp.toml`: what `/smtp` tests by default, where it may connect, and its timeouts.

use serde::Deserialize;

pub use super::timeouts::ServerTimeouts as SmtpTimeouts;
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
        self.timeouts.validate()?;
        if self.expiry_warning_days < 0 {
            return Err(Invalid::at_key(
                "expiry_warning_days",
                "expiry_warning_days must not be negative",
            ));
        }
        Ok(())
    }
}
