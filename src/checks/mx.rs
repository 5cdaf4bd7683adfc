//! `/mx`: do a domain's MX records send its mail to the provider's mail host?
//!
//! The check looks up the domain's MX records, then the addresses of every mail host
//! they name, and judges the set by the rules of RFC 5321 §5.1 (lowest preference
//! first; no MX means the domain's own address is the mail host), RFC 7505 (null MX)
//! and RFC 2181 §10.3 (an MX must not name an alias). It only resolves names; it never
//! connects to a mail host.

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::address_policy;
use super::domain::{DomainError, DomainName};
use super::email::{EmailAddress, EmailError};
use super::resolver::{Alias, DnsAnswer, DnsFailure, DnsResolver, MxData};
use crate::catalog::MxCatalog;
use crate::report::{Details, Report, Verdict};

/// At most this many mail hosts are resolved; a longer MX set is unusual and the
/// rest are listed as not checked (so one request cannot fan out without bound).
pub const MAX_HOSTS: usize = 10;

/// An `/mx` request: the domain whose mail routing is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxRequest {
    pub domain: DomainName,
}

/// Why the text typed for `/mx` is not a domain. `Display` says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MxRequestError {
    #[error("{0}")]
    Domain(DomainError),
    #[error("{0}")]
    Email(EmailError),
}

impl MxRequest {
    /// Parses what a user typed: a domain (`example.com`, IDNs too), or an email
    /// address, whose domain is then checked (customers often paste their address).
    pub fn parse(input: &str) -> Result<MxRequest, MxRequestError> {
        let domain = if input.contains('@') {
            EmailAddress::parse(input)
                .map_err(MxRequestError::Email)?
                .domain()
                .clone()
        } else {
            DomainName::parse(input).map_err(MxRequestError::Domain)?
        };
        Ok(MxRequest { domain })
    }
}

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
    /// MX records beyond [`MAX_HOSTS`] that were not resolved.
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
    fn new(verdict: Verdict, text: impl Into<String>) -> Self {
        Finding {
            verdict,
            text: text.into(),
        }
    }
}

/// Runs the check. DNS faults become findings with verdict `unknown`.
pub async fn run(resolver: &DnsResolver, catalog: &MxCatalog, request: &MxRequest) -> Report {
    let domain = &request.domain;
    let provider = catalog
        .provider_host
        .trim_end_matches('.')
        .to_ascii_lowercase();
    // Zone-file form with the full name rather than `@`: `@` is only right when the
    // customer's zone is exactly this domain, the full name is right everywhere.
    let suggestion = format!(
        "{}  MX  {}  {}.",
        domain.to_fqdn(),
        catalog.suggested_preference,
        provider
    );
    let mut report = MxReport {
        domain: domain.as_str().to_string(),
        display_domain: domain.to_unicode(),
        provider_host: provider.clone(),
        kind: MxKind::Records,
        hosts: Vec::new(),
        unchecked: Vec::new(),
        findings: Vec::new(),
        suggested_record: None,
        ttl: None,
    };
    let name = report.display_domain.clone();
    // When the records already name only our host, a problem is not the customer's
    // to fix, and suggesting the record they already have would only confuse.
    let mut records_are_right = false;
    match resolver.mx(domain.as_str()).await {
        DnsAnswer::Failed(failure) => {
            report.kind = MxKind::LookupFailed;
            report.findings.push(Finding::new(
                Verdict::Unknown,
                format!("The MX records of {name} could not be looked up: {failure}. This is a DNS problem, not a problem with your setup: try again in a few minutes."),
            ));
        }
        DnsAnswer::NxDomain => {
            report.kind = MxKind::NoSuchDomain;
            report.findings.push(Finding::new(
                Verdict::Critical,
                format!("{name} does not exist in DNS: check the spelling, or whether the domain is registered and its name servers are set."),
            ));
        }
        DnsAnswer::NoData => {
            report.kind = MxKind::Implicit;
            let host = resolve_host(resolver, 0, domain.as_str(), domain.as_str(), &provider).await;
            judge_implicit(&name, &provider, &host, &mut report.findings);
            report.hosts.push(host);
        }
        DnsAnswer::Records(found) => {
            report.ttl = Some(found.ttl);
            let mut records = found.records;
            records.sort_by(|a, b| (a.preference, &a.exchange).cmp(&(b.preference, &b.exchange)));
            records.dedup();
            let (null, named): (Vec<MxData>, Vec<MxData>) =
                records.into_iter().partition(|mx| mx.exchange == ".");
            if named.is_empty() {
                report.kind = MxKind::NullMx;
                report.findings.push(Finding::new(
                    Verdict::Critical,
                    format!("{name} publishes a null MX (RFC 7505): it declares that it accepts no mail at all, so every message to it bounces at once. Replace it with an MX record for {provider}."),
                ));
            } else {
                if !null.is_empty() {
                    report.findings.push(Finding::new(
                        Verdict::Warning,
                        "A null MX (\".\") is mixed with other MX records; RFC 7505 allows it only as the single record, so senders may treat the set as broken.",
                    ));
                }
                records_are_right =
                    null.is_empty() && named.iter().all(|mx| mx.exchange == provider);
                let checked = named.len().min(MAX_HOSTS);
                report.unchecked = named[checked..]
                    .iter()
                    .map(|mx| format!("{} {}", mx.preference, mx.exchange))
                    .collect();
                report.hosts = futures::future::join_all(named[..checked].iter().map(|mx| {
                    resolve_host(
                        resolver,
                        mx.preference,
                        &mx.exchange,
                        domain.as_str(),
                        &provider,
                    )
                }))
                .await;
                judge_records(&name, &provider, &report.hosts, &mut report.findings);
            }
        }
    }
    report
        .findings
        .sort_by_key(|finding| std::cmp::Reverse(finding.verdict.severity()));
    let verdict = report
        .findings
        .iter()
        .fold(Verdict::Ok, |worst, finding| worst.worst(finding.verdict));
    // Without MX records the fix is known even when the domain's address is not.
    let needs_change =
        matches!(verdict, Verdict::Critical | Verdict::Warning) || report.kind == MxKind::Implicit;
    if needs_change && report.kind != MxKind::NoSuchDomain && !records_are_right {
        report.suggested_record = Some(suggestion);
    }
    let summary = match report.findings.first() {
        Some(finding) if verdict != Verdict::Ok => finding.text.clone(),
        _ => {
            let preference = report
                .hosts
                .first()
                .map(|host| host.preference)
                .unwrap_or_default();
            format!("{name} receives its mail at {provider} (preference {preference}).")
        }
    };
    Report {
        target: domain.as_str().to_string(),
        verdict,
        summary,
        details: Details::Mx(report),
    }
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

/// Looks up one mail host's addresses and notes what is wrong with it, each problem
/// with its verdict.
async fn resolve_host(
    resolver: &DnsResolver,
    preference: u16,
    host: &str,
    domain: &str,
    provider: &str,
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
    // The last step of a CNAME chain names the real host.
    let alias_of = |aliases: &[Alias]| aliases.last().map(|alias| alias.target.clone());
    match v4 {
        DnsAnswer::Records(found) => {
            entry.alias_of = alias_of(&found.aliases);
            entry
                .addresses
                .extend(found.records.into_iter().map(IpAddr::V4));
        }
        DnsAnswer::NxDomain => exists = false,
        DnsAnswer::NoData => {}
        DnsAnswer::Failed(err) => failure = Some(err),
    }
    match v6 {
        DnsAnswer::Records(found) => {
            entry.alias_of = entry.alias_of.take().or_else(|| alias_of(&found.aliases));
            entry
                .addresses
                .extend(found.records.into_iter().map(IpAddr::V6));
        }
        DnsAnswer::NxDomain => exists = false,
        DnsAnswer::NoData => {}
        DnsAnswer::Failed(err) => {
            failure.get_or_insert(err);
        }
    }
    if let Some(target) = &entry.alias_of {
        // An alias of our host delivers to us, if not by the book.
        entry.is_provider |= target.eq_ignore_ascii_case(provider);
        entry.problems.push(Finding::new(
            Verdict::Warning,
            format!("is an alias (CNAME) of {target}; an MX record must name the host itself (RFC 5321 §5.1, RFC 2181 §10.3), and some senders refuse it"),
        ));
    }
    let public = entry
        .addresses
        .iter()
        .any(|&ip| address_policy::is_public(ip));
    for &ip in &entry.addresses {
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

/// A domain without MX records: its own address receives the mail.
fn judge_implicit(name: &str, provider: &str, host: &MxHost, findings: &mut Vec<Finding>) {
    let (verdict, text) = match host.reachable {
        Some(true) => (
            Verdict::Warning,
            format!("{name} has no MX records, so senders deliver its mail to the domain's own address instead of {provider}. Publish an MX record for {provider}."),
        ),
        Some(false) => (
            Verdict::Critical,
            format!("{name} has no MX records and no usable address: it cannot receive mail. Publish an MX record for {provider}."),
        ),
        None => (
            Verdict::Unknown,
            format!("{name} has no MX records, and its own address could not be looked up (a DNS problem: try again in a few minutes). Either way, publish an MX record for {provider}."),
        ),
    };
    findings.push(Finding::new(verdict, text));
}

/// A set of named mail hosts: does the provider receive the mail, and first?
fn judge_records(name: &str, provider: &str, hosts: &[MxHost], findings: &mut Vec<Finding>) {
    let list = |hosts: &[&MxHost]| {
        hosts
            .iter()
            .map(|host| format!("{} (preference {})", host.host, host.preference))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(ours) = hosts.iter().find(|host| host.is_provider) else {
        let others: Vec<&MxHost> = hosts.iter().collect();
        findings.push(Finding::new(
            Verdict::Critical,
            format!("The MX records of {name} point to {}, not to {provider}: mail for this domain goes elsewhere.", list(&others)),
        ));
        push_host_problems(hosts, findings);
        return;
    };
    // The provider's host is listed once per preference; the best one counts.
    let our_preference = ours.preference;
    let others: Vec<&MxHost> = hosts.iter().filter(|host| !host.is_provider).collect();
    let before: Vec<&MxHost> = others
        .iter()
        .copied()
        .filter(|host| host.preference < our_preference)
        .collect();
    let shared: Vec<&MxHost> = others
        .iter()
        .copied()
        .filter(|host| host.preference == our_preference)
        .collect();
    let after: Vec<&MxHost> = others
        .iter()
        .copied()
        .filter(|host| host.preference > our_preference)
        .collect();
    // Senders skip a host they cannot reach, so a dead host in front only delays mail
    // (its own problem, pushed below, says why it is dead).
    let (live_before, dead_before): (Vec<&MxHost>, Vec<&MxHost>) = before
        .iter()
        .partition(|host| host.reachable != Some(false));
    if !live_before.is_empty() {
        findings.push(Finding::new(
            Verdict::Warning,
            format!("Mail for {name} goes first to {}, before {provider} (preference {our_preference}): a lower number wins, so {provider} gets the mail only when {} cannot be reached. Remove {}.", list(&live_before), them(&live_before), them(&live_before)),
        ));
    }
    if !dead_before.is_empty() {
        findings.push(Finding::new(
            Verdict::Warning,
            format!("{} {} before {provider} but cannot receive mail, so senders try {} first and then fall back: remove {}.", list(&dead_before), verb(&dead_before, "comes", "come"), them(&dead_before), them(&dead_before)),
        ));
    }
    if !shared.is_empty() {
        findings.push(Finding::new(
            Verdict::Warning,
            format!("{} {} preference {our_preference} with {provider} and {} part of the mail. Remove {} unless that is intended.", list(&shared), verb(&shared, "shares", "share"), verb(&shared, "receives", "receive"), them(&shared)),
        ));
    }
    if !after.is_empty() {
        findings.push(Finding::new(
            Verdict::Warning,
            format!("{} {} mail whenever {provider} cannot be reached; if {} to a former provider, that mail is lost to you. Remove {} unless {} your backup.", list(&after), verb(&after, "receives", "receive"), verb(&after, "it belongs", "they belong"), them(&after), verb(&after, "it is", "they are")),
        ));
    }
    match ours.reachable {
        Some(true) => {}
        Some(false) => {
            let problems: Vec<&str> = ours.problems.iter().map(|p| p.text.as_str()).collect();
            findings.push(Finding::new(
                Verdict::Critical,
                format!("{provider} is named correctly but cannot receive mail ({}); this is a problem on our side, please tell the support team.", problems.join("; ")),
            ));
        }
        None => findings.push(Finding::new(
            Verdict::Unknown,
            format!("The address of {provider} could not be looked up, so delivery could not be confirmed. This is a DNS problem, not a problem with your setup: try again in a few minutes."),
        )),
    }
    if let Some(alias) = &ours.alias_of {
        let fix = if alias.eq_ignore_ascii_case(provider) {
            format!(": name {provider} itself")
        } else {
            String::new()
        };
        findings.push(Finding::new(
            Verdict::Warning,
            format!("{} is an alias (CNAME) of {alias}; an MX record must name the host itself (RFC 5321 §5.1, RFC 2181 §10.3), and some senders refuse it{fix}.", ours.host),
        ));
    }
    push_host_problems(others, findings);
}

/// The singular or plural form, for a list of hosts.
fn verb(hosts: &[&MxHost], one: &'static str, many: &'static str) -> &'static str {
    if hosts.len() == 1 {
        one
    } else {
        many
    }
}

fn them(hosts: &[&MxHost]) -> &'static str {
    verb(hosts, "it", "them")
}

/// The problems of hosts other than the provider's, each with its own verdict: one
/// that cannot receive mail at all (no address, written as an address) is critical
/// wherever it stands; the fix is the same for all of them (remove the record).
fn push_host_problems<'a>(
    hosts: impl IntoIterator<Item = &'a MxHost>,
    findings: &mut Vec<Finding>,
) {
    for host in hosts {
        for problem in &host.problems {
            findings.push(Finding::new(
                problem.verdict,
                format!(
                    "{} (preference {}) {}: remove this MX record.",
                    host.host, host.preference, problem.text
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OURS: &str = "mail.echoterra.net";

    fn host(preference: u16, name: &str, provider: bool, reachable: Option<bool>) -> MxHost {
        MxHost {
            preference,
            host: name.to_string(),
            is_provider: provider,
            addresses: Vec::new(),
            alias_of: None,
            reachable,
            problems: Vec::new(),
        }
    }

    fn with_problem(mut host: MxHost, verdict: Verdict, text: &str) -> MxHost {
        host.problems.push(Finding::new(verdict, text));
        host
    }

    fn findings(hosts: &[MxHost]) -> Vec<Finding> {
        let mut findings = Vec::new();
        judge_records("example.com", OURS, hosts, &mut findings);
        findings
    }

    fn verdicts(hosts: &[MxHost]) -> Vec<Verdict> {
        findings(hosts).iter().map(|f| f.verdict).collect()
    }

    fn implicit(reachable: Option<bool>) -> Finding {
        let mut findings = Vec::new();
        let domain = host(0, "example.com", false, reachable);
        judge_implicit("example.com", OURS, &domain, &mut findings);
        assert_eq!(findings.len(), 1);
        findings.remove(0)
    }

    #[test]
    fn only_the_provider_is_clean() {
        assert!(verdicts(&[host(10, OURS, true, Some(true))]).is_empty());
    }

    #[test]
    fn the_provider_at_several_preferences_is_clean() {
        let hosts = [
            host(10, OURS, true, Some(true)),
            host(20, OURS, true, Some(true)),
        ];
        assert!(verdicts(&hosts).is_empty());
    }

    #[test]
    fn a_reachable_host_before_the_provider_warns_that_it_gets_the_mail_first() {
        let hosts = [
            host(5, "mx.old.example", false, Some(true)),
            host(10, OURS, true, Some(true)),
        ];
        let found = findings(&hosts);
        assert_eq!(
            found.iter().map(|f| f.verdict).collect::<Vec<_>>(),
            [Verdict::Warning]
        );
        assert!(
            found[0].text.contains("goes first to mx.old.example"),
            "{}",
            found[0].text
        );
        assert!(found[0].text.contains("Remove it."), "{}", found[0].text);
    }

    #[test]
    fn a_dead_host_before_the_provider_is_critical_for_having_no_address() {
        let dead = with_problem(
            host(5, "mx.old.example", false, Some(false)),
            Verdict::Critical,
            "has no address (no A or AAAA record), so mail sent to it cannot be delivered",
        );
        let hosts = [dead, host(10, OURS, true, Some(true))];
        assert_eq!(verdicts(&hosts), [Verdict::Warning, Verdict::Critical]);
    }

    #[test]
    fn host_problems_keep_their_own_verdicts() {
        let alias = with_problem(
            host(20, "alias.example", false, Some(true)),
            Verdict::Warning,
            "is an alias (CNAME) of real.example",
        );
        let literal = with_problem(
            host(30, "192.0.2.1", false, Some(false)),
            Verdict::Critical,
            "is written as an IP address",
        );
        let hosts = [host(10, OURS, true, Some(true)), alias, literal];
        let found = findings(&hosts);
        let critical: Vec<&Finding> = found
            .iter()
            .filter(|f| f.verdict == Verdict::Critical)
            .collect();
        assert_eq!(critical.len(), 1, "{found:?}");
        assert!(critical[0]
            .text
            .starts_with("192.0.2.1 (preference 30) is written as an IP address"));
        assert!(found
            .iter()
            .any(|f| f.verdict == Verdict::Warning && f.text.contains("alias (CNAME)")));
    }

    #[test]
    fn shared_and_backup_hosts_warn() {
        let hosts = [
            host(10, OURS, true, Some(true)),
            host(10, "mx.other.example", false, Some(true)),
            host(20, "backup.example", false, Some(true)),
        ];
        assert_eq!(verdicts(&hosts), [Verdict::Warning, Verdict::Warning]);
    }

    #[test]
    fn without_the_provider_it_is_critical() {
        let hosts = [host(10, "mx.other.example", false, Some(true))];
        assert_eq!(verdicts(&hosts), [Verdict::Critical]);
    }

    #[test]
    fn the_provider_unresolved_is_unknown() {
        assert_eq!(verdicts(&[host(10, OURS, true, None)]), [Verdict::Unknown]);
    }

    #[test]
    fn an_implicit_mx_with_an_address_warns_without_one_is_critical() {
        let reachable = implicit(Some(true));
        assert_eq!(reachable.verdict, Verdict::Warning);
        assert!(reachable.text.contains("domain's own address"));
        let dead = implicit(Some(false));
        assert_eq!(dead.verdict, Verdict::Critical);
        assert!(dead.text.contains("cannot receive mail"));
        let unknown = implicit(None);
        assert_eq!(unknown.verdict, Verdict::Unknown);
        assert!(unknown.text.contains("try again"));
    }

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

    #[test]
    fn requests_accept_domains_and_addresses() {
        assert_eq!(
            MxRequest::parse(" Example.COM ").unwrap().domain.as_str(),
            "example.com"
        );
        assert_eq!(
            MxRequest::parse("jane@Bücher.example")
                .unwrap()
                .domain
                .as_str(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            MxRequest::parse("example.com.").unwrap().domain.as_str(),
            "example.com"
        );
        let err = MxRequest::parse("https://example.com/").unwrap_err();
        assert!(err.to_string().contains("e.g. example.com"), "{err}");
        let err = MxRequest::parse("jane@").unwrap_err();
        assert!(err.to_string().contains("after @"), "{err}");
        for rejected in ["", "192.0.2.1", "exa mple.com", &"a".repeat(300)] {
            let err = MxRequest::parse(rejected).unwrap_err();
            assert!(!err.to_string().is_empty(), "{rejected:?}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(input in any::<String>()) {
            let _ = MxRequest::parse(&input);
        }

        #[test]
        fn parsing_domain_like_text_never_panics(
            input in "[ a-zA-Z0-9.@\\-_:/üß\u{200d}\u{0300}xn--]{0,300}"
        ) {
            if let Ok(request) = MxRequest::parse(&input) {
                // Whatever is accepted is an ASCII name that parses again to itself.
                let ascii = request.domain.as_str().to_string();
                prop_assert!(ascii.is_ascii());
                let again = MxRequest::parse(&ascii).map(|again| again.domain.as_str().to_string());
                prop_assert_eq!(again, Ok(ascii));
            }
        }
    }
}
