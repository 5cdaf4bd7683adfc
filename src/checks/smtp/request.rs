//! A `/smtp` request: what a user typed, turned into a server and a port to test.
//!
//! A missing host means the provider's own server; `host:port` is understood; only
//! SMTP ports and public addresses are accepted unless private targets are allowed.

use std::net::IpAddr;

use crate::catalog::SmtpCatalog;
use crate::checks::probe::target::{self, PortRules, TargetError};
use crate::values::DomainError;

/// The server to test: a host name or an IP address.
pub use crate::checks::probe::ServerHost as SmtpHost;

/// A `/smtp` request: which server and port to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpRequest {
    pub host: SmtpHost,
    pub port: u16,
}

/// Why a `/smtp` request cannot be run. Each message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpInputError {
    #[error("{0}; for /smtp type a mail server name such as mail.example.com, or an IP address")]
    Host(DomainError),
    #[error("port 0 does not exist: use 587 (STARTTLS) or 465 (SSL/TLS)")]
    PortZero,
    #[error("port {0} does not exist: ports go from 1 to 65535")]
    PortOutOfRange(i64),
    #[error("port {port} is not an SMTP port: the bot tests only ports {allowed}")]
    PortNotAllowed { port: u16, allowed: String },
    #[error("{ip} is {kind}: the bot tests only public mail servers")]
    NotPublic { ip: IpAddr, kind: &'static str },
    #[error("the port is given twice ({host:?} and port {port}): type the host name alone")]
    PortTwice { host: String, port: u16 },
}

impl SmtpRequest {
    /// Builds a request from what a user typed. A missing or blank host means the
    /// provider's own server and a missing port its default port (both from
    /// `commands/smtp.toml`); `host:port` and `[ipv6]:port` are accepted too. Unless
    /// `allow_private` (`ALLOW_PRIVATE_TARGETS`), only the catalogue's SMTP ports and
    /// public IP addresses are accepted.
    pub fn from_input(
        host: Option<&str>,
        port: Option<i64>,
        catalog: &SmtpCatalog,
        allow_private: bool,
    ) -> Result<SmtpRequest, SmtpInputError> {
        let rules = PortRules {
            default_host: &catalog.host,
            default_port: catalog.port,
            allowed_ports: &catalog.allowed_ports,
        };
        let (host, port) = target::parse(host, port, &rules, allow_private)?;
        Ok(SmtpRequest { host, port })
    }

    /// `host:port`, with an IPv6 address in brackets.
    pub fn target(&self) -> String {
        target::host_port(&self.host.to_string(), self.port)
    }

    /// Whether this tests the provider's own server (which anyone may test in Discord).
    pub fn is_provider_host(&self, catalog: &SmtpCatalog) -> bool {
        self.host.is_named(&catalog.host)
    }
}

impl From<TargetError> for SmtpInputError {
    fn from(error: TargetError) -> SmtpInputError {
        match error {
            TargetError::Host(err) => SmtpInputError::Host(err),
            TargetError::PortZero => SmtpInputError::PortZero,
            TargetError::PortOutOfRange(number) => SmtpInputError::PortOutOfRange(number),
            TargetError::PortNotAllowed { port, allowed } => {
                SmtpInputError::PortNotAllowed { port, allowed }
            }
            TargetError::NotPublic { ip, kind } => SmtpInputError::NotPublic { ip, kind },
            TargetError::PortTwice { host, port } => SmtpInputError::PortTwice { host, port },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn parse(host: Option<&str>, port: Option<i64>) -> Result<SmtpRequest, SmtpInputError> {
        SmtpRequest::from_input(host, port, &Catalog::embedded().unwrap().smtp, false)
    }

    #[test]
    fn no_host_means_the_providers_submission_service() {
        let request = parse(None, None).unwrap();
        assert_eq!(request.target(), "mail.echoterra.net:587");
        assert!(request.is_provider_host(&Catalog::embedded().unwrap().smtp));
        assert_eq!(parse(Some("  "), Some(465)).unwrap().port, 465);
    }

    #[test]
    fn names_addresses_and_embedded_ports_are_accepted() {
        let request = parse(Some("Smtp.Example.COM"), Some(465)).unwrap();
        assert_eq!(request.target(), "smtp.example.com:465");
        assert!(!request.is_provider_host(&Catalog::embedded().unwrap().smtp));
        assert_eq!(
            parse(Some("smtp.example.com:2525"), None).unwrap().port,
            2525
        );
        assert_eq!(
            parse(Some("8.8.8.8"), None).unwrap().host,
            SmtpHost::Address("8.8.8.8".parse().unwrap())
        );
        assert_eq!(
            parse(Some("[2a00:1450:4001:80b::200e]:25"), None)
                .unwrap()
                .target(),
            "[2a00:1450:4001:80b::200e]:25"
        );
    }

    #[test]
    fn other_ports_are_refused_with_the_list() {
        let err = parse(Some("smtp.example.com"), Some(22)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "port 22 is not an SMTP port: the bot tests only ports 25, 465, 587 and 2525"
        );
        assert_eq!(parse(None, Some(0)), Err(SmtpInputError::PortZero));
        assert_eq!(
            parse(None, Some(70000)).unwrap_err().to_string(),
            "port 70000 does not exist: ports go from 1 to 65535"
        );
        assert!(matches!(
            parse(Some("smtp.example.com:587"), Some(465)),
            Err(SmtpInputError::PortTwice { .. })
        ));
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "::1",
            "[::ffff:192.168.1.1]",
            "169.254.169.254",
        ] {
            let err = parse(Some(ip), None).unwrap_err();
            assert!(matches!(err, SmtpInputError::NotPublic { .. }), "{ip}");
            assert!(err.to_string().contains("only public mail servers"));
        }
        let catalog = Catalog::embedded().unwrap();
        let request =
            SmtpRequest::from_input(Some("127.0.0.1"), Some(2500), &catalog.smtp, true).unwrap();
        assert_eq!(request.target(), "127.0.0.1:2500");
    }

    #[test]
    fn bad_hosts_say_what_is_accepted() {
        for text in ["https://mail.example.com/", "not a host", "localhost"] {
            let err = parse(Some(text), None).unwrap_err().to_string();
            assert!(err.contains("mail.example.com, or an IP address"), "{err}");
        }
    }
}
