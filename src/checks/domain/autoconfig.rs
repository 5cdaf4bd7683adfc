//! The autoconfig part (RFC 6186, RFC 8314): the SRV records mail apps look up to
//! find the servers by themselves. They are a convenience: a missing one is a
//! suggestion, never a failure; one that points elsewhere sends apps to the wrong
//! server, which is a warning.

use futures::future::join_all;

use super::report::{DnsRecord, Finding, Part, PartName};
use crate::catalog::SrvFact;
use crate::checks::net::resolver::{DnsAnswer, DnsResolver, SrvData};
use crate::checks::Services;
use crate::values::{DomainName, Verdict};

pub(super) async fn check(services: &Services, domain: &DomainName) -> Part {
    let facts = &services.catalog.domain.autoconfig;
    let resolver = &services.resolver;
    let results = join_all(
        facts
            .iter()
            .map(|fact| judge(resolver, fact, domain.as_str())),
    )
    .await;
    let mut findings = Vec::new();
    let mut publish = Vec::new();
    let mut present = 0;
    for (finding, record) in results {
        findings.push(finding);
        match record {
            Some(record) => publish.push(record),
            None => present += 1,
        }
    }
    let all_well = if present == facts.len() {
        format!(
            "All {} autoconfig records are published: mail apps find the servers by themselves.",
            facts.len()
        )
    } else {
        format!("{present} of {} autoconfig records are published. They are optional: with them, mail apps find the servers by themselves.", facts.len())
    };
    Part::new(PartName::Autoconfig, all_well, findings, publish)
}

/// One SRV record: a finding, and the record to publish when it is not as it should be.
async fn judge(
    resolver: &DnsResolver,
    fact: &SrvFact,
    domain: &str,
) -> (Finding, Option<DnsRecord>) {
    let name = format!("{}.{domain}", fact.service);
    let target = fact.target.trim_end_matches('.').to_ascii_lowercase();
    let wanted = DnsRecord::new(
        name.clone(),
        "SRV",
        format!("{} {} {} {target}.", fact.priority, fact.weight, fact.port),
    );
    let records: Vec<SrvData> = match resolver.srv(&name).await {
        DnsAnswer::Records(found) => found.records,
        DnsAnswer::NoData | DnsAnswer::NxDomain => {
            return (
                Finding::info(format!("{name} is not published: mail apps that look for it must be told the server ({target}, port {}) by hand.", fact.port)),
                Some(wanted),
            )
        }
        DnsAnswer::Failed(failure) => {
            return (
                Finding::new(Verdict::Unknown, format!("{name} could not be looked up: {failure}.")),
                None,
            )
        }
    };
    if records
        .iter()
        .any(|srv| srv.target == target && srv.port == fact.port)
    {
        return (
            Finding::info(format!("{name} points to {target}, port {}.", fact.port)),
            None,
        );
    }
    if records.iter().all(|srv| srv.target == ".") {
        // RFC 6186 §3: target "." says the service is not offered. A choice, not a fault.
        return (
            Finding::info(format!("{name} says the service is not offered (target \".\"); we offer it at {target}, port {}.", fact.port)),
            Some(wanted),
        );
    }
    let elsewhere: Vec<String> = records
        .iter()
        .map(|srv| format!("{}:{}", srv.target, srv.port))
        .collect();
    (
        Finding::new(
            Verdict::Warning,
            format!("{name} points to {} instead of {target}, port {}: mail apps that use it connect to the wrong server.", elsewhere.join(", "), fact.port),
        ),
        Some(wanted),
    )
}
