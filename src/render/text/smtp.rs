//! `/smtp` as text: each step with its time, the TLS session and certificate, the
//! login mechanisms, and the full transcript.

use std::fmt::Write;

use crate::checks::smtp::{SmtpReport, StepStatus};
use crate::wording::days_left;

pub fn render(report: &SmtpReport, out: &mut String) {
    // The address connected to, when the user typed a name rather than an address.
    let address = report
        .address
        .as_deref()
        .filter(|_| report.host.parse::<std::net::IpAddr>().is_err())
        .map(|address| format!(" ({address})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\nServer: {}:{}{address}, {}",
        report.host,
        report.port,
        report.security.label()
    );
    if let Some(rdns) = &report.reverse_dns {
        let _ = writeln!(out, "Reverse DNS: {}", rdns.describe());
        if let Some(problem) = report.reverse_dns_problem() {
            let _ = writeln!(out, "  ! {problem}");
        }
    }
    let _ = writeln!(out, "\nSteps:");
    let width = report
        .steps
        .iter()
        .map(|s| s.name.label().len())
        .max()
        .unwrap_or(0);
    for step in &report.steps {
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
    if let Some(tls) = &report.tls {
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
    if !report.auth_mechanisms.is_empty() {
        let _ = writeln!(out, "\nLogin (AUTH): {}", report.auth_mechanisms.join(", "));
    }
    if let Some(size) = report.size_limit_text() {
        let _ = writeln!(out, "Largest message (SIZE): {size}");
    }
    if !report.transcript.is_empty() {
        let _ = writeln!(out, "\nTranscript:");
        for line in report.transcript_text().lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
}
