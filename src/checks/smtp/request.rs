//! A `/smtp` request: what a user typed, turned into a server and a port to test.
//!
//! A missing host means the provider's own server; `host:port` is understood; only
//! SMTP ports and public addresses are accepted unless private targets are allowed.

use crate::catalog::SmtpCatalog;
use crate::checks::net::probe::target::{self, PortRules};
use crate::checks::net::probe::{InputError, Security, TestNames};

/// The server to test: a host name or an IP address.
pub use crate::checks::net::probe::ServerHost as SmtpHost;

/// Why a `/smtp` request cannot be run: the server tests' one input error, worded
/// for `/smtp`. Each message says what is accepted.
pub type SmtpInputError = InputError;

/// How `/smtp` is named in its input errors.
const NAMES: TestNames = TestNames {
    command: "smtp",
    a_port: "an SMTP port",
    usual_ports: [(587, Security::Starttls), (465, Security::Implicit)],
};

/// A `/smtp` request: which server and port to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpRequest {
    pub host: SmtpHost,
    pub port: u16,
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
        let (host, port) = target::parse(host, port, &rules, allow_private)
            .map_err(|kind| InputError { kind, names: NAMES })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::checks::net::probe::TargetError;

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
        let zero = parse(None, Some(0)).unwrap_err();
        assert_eq!(zero.kind, TargetError::PortZero);
        assert_eq!(
            zero.to_string(),
            "port 0 does not exist: use 587 (STARTTLS) or 465 (SSL/TLS)"
        );
        assert_eq!(
            parse(None, Some(70000)).unwrap_err().to_string(),
            "port 70000 does not exist: ports go from 1 to 65535"
        );
        assert!(matches!(
            parse(Some("smtp.example.com:587"), Some(465)).map_err(|err| err.kind),
            Err(TargetError::PortTwice { .. })
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
            assert!(matches!(err.kind, TargetError::NotPublic { .. }), "{ip}");
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
