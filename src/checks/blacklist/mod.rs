//! `/blacklist`: is an IP address (or a host's addresses) on DNS blocklists?
//!
//! The zones come from `commands/blacklist.toml`. Every zone is asked about every
//! address at once (see [`fanout`]); each answer ends as listed, clean or error (see
//! [`classify`]); the report leads with major listings and says what each error
//! means for staff.
//!
//! - `request`: what staff type, parsed (IP, IPv6 or host name).
//! - [`query`]: the reversed names asked, and the keys (Spamhaus DQS, SpamRATS)
//!   kept out of sight.
//! - `classify`: one answer read as listed / clean / error.
//! - `fanout`: the concurrent queries, timeouts and progress.
//! - `self_test`: RFC 5782 §5 test points that catch a blocked resolver or a
//!   list that answers "listed" for everything (IPv6 only where the operator
//!   documents an IPv6 test point).
//! - `report`: the report, its counts and its errors grouped by cause.
//! - `verdict`: the verdict, the summary and the headline.

mod classify;
mod fanout;
pub mod query;
mod report;
mod request;
mod self_test;
mod verdict;

use std::net::IpAddr;
use std::time::Duration;

pub use classify::Status;
pub use report::{
    AddressPtr, BlacklistReport, ErrorGroup, SkippedAddress, ZoneResult, HIDDEN_NOTE, POLICY_NOTE,
};
pub use request::{BlacklistRequest, Target, TargetError};
pub use self_test::SelfTest;

use self::fanout::{bounded, Job, Limits};
use self::query::{Keys, QueryName};
use self::self_test::TestPoints;
use crate::catalog::ZoneKey;
use crate::checks::net::resolver::{DnsAnswer, DnsResolver};
use crate::checks::net::reverse_dns;
use crate::checks::{Progress, Services};
use crate::wording::capitalise;

/// Runs the check. Network faults become errors in the report, never a failure.
pub async fn run(
    services: &Services,
    request: &BlacklistRequest,
    progress: &Progress,
) -> BlacklistReport {
    let catalog = &services.catalog.blacklist;
    let limits = Limits::new(
        Duration::from_millis(catalog.query_timeout_ms),
        Duration::from_millis(catalog.deadline_ms),
    );
    let config = &services.config;
    let allow_private = config.allow_private_targets;
    let keys = Keys::from_config(config);
    let keyed =
        |key: ZoneKey| keys.get(key).is_some() && catalog.zones().any(|zone| zone.key == Some(key));
    let mut report = BlacklistReport {
        addresses: vec![],
        skipped_addresses: vec![],
        lists: 0,
        listed: 0,
        errors: 0,
        via_dqs: keyed(ZoneKey::SpamhausDqs),
        via_spamrats_key: keyed(ZoneKey::Spamrats),
        ipv4_only_lists: vec![],
        problem: None,
        resolver_hides_lists: false,
        results: vec![],
        ptr: vec![],
    };
    match addresses(
        &services.resolver,
        &request.target,
        allow_private,
        catalog.max_addresses,
        limits.query_timeout,
    )
    .await
    {
        Ok((addresses, skipped)) => {
            report.addresses = addresses;
            report.skipped_addresses = skipped;
        }
        Err(problem) => report.problem = Some(problem),
    }
    let mut jobs = Vec::new();
    for &address in &report.addresses {
        for zone in catalog.zones() {
            if address.is_ipv6() && !zone.ipv6 {
                if !report.ipv4_only_lists.contains(&zone.name) {
                    report.ipv4_only_lists.push(zone.name.clone());
                }
                continue;
            }
            jobs.push(Job {
                address,
                zone,
                name: QueryName::new(address, zone, &keys),
                test_points: TestPoints::new(address, zone, &keys),
            });
        }
    }
    if jobs.is_empty() && report.problem.is_none() {
        report.problem = Some(format!(
            "No list in the catalogue answers for {}: every configured list is IPv4-only",
            request.target
        ));
    }
    // The PTR names are looked up beside the lists, within the same deadline.
    let reverse = futures::future::join_all(
        report
            .addresses
            .iter()
            .map(|&address| reverse_dns::look_up(&services.resolver, address)),
    );
    let deadline = Duration::from_millis(catalog.deadline_ms);
    let (results, reverse) = futures::join!(
        fanout::query_all(&services.resolver, &jobs, limits, &keys, progress),
        tokio::time::timeout(deadline, reverse)
    );
    report.results = results;
    report.ptr = reverse
        .unwrap_or_default()
        .into_iter()
        .map(|rdns| AddressPtr {
            address: rdns.address,
            names: rdns.ptr,
            forward_confirmed: rdns.forward_confirmed,
        })
        .collect();
    report.tally();
    report
}

/// The addresses to check: the target itself, or up to `max` of a host's public
/// addresses (IPv4 and IPv6 taken in turn, so both families are checked), with the
/// ones left out. `Err` is the sentence saying why there is nothing to check.
async fn addresses(
    resolver: &DnsResolver,
    target: &Target,
    allow_private: bool,
    max: usize,
    query_timeout: Duration,
) -> Result<(Vec<IpAddr>, Vec<SkippedAddress>), String> {
    let host = match target {
        Target::Address(ip) => {
            return match target.check_policy(allow_private) {
                Ok(()) => Ok((vec![*ip], vec![])),
                Err(refusal) => Err(capitalise(&refusal.to_string())),
            }
        }
        Target::Host(host) => host,
    };
    let name = host.to_fqdn();
    // The host's lookup is one more query: it gets the same timeout as a zone's.
    let (v4, v6) = tokio::join!(
        bounded(query_timeout, resolver.ipv4(&name)),
        bounded(query_timeout, resolver.ipv6(&name))
    );
    let nxdomain = matches!(v4, DnsAnswer::NxDomain) && matches!(v6, DnsAnswer::NxDomain);
    let failure = v4.failure().or(v6.failure()).cloned();
    let mut v4: Vec<IpAddr> = v4
        .records()
        .unwrap_or_default()
        .iter()
        .map(|&a| a.into())
        .collect();
    let mut v6: Vec<IpAddr> = v6
        .records()
        .unwrap_or_default()
        .iter()
        .map(|&a| a.into())
        .collect();
    if v4.is_empty() && v6.is_empty() {
        return Err(match failure {
            Some(failure) => format!("{host} could not be looked up: {failure}; try again"),
            None if nxdomain => format!("{host} does not exist (NXDOMAIN): check the spelling"),
            None => format!("{host} has no IPv4 or IPv6 address: nothing to check"),
        });
    }
    v4.dedup();
    v6.dedup();
    let mut interleaved = Vec::new();
    let (mut four, mut six) = (v4.into_iter(), v6.into_iter());
    loop {
        match (four.next(), six.next()) {
            (None, None) => break,
            (a, b) => interleaved.extend(a.into_iter().chain(b)),
        }
    }
    let mut chosen = Vec::new();
    let mut skipped = Vec::new();
    for address in interleaved {
        if let (false, Err(refusal)) = (allow_private, request::public(address)) {
            let why = match refusal {
                TargetError::NotPublic { kind, .. } => {
                    format!("{kind}: blocklists only list public addresses")
                }
                other => other.to_string(),
            };
            skipped.push(SkippedAddress { address, why });
        } else if chosen.len() < max {
            chosen.push(address);
        } else {
            skipped.push(SkippedAddress {
                address,
                why: format!("only the first {max} addresses of a host are checked"),
            });
        }
    }
    if chosen.is_empty() {
        let list: Vec<String> = skipped
            .iter()
            .map(|s| format!("{} ({})", s.address, s.why))
            .collect();
        return Err(format!(
            "{host} has only non-public addresses, and blocklists only list public addresses: {}",
            list.join(", ")
        ));
    }
    Ok((chosen, skipped))
}
