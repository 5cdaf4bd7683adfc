//! `/smtp` as a Discord message: each step with ✅ / ⚠️ / ❌ and its time, the TLS
//! and certificate summary, the verdict sentence, and the full transcript attached
//! as a text file.

use super::message::{Embed, File, Message};
use super::{code, escape, verdict_colour};
use crate::checks::smtp::SmtpReport;
use crate::checks::Report;
use crate::wording::days_left;
use crate::wording::shorten;

/// The name of the attached transcript.
pub const TRANSCRIPT_FILE: &str = "smtp-transcript.txt";

/// A step's detail is cut to this many characters so nine steps fit a description.
const STEP_DETAIL: usize = 380;

pub fn message(report: &Report, details: &SmtpReport) -> Message {
    let mut description = format!(
        "{} **{}**\n",
        report.verdict.emoji(),
        escape(&report.summary)
    );
    for step in &details.steps {
        description.push_str(&format!(
            "\n{} **{}** · {} ms — {}",
            step.status().emoji(),
            step.name.label(),
            step.millis,
            escape(&shorten(&step.detail, STEP_DETAIL))
        ));
    }
    let mut embed = Embed::new(format!(
        "📤 SMTP test · {} ({})",
        report.target,
        details.security.label()
    ))
    .description(description)
    .color(verdict_colour(report.verdict));
    if let Some(tls) = &details.tls {
        if let (Some(version), Some(cipher)) = (&tls.version, &tls.cipher) {
            embed = embed.field("🔒 TLS", format!("{version}\n{}", code(cipher)), true);
        }
        if let Some(cert) = &tls.certificate {
            let mut value = format!(
                "**Issuer:** {}\n**Names:** {}\n**Expires:** {} ({})",
                escape(&cert.issuer),
                escape(&cert.names.join(", ")),
                cert.not_after.get(..10).unwrap_or(&cert.not_after),
                days_left(cert.days_left)
            );
            if let Some(problem) = &cert.problem {
                value.push_str(&format!("\n❌ {}", escape(problem)));
            } else {
                value.push_str("\n✅ trusted by standard mail apps");
            }
            embed = embed.field("📜 Certificate", value, false);
        }
    }
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
    let mut files = Vec::new();
    if !details.transcript.is_empty() {
        files.push(File {
            name: TRANSCRIPT_FILE.to_string(),
            bytes: details.transcript_text().into_bytes(),
        });
    }
    let footer = if files.is_empty() {
        "The test never sends a password or mail.".to_string()
    } else {
        format!("Full conversation in {TRANSCRIPT_FILE}. The test never sends a password or mail.")
    };
    Message {
        embeds: vec![embed.footer(footer)],
        files,
        ..Message::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::smtp::{Security, Step, StepName};
    use crate::checks::tls::{CertificateReport, TlsReport};
    use crate::checks::transcript::{Party, TranscriptLine};
    use crate::checks::Details;
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
            host: "a".repeat(253),
            port: 587,
            security: Security::Starttls,
            address: Some("203.0.113.5:587".into()),
            steps,
            tls: Some(TlsReport {
                version: Some("TLS 1.3".into()),
                cipher: Some(long.clone()),
                certificate: Some(CertificateReport {
                    subject: long.clone(),
                    issuer: long.clone(),
                    not_before: "2026-01-01T00:00:00Z".into(),
                    not_after: "2027-01-01T00:00:00Z".into(),
                    days_left: 36,
                    names: vec![long.clone(); 50],
                    valid: false,
                    problem: Some(long.clone()),
                    problems: Vec::new(),
                }),
            }),
            auth_mechanisms: vec![long.clone(); 20],
            extensions: Vec::new(),
            size_limit: Some(10_000_000),
            reverse_dns: Some(crate::checks::reverse_dns::ReverseDns {
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
            provider_host: false,
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
