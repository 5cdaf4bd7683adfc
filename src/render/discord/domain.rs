//! `/domain` as one embed in the verdict's colour: the verdict sentence, a line per
//! part (✅ / ⚠️ / ❌, 💡 for an optional suggestion), the problems worth reading, and
//! the records to publish in copyable code blocks.

use super::limits::FIELD_VALUE;
use super::message::{Embed, Message};
use super::{escape, verdict_colour};
use crate::checks::domain::{DomainReport, Part};
use crate::checks::Report;
use crate::values::Verdict;
use crate::wording::shorten;

/// A part's line is cut to this many characters so six lines fit the description.
const PART_LINE: usize = 400;
/// At most this many problems of a part are listed under it.
const PROBLEMS_PER_PART: usize = 3;

pub fn message(full: &Report, report: &DomainReport) -> Message {
    let mut description = format!(
        "{} {}\n",
        full.verdict.emoji(),
        escape(&shorten(&full.summary, 600))
    );
    for part in &report.parts {
        description.push_str(&format!(
            "\n{} **{}** · {}",
            mark(part),
            part.part.label(),
            escape(&shorten(&part.summary, PART_LINE))
        ));
    }
    let mut embed = Embed::new(format!(
        "📋 Mail setup of {}",
        escape(&report.display_domain)
    ))
    .description(description)
    .color(verdict_colour(full.verdict));
    for part in report.troubled() {
        // The first problem is the part's line already.
        let more: Vec<String> = part
            .findings
            .iter()
            .filter(|finding| finding.verdict != Verdict::Ok)
            .skip(1)
            .take(PROBLEMS_PER_PART)
            .map(|finding| format!("{} {}", finding.verdict.emoji(), escape(&finding.text)))
            .collect();
        if !more.is_empty() {
            embed = embed.field(
                format!("{} also", part.part.label()),
                more.join("\n"),
                false,
            );
        }
    }
    let records: Vec<String> = report
        .publish()
        .map(|record| code_safe(&record.zone_line()))
        .collect();
    for (index, block) in blocks(&records).into_iter().enumerate() {
        let name = if index == 0 {
            "Records to publish (copy into your DNS)".to_string()
        } else {
            "Records to publish (continued)".to_string()
        };
        embed = embed.field(name, block, false);
    }
    let footer = format!(
        "MTA-STS policy files are not fetched · full details: echoterra-bot check domain {}",
        report.domain
    );
    Message {
        embeds: vec![embed.footer(footer)],
        ..Message::default()
    }
}

/// ✅ / ⚠️ / ❌ / ❔ by the part's verdict, and 💡 for a part that is fine but has an
/// optional suggestion (autoconfig records, say).
fn mark(part: &Part) -> &'static str {
    if part.verdict == Verdict::Ok && !part.publish.is_empty() {
        "💡"
    } else {
        part.verdict.emoji()
    }
}

/// Text for a code block: a backtick (possible in DNS text) would end the block.
fn code_safe(text: &str) -> String {
    text.replace('`', "'")
}

/// The lines in code blocks of at most one field each; a line too long for a field
/// is cut (the text and JSON outputs carry it whole).
fn blocks(lines: &[String]) -> Vec<String> {
    const FENCE: usize = "```\n\n```".len();
    let mut blocks = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut size = FENCE;
    for line in lines {
        let line = shorten(line, FIELD_VALUE - FENCE - 1);
        let added = line.chars().count() + 1;
        if size + added > FIELD_VALUE && !current.is_empty() {
            blocks.push(format!("```\n{}\n```", current.join("\n")));
            current.clear();
            size = FENCE;
        }
        size += added;
        current.push(line);
    }
    if !current.is_empty() {
        blocks.push(format!("```\n{}\n```", current.join("\n")));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::domain::{DnsRecord, Finding, PartName};
    use crate::checks::{CheckReport, Details};
    use crate::render::discord::{limits, report_message};

    fn report(parts: Vec<Part>) -> Report {
        let details = DomainReport {
            domain: "example.com".into(),
            display_domain: "example.com".into(),
            provider: "Echoterra Communications".into(),
            parts,
        };
        let conclusion = details.conclusion();
        Report {
            target: "example.com".into(),
            verdict: conclusion.verdict,
            summary: conclusion.summary,
            details: Details::Domain(details),
        }
    }

    /// Every part as long and hostile as DNS text can make it.
    #[test]
    fn the_longest_report_stays_within_discord_limits() {
        let long = "x*_`|```".repeat(600);
        let names = [
            PartName::Mx,
            PartName::Spf,
            PartName::Dkim,
            PartName::Dmarc,
            PartName::Autoconfig,
            PartName::MtaSts,
        ];
        let parts = names
            .into_iter()
            .map(|name| {
                Part::new(
                    name,
                    long.clone(),
                    vec![Finding::new(Verdict::Critical, long.clone()); 40],
                    vec![DnsRecord::new(long.clone(), "TXT", long.clone()); 30],
                )
            })
            .collect();
        let message = report_message(&report(parts));
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        for field in &message.embeds[0].fields {
            if field.name.starts_with("Records") {
                assert!(field.value.starts_with("```\n") && field.value.ends_with("\n```"));
                assert_eq!(field.value.matches("```").count(), 2, "{}", field.value);
            }
        }
    }

    #[test]
    fn a_line_per_part_and_the_records_in_a_code_block() {
        let parts = vec![
            Part::new(PartName::Mx, "MX fine.", vec![], vec![]),
            Part::new(
                PartName::Dmarc,
                "fine",
                vec![Finding::new(Verdict::Warning, "No DMARC record.")],
                vec![DnsRecord::new(
                    "_dmarc.example.com",
                    "TXT",
                    "v=DMARC1; p=quarantine",
                )],
            ),
            Part::new(
                PartName::Autoconfig,
                "Optional.",
                vec![Finding::info("missing")],
                vec![DnsRecord::new(
                    "_imaps._tcp.example.com",
                    "SRV",
                    "0 1 993 mail.echoterra.net.",
                )],
            ),
        ];
        let message = report_message(&report(parts));
        let embed = &message.embeds[0];
        let description = embed.description.as_deref().unwrap();
        assert!(
            description.contains("✅ **MX** · MX fine."),
            "{description}"
        );
        assert!(
            description.contains("⚠️ **DMARC** · No DMARC record."),
            "{description}"
        );
        assert!(description.contains("💡 **Autoconfig**"), "{description}");
        let records = &embed.fields.last().unwrap().value;
        assert!(records.contains("_dmarc.example.com.  TXT  \"v=DMARC1; p=quarantine\""));
        assert!(records.contains("_imaps._tcp.example.com.  SRV  0 1 993 mail.echoterra.net."));
    }
}
