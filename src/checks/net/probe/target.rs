//! Which server a test talks to: a host (name or address) and a port, parsed from
//! what a user typed, and how TLS starts on that port.
//!
//! A missing host means the provider's own server; `host:port` and `[ipv6]:port` are
//! understood; only the catalogue's ports and public addresses are accepted unless
//! private targets are allowed. The errors are worded for the command typed by
//! [`InputError`](super::InputError).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use serde::Serialize;

use crate::checks::net::address_policy;
use crate::values::{DomainError, DomainName};

/// The server to test: a host name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerHost {
    Name(DomainName),
    Address(IpAddr),
}

impl fmt::Display for ServerHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerHost::Name(name) => f.write_str(name.as_str()),
            ServerHost::Address(ip) => write!(f, "{ip}"),
        }
    }
}

impl ServerHost {
    /// Whether this is the host name `name` (case and a trailing dot ignored).
    pub fn is_named(&self, name: &str) -> bool {
        matches!(self, ServerHost::Name(own) if own.as_str().eq_ignore_ascii_case(name.trim_end_matches('.')))
    }
}

/// How TLS is started on the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain text, then `STARTTLS` (SMTP 587, IMAP 143; POP3's `STLS` on 110).
    Starttls,
    /// TLS from the first byte (465, 993, 995: "SSL/TLS").
    Implicit,
}

impl Security {
    /// As mail apps label it.
    pub fn label(self) -> &'static str {
        match self {
            Security::Starttls => "STARTTLS",
            Security::Implicit => "SSL/TLS",
        }
    }
}

/// The ports a check may test, and what it tests when given nothing.
#[derive(Debug, Clone, Copy)]
pub struct PortRules<'a> {
    /// The provider's host, tested when no host is given.
    pub default_host: &'a str,
    pub default_port: u16,
    /// The only ports accepted unless private targets are allowed.
    pub allowed_ports: &'a [u16],
}

/// Why typed input is not a server to test, whichever test it was typed for
/// ([`InputError`](super::InputError) words it for the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    Host(DomainError),
    PortZero,
    PortOutOfRange(i64),
    PortNotAllowed { port: u16, allowed: String },
    NotPublic { ip: IpAddr, kind: &'static str },
    PortTwice { host: String, port: u16 },
}

/// The host and port to test, from what a user typed. A missing or blank host means
/// `rules.default_host` and a missing port `rules.default_port`; `host:port` and
/// `[ipv6]:port` are accepted too. Unless `allow_private` (`ALLOW_PRIVATE_TARGETS`),
/// only `rules.allowed_ports` and public IP addresses are accepted.
pub fn parse(
    host: Option<&str>,
    port: Option<i64>,
    rules: &PortRules<'_>,
    allow_private: bool,
) -> Result<(ServerHost, u16), TargetError> {
    let port = match port {
        None => None,
        Some(0) => return Err(TargetError::PortZero),
        Some(number) => {
            Some(u16::try_from(number).map_err(|_| TargetError::PortOutOfRange(number))?)
        }
    };
    let text = host.map(str::trim).filter(|text| !text.is_empty());
    let (host, port) = match text {
        None => (
            ServerHost::Name(DomainName::parse(rules.default_host).map_err(TargetError::Host)?),
            port.unwrap_or(rules.default_port),
        ),
        Some(text) => {
            let (host_text, embedded_port) = split_port(text);
            let port = match (embedded_port, port) {
                (Some(embedded), Some(given)) if embedded != given => {
                    return Err(TargetError::PortTwice {
                        host: text.to_string(),
                        port: given,
                    })
                }
                (Some(embedded), _) => embedded,
                (None, given) => given.unwrap_or(rules.default_port),
            };
            (parse_host(host_text, allow_private)?, port)
        }
    };
    if port == 0 {
        return Err(TargetError::PortZero);
    }
    if !allow_private && !rules.allowed_ports.contains(&port) {
        return Err(TargetError::PortNotAllowed {
            port,
            allowed: list_ports(rules.allowed_ports),
        });
    }
    Ok((host, port))
}

/// `host:port`, with an IPv6 address in brackets.
pub fn host_port(host: &str, port: u16) -> String {
    match host.parse::<Ipv6Addr>() {
        Ok(ip) => format!("[{ip}]:{port}"),
        Err(_) => format!("{host}:{port}"),
    }
}

/// `mail.example.com:587` or `[2001:db8::1]:587` into host and port; anything else
/// (including a bare IPv6 address) is all host. Public for the watches, which tell
/// `host:port` from a domain with it.
pub fn split_port(text: &str) -> (&str, Option<u16>) {
    if let Some(rest) = text.strip_prefix('[') {
        if let Some((ip, port)) = rest.split_once("]:") {
            if let Ok(port) = port.parse() {
                return (ip, Some(port));
            }
        }
        return (text, None);
    }
    if let Some((host, port)) = text.split_once(':') {
        if !port.contains(':') {
            if let Ok(port) = port.parse() {
                return (host, Some(port));
            }
        }
    }
    (text, None)
}

fn parse_host(text: &str, allow_private: bool) -> Result<ServerHost, TargetError> {
    let unbracketed = text.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        if !allow_private {
            if let Err(kind) = address_policy::classify(ip) {
                return Err(TargetError::NotPublic {
                    ip,
                    kind: kind.describe(),
                });
            }
        }
        return Ok(ServerHost::Address(ip));
    }
    DomainName::parse(text)
        .map(ServerHost::Name)
        .map_err(TargetError::Host)
}

/// `25, 465, 587 and 2525`.
fn list_ports(ports: &[u16]) -> String {
    let names: Vec<String> = ports.iter().map(u16::to_string).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: PortRules<'static> = PortRules {
        default_host: "mail.echoterra.net",
        default_port: 993,
        allowed_ports: &[993, 143],
    };

    #[test]
    fn the_default_host_and_port_fill_what_is_missing() {
        let (host, port) = parse(None, None, &RULES, false).unwrap();
        assert!(host.is_named("MAIL.echoterra.net."));
        assert_eq!(port, 993);
        assert_eq!(parse(Some(" "), Some(143), &RULES, false).unwrap().1, 143);
    }

    #[test]
    fn ports_outside_the_rules_are_listed() {
        assert_eq!(
            parse(Some("imap.example.com"), Some(22), &RULES, false),
            Err(TargetError::PortNotAllowed {
                port: 22,
                allowed: "993 and 143".into()
            })
        );
        assert!(parse(Some("imap.example.com"), Some(22), &RULES, true).is_ok());
    }

    #[test]
    fn ipv6_targets_keep_their_brackets() {
        assert_eq!(host_port("2001:db8::1", 993), "[2001:db8::1]:993");
        assert_eq!(host_port("mail.example.com", 993), "mail.example.com:993");
        let (host, port) =
            parse(Some("[2a00:1450:4001:80b::200e]:143"), None, &RULES, false).unwrap();
        assert_eq!(port, 143);
        assert_eq!(
            host,
            ServerHost::Address("2a00:1450:4001:80b::200e".parse().unwrap())
        );
    }
}
