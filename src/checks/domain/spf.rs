//! The SPF part: does the domain's SPF record authorise the provider's outgoing
//! servers, and is the record tree sound for every sender?
//!
//! The provider's outgoing addresses are read from its own SPF record (the include
//! target of `commands/domain.toml`), and the customer's record is evaluated by
//! `check_host()` (RFC 7208) for each of them, as a receiver would for mail we send
//! for the customer. The whole tree is linted as well (lookup limits, `+all`, `ptr`,
//! includes without a record, syntax). Both run at once with the provider's record:
//! the part costs two DNS round trips for a record that includes the provider.
//!
//! The linter, the read of our record and every evaluation share one run's
//! [`Lookups`]: one budget of queries for the whole part, each name asked once. What
//! the budget or the linter's bounds left out is said in a finding (the tree was cut
//! off), and the part shows at most [`MAX_PUBLISHED`] of the domain's records.

use std::collections::BTreeMap;
use std::net::IpAddr;

use futures::future::join_all;

use super::report::{DnsRecord, Finding, Part, PartName};
use crate::checks::net::resolver::DnsAnswer;
use crate::checks::spf::record::{self, Mechanism};
use crate::checks::spf::{
    self, Evaluation, Lookups, Severity, SpfQuery, SpfResult, MAX_RECORD_TEXT, MAX_TEXT,
};
use crate::checks::Services;
use crate::values::{DomainName, Verdict};
use crate::wording::printable_within;

/// At most this many of the provider's addresses are evaluated (one of each network
/// its record lists): enough to see a partial authorisation, bounded work.
const MAX_PROVIDER_ADDRESSES: usize = 8;

/// At most this many of the domain's own SPF records are shown ("published: …"): one
/// is right, two are a mistake worth showing, dozens are no more help than a few.
const MAX_PUBLISHED: usize = 4;

pub(super) async fn check(services: &Services, domain: &DomainName) -> Part {
    let lookups = Lookups::new(&services.resolver);
    let lookups = &lookups;
    let facts = &services.catalog.domain.spf;
    let include = facts.include.trim_end_matches('.').to_ascii_lowercase();
    let name = domain.as_str();
    let (lint, ours) = futures::join!(
        spf::lint(lookups, name),
        provider_addresses(lookups, &include)
    );
    let mut findings: Vec<Finding> = lint
        .findings
        .iter()
        .map(|finding| {
            let verdict = match finding.severity {
                Severity::Critical => Verdict::Critical,
                Severity::Warning => Verdict::Warning,
                Severity::Info => Verdict::Ok,
            };
            Finding::new(verdict, finding.text.clone())
        })
        .collect();
    // The lint already explains a missing record (a warning) and a doubled or broken
    // one (critical); an evaluation that ends in none or permerror then adds nothing.
    let explained = |result: SpfResult| {
        let needed = match result {
            SpfResult::None => Severity::Warning,
            SpfResult::Permerror => Severity::Critical,
            _ => return false,
        };
        lint.findings
            .iter()
            .any(|finding| finding.severity <= needed)
    };
    let root: Vec<&str> = lint
        .records
        .iter()
        .filter(|(owner, _)| owner == name)
        .map(|(_, text)| text.as_str())
        .collect();
    for text in root.iter().take(MAX_PUBLISHED) {
        findings.push(Finding::info(format!(
            "published: {}",
            printable_within(text, MAX_TEXT)
        )));
    }
    if root.len() > MAX_PUBLISHED {
        findings.push(Finding::info(format!(
            "published: {} more SPF records, not shown",
            root.len() - MAX_PUBLISHED
        )));
    }
    let mut all_pass = false;
    match ours {
        Ok(addresses) => {
            let evaluations = join_all(addresses.iter().map(|&ip| {
                let query = SpfQuery {
                    ip,
                    domain: name.to_string(),
                    sender: format!("postmaster@{name}"),
                    helo: None,
                };
                async move { (ip, spf::check_host(lookups, &query).await) }
            }))
            .await;
            all_pass = evaluations
                .iter()
                .all(|(_, evaluation)| evaluation.result == SpfResult::Pass);
            findings.extend(judge_evaluations(name, &include, &evaluations, explained));
        }
        Err(problem) => findings.push(Finding::new(
            Verdict::Unknown,
            format!("Our outgoing addresses could not be read from the SPF record of {include} ({problem}), so whether {name} authorises them was not evaluated."),
        )),
    }
    // The lint said what its own reading left out; the evaluations may have spent the
    // rest of the budget after it.
    if lookups.cut_off() && !lint.over_budget {
        findings.push(Finding::new(
            Verdict::Warning,
            format!(
                "The SPF tree of {name} was cut off: this check's budget of {} DNS queries was spent before every evaluation ended; the results above are incomplete.",
                lookups.budget()
            ),
        ));
    }
    // What the domain publishes is unknown when its lookup failed: nothing to mend.
    // Nor is a record longer than any the lint keeps whole suggested.
    let publish = (!lint.root_failed)
        .then(|| fixed_record(&root, &include, &facts.recommended, all_pass))
        .flatten()
        .filter(|value| value.len() <= MAX_RECORD_TEXT)
        .map(|value| vec![DnsRecord::new(name, "TXT", value)])
        .unwrap_or_default();
    let all_well = format!(
        "The SPF record of {} authorises our outgoing servers (pass).",
        domain.to_unicode()
    );
    Part::new(PartName::Spf, all_well, findings, publish)
}

/// The addresses our own SPF record lists (`ip4:`/`ip6:`, each network's first
/// address), or why there are none to evaluate.
async fn provider_addresses(lookups: &Lookups, include: &str) -> Result<Vec<IpAddr>, String> {
    let texts = match lookups.txt(include).await {
        DnsAnswer::Records(found) => found.records,
        DnsAnswer::NoData | DnsAnswer::NxDomain => {
            return Err(format!("{include} has no TXT record"))
        }
        DnsAnswer::Failed(failure) => return Err(failure.to_string()),
    };
    let text = texts
        .iter()
        .find(|text| record::is_spf_record(text))
        .ok_or_else(|| format!("{include} has no SPF record"))?;
    let parsed = record::parse(text).map_err(|err| printable_within(&err.to_string(), MAX_TEXT))?;
    let addresses: Vec<IpAddr> = parsed
        .directives
        .iter()
        .filter_map(|directive| match &directive.mechanism {
            Mechanism::Ip4 { network, .. } => Some(IpAddr::V4(*network)),
            Mechanism::Ip6 { network, .. } => Some(IpAddr::V6(*network)),
            _ => None,
        })
        .take(MAX_PROVIDER_ADDRESSES)
        .collect();
    if addresses.is_empty() {
        return Err(format!(
            "the record of {include} lists no ip4 or ip6 address"
        ));
    }
    Ok(addresses)
}

/// The verdict a receiver's result means for mail we send for the customer.
fn verdict_of(result: SpfResult) -> Verdict {
    match result {
        SpfResult::Pass => Verdict::Ok,
        SpfResult::Softfail | SpfResult::Neutral | SpfResult::None => Verdict::Warning,
        SpfResult::Fail | SpfResult::Permerror => Verdict::Critical,
        SpfResult::Temperror => Verdict::Unknown,
    }
}

/// One finding per distinct result among our addresses.
fn judge_evaluations(
    domain: &str,
    include: &str,
    evaluations: &[(IpAddr, Evaluation)],
    explained: impl Fn(SpfResult) -> bool,
) -> Vec<Finding> {
    let mut by_result: BTreeMap<&'static str, (SpfResult, Vec<IpAddr>, &Evaluation)> =
        BTreeMap::new();
    for (ip, evaluation) in evaluations {
        by_result
            .entry(evaluation.result.as_str())
            .or_insert((evaluation.result, Vec::new(), evaluation))
            .1
            .push(*ip);
    }
    let add = format!("add include:{include} to the record");
    let mut findings = Vec::new();
    for (result, ips, evaluation) in by_result.into_values() {
        if explained(result) {
            continue;
        }
        let servers = ips
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let reason = &evaluation.reason;
        let text = match result {
            SpfResult::Pass => format!("Our outgoing servers ({servers}) pass SPF for {domain}."),
            SpfResult::Fail => format!("Mail we send for {domain} from {servers} fails SPF, so receivers reject it or file it as spam: {reason}. To fix it, {add}."),
            SpfResult::Softfail | SpfResult::Neutral => format!("Mail we send for {domain} from {servers} gets SPF {result}, so receivers treat it as suspicious: {reason}. To fix it, {add}."),
            SpfResult::None => format!("Receivers find no SPF policy for {domain} when we send from {servers}: {reason}."),
            SpfResult::Permerror => format!("Receivers get SPF permerror for {domain} when we send from {servers}: {reason}."),
            SpfResult::Temperror => format!("The SPF evaluation for our servers ({servers}) ended in temperror, a DNS failure: {reason}."),
        };
        findings.push(Finding::new(verdict_of(result), text));
    }
    findings
}

/// The SPF record to publish instead of what the domain has, when a change is needed:
/// the recommended record when there is none; one record merged from several; the
/// include added when our servers do not pass; `+all` made `~all`. `None` when
/// nothing in the root record would help (the fault lies deeper, and the findings
/// say where).
fn fixed_record(
    records: &[&str],
    include: &str,
    recommended: &str,
    all_pass: bool,
) -> Option<String> {
    let include_term = format!("include:{include}");
    let terms_of = |text: &str| -> Vec<String> {
        text.split(' ')
            .skip(1)
            .filter(|term| !term.is_empty())
            .map(str::to_string)
            .collect()
    };
    let is_all = |term: &str| {
        term.trim_start_matches(['+', '-', '~', '?'])
            .eq_ignore_ascii_case("all")
    };
    let (mut terms, merged) = match records {
        [] => return Some(recommended.to_string()),
        [one] => (terms_of(one), false),
        several => {
            // Several records: their mechanisms in one record, without their all
            // terms and modifiers, ending as the strictest of them ended.
            let mut terms: Vec<String> = Vec::new();
            let mut strict = false;
            for text in several {
                for term in terms_of(text) {
                    if is_all(&term) {
                        strict |= term.starts_with('-');
                    } else if !term.contains('=')
                        && !terms.iter().any(|t| t.eq_ignore_ascii_case(&term))
                    {
                        terms.push(term);
                    }
                }
            }
            terms.push(if strict { "-all" } else { "~all" }.to_string());
            (terms, true)
        }
    };
    let mut changed = merged;
    for term in &mut terms {
        // "+all" or "all": anyone may send as the domain.
        if is_all(term) && !term.starts_with(['-', '~', '?']) {
            *term = "~all".to_string();
            changed = true;
        }
    }
    let has_include = terms.iter().any(|term| {
        term.trim_start_matches('+')
            .eq_ignore_ascii_case(&include_term)
    });
    if !has_include && !all_pass {
        // Before the all term, which ends the evaluation; else among the mechanisms,
        // which are all evaluated before a redirect.
        let at = terms
            .iter()
            .position(|term| is_all(term) || term.contains('='))
            .unwrap_or(terms.len());
        terms.insert(at, include_term);
        changed = true;
    }
    changed.then(|| format!("v=spf1 {}", terms.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCLUDE: &str = "spf.echoterra.net";
    const RECOMMENDED: &str = "v=spf1 include:spf.echoterra.net ~all";

    fn fix(records: &[&str], all_pass: bool) -> Option<String> {
        fixed_record(records, INCLUDE, RECOMMENDED, all_pass)
    }

    #[test]
    fn no_record_gets_the_recommended_one() {
        assert_eq!(fix(&[], false).as_deref(), Some(RECOMMENDED));
    }

    #[test]
    fn the_include_goes_before_the_all_term() {
        assert_eq!(
            fix(&["v=spf1 ip4:192.0.2.1 -all"], false).as_deref(),
            Some("v=spf1 ip4:192.0.2.1 include:spf.echoterra.net -all")
        );
        assert_eq!(
            fix(&["v=spf1 a redirect=_spf.example.com"], false).as_deref(),
            Some("v=spf1 a include:spf.echoterra.net redirect=_spf.example.com")
        );
        assert_eq!(
            fix(&["v=spf1 mx"], false).as_deref(),
            Some("v=spf1 mx include:spf.echoterra.net")
        );
    }

    #[test]
    fn a_record_that_passes_needs_nothing() {
        assert_eq!(fix(&["v=spf1 include:spf.echoterra.net -all"], true), None);
        assert_eq!(fix(&["v=spf1 redirect=spf.echoterra.net"], true), None);
        // Included but still failing (the fault lies deeper): the root cannot help.
        assert_eq!(fix(&["v=spf1 include:spf.echoterra.net -all"], false), None);
    }

    #[test]
    fn plus_all_becomes_softfail() {
        assert_eq!(
            fix(&["v=spf1 include:spf.echoterra.net +all"], true).as_deref(),
            Some("v=spf1 include:spf.echoterra.net ~all")
        );
        assert_eq!(
            fix(&["v=spf1 all"], false).as_deref(),
            Some("v=spf1 include:spf.echoterra.net ~all")
        );
    }

    #[test]
    fn several_records_merge_into_one() {
        assert_eq!(
            fix(
                &[
                    "v=spf1 ip4:192.0.2.1 -all",
                    "v=spf1 include:spf.echoterra.net ~all"
                ],
                false
            )
            .as_deref(),
            Some("v=spf1 ip4:192.0.2.1 include:spf.echoterra.net -all")
        );
    }
}
