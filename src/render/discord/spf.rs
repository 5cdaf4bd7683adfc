//! `check spf` / `/spf` as one embed: what a receiver concludes and why, the
//! explanation a failing domain gives, the lookups counted, and the terms evaluated.

use super::message::{Embed, Message};
use super::{code, escape, verdict_colour};
use crate::checks::spf::eval::{MAX_DNS_TERMS, MAX_VOID_LOOKUPS};
use crate::checks::spf::{SpfReport, TraceOutcome};
use crate::checks::Report;
use crate::wording::shorten;

/// A trace line's detail is cut to this many characters.
const DETAIL: usize = 160;

pub fn message(full: &Report, report: &SpfReport) -> Message {
    let sender = if report.sender.is_empty() {
        "<>".to_string()
    } else {
        report.sender.clone()
    };
    let mut embed = Embed::new(format!(
        "🛡️ SPF: {} from {}",
        escape(&report.domain),
        report.ip
    ))
    .description(format!(
        "{} {}",
        full.verdict.emoji(),
        escape(&full.summary)
    ))
    .color(verdict_colour(full.verdict))
    .field("Result", code(report.result.as_str()), true)
    .field("Sender", escape(&sender), true)
    .field(
        "DNS lookups",
        format!(
            "{} of {MAX_DNS_TERMS} · void {} of {MAX_VOID_LOOKUPS}",
            report.dns_lookups, report.void_lookups
        ),
        true,
    );
    if let Some(explanation) = &report.explanation {
        embed = embed.field("Explanation (from the domain)", escape(explanation), false);
    }
    let lines: Vec<String> = report
        .trace
        .iter()
        .map(|step| {
            format!(
                "{}{} {} · {} — {}",
                "  ".repeat(step.depth),
                mark(step.outcome),
                code(&step.term),
                escape(&step.domain),
                escape(&shorten(&step.detail, DETAIL))
            )
        })
        .collect();
    if !lines.is_empty() {
        embed = embed.field("Terms evaluated", lines.join("\n"), false);
    }
    Message {
        embeds: vec![embed.footer("RFC 7208 check_host(), as a receiving mail server runs it")],
        ..Message::default()
    }
}

fn mark(outcome: TraceOutcome) -> &'static str {
    match outcome {
        TraceOutcome::Matched => "🎯",
        TraceOutcome::NoMatch => "▫️",
        TraceOutcome::Followed => "↪️",
        TraceOutcome::Ignored => "➖",
        TraceOutcome::Error => "❌",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::spf::{SpfResult, TraceStep};
    use crate::checks::{CheckReport, Details};
    use crate::render::discord::{limits, report_message};

    #[test]
    fn the_longest_report_stays_within_discord_limits() {
        let long = "x*_`|".repeat(400);
        let step = TraceStep {
            depth: 9,
            domain: long.clone(),
            term: long.clone(),
            outcome: TraceOutcome::Matched,
            detail: long.clone(),
            dns_lookups: 10,
            void_lookups: 2,
        };
        let details = SpfReport {
            domain: "a".repeat(253),
            sender: long.clone(),
            ip: "2001:db8::1".parse().unwrap(),
            helo: Some(long.clone()),
            result: SpfResult::Fail,
            explanation: Some(long.clone()),
            reason: long.clone(),
            trace: vec![step; 200],
            dns_lookups: 11,
            void_lookups: 3,
        };
        let conclusion = details.conclusion();
        let report = Report {
            target: details.domain.clone(),
            verdict: conclusion.verdict,
            summary: conclusion.summary,
            details: Details::Spf(details),
        };
        let message = report_message(&report);
        assert_eq!(limits::violations(&message), Vec::<String>::new());
    }
}
