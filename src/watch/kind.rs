//! The three kinds of watch: an address on the blocklists, a domain's mail setup, a
//! mail server. The kind decides which check runs and the catalogue's schedule; staff
//! name it (`kind:`) only when a target could be watched two ways.

use std::fmt;

use crate::catalog::{WatchDefaults, WatchSchedule};

/// What a watch checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WatchKind {
    /// An IP address (or a host's addresses) on every list of `blacklist.toml`.
    Blocklists,
    /// A domain's MX, SPF, DKIM, DMARC and autoconfig (the `/domain` parts).
    Domain,
    /// A mail server: the `/smtp`, `/imap` or `/pop3` test and its certificate.
    Server,
}

impl WatchKind {
    pub const ALL: [WatchKind; 3] = [WatchKind::Blocklists, WatchKind::Domain, WatchKind::Server];

    /// `blocklists`, `domain`, `server`: as staff type it and the store keeps it.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchKind::Blocklists => "blocklists",
            WatchKind::Domain => "domain",
            WatchKind::Server => "server",
        }
    }

    /// The kind named `name`, in any case, surrounding spaces ignored.
    pub fn from_name(name: &str) -> Option<WatchKind> {
        WatchKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// How often this kind is checked: its table of `[watch]` in `defaults.toml`.
    pub fn schedule(self, settings: &WatchDefaults) -> WatchSchedule {
        match self {
            WatchKind::Blocklists => settings.blocklists,
            WatchKind::Domain => settings.domain,
            WatchKind::Server => settings.server,
        }
    }

    /// How a target of this kind is watched, ending "… can only be watched ___".
    pub(super) fn watched(self) -> &'static str {
        match self {
            WatchKind::Blocklists => "on the blocklists",
            WatchKind::Domain => "as a domain",
            WatchKind::Server => "as a mail server",
        }
    }

    /// What `kind:` of this kind takes, for the sentence of a target that does not fit.
    pub(super) fn takes(self) -> &'static str {
        match self {
            WatchKind::Blocklists => {
                "an IP address, a range of at most 16 addresses (203.0.113.0/28) or a host name"
            }
            WatchKind::Domain => "a domain name or an email address",
            WatchKind::Server => {
                "smtp://, smtps://, imap://, imaps://, pop3:// or pop3s:// with a host and an optional port, or host:port with a mail port"
            }
        }
    }
}

impl fmt::Display for WatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_any_case() {
        for kind in WatchKind::ALL {
            assert_eq!(WatchKind::from_name(kind.as_str()), Some(kind));
            let upper = kind.as_str().to_uppercase();
            assert_eq!(WatchKind::from_name(&format!(" {upper} ")), Some(kind));
        }
        assert_eq!(WatchKind::from_name("blacklist"), None);
    }

    #[test]
    fn each_kind_reads_its_own_schedule() {
        let settings = WatchDefaults::default();
        assert_eq!(
            WatchKind::Blocklists.schedule(&settings),
            settings.blocklists
        );
        assert_eq!(WatchKind::Domain.schedule(&settings), settings.domain);
        assert_eq!(WatchKind::Server.schedule(&settings), settings.server);
        assert_ne!(settings.blocklists, settings.server);
    }
}
