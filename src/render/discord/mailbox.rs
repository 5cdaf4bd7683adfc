//! `/imap` and `/pop3` as a Discord message: each step with ✅ / ⚠️ / ❌ and its
//! time, the TLS and certificate summary, how a mail app can log in, the
//! capabilities, the verdict sentence, and the full transcript attached as
//! `imap-transcript.txt` or `pop3-transcript.txt`.

use super::message::{Embed, Message};
use super::{escape, probe, verdict_colour};
use crate::checks::net::mailbox::{Dialect, MailboxReport};
use crate::checks::Report;
use crate::wording::shorten;

/// The name of the attached transcript: `imap-transcript.txt`.
pub fn transcript_file<D: Dialect>() -> String {
    format!("{}-transcript.txt", D::CHECK)
}

pub fn message<D: Dialect>(report: &Report, details: &MailboxReport<D>) -> Message {
    let mut embed = Embed::new(format!(
        "📥 {} test · {} ({})",
        D::NAME,
        report.target,
        details.security.label()
    ))
    .description(probe::steps_description(report, &details.steps))
    .color(verdict_colour(report.verdict));
    embed = probe::tls_fields(embed, details.tls.as_ref());
    if !details.login.is_empty() {
        embed = embed.field("🔑 Login", escape(&details.login.join(", ")), true);
    }
    if !details.capabilities.is_empty() {
        embed = embed.field(
            "📋 Capabilities",
            escape(&shorten(&details.capabilities.join(", "), 600)),
            false,
        );
    }
    let (files, footer) = probe::transcript(
        &transcript_file::<D>(),
        details.transcript_text(),
        "The test never logs in and never sends a password.",
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
    use crate::checks::imap::Imap;
    use crate::checks::net::mailbox::Step;
    use crate::checks::net::probe::{ProbeReport, Security};
    use crate::checks::net::transcript::{Party, TranscriptLine};
    use crate::checks::pop3::Pop3;
    use crate::render::discord::probe::hostile_tls;
    use crate::render::discord::{limits, report_message};
    use crate::values::Verdict;

    /// A report as long as a hostile server can make it: every detail, name and
    /// capability at the length the check allows.
    fn huge_report<D: Dialect>(protocol: D) -> MailboxReport<D> {
        let long = "x*_`|".repeat(500);
        let steps = D::plan(Security::Starttls)
            .into_iter()
            .map(|name| Step {
                name,
                verdict: Some(Verdict::Critical),
                millis: 123_456,
                detail: long.clone(),
            })
            .collect();
        MailboxReport {
            probe: ProbeReport {
                host: "a".repeat(253),
                port: 143,
                security: Security::Starttls,
                address: Some("203.0.113.5:143".into()),
                steps,
                tls: Some(hostile_tls(&long)),
                provider_host: false,
            },
            capabilities: vec![long.clone(); 100],
            auth_mechanisms: vec![long.clone(); 20],
            login: vec![long.clone(); 20],
            transcript: vec![
                TranscriptLine {
                    millis: 1,
                    from: Party::Server,
                    text: long.clone(),
                };
                400
            ],
            protocol,
        }
    }

    #[test]
    fn the_longest_reports_stay_within_discord_limits() {
        let imap = huge_report(Imap);
        let report = Report {
            target: imap.target(),
            verdict: Verdict::Critical,
            summary: "x*_`|".repeat(500),
            details: imap.into(),
        };
        let message = report_message(&report);
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        assert_eq!(message.files[0].name, "imap-transcript.txt");
        assert!(message.embeds[0].title.starts_with("📥 IMAP test · "));

        let pop3 = huge_report(Pop3);
        let report = Report {
            target: pop3.target(),
            verdict: Verdict::Critical,
            summary: "x".repeat(5000),
            details: pop3.into(),
        };
        let message = report_message(&report);
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        assert_eq!(message.files[0].name, "pop3-transcript.txt");
        assert_eq!(
            String::from_utf8(message.files[0].bytes.clone())
                .unwrap()
                .lines()
                .count(),
            400
        );
    }
}
