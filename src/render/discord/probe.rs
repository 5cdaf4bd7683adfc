//! What the server tests (`/smtp`, `/imap`, `/pop3`) show alike in Discord: the
//! verdict and each step with ✅ / ⚠️ / ❌ and its time, the TLS and certificate
//! fields, and the transcript attached as a text file.

use super::message::{Embed, File};
use super::{code, escape};
use crate::checks::net::probe::{Step, StepKind};
use crate::checks::net::tls::TlsReport;
use crate::checks::Report;
use crate::wording::{days_left, shorten};

/// A step's detail is cut to this many characters so nine steps fit a description.
const STEP_DETAIL: usize = 380;

/// The verdict sentence, then a line per step.
pub fn steps_description<N: StepKind>(report: &Report, steps: &[Step<N>]) -> String {
    let mut description = format!(
        "{} **{}**\n",
        report.verdict.emoji(),
        escape(&report.summary)
    );
    for step in steps {
        description.push_str(&format!(
            "\n{} **{}** · {} ms — {}",
            step.status().emoji(),
            step.name.label(),
            step.millis,
            escape(&shorten(&step.detail, STEP_DETAIL))
        ));
    }
    description
}

/// The TLS version and cipher, and the certificate, as fields.
pub fn tls_fields(mut embed: Embed, tls: Option<&TlsReport>) -> Embed {
    let Some(tls) = tls else {
        return embed;
    };
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
    embed
}

/// The transcript `text` attached as `name` (when there is one), and the footer that
/// points to it and says what the test never does (`promise`).
pub fn transcript(name: &str, text: String, promise: &str) -> (Vec<File>, String) {
    if text.is_empty() {
        return (Vec::new(), promise.to_string());
    }
    let file = File {
        name: name.to_string(),
        bytes: text.into_bytes(),
    };
    (
        vec![file],
        format!("Full conversation in {name}. {promise}"),
    )
}

/// A TLS session as large as a hostile server can make it, for the limits tests of
/// every server test's message.
#[cfg(test)]
pub(super) fn hostile_tls(long: &str) -> TlsReport {
    use crate::checks::net::tls::CertificateReport;
    TlsReport {
        version: Some("TLS 1.3".into()),
        cipher: Some(long.to_string()),
        certificate: Some(CertificateReport {
            subject: long.to_string(),
            issuer: long.to_string(),
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            days_left: 36,
            names: vec![long.to_string(); 50],
            valid: false,
            problem: Some(long.to_string()),
            problems: Vec::new(),
        }),
    }
}
