//! What the SMTP test found: the steps and their status, the TLS session, the EHLO
//! extensions and the transcript (`details` of the report).

use std::net::Ipv6Addr;

use serde::{Serialize, Serializer};

use crate::checks::reverse_dns::ReverseDns;
use crate::checks::tls::TlsReport;
use crate::checks::transcript::{Party, TranscriptLine};
use crate::values::Verdict;
use crate::wording::megabytes;

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
    /// The name as the JSON spells it: `ehlo_tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Resolve => "resolve",
            StepName::Connect => "connect",
            StepName::Greeting => "greeting",
            StepName::Ehlo => "ehlo",
            StepName::Starttls => "starttls",
            StepName::Tls => "tls",
            StepName::Certificate => "certificate",
            StepName::EhloTls => "ehlo_tls",
            StepName::Auth => "auth",
            StepName::Quit => "quit",
        }
    }

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

/// How a step went, as shown: derived from its verdict, never stored apart from it.
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

/// One step of the test. In JSON: `{name, status, millis, detail}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: StepName,
    /// What the step means for the verdict; `None` while it has not run.
    pub verdict: Option<Verdict>,
    /// How long the step took.
    pub millis: u64,
    /// What was seen, or what went wrong and what to do, in plain words.
    pub detail: String,
}

impl Step {
    /// A planned step that has not run (yet).
    pub fn not_run(name: StepName) -> Step {
        Step {
            name,
            verdict: None,
            millis: 0,
            detail: "not run: an earlier step failed".to_string(),
        }
    }

    /// How the step went: skipped when it did not run, otherwise by its verdict
    /// (critical and unknown both show as failed).
    pub fn status(&self) -> StepStatus {
        match self.verdict {
            None => StepStatus::Skipped,
            Some(Verdict::Ok) => StepStatus::Ok,
            Some(Verdict::Warning) => StepStatus::Warning,
            Some(Verdict::Critical | Verdict::Unknown) => StepStatus::Failed,
        }
    }

    /// What the step means for the whole test: OK for a step that did not run.
    pub fn impact(&self) -> Verdict {
        self.verdict.unwrap_or(Verdict::Ok)
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            name: StepName,
            status: StepStatus,
            millis: u64,
            detail: &'a str,
        }
        Wire {
            name: self.name,
            status: self.status(),
            millis: self.millis,
            detail: &self.detail,
        }
        .serialize(serializer)
    }
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
    /// The reverse DNS of the address connected to: its PTR names, whether they lead
    /// back (FCrDNS) and match the greeting. `None` when no connection was made.
    pub reverse_dns: Option<ReverseDns>,
    /// Server lines, our commands and notes, in order. Nothing secret is ever sent.
    pub transcript: Vec<TranscriptLine>,
    /// Whether this tested the provider's own server (whose username rule is known).
    #[serde(skip)]
    pub provider_host: bool,
}

impl SmtpReport {
    /// `host:port`, with an IPv6 address in brackets.
    pub fn target(&self) -> String {
        match self.host.parse::<Ipv6Addr>() {
            Ok(ip) => format!("[{ip}]:{}", self.port),
            Err(_) => format!("{}:{}", self.host, self.port),
        }
    }

    /// What the reverse DNS means for the verdict: receivers judge it on servers that
    /// send to other servers, i.e. on port 25; on a submission port it is shown for
    /// information only (mail apps do not care).
    pub fn reverse_dns_problem(&self) -> Option<String> {
        if self.port != 25 {
            return None;
        }
        self.reverse_dns.as_ref().and_then(ReverseDns::problem)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_shows_the_status_its_verdict_implies() {
        let mut step = Step::not_run(StepName::Greeting);
        assert_eq!(
            (step.status(), step.impact()),
            (StepStatus::Skipped, Verdict::Ok)
        );
        for (verdict, status) in [
            (Verdict::Ok, StepStatus::Ok),
            (Verdict::Warning, StepStatus::Warning),
            (Verdict::Critical, StepStatus::Failed),
            (Verdict::Unknown, StepStatus::Failed),
        ] {
            step.verdict = Some(verdict);
            assert_eq!(step.status(), status);
            let json = serde_json::to_value(&step).unwrap();
            assert_eq!(json["status"], serde_json::to_value(status).unwrap());
            assert!(json.get("verdict").is_none());
        }
    }
}
