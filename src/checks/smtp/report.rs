//! What the SMTP test found: the steps and their status, the TLS session, the EHLO
//! extensions and the transcript (`details` of the report).

use std::ops::Deref;

use serde::Serialize;

use crate::checks::net::probe::{self, ProbeReport, StepKind};
use crate::checks::net::reverse_dns::ReverseDns;
use crate::checks::net::transcript::{self, TranscriptLine};
use crate::wording::megabytes;

pub use crate::checks::net::probe::{Security, StepStatus};

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

impl StepKind for StepName {
    const RESOLVE: StepName = StepName::Resolve;
    const CONNECT: StepName = StepName::Connect;
    const CERTIFICATE: StepName = StepName::Certificate;

    fn label(self) -> &'static str {
        StepName::label(self)
    }

    fn as_str(self) -> &'static str {
        StepName::as_str(self)
    }
}

/// One step of the test. In JSON: `{name, status, millis, detail}`.
pub type Step = probe::Step<StepName>;

/// The SMTP test's findings: what every server test reports (first in JSON:
/// `host`, `port`, `security`, `address`, `steps`, `tls`), then SMTP's own.
#[derive(Debug, Clone, Serialize)]
pub struct SmtpReport {
    #[serde(flatten)]
    pub probe: ProbeReport<StepName>,
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
}

/// The shared findings read as the report's own (`report.steps`), as they are in
/// its JSON.
impl Deref for SmtpReport {
    type Target = ProbeReport<StepName>;

    fn deref(&self) -> &ProbeReport<StepName> {
        &self.probe
    }
}

impl SmtpReport {
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
        transcript::as_text(&self.transcript)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::net::tls::TlsReport;
    use crate::values::Verdict;

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

    #[test]
    fn the_json_keeps_its_field_names_and_order() {
        let report = SmtpReport {
            probe: ProbeReport {
                host: "mx.example.com".into(),
                port: 25,
                security: Security::Starttls,
                address: Some("203.0.113.5:25".into()),
                steps: vec![Step::not_run(StepName::Quit)],
                tls: Some(TlsReport::default()),
                provider_host: true,
            },
            auth_mechanisms: vec!["PLAIN".into()],
            extensions: vec!["SIZE 1000".into()],
            size_limit: Some(1000),
            reverse_dns: None,
            transcript: vec![],
        };
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            concat!(
                r#"{"host":"mx.example.com","port":25,"security":"starttls","address":"203.0.113.5:25","#,
                r#""steps":[{"name":"quit","status":"skipped","millis":0,"detail":"not run: an earlier step failed"}],"#,
                r#""tls":{"version":null,"cipher":null,"certificate":null},"auth_mechanisms":["PLAIN"],"#,
                r#""extensions":["SIZE 1000"],"size_limit":1000,"reverse_dns":null,"transcript":[]}"#
            )
        );
    }
}
