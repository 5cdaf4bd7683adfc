//! The one input error of the server tests (`/smtp`, `/imap`, `/pop3`): why what a
//! user typed is not a server to test, as the sentence the user sees. The target
//! parsing finds the [`TargetError`]; each test only says how it is named
//! ([`TestNames`]), so the same mistake reads the same in every server test.

use std::fmt;

use super::target::{Security, TargetError};

/// How a server test names itself in the sentences of its input errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestNames {
    /// `smtp`, as in "for /smtp type a mail server name".
    pub command: &'static str,
    /// `an SMTP port`, as in "port 22 is not an SMTP port".
    pub a_port: &'static str,
    /// The usual ports and how TLS starts on each, suggested for port 0: the one
    /// to prefer first (`587 (STARTTLS) or 465 (SSL/TLS)`).
    pub usual_ports: [(u16, Security); 2],
}

/// Why a server test's request cannot be run. Its `Display` says what was wrong and
/// what is accepted, naming the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// What is wrong with the target, the same for every server test.
    pub kind: TargetError,
    /// The test whose input it was.
    pub names: TestNames,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = &self.names;
        match &self.kind {
            TargetError::Host(err) => write!(
                f,
                "{err}; for /{} type a mail server name such as mail.example.com, or an IP address",
                names.command
            ),
            TargetError::PortZero => {
                let [(first, first_security), (second, second_security)] = names.usual_ports;
                write!(
                    f,
                    "port 0 does not exist: use {first} ({}) or {second} ({})",
                    first_security.label(),
                    second_security.label()
                )
            }
            TargetError::PortOutOfRange(number) => {
                write!(f, "port {number} does not exist: ports go from 1 to 65535")
            }
            TargetError::PortNotAllowed { port, allowed } => write!(
                f,
                "port {port} is not {}: the bot tests only ports {allowed}",
                names.a_port
            ),
            TargetError::NotPublic { ip, kind } => {
                write!(f, "{ip} is {kind}: the bot tests only public mail servers")
            }
            TargetError::PortTwice { host, port } => write!(
                f,
                "the port is given twice ({host:?} and port {port}): type the host name alone"
            ),
        }
    }
}

impl std::error::Error for InputError {}
