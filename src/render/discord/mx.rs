//! `/mx` as one embed in the verdict's colour: a field per mail host, the findings,
//! and the record to publish as a code block the customer can copy.

use super::message::{Embed, Message};
use super::{escape, verdict_colour};
use crate::checks::mx::{MxHost, MxReport};
use crate::checks::Report;

pub fn message(full: &Report, report: &MxReport) -> Message {
    let (verdict, summary) = (full.verdict, full.summary.as_str());
    let mut embed = Embed::new(format!("MX lookup: {}", escape(&report.display_domain)))
        .description(format!("{} {}", verdict.emoji(), escape(summary)))
        .color(verdict_colour(verdict));
    for host in &report.hosts {
        embed = embed.field(host_title(host), host_text(host), false);
    }
    if !report.unchecked.is_empty() {
        embed = embed.field("Not checked", escape(&report.unchecked.join(", ")), false);
    }
    // The first finding is already the description.
    if report.findings.len() > 1 {
        let lines: Vec<String> = report
            .findings
            .iter()
            .map(|finding| format!("{} {}", finding.verdict.emoji(), escape(&finding.text)))
            .collect();
        embed = embed.field("Findings", lines.join("\n"), false);
    }
    if let Some(record) = &report.suggested_record {
        embed = embed.field(
            "Set this record (and remove other MX records)",
            format!("```\n{record}\n```"),
            false,
        );
    }
    let footer = match report.ttl {
        Some(ttl) => format!(
            "Expected mail host: {} · TTL {ttl} s: changes can take that long to show everywhere",
            report.provider_host
        ),
        None => format!("Expected mail host: {}", report.provider_host),
    };
    Message {
        embeds: vec![embed.footer(footer)],
        ..Message::default()
    }
}

fn host_title(host: &MxHost) -> String {
    // Any host but the provider's is itself a finding, so only ours can be ✅.
    let mark = match host.reachable {
        Some(true) if host.is_provider && host.problems.is_empty() => "✅",
        Some(true) => "⚠️",
        Some(false) => "❌",
        None => "❔",
    };
    let ours = if host.is_provider { " (ours)" } else { "" };
    format!("{mark} {} · {}{ours}", host.preference, escape(&host.host))
}

fn host_text(host: &MxHost) -> String {
    let addresses: Vec<String> = host.addresses.iter().map(ToString::to_string).collect();
    let mut lines = Vec::new();
    if addresses.is_empty() {
        lines.push("no address".to_string());
    } else {
        lines.push(addresses.join(", "));
    }
    lines.extend(
        host.problems
            .iter()
            .map(|problem| format!("{} {}", problem.verdict.emoji(), escape(&problem.text))),
    );
    lines.join("\n")
}
