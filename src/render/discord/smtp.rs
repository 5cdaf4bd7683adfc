//! `/smtp` as a Discord message: each step with ✅ / ⚠️ / ❌ and its time, the TLS
//! and certificate summary, the verdict sentence, and the full transcript attached
//! as a text file.

use super::message::{Embed, Message};
use super::{escape, probe, verdict_colour};
use crate::checks::smtp::SmtpReport;
use crate::checks::Report;

/// The name of the attached transcript.
pub const TRANSCRIPT_FILE: &str = "smtp-transcript.txt";

pub fn message(report: &Report, details: &SmtpReport) -> Message {
    let mut embed = Embed::new(format!(
        "📤 SMTP test · {} ({})",
        report.target,
        details.security.label()
    ))
    .description(probe::steps_description(report, &details.steps))
    .color(verdict_colour(report.verdict));
    embed = probe::tls_fields(embed, details.tls.as_ref());
    if let Some(rdns) = &details.reverse_dns {
        let mut value = escape(&rdns.describe());
        if let Some(problem) = details.reverse_dns_problem() {
            value.push_str(&format!("\n⚠️ {}", escape(&problem)));
        }
        embed = embed.field("🔁 Reverse DNS", value, false);
    }
    if !details.auth_mechanisms.is_empty() {
        embed = embed.field(
            "🔑 Login (AUTH)",
            escape(&details.auth_mechanisms.join(", ")),
            true,
        );
    }
    if let Some(size) = details.size_limit_text() {
        embed = embed.field("📎 Largest message", size, true);
    }
    let (files, footer) = probe::transcript(
        TRANSCRIPT_FILE,
        details.transcript_text(),
        "The test never sends a password or mail.",
    );
    Message {
        embeds: vec![embed.footer(footer)],
        files,
        ..Message::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::net::probe::ProbeReport;
    use crate::checks::net::transcript::{Party, TranscriptLine};
    use crate::checks::smtp::{Security, Step, StepName};
    use crate::checks::Details;
    use crate::render::discord::probe::hostile_tls;
    use crate::render::discord::{limits, report_message};
    use crate::values::Verdict;

    /// A report as long as a hostile server can make it: every detail and name at
    /// the length the check allows.
    fn huge_report() -> Report {
        let long = "x*_`|".repeat(500);
        let steps = StepName::plan(Security::Starttls)
            .iter()
            .map(|&name| Step {
                name,
                verdict: Some(Verdict::Critical),
                millis: 123_456,
                detail: long.clone(),
            })
            .collect();
        let details = SmtpReport {
            probe: ProbeReport {
                host: "a".repeat(253),
                port: 587,
                security: Security::Starttls,
                address: Some("203.0.113.5:587".into()),
                steps,
                tls: Some(hostile_tls(&long)),
                provider_host: false,
            },
            auth_mechanisms: vec![long.clone(); 20],
            extensions: Vec::new(),
            size_limit: Some(10_000_000),
            reverse_dns: Some(crate::checks::net::reverse_dns::ReverseDns {
                address: "203.0.113.5".parse().unwrap(),
                ptr: vec![long.clone(); 10],
                forward_confirmed: false,
                matches_greeting: Some(false),
                failure: None,
            }),
            transcript: vec![
                TranscriptLine {
                    millis: 1,
                    from: Party::Server,
                    text: long.clone(),
                };
                400
            ],
        };
        Report {
            target: format!("{}:587", "a".repeat(253)),
            verdict: Verdict::Critical,
            summary: long,
            details: Details::Smtp(Box::new(details)),
        }
    }

    #[test]
    fn the_longest_report_stays_within_discord_limits() {
        let message = report_message(&huge_report());
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        assert_eq!(message.files[0].name, TRANSCRIPT_FILE);
        assert_eq!(
            String::from_utf8(message.files[0].bytes.clone())
                .unwrap()
                .lines()
                .count(),
            400
        );
    }
}
