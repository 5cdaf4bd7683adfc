//! The DMARC part (RFC 7489): the policy at `_dmarc.<domain>`, or the organizational
//! domain's when the domain has none (§6.6.3; the organizational domain comes from the
//! Public Suffix List, §3.2), its policy, percentage and report addresses.
//!
//! Both records are asked for at once. Report addresses in another organizational
//! domain need that domain's permission (§7.1): those are asked for in a second round.

use futures::future::join_all;

use super::report::{DnsRecord, Finding, Part, PartName};
use crate::checks::net::resolver::{DnsAnswer, DnsResolver};
use crate::checks::spf::MAX_TEXT;
use crate::checks::Services;
use crate::values::{DomainName, Verdict};
use crate::wording::printable_within;

/// At most this many external report domains are checked for their permission.
const MAX_EXTERNAL: usize = 4;

pub(super) async fn check(services: &Services, domain: &DomainName) -> Part {
    let resolver = &services.resolver;
    let name = domain.as_str();
    let org = organizational_domain(name);
    let own_name = format!("_dmarc.{name}");
    let org_name = format!("_dmarc.{org}");
    let (own, parent) = futures::join!(resolver.txt(&own_name), async {
        if org == name {
            None
        } else {
            Some(resolver.txt(&org_name).await)
        }
    });
    let recommended = DnsRecord::new(
        own_name.clone(),
        "TXT",
        services.catalog.domain.dmarc.recommended_for(name),
    );
    let mut findings = Vec::new();
    let (records, owner, policy_domain) = match select(&own) {
        Selected::Failed(failure) => {
            findings.push(Finding::new(
                Verdict::Unknown,
                format!("The DMARC record at {own_name} could not be looked up: {failure}."),
            ));
            return part(findings, Vec::new());
        }
        Selected::Records(records) => (records, own_name.clone(), name.to_string()),
        Selected::None => match parent.as_ref().map(select) {
            Some(Selected::Records(records)) => {
                findings.push(Finding::info(format!(
                    "{name} has no DMARC record of its own: receivers use the one of its organizational domain {org} (RFC 7489 §6.6.3)."
                )));
                (records, org_name.clone(), org.clone())
            }
            Some(Selected::Failed(failure)) => {
                findings.push(Finding::new(
                    Verdict::Unknown,
                    format!("{name} has no DMARC record, and that of {org} ({org_name}) could not be looked up: {failure}."),
                ));
                return part(findings, Vec::new());
            }
            Some(Selected::None) | None => {
                findings.push(Finding::new(
                    Verdict::Warning,
                    format!("{name} has no DMARC record: receivers apply no policy to mail forged in its name, and Gmail and Yahoo want one from bulk senders. Publish the record below."),
                ));
                return part(findings, vec![recommended]);
            }
        },
    };
    if records.len() > 1 {
        findings.push(Finding::new(
            Verdict::Warning,
            format!("{owner} has {} DMARC records: receivers then ignore DMARC altogether (RFC 7489 §6.6.3). Keep only the record below.", records.len()),
        ));
        return part(findings, vec![recommended]);
    }
    let text = &records[0];
    findings.push(Finding::info(format!(
        "published at {owner}: {}",
        printable_within(text, MAX_TEXT)
    )));
    let inherited = owner != own_name;
    let policy = match Policy::parse(text) {
        Ok(policy) => policy,
        Err(problem) => {
            findings.push(Finding::new(
                Verdict::Warning,
                format!("The DMARC record at {owner} is not valid ({}), so receivers ignore it. Publish the record below.", printable_within(&problem, MAX_TEXT)),
            ));
            return part(findings, vec![recommended]);
        }
    };
    let mut publish = Vec::new();
    // For a subdomain using its organizational domain's record, sp= applies (§6.3).
    let applied = if inherited {
        policy.subdomain.unwrap_or(policy.request)
    } else {
        policy.request
    };
    match applied {
        Request::None => {
            findings.push(Finding::new(
                Verdict::Warning,
                format!("The DMARC policy of {name} is p=none: receivers only report, and deliver forged mail as usual. Once the reports show your own mail passing, move to p=quarantine."),
            ));
            // A subdomain gets a record of its own rather than a change to the
            // organizational domain's, which may be someone else's to decide.
            publish.push(if inherited {
                recommended.clone()
            } else {
                DnsRecord::new(
                    own_name.clone(),
                    "TXT",
                    policy.with(text, "p", "quarantine"),
                )
            });
        }
        Request::Quarantine | Request::Reject => findings.push(Finding::info(format!(
            "Policy {}: receivers {} mail that fails DMARC.",
            applied.as_str(),
            if applied == Request::Reject {
                "reject"
            } else {
                "send to spam"
            }
        ))),
    }
    if let Some(pct) = policy.pct.filter(|&pct| pct < 100) {
        findings.push(Finding::new(
            Verdict::Warning,
            format!("pct={pct}: the policy applies to only {pct}% of the mail that fails DMARC; the rest is delivered as if p=none."),
        ));
    }
    for problem in &policy.problems {
        findings.push(Finding::new(
            Verdict::Warning,
            printable_within(problem, MAX_TEXT),
        ));
    }
    // Report addresses in another organizational domain need its permission (§7.1).
    let policy_org = organizational_domain(&policy_domain);
    let mut external: Vec<String> = policy
        .report_domains()
        .into_iter()
        .filter(|destination| organizational_domain(destination) != policy_org)
        .collect();
    external.sort();
    external.dedup();
    external.truncate(MAX_EXTERNAL);
    let authorisations = join_all(
        external
            .iter()
            .map(|destination| authorised(resolver, &policy_domain, destination)),
    )
    .await;
    for (destination, answer) in external.iter().zip(authorisations) {
        let record = format!("{policy_domain}._report._dmarc.{destination}");
        match answer {
            Authorised::Yes => findings.push(Finding::info(format!(
                "{destination} accepts reports for {policy_domain} ({record})."
            ))),
            Authorised::No => {
                findings.push(Finding::new(
                    Verdict::Warning,
                    format!("Reports go to {destination}, another organization, which has not agreed to receive them: receivers send no reports there until {destination} publishes {record} (RFC 7489 §7.1). That record belongs in {destination}'s DNS, not yours."),
                ));
                publish.push(DnsRecord::new(record, "TXT", "v=DMARC1"));
            }
            Authorised::Unknown(failure) => findings.push(Finding::new(
                Verdict::Unknown,
                format!("Whether {destination} accepts reports for {policy_domain} could not be looked up ({record}): {failure}."),
            )),
        }
    }
    part(findings, publish)
}

fn part(findings: Vec<Finding>, publish: Vec<DnsRecord>) -> Part {
    Part::new(
        PartName::Dmarc,
        "A DMARC policy is published and enforced (quarantine or reject).",
        findings,
        publish,
    )
}

/// The organizational domain (RFC 7489 §3.2): the public suffix plus one label, from
/// the Public Suffix List; the domain itself when the list knows no suffix for it.
pub(crate) fn organizational_domain(domain: &str) -> String {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&domain)
        .map(str::to_string)
        .unwrap_or(domain)
}

/// The DMARC records among a name's TXT records.
enum Selected {
    Records(Vec<String>),
    None,
    Failed(String),
}

/// §6.6.3: records that do not start with `v=DMARC1` are discarded.
fn select(answer: &DnsAnswer<String>) -> Selected {
    match answer {
        DnsAnswer::Records(found) => {
            let records: Vec<String> = found
                .records
                .iter()
                .filter(|text| is_dmarc(text))
                .cloned()
                .collect();
            if records.is_empty() {
                Selected::None
            } else {
                Selected::Records(records)
            }
        }
        DnsAnswer::NoData | DnsAnswer::NxDomain => Selected::None,
        DnsAnswer::Failed(failure) => Selected::Failed(failure.to_string()),
    }
}

fn is_dmarc(text: &str) -> bool {
    let first = text.split(';').next().unwrap_or_default();
    match first.split_once('=') {
        Some((key, value)) => key.trim() == "v" && value.trim() == "DMARC1",
        None => false,
    }
}

enum Authorised {
    Yes,
    No,
    Unknown(String),
}

/// §7.1: `<policy domain>._report._dmarc.<destination>` holds a `v=DMARC1` record.
async fn authorised(resolver: &DnsResolver, policy_domain: &str, destination: &str) -> Authorised {
    let name = format!("{policy_domain}._report._dmarc.{destination}");
    match select(&resolver.txt(&name).await) {
        Selected::Records(_) => Authorised::Yes,
        Selected::None => Authorised::No,
        Selected::Failed(failure) => Authorised::Unknown(failure),
    }
}

/// The requested policy (`p=`, `sp=`, §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Request {
    None,
    Quarantine,
    Reject,
}

impl Request {
    fn parse(value: &str) -> Option<Request> {
        match value.to_ascii_lowercase().as_str() {
            "none" => Some(Request::None),
            "quarantine" => Some(Request::Quarantine),
            "reject" => Some(Request::Reject),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Request::None => "none",
            Request::Quarantine => "quarantine",
            Request::Reject => "reject",
        }
    }
}

/// A DMARC record, read (§6.3), with what is wrong in it but not fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Policy {
    request: Request,
    subdomain: Option<Request>,
    pct: Option<u8>,
    /// The `mailto:` addresses of `rua` and `ruf`.
    report_addresses: Vec<String>,
    problems: Vec<String>,
}

impl Policy {
    /// Reads a record: `Err` when receivers would ignore it (§6.6.3).
    fn parse(text: &str) -> Result<Policy, String> {
        let mut tags: Vec<(String, String)> = Vec::new();
        for part in text.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("\"{part}\" is not of the form tag=value"))?;
            tags.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        let get = |name: &str| {
            tags.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let mut problems = Vec::new();
        let mut report_addresses = Vec::new();
        for tag in ["rua", "ruf"] {
            let Some(value) = get(tag) else { continue };
            for uri in value.split(',').map(str::trim) {
                match report_address(uri) {
                    Ok(address) => report_addresses.push(address),
                    Err(why) => problems.push(format!(
                        "{tag}: \"{uri}\" is not a report address receivers can use ({why}); write it as mailto:reports@example.com."
                    )),
                }
            }
        }
        // §6.6.3: a missing or invalid p= with a valid rua= is p=none; else no policy.
        let request = match get("p").map(Request::parse) {
            Some(Some(request)) => request,
            Some(None) | None if !report_addresses.is_empty() && get("rua").is_some() => {
                problems.push("the record has no valid p= tag: receivers treat it as p=none (RFC 7489 §6.6.3).".to_string());
                Request::None
            }
            Some(None) => {
                return Err(format!(
                    "p={} is not none, quarantine or reject",
                    get("p").unwrap_or_default()
                ))
            }
            None => return Err("it has no p= tag, which is required".to_string()),
        };
        let subdomain = match get("sp") {
            None => None,
            Some(value) => match Request::parse(value) {
                Some(request) => Some(request),
                None => {
                    problems.push(format!("sp={value} is not none, quarantine or reject: receivers use p= for subdomains."));
                    None
                }
            },
        };
        let pct = match get("pct") {
            None => None,
            Some(value) => match value.parse::<u8>() {
                Ok(pct) if pct <= 100 => Some(pct),
                _ => {
                    problems.push(format!("pct={value} is not a number from 0 to 100: receivers apply the policy to all mail."));
                    None
                }
            },
        };
        for tag in ["adkim", "aspf"] {
            if let Some(value) = get(tag) {
                if !matches!(value, "r" | "s") {
                    problems.push(format!(
                        "{tag}={value} is neither r (relaxed) nor s (strict): receivers use r."
                    ));
                }
            }
        }
        Ok(Policy {
            request,
            subdomain,
            pct,
            report_addresses,
            problems,
        })
    }

    /// The domains reports are sent to.
    fn report_domains(&self) -> Vec<String> {
        self.report_addresses
            .iter()
            .filter_map(|address| address.rsplit_once('@'))
            .map(|(_, domain)| domain.to_ascii_lowercase())
            .collect()
    }

    /// The record with one tag's value replaced (and `pct` dropped: a policy to
    /// enforce is one for all mail).
    fn with(&self, text: &str, tag: &str, value: &str) -> String {
        let parts: Vec<String> = text
            .split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .filter(|part| {
                part.split_once('=')
                    .is_none_or(|(key, _)| !key.trim().eq_ignore_ascii_case("pct"))
            })
            .map(|part| match part.split_once('=') {
                Some((key, _)) if key.trim().eq_ignore_ascii_case(tag) => {
                    format!("{tag}={value}")
                }
                _ => part.to_string(),
            })
            .collect();
        parts.join("; ")
    }
}

/// A report URI (§6.2, §6.3): `mailto:` an address, with an optional `!size` limit.
fn report_address(uri: &str) -> Result<String, String> {
    let (scheme, rest) = uri
        .split_once(':')
        .ok_or("it has no scheme such as mailto:")?;
    if !scheme.eq_ignore_ascii_case("mailto") {
        return Err(format!(
            "{scheme}: is not mailto:, the one scheme every receiver supports"
        ));
    }
    // "!10m": a size limit, digits and an optional unit.
    let address = match rest.rsplit_once('!') {
        Some((address, limit)) => {
            let digits = limit.trim_end_matches(['k', 'm', 'g', 't']);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("\"!{limit}\" is not a size limit such as !10m"));
            }
            address
        }
        None => rest,
    };
    let (local, domain) = address.rsplit_once('@').ok_or("the address has no @")?;
    if local.is_empty() || DomainName::parse(domain).is_err() {
        return Err("the address is not valid".to_string());
    }
    Ok(address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizational_domains_come_from_the_public_suffix_list() {
        assert_eq!(organizational_domain("mail.example.com"), "example.com");
        assert_eq!(organizational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(organizational_domain("example.com"), "example.com");
        assert_eq!(organizational_domain("shop.example"), "shop.example");
    }

    #[test]
    fn records_are_selected_by_their_first_tag() {
        assert!(is_dmarc("v=DMARC1; p=none"));
        assert!(is_dmarc("v = DMARC1;p=reject"));
        assert!(!is_dmarc("p=none; v=DMARC1"));
        assert!(!is_dmarc("v=spf1 -all"));
        assert!(!is_dmarc("v=DMARC2; p=none"));
    }

    #[test]
    fn a_policy_is_read_with_its_problems() {
        let policy = Policy::parse(
            "v=DMARC1; p=Reject; sp=none; pct=50; rua=mailto:a@example.com!10m,https://x.example/r; adkim=x",
        )
        .unwrap();
        assert_eq!(policy.request, Request::Reject);
        assert_eq!(policy.subdomain, Some(Request::None));
        assert_eq!(policy.pct, Some(50));
        assert_eq!(policy.report_addresses, ["a@example.com"]);
        assert_eq!(policy.problems.len(), 2, "{:?}", policy.problems);
        assert!(policy.problems[0].contains("https:"));
        assert!(policy.problems[1].contains("adkim=x"));
    }

    #[test]
    fn a_missing_policy_is_none_with_rua_and_invalid_without() {
        let with_rua = Policy::parse("v=DMARC1; rua=mailto:r@example.com").unwrap();
        assert_eq!(with_rua.request, Request::None);
        assert!(Policy::parse("v=DMARC1").unwrap_err().contains("p="));
        assert!(Policy::parse("v=DMARC1; p=maybe")
            .unwrap_err()
            .contains("p=maybe"));
    }

    #[test]
    fn the_fixed_record_keeps_the_reports_and_drops_pct() {
        let text = "v=DMARC1; p=none; pct=20; rua=mailto:r@example.com";
        let policy = Policy::parse(text).unwrap();
        assert_eq!(
            policy.with(text, "p", "quarantine"),
            "v=DMARC1; p=quarantine; rua=mailto:r@example.com"
        );
    }

    #[test]
    fn report_addresses_are_mailto_with_an_optional_limit() {
        assert_eq!(
            report_address("mailto:r@example.com!5m").unwrap(),
            "r@example.com"
        );
        assert!(report_address("r@example.com").is_err());
        assert!(report_address("mailto:nobody").is_err());
        assert!(report_address("mailto:r@example.com!big").is_err());
    }
}
