//! The verdict rules of `/mx`: given the mail hosts as looked up, does the provider
//! receive the domain's mail, and first? Also when to suggest the record to publish.
//!
//! The rules follow RFC 5321 §5.1 (lowest preference first; no MX means the domain's
//! own address is the mail host) and RFC 2181 §10.3 (an MX must not name an alias).

use std::cmp::Ordering;

use super::hosts::alias_text;
use super::report::{Finding, MxHost, MxKind, MxReport};
use crate::checks::{CheckReport, Conclusion};
use crate::values::{DomainName, Verdict};

/// The worst finding decides the verdict; the first (worst) finding explains it.
impl CheckReport for MxReport {
    fn conclusion(&self) -> Conclusion {
        let verdict = worst(&self.findings);
        let summary = match self.findings.first() {
            Some(finding) if verdict != Verdict::Ok => finding.text.clone(),
            _ => {
                let preference = self
                    .hosts
                    .first()
                    .map(|host| host.preference)
                    .unwrap_or_default();
                format!(
                    "{} receives its mail at {} (preference {preference}).",
                    self.display_domain, self.provider_host
                )
            }
        };
        Conclusion { verdict, summary }
    }
}

/// The worst verdict among the findings; OK when there are none.
pub(super) fn worst(findings: &[Finding]) -> Verdict {
    findings
        .iter()
        .fold(Verdict::Ok, |worst, finding| worst.worst(finding.verdict))
}

/// What to tell a user whose answer failed for want of DNS, not through their fault.
pub(super) const DNS_PROBLEM: &str =
    "This is a DNS problem, not a problem with your setup: try again in a few minutes.";

/// A domain without MX records: its own address receives the mail.
pub(super) fn judge_implicit(
    name: &str,
    provider: &str,
    host: &MxHost,
    findings: &mut Vec<Finding>,
) {
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
pub(super) fn judge_records(
    name: &str,
    provider: &str,
    hosts: &[MxHost],
    findings: &mut Vec<Finding>,
) {
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
    let placed = |order: Ordering| -> Vec<&MxHost> {
        others
            .iter()
            .copied()
            .filter(|host| host.preference.cmp(&our_preference) == order)
            .collect()
    };
    let before = placed(Ordering::Less);
    let shared = placed(Ordering::Equal);
    let after = placed(Ordering::Greater);
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
            format!("The address of {provider} could not be looked up, so delivery could not be confirmed. {DNS_PROBLEM}"),
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
            format!("{} {}{fix}.", ours.host, alias_text(alias)),
        ));
    }
    push_host_problems(others, findings);
}

/// A host as a sentence names it: `mx.example.com (preference 10)`.
fn label(host: &MxHost) -> String {
    format!("{} (preference {})", host.host, host.preference)
}

/// Hosts as a sentence lists them, comma-separated.
fn list(hosts: &[&MxHost]) -> String {
    hosts
        .iter()
        .map(|host| label(host))
        .collect::<Vec<_>>()
        .join(", ")
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
                format!("{} {}: remove this MX record.", label(host), problem.text),
            ));
        }
    }
}

/// Whether to suggest the record: when the domain's mail does not (only) go to the
/// provider, unless the domain does not exist or its records already name only the
/// provider (then the problem is not the customer's to fix, and suggesting the record
/// they already have would only confuse).
pub(super) fn record_needed(kind: MxKind, verdict: Verdict, records_are_right: bool) -> bool {
    // Without MX records the fix is known even when the domain's address is not.
    let needs_change =
        matches!(verdict, Verdict::Critical | Verdict::Warning) || kind == MxKind::Implicit;
    needs_change && kind != MxKind::NoSuchDomain && !records_are_right
}

/// The record that sends the domain's mail to the provider. Zone-file form with the
/// full name rather than `@`: `@` is only right when the customer's zone is exactly
/// this domain, the full name is right everywhere.
pub(super) fn suggested_record(domain: &DomainName, preference: u16, provider: &str) -> String {
    format!("{}  MX  {preference}  {provider}.", domain.to_fqdn())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
