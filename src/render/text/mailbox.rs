//! `/imap` and `/pop3` as text: each step with its time, the TLS session and
//! certificate, how a mail app can log in, the capabilities, and the transcript.

use std::fmt::Write;

use super::probe;
use crate::checks::net::mailbox::MailboxReport;

pub fn render<D>(report: &MailboxReport<D>, out: &mut String) {
    probe::server(
        &report.host,
        report.port,
        report.address.as_deref(),
        report.security,
        out,
    );
    probe::steps(&report.steps, out);
    probe::tls(report.tls.as_ref(), out);
    if !report.login.is_empty() {
        let _ = writeln!(out, "\nLogin: {}", report.login.join(", "));
    }
    if !report.capabilities.is_empty() {
        let _ = writeln!(out, "Capabilities: {}", report.capabilities.join(", "));
    }
    probe::transcript(&report.transcript_text(), out);
}
