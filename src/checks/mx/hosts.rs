//! Looking up one mail host an MX record names: its addresses, whether it is an
//! alias, and what stops mail from reaching it (no address, only private addresses,
//! an IP address written where a host name belongs).

use std::net::{IpAddr, Ipv4Addr};

use super::report::{Finding, MxHost};
use crate::checks::net::address_policy;
use crate::checks::net::resolver::{DnsAnswer, DnsFailure, DnsResolver};
use crate::values::Verdict;

/// Looks up one mail host's addresses and notes what is wrong with it, each problem
/// with its verdict. With `allow_private` (`ALLOW_PRIVATE_TARGETS`, a lab or a test)
/// a private or loopback address counts as reachable.
pub(super) async fn resolve_host(
    resolver: &DnsResolver,
    preference: u16,
    host: &str,
    domain: &str,
    provider: &str,
    allow_private: bool,
) -> MxHost {
    let mut entry = MxHost {
        preference,
        host: host.to_string(),
        is_provider: host.eq_ignore_ascii_case(provider),
        addresses: Vec::new(),
        alias_of: None,
        reachable: None,
        problems: Vec::new(),
    };
    // DNS happily stores "192.0.2.1" as a name; as an MX target it is an error that
    // senders do not forgive (RFC 5321 §5.1: the MX names a host, never an address).
    if let Ok(ip) = host.parse::<IpAddr>() {
        entry.reachable = Some(false);
        entry.problems.push(ip_literal_problem(host, ip));
        return entry;
    }
    let (v4, v6) = futures::join!(resolver.ipv4(host), resolver.ipv6(host));
    let mut failure: Option<DnsFailure> = None;
    let mut exists = true;
    add_answer(&mut entry, v4, &mut exists, &mut failure);
    add_answer(&mut entry, v6, &mut exists, &mut failure);
    if let Some(target) = &entry.alias_of {
        // An alias of our host delivers to us, if not by the book.
        entry.is_provider |= target.eq_ignore_ascii_case(provider);
        entry
            .problems
            .push(Finding::new(Verdict::Warning, alias_text(target)));
    }
    let public = entry
        .addresses
        .iter()
        .any(|&ip| allow_private || address_policy::is_public(ip));
    for &ip in entry.addresses.iter().filter(|_| !allow_private) {
        if let Err(class) = address_policy::classify(ip) {
            entry.problems.push(Finding::new(
                Verdict::Warning,
                format!(
                    "resolves to {ip}, {}, which cannot be reached from the Internet",
                    class.describe()
                ),
            ));
        }
    }
    entry.reachable = if public {
        Some(true)
    } else if let Some(failure) = failure {
        // Whether this host works is unknown; the verdict on the set does not hang on
        // it (a host other than ours is to be removed anyway, ours is judged apart).
        entry.problems.push(Finding::new(
            Verdict::Warning,
            format!("its address could not be looked up: {failure}"),
        ));
        None
    } else if entry.addresses.is_empty() {
        // `203.0.113.5.example.com` could be a real host; only when it has no address
        // is it surely the zone-file slip of an address without its trailing dot.
        if let Some(ip) = written_as_address(host, domain) {
            entry.problems.push(ip_literal_problem(host, ip));
        } else {
            let why = if exists {
                "has no address (no A or AAAA record)"
            } else {
                "does not exist in DNS"
            };
            entry.problems.push(Finding::new(
                Verdict::Critical,
                format!("{why}, so mail sent to it cannot be delivered"),
            ));
        }
        Some(false)
    } else {
        Some(false)
    };
    entry
}

/// Adds one address lookup (A, then AAAA) to the host: its addresses, the name it is
/// an alias of (the first lookup to see one names it), whether the name exists, and
/// the first failure.
fn add_answer<T: Into<IpAddr>>(
    entry: &mut MxHost,
    answer: DnsAnswer<T>,
    exists: &mut bool,
    failure: &mut Option<DnsFailure>,
) {
    match answer {
        DnsAnswer::Records(found) => {
            if entry.alias_of.is_none() {
                // The last step of a CNAME chain names the real host.
                entry.alias_of = found.aliases.last().map(|alias| alias.target.clone());
            }
            entry
                .addresses
                .extend(found.records.into_iter().map(Into::into));
        }
        DnsAnswer::NxDomain => *exists = false,
        DnsAnswer::NoData => {}
        DnsAnswer::Failed(err) => {
            failure.get_or_insert(err);
        }
    }
}

/// Why an MX naming an alias is wrong, after the host's name: said both of any host
/// and, in the verdict on the set, of the provider's host.
pub(super) fn alias_text(target: &str) -> String {
    format!("is an alias (CNAME) of {target}; an MX record must name the host itself (RFC 5321 §5.1, RFC 2181 §10.3), and some senders refuse it")
}

/// The address an MX exchange was written as, if it was: either a bare IP address
/// (`MX 10 192.0.2.25.`), or one written without its trailing dot in a zone file,
/// which appends the origin (`MX 10 203.0.113.5` in the zone of example.com becomes
/// `203.0.113.5.example.com`).
fn written_as_address(exchange: &str, domain: &str) -> Option<IpAddr> {
    if let Ok(ip) = exchange.parse::<IpAddr>() {
        return Some(ip);
    }
    // The origin may be the domain or any parent of it (a subdomain kept in the
    // parent's zone), but never just the top-level domain.
    let mut labels = exchange.splitn(5, '.');
    let quad: Vec<&str> = labels.by_ref().take(4).collect();
    let rest = labels.next()?;
    let origin_fits =
        domain == rest || (domain.ends_with(&format!(".{rest}")) && rest.contains('.'));
    if !origin_fits {
        return None;
    }
    quad.join(".").parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The problem of an exchange written as an IP address.
fn ip_literal_problem(host: &str, ip: IpAddr) -> Finding {
    let how = if host.parse::<IpAddr>().is_ok() {
        String::new()
    } else {
        format!(" ({ip} written without a trailing dot, so the zone appended the domain)")
    };
    Finding::new(
        Verdict::Critical,
        format!("is written as an IP address{how}; an MX record must name a host name, never an address, so senders cannot deliver to it"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exchange_written_as_an_address_is_recognised() {
        let v4 = Some("192.0.2.25".parse::<IpAddr>().unwrap());
        assert_eq!(written_as_address("192.0.2.25", "example.com"), v4);
        assert_eq!(
            written_as_address("2001:db8::25", "example.com"),
            Some("2001:db8::25".parse().unwrap())
        );
        // `MX 10 203.0.113.5` without the trailing dot, in the zone of the domain or
        // of a parent of it.
        let slip = Some("203.0.113.5".parse::<IpAddr>().unwrap());
        assert_eq!(
            written_as_address("203.0.113.5.example.com", "example.com"),
            slip
        );
        assert_eq!(
            written_as_address("203.0.113.5.example.com", "shop.example.com"),
            slip
        );
        assert_eq!(written_as_address("mail.example.com", "example.com"), None);
        assert_eq!(
            written_as_address("203.0.113.5.isp.example", "example.com"),
            None
        );
        assert_eq!(written_as_address("1.2.3.4.com", "example.com"), None);
        assert_eq!(
            written_as_address("203.0.113.999.example.com", "example.com"),
            None
        );
    }
}
