//! Reverse DNS of an address: its PTR names, and whether one of them resolves back to
//! it (forward-confirmed reverse DNS, FCrDNS). Receivers check it on servers that
//! send to them: mail from an address without a PTR name, or whose name does not
//! lead back, is often refused (Gmail and Yahoo require it of senders since 2024).

use std::net::IpAddr;

use futures::future::join_all;
use serde::Serialize;

use super::resolver::{DnsAnswer, DnsResolver};

/// At most this many PTR names are checked for forward confirmation (RFC 7208 §4.6.4
/// uses the same bound for the same walk).
const MAX_NAMES: usize = 10;

/// What the reverse DNS of one address says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReverseDns {
    pub address: IpAddr,
    /// The PTR names, lower case without the trailing dot; empty when there are none.
    pub ptr: Vec<String>,
    /// Whether one of the names resolves back to the address.
    pub forward_confirmed: bool,
    /// Whether one of the names is the host name the server greets with; `None` when
    /// there was no greeting to compare with.
    pub matches_greeting: Option<bool>,
    /// Why the PTR lookup gave no answer (a DNS failure, not a missing name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl ReverseDns {
    /// The lookup could not be made or finished.
    pub fn failed(address: IpAddr, why: impl Into<String>) -> ReverseDns {
        ReverseDns {
            address,
            ptr: Vec::new(),
            forward_confirmed: false,
            matches_greeting: None,
            failure: Some(why.into()),
        }
    }

    /// Compares the names with the host name of a greeting (`220 mail.example.com …`).
    pub fn with_greeting(mut self, greeting_host: Option<&str>) -> ReverseDns {
        self.matches_greeting = greeting_host.map(|host| {
            let host = host.trim_end_matches('.').to_ascii_lowercase();
            self.ptr.contains(&host)
        });
        self
    }

    /// What is wrong, in a sentence, when receivers would hold it against the address:
    /// no PTR name, or none that leads back. `None` when all is well or unknown.
    pub fn problem(&self) -> Option<String> {
        if self.failure.is_some() {
            return None;
        }
        let address = self.address;
        if self.ptr.is_empty() {
            return Some(format!("{address} has no reverse DNS (PTR) name: receivers often refuse mail from a server without one. Ask whoever runs the address (the hosting provider) to set it."));
        }
        if !self.forward_confirmed {
            return Some(format!("The reverse DNS name of {address} ({}) does not resolve back to it: receivers that check forward-confirmed reverse DNS refuse or downgrade its mail. Add an A/AAAA record for the name, or change the PTR.", self.ptr.join(", ")));
        }
        None
    }

    /// One line for people: `203.0.113.5 → mail.example.com (forward-confirmed, …)`.
    pub fn describe(&self) -> String {
        if let Some(failure) = &self.failure {
            return format!(
                "{}: reverse DNS could not be looked up ({failure})",
                self.address
            );
        }
        if self.ptr.is_empty() {
            return format!("{}: no PTR name", self.address);
        }
        let mut notes = vec![if self.forward_confirmed {
            "forward-confirmed"
        } else {
            "not forward-confirmed"
        }];
        match self.matches_greeting {
            Some(true) => notes.push("matches the greeting"),
            Some(false) => notes.push("differs from the greeting's host name"),
            None => {}
        }
        format!(
            "{} → {} ({})",
            self.address,
            self.ptr.join(", "),
            notes.join(", ")
        )
    }
}

/// Looks up the PTR names of `address`, then the addresses of the first names (all at
/// once), to see whether one leads back.
pub async fn look_up(resolver: &DnsResolver, address: IpAddr) -> ReverseDns {
    let names = match resolver.ptr(address).await {
        DnsAnswer::Records(found) => found.records,
        DnsAnswer::NoData | DnsAnswer::NxDomain => Vec::new(),
        DnsAnswer::Failed(failure) => return ReverseDns::failed(address, failure.to_string()),
    };
    let checked = names.iter().take(MAX_NAMES).map(|name| async move {
        match address {
            IpAddr::V4(v4) => resolver
                .ipv4(name)
                .await
                .records()
                .is_some_and(|found| found.contains(&v4)),
            IpAddr::V6(v6) => resolver
                .ipv6(name)
                .await
                .records()
                .is_some_and(|found| found.contains(&v6)),
        }
    });
    let forward_confirmed = join_all(checked).await.into_iter().any(|back| back);
    ReverseDns {
        address,
        ptr: names,
        forward_confirmed,
        matches_greeting: None,
        failure: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(ptr: &[&str], confirmed: bool) -> ReverseDns {
        ReverseDns {
            address: "203.0.113.5".parse().unwrap(),
            ptr: ptr.iter().map(|s| s.to_string()).collect(),
            forward_confirmed: confirmed,
            matches_greeting: None,
            failure: None,
        }
    }

    #[test]
    fn problems_are_a_missing_or_unconfirmed_name_never_a_failure() {
        assert!(named(&[], false)
            .problem()
            .unwrap()
            .contains("no reverse DNS"));
        assert!(named(&["a.example"], false)
            .problem()
            .unwrap()
            .contains("does not resolve back"));
        assert_eq!(named(&["a.example"], true).problem(), None);
        let failed = ReverseDns::failed("203.0.113.5".parse().unwrap(), "SERVFAIL");
        assert_eq!(failed.problem(), None);
        assert!(failed.describe().contains("could not be looked up"));
    }

    #[test]
    fn the_greeting_is_compared_without_case_or_trailing_dot() {
        let rdns = named(&["mail.example.com"], true).with_greeting(Some("Mail.Example.COM."));
        assert_eq!(rdns.matches_greeting, Some(true));
        assert!(rdns
            .describe()
            .contains("forward-confirmed, matches the greeting"));
        let other = named(&["mail.example.com"], true).with_greeting(Some("mx.example.com"));
        assert_eq!(other.matches_greeting, Some(false));
        assert_eq!(named(&[], false).with_greeting(None).matches_greeting, None);
    }
}
