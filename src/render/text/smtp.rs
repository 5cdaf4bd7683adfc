//! `/smtp` as text: each step with its time, the TLS session and certificate, the
//! login mechanisms, and the full transcript.

use std::fmt::Write;

use super::probe;
use crate::checks::smtp::SmtpReport;

pub fn render(report: &SmtpReport, out: &mut String) {
    probe::server(
        &report.host,
        report.port,
        report.address.as_deref(),
        report.security,
        out,
    );
    if let Some(rdns) = &report.reverse_dns {
        let _ = writeln!(out, "Reverse DNS: {}", rdns.describe());
        if let Some(problem) = report.reverse_dns_problem() {
            let _ = writeln!(out, "  ! {problem}");
        }
    }
    probe::steps(&report.steps, out);
    probe::tls(report.tls.as_ref(), out);
    if !report.auth_mechanisms.is_empty() {
        let _ = writeln!(out, "\nLogin (AUTH): {}", report.auth_mechanisms.join(", "));
    }
    if let Some(size) = report.size_limit_text() {
        let _ = writeln!(out, "Largest message (SIZE): {size}");
    }
    probe::transcript(&report.transcript_text(), out);
}
