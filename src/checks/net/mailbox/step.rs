//! The names of an IMAP or POP3 test's steps, as people read them and as the JSON
//! spells them. Which of them a test runs, and in which order, is its dialect's
//! plan ([`Dialect::plan`](super::Dialect::plan)).

use serde::Serialize;

use crate::checks::net::probe::{self, StepKind};

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
    /// The name as the JSON spells it: `capa_tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Resolve => "resolve",
            StepName::Connect => "connect",
            StepName::Tls => "tls",
            StepName::Certificate => "certificate",
            StepName::Greeting => "greeting",
            StepName::Capability => "capability",
            StepName::Capa => "capa",
            StepName::Starttls => "starttls",
            StepName::Stls => "stls",
            StepName::CapabilityTls => "capability_tls",
            StepName::CapaTls => "capa_tls",
            StepName::Login => "login",
            StepName::Logout => "logout",
            StepName::Quit => "quit",
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_and_the_metrics_spell_a_step_alike() {
        use StepName::*;
        for step in [
            Resolve,
            Connect,
            Tls,
            Certificate,
            Greeting,
            Capability,
            Capa,
            Starttls,
            Stls,
            CapabilityTls,
            CapaTls,
            Login,
            Logout,
            Quit,
        ] {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
    }
}
