//! POP3 as the mailbox engine speaks it (RFC 1939, RFC 2449, RFC 2595): `+OK`
//! greetings, `CAPA` with its `.`-terminated list (`USER`, `SASL …`, `STLS`), `STLS`
//! and `QUIT`.

use crate::catalog::{MailboxCatalog, MailboxPorts};
use crate::checks::net::mailbox::{
    Capabilities, Command, Dialect, Framing, Greeting, ServerKind, StepName,
};

/// The POP3 protocol, as a value of no size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pop3;

impl Dialect for Pop3 {
    const NAME: &'static str = "POP3";
    const CHECK: &'static str = "pop3";
    const KIND: ServerKind = ServerKind::Pop3;
    const A_PORT: &'static str = "a POP3 port";
    const GREETING: &'static str = "+OK";
    const TLS_PORT: u16 = 995;
    const STARTTLS_PORT: u16 = 110;
    const CAPABILITY: StepName = StepName::Capa;
    const CAPABILITY_TLS: StepName = StepName::CapaTls;
    const STARTTLS: StepName = StepName::Stls;
    const LOGOUT: StepName = StepName::Quit;
    const CAPABILITY_REQUIRED: bool = false;
    const PASSWORD_COMMAND: &'static str = "USER/PASS";
    const CLEAR_TEXT_FIX: &'static str =
        "The server should offer USER and SASL PLAIN only after STLS (RFC 2595 §4).";

    fn ports(catalog: &MailboxCatalog) -> &MailboxPorts {
        &catalog.pop3
    }

    fn greeting(line: &str) -> Greeting {
        if is_ok(line) {
            Greeting::Ready
        } else if line.to_ascii_uppercase().starts_with("-ERR") {
            Greeting::Refused
        } else {
            Greeting::Unexpected
        }
    }

    fn capability(_tag: &str) -> Command {
        Command {
            line: "CAPA".to_string(),
            framing: Framing::DotTerminated,
        }
    }

    fn capabilities(answer: &[String], tag: &str) -> Result<Capabilities, String> {
        Pop3::completed(answer, tag)?;
        // One pass over every line: the flags from all of them, the items and
        // mechanisms kept within their bounds (see `Capabilities`).
        let mut capabilities = Capabilities::default();
        for line in answer.iter().skip(1).filter(|line| line.as_str() != ".") {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or_default();
            if first.eq_ignore_ascii_case("STLS") {
                capabilities.starttls = true;
            } else if first.eq_ignore_ascii_case("USER") {
                capabilities.password_command = true;
            } else if first.eq_ignore_ascii_case("SASL") {
                capabilities.add_mechanisms(words);
            }
            capabilities.add_item(line);
        }
        Ok(capabilities)
    }

    fn starttls(_tag: &str) -> Command {
        one_line("STLS")
    }

    fn logout(_tag: &str) -> Command {
        one_line("QUIT")
    }

    fn completed(answer: &[String], _tag: &str) -> Result<(), String> {
        let first = answer.first().map(String::as_str).unwrap_or_default();
        if is_ok(first) {
            Ok(())
        } else {
            Err(first.to_string())
        }
    }

    fn capability_problem(_capabilities: &Capabilities) -> Option<String> {
        None
    }
}

fn one_line(command: &str) -> Command {
    Command {
        line: command.to_string(),
        framing: Framing::Line,
    }
}

/// `+OK`, alone or followed by text.
fn is_ok(line: &str) -> bool {
    line.get(..3)
        .is_some_and(|start| start.eq_ignore_ascii_case("+OK"))
        && matches!(line.as_bytes().get(3), None | Some(b' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| line.to_string()).collect()
    }

    #[test]
    fn greetings_are_ok_or_err() {
        assert_eq!(Pop3::greeting("+OK Dovecot ready."), Greeting::Ready);
        assert_eq!(Pop3::greeting("+OK"), Greeting::Ready);
        assert_eq!(Pop3::greeting("-ERR busy"), Greeting::Refused);
        assert_eq!(Pop3::greeting("* OK IMAP"), Greeting::Unexpected);
        assert_eq!(Pop3::greeting("+OKAY"), Greeting::Unexpected);
    }

    #[test]
    fn capa_lists_user_sasl_and_stls() {
        let offered = Pop3::capabilities(
            &lines(&[
                "+OK Capability list follows",
                "TOP",
                "UIDL",
                "SASL PLAIN SCRAM-SHA-256",
                "USER",
                "STLS",
                ".",
            ]),
            "",
        )
        .unwrap();
        assert_eq!(
            offered.items,
            ["TOP", "UIDL", "SASL PLAIN SCRAM-SHA-256", "USER", "STLS"]
        );
        assert!(offered.starttls && offered.password_command);
        assert_eq!(offered.mechanisms, ["PLAIN", "SCRAM-SHA-256"]);
        assert_eq!(
            offered.clear_text_logins("USER/PASS"),
            ["USER/PASS", "PLAIN"]
        );
    }

    #[test]
    fn a_server_without_capa_says_err() {
        assert_eq!(
            Pop3::capabilities(&lines(&["-ERR unknown command"]), ""),
            Err("-ERR unknown command".to_string())
        );
        assert_eq!(Pop3::capability("a1").line, "CAPA");
        assert_eq!(Pop3::completed(&lines(&["+OK bye"]), ""), Ok(()));
    }
}
