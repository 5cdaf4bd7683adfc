//! An `/imap` or `/pop3` request: what a user typed, turned into a server and a port
//! to test. A missing host means the provider's own server; `host:port` is
//! understood; only the protocol's ports and public addresses are accepted unless
//! private targets are allowed.

use std::fmt;

use super::dialect::Dialect;
use crate::catalog::MailboxCatalog;
use crate::checks::probe::target::{self, PortRules, TargetError};
use crate::checks::probe::{Security, ServerHost};

/// Which server and port to test, for the protocol `D`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxRequest<D> {
    pub host: ServerHost,
    pub port: u16,
    pub protocol: D,
}

/// Why an `/imap` or `/pop3` request cannot be run. Its `Display` says what is
/// accepted, naming the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxInputError<D> {
    pub error: TargetError,
    pub protocol: D,
}

impl<D: Dialect> fmt::Display for MailboxInputError<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            TargetError::Host(err) => write!(
                f,
                "{err}; for /{} type a mail server name such as mail.example.com, or an IP address",
                D::CHECK
            ),
            TargetError::PortZero => write!(
                f,
                "port 0 does not exist: use {} (SSL/TLS) or {} (STARTTLS)",
                D::TLS_PORT,
                D::STARTTLS_PORT
            ),
            TargetError::PortOutOfRange(number) => {
                write!(f, "port {number} does not exist: ports go from 1 to 65535")
            }
            TargetError::PortNotAllowed { port, allowed } => write!(
                f,
                "port {port} is not {}: the bot tests only ports {allowed}",
                D::A_PORT
            ),
            TargetError::NotPublic { ip, kind } => {
                write!(f, "{ip} is {kind}: the bot tests only public mail servers")
            }
            TargetError::PortTwice { host, port } => write!(
                f,
                "the port is given twice ({host:?} and port {port}): type the host name alone"
            ),
        }
    }
}

impl<D: Dialect> std::error::Error for MailboxInputError<D> {}

impl<D: Dialect> MailboxRequest<D> {
    /// Builds a request from what a user typed. A missing or blank host means the
    /// provider's own server and a missing port the protocol's default port (both
    /// from `commands/mailbox.toml`); `host:port` and `[ipv6]:port` are accepted
    /// too. Unless `allow_private` (`ALLOW_PRIVATE_TARGETS`), only the protocol's
    /// ports and public IP addresses are accepted.
    pub fn from_input(
        host: Option<&str>,
        port: Option<i64>,
        catalog: &MailboxCatalog,
        allow_private: bool,
    ) -> Result<MailboxRequest<D>, MailboxInputError<D>> {
        let ports = D::ports(catalog);
        let rules = PortRules {
            default_host: &catalog.host,
            default_port: ports.port,
            allowed_ports: &ports.allowed_ports,
        };
        let (host, port) = target::parse(host, port, &rules, allow_private).map_err(|error| {
            MailboxInputError {
                error,
                protocol: D::default(),
            }
        })?;
        Ok(MailboxRequest {
            host,
            port,
            protocol: D::default(),
        })
    }

    /// `host:port`, with an IPv6 address in brackets.
    pub fn target(&self) -> String {
        target::host_port(&self.host.to_string(), self.port)
    }

    /// Whether this tests the provider's own server (which anyone may test in Discord).
    pub fn is_provider_host(&self, catalog: &MailboxCatalog) -> bool {
        self.host.is_named(&catalog.host)
    }

    /// TLS from the first byte on the catalogue's implicit-TLS ports, STARTTLS elsewhere.
    pub fn security(&self, catalog: &MailboxCatalog) -> Security {
        if D::ports(catalog).implicit_tls_ports.contains(&self.port) {
            Security::Implicit
        } else {
            Security::Starttls
        }
    }
}
