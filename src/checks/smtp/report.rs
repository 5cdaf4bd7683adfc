//! What the SMTP test found: the steps and their status, the TLS session, the EHLO
//! extensions and the transcript (`details` of the report), and how sizes and
//! certificate lifetimes are written for people.

use serde::Serialize;

use super::{CertificateReport, Party, TranscriptLine};
use crate::report::Verdict;

/// How TLS is started on the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP, then `STARTTLS` (587, 25, 2525).
    Starttls,
    /// TLS from the first byte (465, "SSL/TLS").
    Implicit,
}

impl Security {
    /// As mail apps label it.
    pub fn label(self) -> &'static str {
        match self {
            Security::Starttls => "STARTTLS",
            Security::Implicit => "SSL/TLS",
        }
    }
}

/// The steps of the test, in the order they can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Resolve,
    Connect,
    Greeting,
    Ehlo,
    Starttls,
    /// TLS from the first byte.
    Tls,
    Certificate,
    /// EHLO again, over TLS.
    EhloTls,
    Auth,
    Quit,
}

impl StepName {
    pub fn label(self) -> &'static str {
        match self {
            StepName::Resolve => "Resolve",
            StepName::Connect => "Connect",
            StepName::Greeting => "Greeting",
            StepName::Ehlo => "EHLO",
            StepName::Starttls => "STARTTLS",
            StepName::Tls => "TLS",
            StepName::Certificate => "Certificate",
            StepName::EhloTls => "EHLO over TLS",
            StepName::Auth => "AUTH",
            StepName::Quit => "QUIT",
        }
    }

    /// The steps of a test on a port with this security, in order.
    pub fn plan(security: Security) -> &'static [StepName] {
        use StepName::*;
        match security {
            Security::Starttls => &[
                Resolve,
                Connect,
                Greeting,
                Ehlo,
                Starttls,
                Certificate,
                EhloTls,
                Auth,
                Quit,
            ],
            Security::Implicit => &[
                Resolve,
                Connect,
                Tls,
                Certificate,
                Greeting,
                Ehlo,
                Auth,
                Quit,
            ],
        }
    }
}

/// How a step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Warning,
    Failed,
    /// Not run, because an earlier step failed.
    Skipped,
}

impl StepStatus {
    pub fn emoji(self) -> &'static str {
        match self {
            StepStatus::Ok => "✅",
            StepStatus::Warning => "⚠️",
            StepStatus::Failed => "❌",
            StepStatus::Skipped => "⏭️",
        }
    }
}

/// One step of the test.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: StepName,
    pub status: StepStatus,
    /// How long the step took.
    pub millis: u64,
    /// What was seen, or what went wrong and what to do, in plain words.
    pub detail: String,
    /// What the step means for the verdict (`ok` for a skipped step).
    #[serde(skip)]
    pub impact: Verdict,
}

/// The TLS session (`tls` in the JSON).
#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsReport {
    /// `TLS 1.3`; `None` when the handshake did not finish.
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub certificate: Option<CertificateReport>,
}

/// The SMTP test's findings.
#[derive(Debug, Clone, Serialize)]
pub struct SmtpReport {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The address connected to (the one the policy checked).
    pub address: Option<String>,
    pub steps: Vec<Step>,
    pub tls: Option<TlsReport>,
    /// The AUTH mechanisms offered after TLS (or, without TLS, in plain text).
    pub auth_mechanisms: Vec<String>,
    /// The EHLO keywords of the last EHLO (`SIZE 36700160`, `PIPELINING`, ...).
    pub extensions: Vec<String>,
    /// The SIZE limit in bytes, when the server declares one.
    pub size_limit: Option<u64>,
    /// The plain-language verdict sentence (also the report's summary).
    pub advice: String,
    /// Server lines, our commands and notes, in order. Nothing secret is ever sent.
    pub transcript: Vec<TranscriptLine>,
}

impl SmtpReport {
    /// The SIZE limit as people read it (`36.7 MB`), for "how big may attachments be".
    pub fn size_limit_text(&self) -> Option<String> {
        self.size_limit.map(megabytes)
    }

    /// The transcript as the text file attached in Discord.
    pub fn transcript_text(&self) -> String {
        let mut out = String::new();
        for line in &self.transcript {
            let who = match line.from {
                Party::Server => "S:",
                Party::Client => "C:",
                Party::Note => "--",
            };
            out.push_str(&format!("[{:>6} ms] {who} {}\n", line.millis, line.text));
        }
        out
    }
}

/// Bytes in MB (10^6 bytes, as mail apps count): `36.7 MB`, `150 MB`.
pub fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 100.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// Days left on a certificate as people read it: `40 days left`, `expired 3 days ago`.
pub fn days_left_text(days_left: i64) -> String {
    match days_left {
        1 => "1 day left".to_string(),
        0 => "expires today".to_string(),
        -1 => "expired yesterday".to_string(),
        days if days < 0 => format!("expired {} days ago", -days),
        days => format!("{days} days left"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_days_read_naturally() {
        assert_eq!(megabytes(36_700_160), "36.7 MB");
        assert_eq!(megabytes(157_286_400), "157 MB");
        assert_eq!(days_left_text(40), "40 days left");
        assert_eq!(days_left_text(-3), "expired 3 days ago");
    }
}
