//! What an IMAP or POP3 test found: the steps and their status, the TLS session, the
//! capabilities, how a mail app can log in, and the transcript (`details` of the
//! report). The same shape for both protocols; the type parameter says which.

use std::ops::Deref;

use serde::Serialize;

use super::dialect::Dialect;
use crate::checks::probe::{self, ProbeReport, Security, StepKind};
use crate::checks::transcript::{self, TranscriptLine};

/// The steps of an IMAP or POP3 test. Each protocol names its commands its own way
/// (`capability` for IMAP, `capa` for POP3), as SMTP's steps are named `ehlo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    Resolve,
    Connect,
    /// TLS from the first byte.
    Tls,
    Certificate,
    Greeting,
    /// IMAP `CAPABILITY`.
    Capability,
    /// POP3 `CAPA`.
    Capa,
    /// IMAP `STARTTLS` (and the TLS handshake after it).
    Starttls,
    /// POP3 `STLS` (and the TLS handshake after it).
    Stls,
    /// `CAPABILITY` again, over TLS.
    CapabilityTls,
    /// `CAPA` again, over TLS.
    CapaTls,
    /// Whether a mail app can log in after TLS (nothing is sent for it).
    Login,
    /// IMAP `LOGOUT`.
    Logout,
    /// POP3 `QUIT`.
    Quit,
}

impl StepName {
    pub fn label(self) -> &'static str {
        match self {
            StepName::Resolve => "Resolve",
            StepName::Connect => "Connect",
            StepName::Tls => "TLS",
            StepName::Certificate => "Certificate",
            StepName::Greeting => "Greeting",
            StepName::Capability => "CAPABILITY",
            StepName::Capa => "CAPA",
            StepName::Starttls => "STARTTLS",
            StepName::Stls => "STLS",
            StepName::CapabilityTls => "CAPABILITY over TLS",
            StepName::CapaTls => "CAPA over TLS",
            StepName::Login => "Login",
            StepName::Logout => "LOGOUT",
            StepName::Quit => "QUIT",
        }
    }

    /// The steps of a `D` test on a port with this security, in order.
    pub fn plan<D: Dialect>(security: Security) -> Vec<StepName> {
        use StepName::*;
        match security {
            Security::Starttls => vec![
                Resolve,
                Connect,
                Greeting,
                D::CAPABILITY,
                D::STARTTLS,
                Certificate,
                D::CAPABILITY_TLS,
                Login,
                D::LOGOUT,
            ],
            Security::Implicit => vec![
                Resolve,
                Connect,
                Tls,
                Certificate,
                Greeting,
                D::CAPABILITY,
                Login,
                D::LOGOUT,
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
}

/// One step of the test. In JSON: `{name, status, millis, detail}`.
pub type Step = probe::Step<StepName>;

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
    use crate::checks::pop3::Pop3;

    #[test]
    fn each_protocol_names_its_own_commands() {
        let names = |plan: Vec<StepName>| plan.iter().map(|s| s.label()).collect::<Vec<_>>();
        assert_eq!(
            names(StepName::plan::<Imap>(Security::Starttls)),
            [
                "Resolve",
                "Connect",
                "Greeting",
                "CAPABILITY",
                "STARTTLS",
                "Certificate",
                "CAPABILITY over TLS",
                "Login",
                "LOGOUT"
            ]
        );
        assert_eq!(
            names(StepName::plan::<Pop3>(Security::Implicit)),
            [
                "Resolve",
                "Connect",
                "TLS",
                "Certificate",
                "Greeting",
                "CAPA",
                "Login",
                "QUIT"
            ]
        );
        assert_eq!(serde_json::to_value(StepName::CapaTls).unwrap(), "capa_tls");
    }

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
