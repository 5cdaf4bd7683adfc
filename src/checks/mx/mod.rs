//! `/mx`: do a domain's MX records send its mail to the provider's mail host?
//!
//! The check looks up the domain's MX records, then the addresses of every mail host
//! they name, and judges the set by the rules of RFC 5321 §5.1 (lowest preference
//! first; no MX means the domain's own address is the mail host), RFC 7505 (null MX)
//! and RFC 2181 §10.3 (an MX must not name an alias). It only resolves names; it never
//! connects to a mail host.
//!
//! - `request`: what the user typed, parsed to a domain.
//! - `hosts`: one mail host looked up, with what stops mail from reaching it.
//! - `verdict`: the verdict rules on the set, and when to suggest the record.
//! - `report`: the report, its mail hosts and findings.

mod hosts;
mod report;
mod request;
mod verdict;

pub use report::{Finding, MxHost, MxKind, MxReport};
pub use request::{MxRequest, MxRequestError};

use self::hosts::resolve_host;
use self::verdict::{judge_implicit, judge_records, worst, DNS_PROBLEM};
use crate::checks::net::resolver::{DnsAnswer, MxData};
use crate::checks::{Progress, Services};
use crate::values::Verdict;

/// At most this many mail hosts are resolved; a longer MX set is unusual and the
/// rest are listed as not checked (so one request cannot fan out without bound).
pub const MAX_HOSTS: usize = 10;

/// Runs the check. DNS faults become findings with verdict `unknown`. It is quick
/// (one round of lookups), so it reports no progress.
pub async fn run(services: &Services, request: &MxRequest, _progress: &Progress) -> MxReport {
    let resolver = &services.resolver;
    let catalog = &services.catalog.mx;
    let allow_private = services.config.allow_private_targets;
    let domain = &request.domain;
    let provider = catalog
        .provider_host
        .trim_end_matches('.')
        .to_ascii_lowercase();
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
                format!(
                    "The MX records of {name} could not be looked up: {failure}. {DNS_PROBLEM}"
                ),
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
            let host = resolve_host(
                resolver,
                0,
                domain.as_str(),
                domain.as_str(),
                &provider,
                allow_private,
            )
            .await;
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
                        allow_private,
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
    let verdict = worst(&report.findings);
    if verdict::record_needed(report.kind, verdict, records_are_right) {
        report.suggested_record = Some(verdict::suggested_record(
            domain,
            catalog.suggested_preference,
            &provider,
        ));
    }
    report
}
