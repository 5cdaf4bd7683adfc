//! An `/imap` or `/pop3` request: what a user typed, turned into a server and a port
//! to test. A missing host means the provider's own server; `host:port` is
//! understood; only the protocol's ports and public addresses are accepted unless
//! private targets are allowed.

use super::dialect::Dialect;
use crate::catalog::MailboxCatalog;
use crate::checks::probe::target::{self, PortRules};
use crate::checks::probe::{InputError, Security, ServerHost, TestNames};

/// Which server and port to test, for the protocol `D`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxRequest<D> {
    pub host: ServerHost,
    pub port: u16,
    pub protocol: D,
}

/// How the test of `D` is named in its input errors: `/imap`, "an IMAP port", and
/// its two usual ports, TLS from the first byte first (the settings page's).
fn names<D: Dialect>() -> TestNames {
    TestNames {
        command: D::CHECK,
        a_port: D::A_PORT,
        usual_ports: [
            (D::TLS_PORT, Security::Implicit),
            (D::STARTTLS_PORT, Security::Starttls),
        ],
    }
}

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
    ) -> Result<MailboxRequest<D>, InputError> {
        let ports = D::ports(catalog);
        let rules = PortRules {
            default_host: &catalog.host,
            default_port: ports.port,
            allowed_ports: &ports.allowed_ports,
            names: names::<D>(),
        };
        let (host, port) = target::parse(host, port, &rules, allow_private)?;
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
