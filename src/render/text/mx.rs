//! `/mx` as text: the mail hosts best first, what was found, and the record to set.

use std::fmt::Write;

use crate::checks::mx::{MxHost, MxReport};

pub fn render(report: &MxReport, out: &mut String) {
    let _ = writeln!(out, "\nDomain: {}", report.display_domain);
    if report.display_domain != report.domain {
        let _ = writeln!(out, "  (in DNS: {})", report.domain);
    }
    let _ = writeln!(out, "Expected mail host: {}", report.provider_host);
    if !report.hosts.is_empty() {
        let _ = writeln!(out, "\nMail hosts (lowest preference is tried first):");
        for host in &report.hosts {
            render_host(host, out);
        }
    }
    if !report.unchecked.is_empty() {
        let _ = writeln!(out, "  not checked: {}", report.unchecked.join(", "));
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for finding in &report.findings {
            let _ = writeln!(out, "  {:8}  {}", finding.verdict.label(), finding.text);
        }
    }
    if let Some(record) = &report.suggested_record {
        let _ = writeln!(out, "\nThe record to publish (and no other MX records):");
        let _ = writeln!(out, "  {record}");
    }
    if let Some(ttl) = report.ttl {
        let _ = writeln!(
            out,
            "\nTTL {ttl} s: a change can take that long to be seen everywhere."
        );
    }
}

fn render_host(host: &MxHost, out: &mut String) {
    let ours = if host.is_provider { "  (ours)" } else { "" };
    let _ = writeln!(out, "  {:>5}  {}{ours}", host.preference, host.host);
    let addresses: Vec<String> = host.addresses.iter().map(ToString::to_string).collect();
    if !addresses.is_empty() {
        let _ = writeln!(out, "         {}", addresses.join(", "));
    }
    for problem in &host.problems {
        let _ = writeln!(out, "         ! {}", problem.text);
    }
}
