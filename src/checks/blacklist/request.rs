//! What `/blacklist` accepts: an IPv4 address, an IPv6 address or a host name,
//! parsed from what staff type, with a friendly sentence for everything else.
//!
//! Blocklists list only public addresses, so a private, loopback or otherwise
//! reserved address is refused here (unless `ALLOW_PRIVATE_TARGETS=true`) instead
//! of being sent to every list to come back "clean".

use std::fmt;
use std::net::IpAddr;

use crate::checks::net::address_policy::{self, NonPublic};
use crate::values::{DomainError, DomainName};

/// The one sentence every refusal ends with.
const ACCEPTED: &str =
    "type an IPv4 address (203.0.113.7), an IPv6 address (2001:db8::25) or a host name (mail.example.com)";

/// Longest piece of the input quoted back in a message.
const ECHO_LEN: usize = 60;

/// A `/blacklist` request: the target, already checked against the address policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlacklistRequest {
    pub target: Target,
}

impl BlacklistRequest {
    /// Builds a request from what staff typed. A non-public address is refused here
    /// unless `allow_private_targets` (`ALLOW_PRIVATE_TARGETS=true`); a host name's
    /// addresses are judged when they are looked up.
    pub fn from_input(input: &str, allow_private_targets: bool) -> Result<Self, TargetError> {
        let target = Target::parse(input)?;
        target.check_policy(allow_private_targets)?;
        Ok(BlacklistRequest { target })
    }
}

/// What is checked: an address as typed, or a host whose addresses are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Address(IpAddr),
    Host(DomainName),
}

/// Why the input cannot be checked. The Display is a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("no address given: {ACCEPTED}")]
    Empty,
    #[error("{0} is not an IP address or host name: {ACCEPTED}")]
    Unrecognised(String),
    #[error(
        "{address} is {kind}: blocklists only list public addresses, so there is nothing to check"
    )]
    NotPublic { address: IpAddr, kind: &'static str },
}

impl Target {
    /// Parses an address or host name. Surrounding whitespace, `[brackets]` around
    /// an IPv6 address and a trailing dot on a host name are accepted. An
    /// IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) stays IPv6, as RFC 5782 asks.
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(TargetError::Empty);
        }
        let unbracketed = text
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .unwrap_or(text);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            return Ok(Target::Address(ip));
        }
        let unrecognised = || TargetError::Unrecognised(echo(text));
        let host = DomainName::parse(text).map_err(|err| match err {
            DomainError::Empty => TargetError::Empty,
            _ => unrecognised(),
        })?;
        // "1.2.3" or "01.2.3.4" are mistyped addresses, not host names: no top-level
        // domain is all digits.
        let top_level = host.as_str().rsplit('.').next().unwrap_or_default();
        if top_level.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unrecognised());
        }
        Ok(Target::Host(host))
    }

    /// Refuses a non-public address unless private targets are allowed.
    pub fn check_policy(&self, allow_private_targets: bool) -> Result<(), TargetError> {
        match self {
            Target::Address(ip) if !allow_private_targets => public(*ip),
            _ => Ok(()),
        }
    }
}

/// `Ok` for a public address, otherwise the refusal that says what the address is.
pub fn public(ip: IpAddr) -> Result<(), TargetError> {
    address_policy::classify(ip).map_err(|kind: NonPublic| TargetError::NotPublic {
        address: ip,
        kind: kind.describe(),
    })
}

/// The input quoted for a message, cut so a pasted essay does not fill the reply.
fn echo(text: &str) -> String {
    let mut quoted: String = text.chars().take(ECHO_LEN).collect();
    if text.chars().count() > ECHO_LEN {
        quoted.push('…');
    }
    format!("{quoted:?}")
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Address(ip) => write!(f, "{ip}"),
            Target::Host(host) => write!(f, "{host}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<Target, TargetError> {
        Target::parse(text)
    }

    #[test]
    fn addresses_and_hosts_are_accepted_as_typed() {
        assert_eq!(
            parse(" 203.0.113.7 "),
            Ok(Target::Address("203.0.113.7".parse().unwrap()))
        );
        assert_eq!(
            parse("[2001:DB8::25]"),
            Ok(Target::Address("2001:db8::25".parse().unwrap()))
        );
        assert_eq!(
            parse("Mail.Example.com."),
            Ok(Target::Host(DomainName::parse("mail.example.com").unwrap()))
        );
    }

    #[test]
    fn an_ipv4_mapped_address_stays_ipv6() {
        match parse("::ffff:127.0.0.2").unwrap() {
            Target::Address(IpAddr::V6(v6)) => assert_eq!(v6.segments()[5], 0xffff),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_gets_a_sentence_saying_what_is_accepted() {
        for text in [
            "hello",
            "1.2.3",
            "01.2.3.4",
            "256.1.1.1",
            "1.2.3.4:25",
            "https://example.com/",
            "fe80::1%eth0",
            "a b.example",
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.contains("IPv4 address") && err.contains("host name"),
                "{text}: {err}"
            );
        }
        assert_eq!(parse("  "), Err(TargetError::Empty));
    }

    #[test]
    fn a_long_input_is_quoted_shortened() {
        let err = parse(&"x ".repeat(500)).unwrap_err().to_string();
        assert!(err.len() < 300, "{err}");
    }

    #[test]
    fn non_public_addresses_are_refused_unless_allowed() {
        for text in [
            "127.0.0.2",
            "10.1.2.3",
            "192.0.2.1",
            "::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            let target = parse(text).unwrap();
            let err = target.check_policy(false).unwrap_err().to_string();
            assert!(
                err.contains("blocklists only list public addresses"),
                "{err}"
            );
            assert_eq!(target.check_policy(true), Ok(()));
        }
        assert_eq!(parse("8.8.8.8").unwrap().check_policy(false), Ok(()));
        assert_eq!(parse("example.com").unwrap().check_policy(false), Ok(()));
    }

    proptest! {
        #[test]
        fn no_input_panics(text in "\\PC{0,300}") {
            let _ = parse(&text).map(|target| target.check_policy(false));
        }

        #[test]
        fn address_like_input_never_panics(text in "[0-9a-fA-F:.\\[\\]% ]{0,60}") {
            let _ = parse(&text);
        }

        #[test]
        fn every_ipv4_address_parses_back(octets in any::<[u8; 4]>()) {
            let ip = IpAddr::from(octets);
            prop_assert_eq!(parse(&ip.to_string()), Ok(Target::Address(ip)));
        }
    }
}
