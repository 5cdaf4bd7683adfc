//! The MTA-STS part (RFC 8461) with TLS-RPT (RFC 8460): what the domain publishes,
//! for information. Only the TXT records are read; the MTA-STS policy file
//! (`https://mta-sts.<domain>/.well-known/mta-sts.txt`) is not fetched, so whether
//! it matches the MX records is not checked, and the report says so.

use super::report::{Finding, Part, PartName};
use crate::checks::net::resolver::DnsAnswer;
use crate::checks::spf::MAX_TEXT;
use crate::checks::Services;
use crate::values::{DomainName, Verdict};
use crate::wording::printable_within;

pub(super) async fn check(services: &Services, domain: &DomainName) -> Part {
    let resolver = &services.resolver;
    let sts_name = format!("_mta-sts.{domain}");
    let rpt_name = format!("_smtp._tls.{domain}");
    let (sts, rpt) = futures::join!(resolver.txt(&sts_name), resolver.txt(&rpt_name));
    let mut findings = vec![
        judge(&sts_name, sts, "v=STSv1", "MTA-STS", "RFC 8461 §3.1"),
        judge(&rpt_name, rpt, "v=TLSRPTv1", "TLS-RPT", "RFC 8460 §3"),
    ];
    if findings[0].text.starts_with("MTA-STS is published") {
        findings.push(Finding::info(format!(
            "The policy file at https://mta-sts.{domain}/.well-known/mta-sts.txt was not fetched: whether it lists our mail host is not checked here."
        )));
    }
    Part::new(
        PartName::MtaSts,
        "MTA-STS and TLS-RPT are optional; what is published is listed for information.",
        findings,
        Vec::new(),
    )
}

/// What one of the two TXT records says.
fn judge(name: &str, answer: DnsAnswer<String>, version: &str, label: &str, rfc: &str) -> Finding {
    let texts = match answer {
        DnsAnswer::Records(found) => found.records,
        DnsAnswer::NoData | DnsAnswer::NxDomain => {
            return Finding::info(format!("{label} is not published ({name}): optional."))
        }
        DnsAnswer::Failed(failure) => {
            return Finding::new(
                Verdict::Unknown,
                format!("{name} could not be looked up: {failure}."),
            )
        }
    };
    let records: Vec<&String> = texts
        .iter()
        .filter(|text| {
            text.split(';')
                .next()
                .is_some_and(|first| first.trim() == version)
        })
        .collect();
    match records.as_slice() {
        [] => Finding::info(format!(
            "{label} is not published ({name} has no {version} record): optional."
        )),
        [record] => Finding::info(format!(
            "{label} is published at {name}: {}",
            printable_within(record, MAX_TEXT)
        )),
        several => Finding::new(
            Verdict::Warning,
            format!(
                "{name} has {} {version} records: senders then ignore {label} ({rfc}). Keep one.",
                several.len()
            ),
        ),
    }
}
