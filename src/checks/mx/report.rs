//! What `/mx` reports: the kind of answer, every mail host with its addresses and
//! problems, the findings worst first, and the record to publish.

use std::net::IpAddr;

use serde::Serialize;

use crate::values::Verdict;

/// What the MX lookup found, in the large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MxKind {
    /// The domain has MX records naming mail hosts.
    Records,
    /// The domain has no MX records: its own address is the implicit mail host.
    Implicit,
    /// The domain publishes a null MX: it accepts no mail (RFC 7505).
    NullMx,
    /// The domain does not exist.
    NoSuchDomain,
    /// The MX records could not be looked up.
    LookupFailed,
}

/// The `/mx` report.
#[derive(Debug, Clone, Serialize)]
pub struct MxReport {
    /// The domain in ASCII (punycode for an IDN).
    pub domain: String,
    /// The domain as people write it (Unicode for an IDN).
    pub display_domain: String,
    /// The host the records should name.
    pub provider_host: String,
    pub kind: MxKind,
    /// The mail hosts, best (lowest preference) first; for an implicit MX, the domain
    /// itself with preference 0.
    #[serde(rename = "records")]
    pub hosts: Vec<MxHost>,
    /// MX records beyond [`MAX_HOSTS`](super::MAX_HOSTS) that were not resolved.
    pub unchecked: Vec<String>,
    /// What is wrong or worth knowing, worst first; empty when all is well.
    pub findings: Vec<Finding>,
    /// The record to publish, when the domain's mail does not (only) go to the provider.
    pub suggested_record: Option<String>,
    /// The smallest TTL of the MX records, in seconds: how long old answers may linger.
    pub ttl: Option<u32>,
}

/// One mail host of the MX set. In JSON the fields carry the names of the issue's
/// format (`records: [{preference, exchange, addresses, points_to_provider}]`).
#[derive(Debug, Clone, Serialize)]
pub struct MxHost {
    pub preference: u16,
    #[serde(rename = "exchange")]
    pub host: String,
    /// Whether this is the provider's mail host, by name or as an alias (CNAME) of it.
    #[serde(rename = "points_to_provider")]
    pub is_provider: bool,
    /// Its IPv4 addresses, then its IPv6 addresses.
    pub addresses: Vec<IpAddr>,
    /// The name this host is an alias (CNAME) of, if it is one.
    pub alias_of: Option<String>,
    /// Whether mail can reach the host: `Some(false)` when it certainly cannot,
    /// `None` when its addresses could not be looked up.
    pub reachable: Option<bool>,
    /// What is wrong with this host, each with how much it matters.
    pub problems: Vec<Finding>,
}

/// One thing the check found, with how much it matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub verdict: Verdict,
    pub text: String,
}

impl Finding {
    pub(super) fn new(verdict: Verdict, text: impl Into<String>) -> Self {
        Finding {
            verdict,
            text: text.into(),
        }
    }
}
