//! What staff type as a watch target, read into what is watched and how, the same
//! way from Discord and the command line:
//!
//! - an IP address → the blocklists; a range of at most 16 addresses (CIDR) → the
//!   blocklists for each address, one target each;
//! - `smtp://`, `smtps://`, `imap://`, `imaps://`, `pop3://`, `pop3s://` with a host
//!   and an optional port, or `host:port` with a port one catalogue lists → that
//!   server's test (see `server`);
//! - a bare name → the domain's mail setup (the `/domain` parts); an email address →
//!   its domain;
//! - `kind:` decides for a bare name, which could also be a host watched on the
//!   blocklists (`kind:blocklists`), and is refused where the target cannot be
//!   watched that way.
//!
//! Each target is built by its check's own constructor (`BlacklistRequest`,
//! `DomainRequest`, the server tests'), so a watch accepts what the check accepts.
//! Addresses follow `/blacklist`: a private, loopback or otherwise reserved address
//! is refused (blocklists list only public ones) unless `ALLOW_PRIVATE_TARGETS`; a
//! host name's addresses are judged when they are looked up. Servers follow the
//! server tests: public addresses and the catalogue's ports only.
//!
//! [`WatchTarget::key`] is the one written form of a target, so the same target
//! typed two ways (`Mail.Example.COM`, `mail.example.com.`; `smtp://h`,
//! `smtp://h:587`, `h:587`) is one watch.

use std::fmt;

use crate::catalog::Catalog;
use crate::checks::blacklist::{self, BlacklistRequest};
use crate::checks::domain::{DomainRequest, DomainRequestError};
use crate::checks::net::probe::target::split_port;
use crate::checks::net::probe::{InputError, Security};
use crate::checks::Request;
use crate::wording::shorten;

use super::kind::WatchKind;
use super::range::{self, RangeError, MAX_RANGE_ADDRESSES};
use super::server::{self, ServerTarget};

/// The sentence every target that is not understood ends with.
const ACCEPTED: &str = "type an IP address (203.0.113.7), a range of at most 16 addresses (203.0.113.0/28), a mail server (smtp://mail.example.com, imaps://mail.example.com:993 or mail.example.com:587), a domain (example.com) or an email address";

/// Longest piece of the input quoted back in a message.
const ECHO_LEN: usize = 60;

/// One thing watched, and the check that watches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchTarget {
    /// An address (or a host name's addresses, with `kind:blocklists`) on the blocklists.
    Blocklists(BlacklistRequest),
    /// A domain's mail setup.
    Domain(DomainRequest),
    /// A mail server's test and its certificate.
    Server(ServerTarget),
}

/// Why a text is not a watch target. The `Display` is the sentence staff see: what
/// was wrong and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchTargetError {
    #[error("no target given: {ACCEPTED}")]
    Empty,
    #[error("{0} is not something the bot can watch: {ACCEPTED}")]
    Unrecognised(String),
    #[error("{0} holds more than {MAX_RANGE_ADDRESSES} addresses: a watch takes a range of at most {MAX_RANGE_ADDRESSES} (an IPv4 /28 or an IPv6 /124, or longer prefixes)")]
    RangeTooLarge(String),
    /// The blocklists' refusal of an address, as `/blacklist` words it.
    #[error(transparent)]
    Address(#[from] blacklist::TargetError),
    /// The domain's refusal, as `/domain` words it.
    #[error(transparent)]
    Domain(#[from] DomainRequestError),
    /// The server test's refusal of a host or port, as `/smtp`, `/imap`, `/pop3` word it.
    #[error(transparent)]
    Server(InputError),
    #[error("{0}:// is not a mail protocol the bot tests: type smtp://, smtps://, imap://, imaps://, pop3:// or pop3s://")]
    UnknownScheme(String),
    #[error("{scheme}:// needs a host, such as {scheme}://mail.example.com")]
    NoHost { scheme: &'static str },
    #[error("the catalogue lists no port for {scheme}://: type the port too, as {scheme}://mail.example.com:<port>")]
    NoPortFor { scheme: &'static str },
    #[error("port {port} is tested with {}, which {scheme}:// does not mean: type {instead}:// for port {port}, or {scheme}:// without a port", starts.label())]
    SchemeAgainstPort {
        scheme: &'static str,
        port: u16,
        starts: Security,
        instead: &'static str,
    },
    #[error("port {port} is not a mail port the bot tests ({known}): type smtp://, imap:// or pop3:// before the host to say which server it is")]
    PortUnknown { port: u16, known: String },
    #[error("port {port} is a port of {protocols} alike: type smtp://, imap:// or pop3:// before the host to say which")]
    PortAmbiguous { port: u16, protocols: String },
    #[error("{0} names no protocol: a server watch is typed as smtp://, smtps://, imap://, imaps://, pop3:// or pop3s:// before the host, or host:port with a mail port")]
    NeedsProtocol(String),
    #[error("{target} can only be watched {}: kind:{asked} takes {}", read.watched(), asked.takes())]
    KindMismatch {
        target: String,
        read: WatchKind,
        asked: WatchKind,
    },
}

impl WatchTarget {
    /// Reads what staff typed. `kind` is the `kind:` option when given. Unless
    /// `allow_private` (`ALLOW_PRIVATE_TARGETS`), only public addresses and the
    /// catalogue's ports are accepted. A range gives one target per address, in
    /// order; anything else exactly one.
    pub fn parse(
        input: &str,
        kind: Option<WatchKind>,
        catalog: &Catalog,
        allow_private: bool,
    ) -> Result<Vec<WatchTarget>, WatchTargetError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(WatchTargetError::Empty);
        }
        // How the text reads decides how it can be watched; `kind:` may only agree,
        // except for a bare name, which could be a domain or a host (at the end).
        if let Some((scheme, rest)) = text.split_once("://") {
            check_kind(text, kind, WatchKind::Server)?;
            let target = server::from_url(scheme, rest, catalog, allow_private)?;
            return Ok(vec![WatchTarget::Server(target)]);
        }
        if text.contains('@') {
            check_kind(text, kind, WatchKind::Domain)?;
            return Ok(vec![WatchTarget::Domain(DomainRequest::from_input(text)?)]);
        }
        if text.contains('/') {
            check_kind(text, kind, WatchKind::Blocklists)?;
            let addresses = range::addresses(text).map_err(|err| match err {
                RangeError::NotCidr => WatchTargetError::Unrecognised(echo(text)),
                RangeError::TooLarge(net) => WatchTargetError::RangeTooLarge(net.to_string()),
            })?;
            return addresses
                .into_iter()
                .map(|ip| blocklists(&ip.to_string(), allow_private))
                .collect();
        }
        if let (host, Some(port)) = split_port(text) {
            check_kind(text, kind, WatchKind::Server)?;
            let target = server::from_host_port(host, port, catalog, allow_private)?;
            return Ok(vec![WatchTarget::Server(target)]);
        }
        let parsed = blacklist::Target::parse(text)
            .map_err(|_| WatchTargetError::Unrecognised(echo(text)))?;
        if kind == Some(WatchKind::Server) {
            return Err(WatchTargetError::NeedsProtocol(echo(text)));
        }
        let target = match parsed {
            blacklist::Target::Address(_) => {
                check_kind(text, kind, WatchKind::Blocklists)?;
                blocklists(text, allow_private)?
            }
            blacklist::Target::Host(_) if kind == Some(WatchKind::Blocklists) => {
                blocklists(text, allow_private)?
            }
            blacklist::Target::Host(_) => WatchTarget::Domain(DomainRequest::from_input(text)?),
        };
        Ok(vec![target])
    }

    /// What this target is watched as.
    pub fn kind(&self) -> WatchKind {
        match self {
            WatchTarget::Blocklists(_) => WatchKind::Blocklists,
            WatchTarget::Domain(_) => WatchKind::Domain,
            WatchTarget::Server(_) => WatchKind::Server,
        }
    }

    /// The one written form of the target, unique among watches: `blocklists:<address
    /// or host>`, `domain:<domain in ASCII>`, or the server's URL with its port
    /// (`smtp://mail.example.com:587`). The same target typed any accepted way has
    /// the same key.
    pub fn key(&self) -> String {
        match self {
            WatchTarget::Blocklists(request) => format!("blocklists:{}", request.target),
            WatchTarget::Domain(request) => format!("domain:{}", request.domain),
            WatchTarget::Server(server) => server.url(),
        }
    }

    /// The check that watches this target.
    pub fn check_request(&self) -> Request {
        match self {
            WatchTarget::Blocklists(request) => Request::Blacklist(request.clone()),
            WatchTarget::Domain(request) => Request::Domain(request.clone()),
            WatchTarget::Server(server) => server.check_request(),
        }
    }
}

/// The target for people, as it can be typed again (with its kind): an address or
/// host, a domain in Unicode, a server's URL.
impl fmt::Display for WatchTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchTarget::Blocklists(request) => write!(f, "{}", request.target),
            WatchTarget::Domain(request) => f.write_str(&request.domain.to_unicode()),
            WatchTarget::Server(server) => f.write_str(&server.url()),
        }
    }
}

/// An address or host on the blocklists, by `/blacklist`'s constructor and policy.
fn blocklists(text: &str, allow_private: bool) -> Result<WatchTarget, WatchTargetError> {
    Ok(WatchTarget::Blocklists(BlacklistRequest::from_input(
        text,
        allow_private,
    )?))
}

/// Refuses a `kind:` other than `read`, the only way `text` can be watched.
fn check_kind(
    text: &str,
    asked: Option<WatchKind>,
    read: WatchKind,
) -> Result<(), WatchTargetError> {
    match asked {
        Some(asked) if asked != read => Err(WatchTargetError::KindMismatch {
            target: echo(text),
            read,
            asked,
        }),
        _ => Ok(()),
    }
}

/// The input quoted for a message, cut so a pasted essay does not fill the reply.
pub(super) fn echo(text: &str) -> String {
    format!("{:?}", shorten(text, ECHO_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str, kind: Option<WatchKind>) -> Result<Vec<WatchTarget>, WatchTargetError> {
        WatchTarget::parse(text, kind, &Catalog::embedded().unwrap(), false)
    }

    /// The one target `text` gives, and its key.
    fn key(text: &str, kind: Option<WatchKind>) -> String {
        let targets = parse(text, kind).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(targets.len(), 1, "{text}");
        targets[0].key()
    }

    fn refusal(text: &str, kind: Option<WatchKind>) -> String {
        parse(text, kind).unwrap_err().to_string()
    }

    #[test]
    fn each_form_is_read_as_its_kind() {
        for (text, kind, key) in [
            ("8.8.8.8", WatchKind::Blocklists, "blocklists:8.8.8.8"),
            (
                "[2A00:1450:4001:80B::200E]",
                WatchKind::Blocklists,
                "blocklists:2a00:1450:4001:80b::200e",
            ),
            (
                "smtp://mail.example.com",
                WatchKind::Server,
                "smtp://mail.example.com:587",
            ),
            (
                "mail.example.com:993",
                WatchKind::Server,
                "imaps://mail.example.com:993",
            ),
            ("Example.COM.", WatchKind::Domain, "domain:example.com"),
            (
                "Jane.Doe@Example.com",
                WatchKind::Domain,
                "domain:example.com",
            ),
            (
                "bücher.example",
                WatchKind::Domain,
                "domain:xn--bcher-kva.example",
            ),
        ] {
            let targets = parse(text, None).unwrap();
            assert_eq!(targets.len(), 1, "{text}");
            assert_eq!(targets[0].kind(), kind, "{text}");
            assert_eq!(targets[0].key(), key, "{text}");
        }
    }

    #[test]
    fn one_target_typed_two_ways_is_one_key() {
        for (one, other) in [
            ("Mail.Example.COM", "mail.example.com."),
            ("smtp://h.example.com", "smtp://h.example.com:587"),
            ("smtp://h.example.com", "h.example.com:587"),
            ("smtps://H.example.com/", "h.example.com:465"),
            ("imaps://h.example.com", "h.example.com:993"),
            ("jane@example.com", "Example.com"),
            (
                "2a00:1450:4001:80b:0:0:0:200e",
                "[2a00:1450:4001:80b::200e]",
            ),
            (" 8.8.8.8 ", "8.8.8.8/32"),
        ] {
            assert_eq!(key(one, None), key(other, None), "{one} / {other}");
        }
        assert_ne!(
            key("smtp://h.example.com", None),
            key("smtps://h.example.com", None)
        );
        assert_ne!(
            key("mail.example.com", None),
            key("mail.example.com", Some(WatchKind::Blocklists))
        );
    }

    #[test]
    fn a_range_is_one_target_per_address() {
        let targets = parse("8.8.8.0/28", None).unwrap();
        assert_eq!(targets.len(), 16);
        assert!(targets.iter().all(|t| t.kind() == WatchKind::Blocklists));
        assert_eq!(targets[0].key(), "blocklists:8.8.8.0");
        assert_eq!(targets[15].key(), "blocklists:8.8.8.15");
        assert_eq!(
            parse("2a00:1450:4001:80b::/126", Some(WatchKind::Blocklists))
                .unwrap()
                .len(),
            4
        );
        assert_eq!(
            refusal("8.8.8.0/27", None),
            "8.8.8.0/27 holds more than 16 addresses: a watch takes a range of at most 16 (an IPv4 /28 or an IPv6 /124, or longer prefixes)"
        );
        assert!(refusal("8.8.8.0/28", Some(WatchKind::Domain))
            .contains("can only be watched on the blocklists"));
    }

    #[test]
    fn addresses_follow_what_blacklist_accepts() {
        for text in ["10.0.0.1", "127.0.0.2", "::1", "192.0.2.0/30"] {
            let err = refusal(text, None);
            assert!(
                err.contains("blocklists only list public addresses"),
                "{text}: {err}"
            );
            let catalog = Catalog::embedded().unwrap();
            assert!(
                WatchTarget::parse(text, None, &catalog, true).is_ok(),
                "{text}"
            );
        }
        assert_eq!(
            refusal("1.2.3", None),
            refusal("hello", None).replace("\"hello\"", "\"1.2.3\"")
        );
    }

    #[test]
    fn kind_decides_for_a_bare_name_only() {
        assert_eq!(
            key("mail.example.com", Some(WatchKind::Domain)),
            "domain:mail.example.com"
        );
        assert_eq!(
            key("Mail.Example.com", Some(WatchKind::Blocklists)),
            "blocklists:mail.example.com"
        );
        assert_eq!(
            key("8.8.8.8", Some(WatchKind::Blocklists)),
            "blocklists:8.8.8.8"
        );
        assert_eq!(
            refusal("8.8.8.8", Some(WatchKind::Domain)),
            "\"8.8.8.8\" can only be watched on the blocklists: kind:domain takes a domain name or an email address"
        );
        assert!(refusal("jane@example.com", Some(WatchKind::Blocklists))
            .contains("can only be watched as a domain: kind:blocklists takes an IP address"));
        assert!(refusal("smtp://mail.example.com", Some(WatchKind::Domain))
            .contains("can only be watched as a mail server"));
        assert!(refusal("mail.example.com:25", Some(WatchKind::Blocklists))
            .contains("can only be watched as a mail server"));
        for text in ["mail.example.com", "8.8.8.8"] {
            assert!(
                refusal(text, Some(WatchKind::Server)).contains("names no protocol"),
                "{text}"
            );
        }
    }

    #[test]
    fn what_is_not_a_target_says_what_is_accepted() {
        assert_eq!(parse("  ", None), Err(WatchTargetError::Empty));
        for text in [
            "hello",
            "a b.example",
            "mail.example.com:http",
            "example.com/path",
            "1.2.3.4.5",
        ] {
            let err = refusal(text, None);
            assert!(
                err.contains("not something the bot can watch") && err.contains("203.0.113.0/28"),
                "{text}: {err}"
            );
        }
        let long = refusal(&"x ".repeat(400), None);
        assert!(long.len() < 400, "{long}");
        // An email address with a bad domain gets /domain's own sentence.
        assert_eq!(
            refusal("jane@", None),
            DomainRequest::from_input("jane@").unwrap_err().to_string()
        );
    }

    #[test]
    fn each_target_reads_back_as_it_is_shown() {
        for (text, kind) in [
            ("8.8.8.8", None),
            ("::ffff:8.8.8.8", None),
            ("mail.example.com", Some(WatchKind::Blocklists)),
            ("jane@bücher.example", None),
            ("smtps://mail.example.com", None),
            ("[2a00:1450:4001:80b::200e]:110", None),
        ] {
            let target = parse(text, kind).unwrap().remove(0);
            let again = parse(&target.to_string(), Some(target.kind())).unwrap();
            assert_eq!(again, vec![target], "{text}");
        }
        assert_eq!(
            parse("jane@bücher.example", None).unwrap()[0].to_string(),
            "bücher.example"
        );
    }

    #[test]
    fn the_watch_runs_the_ordinary_check() {
        let blocklists = parse("8.8.8.8", None).unwrap().remove(0);
        assert_eq!(
            blocklists.check_request().target(),
            BlacklistRequest::from_input("8.8.8.8", false)
                .unwrap()
                .target
                .to_string()
        );
        assert_eq!(
            blocklists.check_request().check(),
            crate::checks::Check::Blacklist
        );
        let domain = parse("jane@example.com", None).unwrap().remove(0);
        assert_eq!(domain.check_request().check(), crate::checks::Check::Domain);
        assert_eq!(domain.check_request().target(), "example.com");
    }

    proptest! {
        #[test]
        fn no_input_panics(text in "\\PC{0,120}", kind in 0usize..4, private: bool) {
            let kind = WatchKind::ALL.get(kind).copied();
            let catalog = Catalog::embedded().unwrap();
            if let Ok(targets) = WatchTarget::parse(&text, kind, &catalog, private) {
                prop_assert!(!targets.is_empty() && targets.len() <= 16);
            }
        }

        #[test]
        fn url_like_input_never_panics(text in "(smtps?|imaps?|pop3s?|x)://[a-z0-9.:\\[\\]/]{0,40}") {
            let catalog = Catalog::embedded().unwrap();
            let _ = WatchTarget::parse(&text, None, &catalog, false);
        }
    }
}
