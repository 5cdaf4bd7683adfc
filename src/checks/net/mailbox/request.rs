//! An `/imap` or `/pop3` request: what a user typed, turned into a server and a port
//! to test. A missing host means the provider's own server; `host:port` is
//! understood; only the protocol's ports and public addresses are accepted unless
//! private targets are allowed.

use super::dialect::Dialect;
use crate::catalog::{Catalog, MailboxCatalog};
use crate::checks::net::probe::target::{self, PortRules};
use crate::checks::net::probe::{InputError, Security, ServerHost, TestNames};

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
        };
        let (host, port) =
            target::parse(host, port, &rules, allow_private).map_err(|kind| InputError {
                kind,
                names: names::<D>(),
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

    /// TLS from the first byte on a port any protocol's catalogue lists as
    /// implicit TLS (993 and 995, and SMTP's 465: another protocol's server there
    /// waits for TLS, so it is named at once instead of after the greeting
    /// timeout), STARTTLS elsewhere.
    pub fn security(&self, catalog: &Catalog) -> Security {
        if catalog.implicit_tls_port(self.port) {
            Security::Implicit
        } else {
            Security::Starttls
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::checks::imap::Imap;
    use crate::checks::pop3::Pop3;

    fn parse<D: Dialect>(
        host: Option<&str>,
        port: Option<i64>,
    ) -> Result<MailboxRequest<D>, InputError> {
        MailboxRequest::from_input(host, port, &Catalog::embedded().unwrap().mailbox, false)
    }

    #[test]
    fn no_host_means_the_providers_server_on_993() {
        let catalog = Catalog::embedded().unwrap();
        let request = parse::<Imap>(None, None).unwrap();
        assert_eq!(request.target(), "mail.echoterra.net:993");
        assert!(request.is_provider_host(&catalog.mailbox));
        assert_eq!(request.security(&catalog), Security::Implicit);
        let starttls = parse::<Imap>(Some("imap.example.com:143"), None).unwrap();
        assert_eq!(starttls.security(&catalog), Security::Starttls);
        assert!(!starttls.is_provider_host(&catalog.mailbox));
    }

    #[test]
    fn another_protocols_tls_port_starts_with_tls() {
        // Any port is allowed in lab mode: SMTP's 465 and POP3's 995 for IMAP,
        // SMTP's 465 and IMAP's 993 for POP3 all wait for TLS from the first byte.
        let catalog = Catalog::embedded().unwrap();
        let lab = |port: u16| {
            MailboxRequest::<Imap>::from_input(
                Some("imap.example.com"),
                Some(i64::from(port)),
                &catalog.mailbox,
                true,
            )
            .unwrap()
        };
        for port in [465, 993, 995] {
            assert_eq!(lab(port).security(&catalog), Security::Implicit, "{port}");
        }
        for port in [25, 110, 143, 587, 2525] {
            assert_eq!(lab(port).security(&catalog), Security::Starttls, "{port}");
        }
    }

    #[test]
    fn bad_input_says_what_imap_accepts() {
        assert_eq!(
            parse::<Imap>(Some("imap.example.com"), Some(995))
                .unwrap_err()
                .to_string(),
            "port 995 is not an IMAP port: the bot tests only ports 993 and 143"
        );
        assert_eq!(
            parse::<Imap>(None, Some(0)).unwrap_err().to_string(),
            "port 0 does not exist: use 993 (SSL/TLS) or 143 (STARTTLS)"
        );
        let host = parse::<Imap>(Some("https://mail.example.com/"), None)
            .unwrap_err()
            .to_string();
        assert!(host.contains("for /imap type a mail server name"), "{host}");
        let private = parse::<Imap>(Some("192.168.1.10"), None)
            .unwrap_err()
            .to_string();
        assert!(private.contains("only public mail servers"), "{private}");
    }

    #[test]
    fn no_host_means_the_providers_server_on_995() {
        let catalog = Catalog::embedded().unwrap();
        let request = parse::<Pop3>(None, None).unwrap();
        assert_eq!(request.target(), "mail.echoterra.net:995");
        assert_eq!(request.security(&catalog), Security::Implicit);
        let stls = parse::<Pop3>(Some("[2a00:1450:4001:80b::200e]:110"), None).unwrap();
        assert_eq!(stls.target(), "[2a00:1450:4001:80b::200e]:110");
        assert_eq!(stls.security(&catalog), Security::Starttls);
    }

    #[test]
    fn bad_input_says_what_pop3_accepts() {
        assert_eq!(
            parse::<Pop3>(Some("pop.example.com"), Some(993))
                .unwrap_err()
                .to_string(),
            "port 993 is not a POP3 port: the bot tests only ports 995 and 110"
        );
        assert_eq!(
            parse::<Pop3>(Some("pop.example.com:995"), Some(110)).unwrap_err().to_string(),
            "the port is given twice (\"pop.example.com:995\" and port 110): type the host name alone"
        );
    }
}
