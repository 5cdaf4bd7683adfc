//! A mail server as a watch target: `smtp://`, `smtps://`, `imap://`, `imaps://`,
//! `pop3://` or `pop3s://` with a host and an optional port, or `host:port` with a
//! port one protocol's catalogue lists.
//!
//! The host and port go through the server test's own constructor
//! (`SmtpRequest::from_input`, `MailboxRequest::from_input`), so a watch accepts
//! and refuses exactly what `/smtp`, `/imap` and `/pop3` do, in the same words
//! (the catalogue's ports; public addresses unless `ALLOW_PRIVATE_TARGETS`). How
//! TLS starts follows from the port as in the tests themselves
//! ([`Catalog::implicit_tls_port`]); a scheme must agree with it, and without a
//! port it picks the protocol's port of its kind (`smtps://` → 465).

use crate::catalog::Catalog;
use crate::checks::imap::ImapRequest;
use crate::checks::net::probe::target::{host_port, split_port};
use crate::checks::net::probe::{InputError, Security, ServerHost};
use crate::checks::pop3::Pop3Request;
use crate::checks::smtp::SmtpRequest;
use crate::checks::Request;
use crate::values::Protocol;

use super::target::{echo, WatchTargetError};

/// The schemes a server watch is written with: the protocol, and TLS from the first
/// byte for the `s` forms.
const SCHEMES: [(&str, Protocol, Security); 6] = [
    ("smtp", Protocol::Smtp, Security::Starttls),
    ("smtps", Protocol::Smtp, Security::Implicit),
    ("imap", Protocol::Imap, Security::Starttls),
    ("imaps", Protocol::Imap, Security::Implicit),
    ("pop3", Protocol::Pop3, Security::Starttls),
    ("pop3s", Protocol::Pop3, Security::Implicit),
];

/// A watched mail server: its protocol's test, with the host and port it built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    /// How TLS starts on the port (the test starts it the same way).
    pub security: Security,
    pub request: ServerRequest,
}

/// The test a server watch runs, built by that test's own constructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerRequest {
    Smtp(SmtpRequest),
    Imap(ImapRequest),
    Pop3(Pop3Request),
}

impl ServerTarget {
    pub fn protocol(&self) -> Protocol {
        match self.request {
            ServerRequest::Smtp(_) => Protocol::Smtp,
            ServerRequest::Imap(_) => Protocol::Imap,
            ServerRequest::Pop3(_) => Protocol::Pop3,
        }
    }

    pub fn host(&self) -> &ServerHost {
        match &self.request {
            ServerRequest::Smtp(request) => &request.host,
            ServerRequest::Imap(request) => &request.host,
            ServerRequest::Pop3(request) => &request.host,
        }
    }

    pub fn port(&self) -> u16 {
        match &self.request {
            ServerRequest::Smtp(request) => request.port,
            ServerRequest::Imap(request) => request.port,
            ServerRequest::Pop3(request) => request.port,
        }
    }

    /// The check this watch runs.
    pub fn check_request(&self) -> Request {
        match &self.request {
            ServerRequest::Smtp(request) => Request::Smtp(request.clone()),
            ServerRequest::Imap(request) => Request::Imap(request.clone()),
            ServerRequest::Pop3(request) => Request::Pop3(request.clone()),
        }
    }

    /// `smtps://mail.example.com:465`, always with the port: the one written form,
    /// whether it was typed with the port, without it, or as `host:port`.
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            scheme(self.protocol(), self.security),
            host_port(&self.host().to_string(), self.port())
        )
    }
}

/// The scheme of `protocol` where TLS starts as `security`.
fn scheme(protocol: Protocol, security: Security) -> &'static str {
    SCHEMES
        .iter()
        .find(|(_, p, s)| *p == protocol && *s == security)
        .map_or("smtp", |(name, _, _)| name)
}

/// How TLS starts on `port`: as every server test decides it.
fn security_of(port: u16, catalog: &Catalog) -> Security {
    if catalog.implicit_tls_port(port) {
        Security::Implicit
    } else {
        Security::Starttls
    }
}

/// The protocol's default port and the ports it may test, from its catalogue.
fn ports(protocol: Protocol, catalog: &Catalog) -> (u16, &[u16]) {
    match protocol {
        Protocol::Smtp => (catalog.smtp.port, &catalog.smtp.allowed_ports),
        Protocol::Imap => (
            catalog.mailbox.imap.port,
            &catalog.mailbox.imap.allowed_ports,
        ),
        Protocol::Pop3 => (
            catalog.mailbox.pop3.port,
            &catalog.mailbox.pop3.allowed_ports,
        ),
    }
}

/// `scheme://host[:port]`, the part after `://` being `rest`.
pub(super) fn from_url(
    scheme_text: &str,
    rest: &str,
    catalog: &Catalog,
    allow_private: bool,
) -> Result<ServerTarget, WatchTargetError> {
    let (_, protocol, security) = SCHEMES
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(scheme_text))
        .copied()
        .ok_or_else(|| WatchTargetError::UnknownScheme(echo(scheme_text)))?;
    let written = scheme(protocol, security);
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, typed_port) = split_port(authority);
    if host.trim().is_empty() {
        return Err(WatchTargetError::NoHost { scheme: written });
    }
    let port = match typed_port {
        Some(port) => port,
        None => {
            let (default, allowed) = ports(protocol, catalog);
            std::iter::once(default)
                .chain(allowed.iter().copied())
                .find(|&port| security_of(port, catalog) == security)
                .ok_or(WatchTargetError::NoPortFor { scheme: written })?
        }
    };
    let target = build(protocol, host, port, catalog, allow_private)?;
    if target.security != security {
        return Err(WatchTargetError::SchemeAgainstPort {
            scheme: written,
            port,
            starts: target.security,
            instead: scheme(protocol, target.security),
        });
    }
    Ok(target)
}

/// `host:port` without a scheme: the protocol whose catalogue lists the port.
pub(super) fn from_host_port(
    host: &str,
    port: u16,
    catalog: &Catalog,
    allow_private: bool,
) -> Result<ServerTarget, WatchTargetError> {
    let listing: Vec<Protocol> = Protocol::ALL
        .into_iter()
        .filter(|&protocol| ports(protocol, catalog).1.contains(&port))
        .collect();
    match listing.as_slice() {
        [protocol] => build(*protocol, host, port, catalog, allow_private),
        [] => {
            let mut known: Vec<u16> = Protocol::ALL
                .into_iter()
                .flat_map(|protocol| ports(protocol, catalog).1.iter().copied())
                .collect();
            known.sort_unstable();
            known.dedup();
            let known: Vec<String> = known.iter().map(u16::to_string).collect();
            Err(WatchTargetError::PortUnknown {
                port,
                known: known.join(", "),
            })
        }
        several => Err(WatchTargetError::PortAmbiguous {
            port,
            protocols: several
                .iter()
                .map(|protocol| protocol.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
        }),
    }
}

/// The test of `protocol` on `host` and `port`, by that test's constructor.
fn build(
    protocol: Protocol,
    host: &str,
    port: u16,
    catalog: &Catalog,
    allow_private: bool,
) -> Result<ServerTarget, WatchTargetError> {
    let (host, port_number) = (Some(host), Some(i64::from(port)));
    let request = match protocol {
        Protocol::Smtp => SmtpRequest::from_input(host, port_number, &catalog.smtp, allow_private)
            .map(ServerRequest::Smtp),
        Protocol::Imap => {
            ImapRequest::from_input(host, port_number, &catalog.mailbox, allow_private)
                .map(ServerRequest::Imap)
        }
        Protocol::Pop3 => {
            Pop3Request::from_input(host, port_number, &catalog.mailbox, allow_private)
                .map(ServerRequest::Pop3)
        }
    }
    .map_err(|err: InputError| WatchTargetError::Server(err))?;
    Ok(ServerTarget {
        security: security_of(port, catalog),
        request,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::{WatchKind, WatchTarget};

    fn server(text: &str) -> Result<ServerTarget, WatchTargetError> {
        server_in(text, &Catalog::embedded().unwrap(), false)
    }

    fn server_in(
        text: &str,
        catalog: &Catalog,
        allow_private: bool,
    ) -> Result<ServerTarget, WatchTargetError> {
        let mut targets = WatchTarget::parse(text, None, catalog, allow_private)?;
        assert_eq!(targets.len(), 1, "{text}");
        match targets.pop() {
            Some(WatchTarget::Server(target)) => Ok(target),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn a_scheme_without_a_port_takes_its_protocols_port_of_that_kind() {
        for (text, url, security) in [
            (
                "smtp://Mail.Example.COM",
                "smtp://mail.example.com:587",
                Security::Starttls,
            ),
            (
                "smtps://mail.example.com",
                "smtps://mail.example.com:465",
                Security::Implicit,
            ),
            (
                "imap://mail.example.com/",
                "imap://mail.example.com:143",
                Security::Starttls,
            ),
            (
                "IMAPS://mail.example.com",
                "imaps://mail.example.com:993",
                Security::Implicit,
            ),
            (
                "pop3://mail.example.com",
                "pop3://mail.example.com:110",
                Security::Starttls,
            ),
            (
                "pop3s://mail.example.com",
                "pop3s://mail.example.com:995",
                Security::Implicit,
            ),
        ] {
            let target = server(text).unwrap();
            assert_eq!(target.url(), url, "{text}");
            assert_eq!(target.security, security, "{text}");
        }
    }

    #[test]
    fn host_port_takes_the_protocol_whose_catalogue_lists_the_port() {
        for (text, protocol, url) in [
            (
                "mail.example.com:25",
                Protocol::Smtp,
                "smtp://mail.example.com:25",
            ),
            (
                "mail.example.com:465",
                Protocol::Smtp,
                "smtps://mail.example.com:465",
            ),
            (
                "mail.example.com:143",
                Protocol::Imap,
                "imap://mail.example.com:143",
            ),
            ("8.8.8.8:995", Protocol::Pop3, "pop3s://8.8.8.8:995"),
            (
                "[2a00:1450:4001:80b::200e]:993",
                Protocol::Imap,
                "imaps://[2a00:1450:4001:80b::200e]:993",
            ),
        ] {
            let target = server(text).unwrap();
            assert_eq!((target.protocol(), target.url().as_str()), (protocol, url));
        }
        assert_eq!(
            server("mail.example.com:8080").unwrap_err().to_string(),
            "port 8080 is not a mail port the bot tests (25, 110, 143, 465, 587, 993, 995, 2525): type smtp://, imap:// or pop3:// before the host to say which server it is"
        );
        let mut catalog = Catalog::embedded().unwrap();
        catalog.mailbox.imap.allowed_ports.push(25);
        let err = server_in("mail.example.com:25", &catalog, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "port 25 is a port of imap and smtp alike: type smtp://, imap:// or pop3:// before the host to say which"
        );
        assert!(server_in("imap://mail.example.com:25", &catalog, false).is_ok());
    }

    #[test]
    fn the_scheme_must_agree_with_how_the_port_starts_tls() {
        assert_eq!(
            server("smtp://mail.example.com:465").unwrap_err().to_string(),
            "port 465 is tested with SSL/TLS, which smtp:// does not mean: type smtps:// for port 465, or smtp:// without a port"
        );
        assert_eq!(
            server("imaps://mail.example.com:143").unwrap_err().to_string(),
            "port 143 is tested with STARTTLS, which imaps:// does not mean: type imap:// for port 143, or imaps:// without a port"
        );
    }

    #[test]
    fn the_server_tests_own_refusals_are_kept() {
        assert_eq!(
            server("smtp://mail.example.com:22")
                .unwrap_err()
                .to_string(),
            "port 22 is not an SMTP port: the bot tests only ports 25, 465, 587 and 2525"
        );
        let private = server("imaps://192.168.1.10").unwrap_err().to_string();
        assert!(private.contains("only public mail servers"), "{private}");
        let host = server("smtp://bad_host!/x").unwrap_err().to_string();
        assert!(host.contains("for /smtp type a mail server name"), "{host}");
        for (text, err) in [
            (
                "https://mail.example.com/",
                "\"https\":// is not a mail protocol",
            ),
            ("smtp://", "smtp:// needs a host"),
            ("SMTPS://:465", "smtps:// needs a host"),
        ] {
            let got = server(text).unwrap_err().to_string();
            assert!(got.starts_with(err), "{text}: {got}");
        }
    }

    #[test]
    fn a_lab_takes_private_addresses_and_any_port() {
        let catalog = Catalog::embedded().unwrap();
        let target = server_in("smtp://127.0.0.1:2500", &catalog, true).unwrap();
        assert_eq!(target.url(), "smtp://127.0.0.1:2500");
        assert_eq!(
            target.host(),
            &ServerHost::Address("127.0.0.1".parse().unwrap())
        );
        assert_eq!(target.port(), 2500);
    }

    #[test]
    fn the_watch_runs_the_servers_own_test() {
        let catalog = Catalog::embedded().unwrap();
        let target = server("imaps://mail.example.com").unwrap();
        let expected =
            ImapRequest::from_input(Some("mail.example.com"), Some(993), &catalog.mailbox, false)
                .unwrap();
        assert_eq!(target.check_request().check(), crate::checks::Check::Imap);
        assert_eq!(target.request, ServerRequest::Imap(expected));
        let smtp = server("mail.example.com:587").unwrap();
        assert!(matches!(smtp.check_request(), Request::Smtp(ref r) if r.port == 587));
        let pop3 = WatchTarget::parse(
            "pop3s://mail.example.com",
            Some(WatchKind::Server),
            &catalog,
            false,
        )
        .unwrap();
        assert!(matches!(pop3[0].check_request(), Request::Pop3(_)));
    }
}
