//! The MX part: the `/mx` check itself, run by its own `run` and judged by its own
//! verdict rules, so `/domain` and `/mx` can never disagree about a domain's MX.

use super::report::{DnsRecord, Finding, Part, PartName};
use crate::checks::mx::{self, MxRequest};
use crate::checks::{CheckReport, Progress, Services};
use crate::values::DomainName;

pub(super) async fn check(services: &Services, domain: &DomainName) -> Part {
    let request = MxRequest {
        domain: domain.clone(),
    };
    let report = mx::run(services, &request, &Progress::none()).await;
    let conclusion = report.conclusion();
    let findings = report
        .findings
        .iter()
        .map(|finding| Finding::new(finding.verdict, finding.text.clone()))
        .collect();
    // The record /mx suggests, as a record: /mx decides whether one is needed.
    let publish = match &report.suggested_record {
        Some(_) => vec![DnsRecord::new(
            domain.as_str(),
            "MX",
            format!(
                "{} {}.",
                services.catalog.mx.suggested_preference, report.provider_host
            ),
        )],
        None => Vec::new(),
    };
    let mut part = Part::new(PartName::Mx, conclusion.summary.clone(), findings, publish);
    // /mx's own verdict and sentence stand, whatever the findings' order.
    part.verdict = conclusion.verdict;
    part.summary = conclusion.summary;
    part
}
