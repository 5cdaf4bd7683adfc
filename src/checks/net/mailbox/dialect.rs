//! What IMAP and POP3 say differently, as a [`Dialect`] the engine is written over
//! once: the greeting, the capability command and its answer, the STARTTLS command,
//! the logout command. Also how to recognise a server of another kind by its first
//! line (an SMTP `220`, a web server's `HTTP/1.1`), so a finding can name it.

use std::fmt;

use super::capabilities::Capabilities;
use super::step::StepName;
use crate::catalog::{MailboxCatalog, MailboxPorts};
use crate::checks::net::probe::Security;

/// One protocol's side of the conversation. Implemented by `imap::Imap` and
/// `pop3::Pop3`, zero-sized types that also tell requests and reports apart.
pub trait Dialect: Copy + Default + fmt::Debug + PartialEq + Eq + Send + Sync + 'static {
    /// `IMAP`, as people write it.
    const NAME: &'static str;
    /// `imap`: the command, the check's name and the JSON's `check`.
    const CHECK: &'static str;
    /// What this server is, among the kinds [`ServerKind::recognise`] knows.
    const KIND: ServerKind;
    /// `an IMAP port`, for "port 22 is not an IMAP port".
    const A_PORT: &'static str;
    /// How a ready server greets: `* OK`, `+OK`.
    const GREETING: &'static str;
    /// The usual ports, for advice: TLS from the first byte (993) and STARTTLS (143).
    const TLS_PORT: u16;
    const STARTTLS_PORT: u16;
    /// The steps this protocol names its own way.
    const CAPABILITY: StepName;
    const CAPABILITY_TLS: StepName;
    const STARTTLS: StepName;
    const LOGOUT: StepName;
    /// Whether a server must answer the capability command (IMAP) or may refuse it
    /// (POP3's CAPA is an extension, RFC 2449).
    const CAPABILITY_REQUIRED: bool;
    /// The protocol's own password login: `LOGIN`, `USER/PASS`.
    const PASSWORD_COMMAND: &'static str;
    /// What a server should do so that no password travels before STARTTLS.
    const CLEAR_TEXT_FIX: &'static str;

    /// This protocol's ports in the catalogue.
    fn ports(catalog: &MailboxCatalog) -> &MailboxPorts;

    /// What the first line from the server says.
    fn greeting(line: &str) -> Greeting;

    /// The capability command (`a1 CAPABILITY`, `CAPA`); `tag` is for IMAP.
    fn capability(tag: &str) -> Command;

    /// The capabilities of an answer to [`Dialect::capability`], or the refusal as
    /// the server wrote it.
    fn capabilities(answer: &[String], tag: &str) -> Result<Capabilities, String>;

    /// `a2 STARTTLS`, `STLS`.
    fn starttls(tag: &str) -> Command;

    /// `a4 LOGOUT`, `QUIT`.
    fn logout(tag: &str) -> Command;

    /// Whether an answer says "done" (`a2 OK`, `+OK`); otherwise the answer as written.
    fn completed(answer: &[String], tag: &str) -> Result<(), String>;

    /// What else is wrong with the capabilities, as a warning (IMAP: no IMAP4rev1).
    fn capability_problem(capabilities: &Capabilities) -> Option<String>;

    /// The steps of a test on a port with this security, in order.
    fn plan(security: Security) -> Vec<StepName> {
        use StepName::*;
        match security {
            Security::Starttls => vec![
                Resolve,
                Connect,
                Greeting,
                Self::CAPABILITY,
                Self::STARTTLS,
                Certificate,
                Self::CAPABILITY_TLS,
                Login,
                Self::LOGOUT,
            ],
            Security::Implicit => vec![
                Resolve,
                Connect,
                Tls,
                Certificate,
                Greeting,
                Self::CAPABILITY,
                Login,
                Self::LOGOUT,
            ],
        }
    }
}

/// What a greeting line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Greeting {
    /// `* OK`, `+OK`: ready.
    Ready,
    /// IMAP `* PREAUTH`: already logged in, without a password.
    Preauth,
    /// IMAP `* BYE`, POP3 `-ERR`: the server refuses this connection.
    Refused,
    /// Anything else.
    Unexpected,
}

/// A command line and how its answer ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub line: String,
    pub framing: Framing,
}

/// How an answer ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// One line (a greeting, POP3's single-line answers).
    Line,
    /// IMAP: untagged lines (`* …`) up to the line starting with this tag.
    Tagged(String),
    /// POP3: `+OK` and lines up to a lone `.`; `-ERR` alone.
    DotTerminated,
}

// What kind of server a first line gives away is every server test's: see `probe`.
pub use crate::checks::net::probe::{text_line, ServerKind};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::imap::Imap;
    use crate::checks::pop3::Pop3;

    #[test]
    fn each_protocol_names_its_own_commands() {
        let names = |plan: Vec<StepName>| plan.iter().map(|s| s.label()).collect::<Vec<_>>();
        assert_eq!(
            names(Imap::plan(Security::Starttls)),
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
            names(Pop3::plan(Security::Implicit)),
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
    fn first_lines_give_the_server_away() {
        for (line, kind) in [
            ("220 mail.example.com ESMTP Postfix", Some(ServerKind::Smtp)),
            ("554 5.7.1 no", Some(ServerKind::Smtp)),
            (
                "* OK [CAPABILITY IMAP4rev1] Dovecot ready.",
                Some(ServerKind::Imap),
            ),
            ("* bye too many connections", Some(ServerKind::Imap)),
            ("+OK Dovecot ready.", Some(ServerKind::Pop3)),
            ("HTTP/1.1 400 Bad Request", Some(ServerKind::Http)),
            ("SSH-2.0-OpenSSH_9.6", Some(ServerKind::Ssh)),
            ("hello", None),
            ("2200 x", None),
        ] {
            assert_eq!(ServerKind::recognise(line), kind, "{line}");
        }
    }

    #[test]
    fn only_text_is_a_text_line() {
        assert_eq!(
            text_line(b"* OK ready\r\nmore"),
            Some("* OK ready".to_string())
        );
        assert_eq!(text_line(&[0x16, 0x03, 0x03, 0x00, 0x2a]), None);
        assert_eq!(text_line(b""), None);
    }
}
