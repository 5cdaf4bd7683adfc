//! What an IMAP or POP3 test found: the steps and their status, the TLS session, the
//! capabilities, how a mail app can log in, and the transcript (`details` of the
//! report). The same shape for both protocols; the type parameter says which.

use std::ops::Deref;

use serde::Serialize;

use super::step::StepName;
use crate::checks::net::probe::ProbeReport;
use crate::checks::net::transcript::{self, TranscriptLine};

/// An IMAP or POP3 test's findings: what every server test reports (first in
/// JSON: `host`, `port`, `security`, `address`, `steps`, `tls`), then the
/// mailbox's own.
#[derive(Debug, Clone, Serialize)]
pub struct MailboxReport<D> {
    #[serde(flatten)]
    pub probe: ProbeReport<StepName>,
    /// The capabilities of the last answer: over TLS when TLS worked.
    pub capabilities: Vec<String>,
    /// The SASL mechanisms offered after TLS (or, without TLS, in plain text).
    pub auth_mechanisms: Vec<String>,
    /// How a mail app can log in with a password after TLS (or, without TLS, in
    /// plain text): the protocol's own command (`LOGIN`, `USER/PASS`) and password
    /// mechanisms (`PLAIN`, …).
    pub login: Vec<String>,
    /// Server lines, our commands and notes, in order. Nothing secret is ever sent.
    pub transcript: Vec<TranscriptLine>,
    /// Which protocol (`Imap`, `Pop3`): a value of no size.
    #[serde(skip)]
    pub protocol: D,
}

/// The shared findings read as the report's own (`report.steps`), as they are in
/// its JSON.
impl<D> Deref for MailboxReport<D> {
    type Target = ProbeReport<StepName>;

    fn deref(&self) -> &ProbeReport<StepName> {
        &self.probe
    }
}

impl<D> MailboxReport<D> {
    /// The transcript as the text file attached in Discord.
    pub fn transcript_text(&self) -> String {
        transcript::as_text(&self.transcript)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::imap::Imap;
    use crate::checks::net::mailbox::Step;
    use crate::checks::net::probe::Security;

    #[test]
    fn the_json_keeps_its_field_names_and_order() {
        let report = MailboxReport {
            probe: ProbeReport {
                host: "mail.example.com".into(),
                port: 993,
                security: Security::Implicit,
                address: None,
                steps: vec![Step::not_run(StepName::Logout)],
                tls: None,
                provider_host: false,
            },
            capabilities: vec!["IMAP4rev1".into()],
            auth_mechanisms: vec!["PLAIN".into()],
            login: vec!["LOGIN".into()],
            transcript: vec![],
            protocol: Imap,
        };
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            concat!(
                r#"{"host":"mail.example.com","port":993,"security":"implicit","address":null,"#,
                r#""steps":[{"name":"logout","status":"skipped","millis":0,"detail":"not run: an earlier step failed"}],"#,
                r#""tls":null,"capabilities":["IMAP4rev1"],"auth_mechanisms":["PLAIN"],"login":["LOGIN"],"#,
                r#""transcript":[]}"#
            )
        );
    }
}
