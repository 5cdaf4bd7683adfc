//! `check spf` as text: the question, the result and why, the explanation, and the
//! trace of every term with the lookups counted.

use std::fmt::Write;

use crate::checks::spf::eval::{MAX_DNS_TERMS, MAX_VOID_LOOKUPS};
use crate::checks::spf::{SpfReport, TraceOutcome};

pub fn render(report: &SpfReport, out: &mut String) {
    let sender = if report.sender.is_empty() {
        "<> (null sender)"
    } else {
        report.sender.as_str()
    };
    let _ = writeln!(out, "\nSender: {sender}");
    let _ = writeln!(out, "Domain: {}", report.domain);
    let _ = writeln!(out, "Client: {}", report.ip);
    if let Some(helo) = &report.helo {
        let _ = writeln!(out, "HELO:   {helo}");
    }
    let _ = writeln!(out, "Result: {}", report.result);
    if let Some(explanation) = &report.explanation {
        let _ = writeln!(out, "Explanation: {explanation}");
    }
    let _ = writeln!(
        out,
        "DNS lookups: {} of {MAX_DNS_TERMS}, void lookups: {} of {MAX_VOID_LOOKUPS}",
        report.dns_lookups, report.void_lookups
    );
    if report.trace.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nTerms evaluated:");
    for step in &report.trace {
        let indent = "  ".repeat(step.depth + 1);
        let _ = writeln!(
            out,
            "{indent}{} {}  [{}]  {}",
            step.domain,
            step.term,
            outcome(step.outcome),
            step.detail
        );
    }
}

fn outcome(outcome: TraceOutcome) -> &'static str {
    match outcome {
        TraceOutcome::Matched => "match",
        TraceOutcome::NoMatch => "no match",
        TraceOutcome::Followed => "followed",
        TraceOutcome::Ignored => "ignored",
        TraceOutcome::Error => "error",
    }
}
