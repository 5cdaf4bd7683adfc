//! What the server tests (`/smtp`, `/imap`, `/pop3`) print alike: the server line,
//! each step with its time, the TLS session and certificate, and the transcript.

use std::fmt::Write;

use crate::checks::net::probe::{Security, Step, StepKind, StepStatus};
use crate::checks::net::tls::TlsReport;
use crate::wording::days_left;

/// `Server: mail.example.com:993 (203.0.113.5:993), SSL/TLS`; the address only when
/// the user typed a name rather than an address.
pub fn server(host: &str, port: u16, address: Option<&str>, security: Security, out: &mut String) {
    let address = address
        .filter(|_| host.parse::<std::net::IpAddr>().is_err())
        .map(|address| format!(" ({address})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\nServer: {host}:{port}{address}, {}",
        security.label()
    );
}

/// `Steps:` and a line per step: status, name, time, detail.
pub fn steps<N: StepKind>(steps: &[Step<N>], out: &mut String) {
    let _ = writeln!(out, "\nSteps:");
    let width = steps
        .iter()
        .map(|s| s.name.label().len())
        .max()
        .unwrap_or(0);
    for step in steps {
        let mark = match step.status() {
            StepStatus::Ok => "ok  ",
            StepStatus::Warning => "WARN",
            StepStatus::Failed => "FAIL",
            StepStatus::Skipped => "skip",
        };
        let _ = writeln!(
            out,
            "  [{mark}] {:width$}  {:>6} ms  {}",
            step.name.label(),
            step.millis,
            step.detail
        );
    }
}

/// The TLS version and cipher, and the certificate, when the test got that far.
pub fn tls(tls: Option<&TlsReport>, out: &mut String) {
    let Some(tls) = tls else {
        return;
    };
    if let (Some(version), Some(cipher)) = (&tls.version, &tls.cipher) {
        let _ = writeln!(out, "\nTLS: {version}, {cipher}");
    }
    if let Some(cert) = &tls.certificate {
        let _ = writeln!(out, "Certificate:");
        let _ = writeln!(out, "  Subject:   {}", cert.subject);
        let _ = writeln!(out, "  Issuer:    {}", cert.issuer);
        let _ = writeln!(out, "  Names:     {}", cert.names.join(", "));
        let _ = writeln!(
            out,
            "  Expires:   {} ({})",
            cert.not_after,
            days_left(cert.days_left)
        );
        let _ = writeln!(
            out,
            "  Trusted:   {}",
            if cert.valid { "yes" } else { "no" }
        );
        if let Some(problem) = &cert.problem {
            let _ = writeln!(out, "  Problem:   {problem}");
        }
    }
}

/// `Transcript:` and the conversation, indented.
pub fn transcript(text: &str, out: &mut String) {
    if text.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nTranscript:");
    for line in text.lines() {
        let _ = writeln!(out, "  {line}");
    }
}
