//! `/domain` as text: a line per part, each part's findings, and every record to
//! publish as zone-file lines ready to paste.

use std::fmt::Write;

use crate::checks::domain::{DomainReport, Finding};
use crate::values::Verdict;

pub fn render(report: &DomainReport, out: &mut String) {
    let _ = writeln!(out, "\nDomain: {}", report.display_domain);
    if report.display_domain != report.domain {
        let _ = writeln!(out, "  (in DNS: {})", report.domain);
    }
    let _ = writeln!(out);
    let width = report
        .parts
        .iter()
        .map(|part| part.part.label().len())
        .max()
        .unwrap_or(0);
    for part in &report.parts {
        let _ = writeln!(
            out,
            "  [{}] {:width$}  {}",
            mark(part.verdict),
            part.part.label(),
            part.summary
        );
    }
    for part in report.parts.iter().filter(|part| !part.findings.is_empty()) {
        let _ = writeln!(out, "\n{}:", part.part.label());
        for finding in &part.findings {
            let _ = writeln!(out, "  {:8}  {}", level(finding), finding.text);
        }
    }
    let records: Vec<String> = report.publish().map(|record| record.zone_line()).collect();
    if !records.is_empty() {
        let _ = writeln!(out, "\nRecords to publish:");
        for record in records {
            let _ = writeln!(out, "  {record}");
        }
    }
}

/// A part's verdict in four characters, as the SMTP steps are marked.
fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Ok => "ok  ",
        Verdict::Warning => "WARN",
        Verdict::Critical => "CRIT",
        Verdict::Unknown => "UNKN",
    }
}

/// A finding's level: its verdict, or `info` for one that lowers nothing.
fn level(finding: &Finding) -> &'static str {
    match finding.verdict {
        Verdict::Ok => "info",
        verdict => verdict.label(),
    }
}
