//! IMAP as the mailbox engine speaks it (RFC 9051, RFC 3501): `* OK` greetings,
//! tagged commands (`a1 CAPABILITY`), untagged answers up to the tagged one, and
//! what a CAPABILITY answer says about login (`LOGINDISABLED`, `AUTH=…`).

use crate::catalog::{MailboxCatalog, MailboxPorts};
use crate::checks::net::mailbox::{
    Capabilities, Command, Dialect, Framing, Greeting, ServerKind, StepName,
};

/// The IMAP protocol, as a value of no size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imap;

impl Dialect for Imap {
    const NAME: &'static str = "IMAP";
    const CHECK: &'static str = "imap";
    const KIND: ServerKind = ServerKind::Imap;
    const A_PORT: &'static str = "an IMAP port";
    const GREETING: &'static str = "* OK";
    const TLS_PORT: u16 = 993;
    const STARTTLS_PORT: u16 = 143;
    const CAPABILITY: StepName = StepName::Capability;
    const CAPABILITY_TLS: StepName = StepName::CapabilityTls;
    const STARTTLS: StepName = StepName::Starttls;
    const LOGOUT: StepName = StepName::Logout;
    const CAPABILITY_REQUIRED: bool = true;
    const PASSWORD_COMMAND: &'static str = "LOGIN";
    const CLEAR_TEXT_FIX: &'static str =
        "The server should announce LOGINDISABLED and offer AUTH=PLAIN only after STARTTLS (RFC 9051 §6.2.3).";

    fn ports(catalog: &MailboxCatalog) -> &MailboxPorts {
        &catalog.imap
    }

    fn greeting(line: &str) -> Greeting {
        match untagged_status(line).as_deref() {
            Some("OK") => Greeting::Ready,
            Some("PREAUTH") => Greeting::Preauth,
            Some("BYE") => Greeting::Refused,
            _ => Greeting::Unexpected,
        }
    }

    fn capability(tag: &str) -> Command {
        tagged(tag, "CAPABILITY")
    }

    fn capabilities(answer: &[String], tag: &str) -> Result<Capabilities, String> {
        Imap::completed(answer, tag)?;
        // One pass over every word: the flags from all of them, the items and
        // mechanisms kept within their bounds (see `Capabilities`).
        let mut capabilities = Capabilities::default();
        let mut login_disabled = false;
        for line in answer {
            let mut words = line.split_whitespace();
            if words.next() != Some("*")
                || !words
                    .next()
                    .is_some_and(|word| word.eq_ignore_ascii_case("CAPABILITY"))
            {
                continue;
            }
            for word in words {
                if word.eq_ignore_ascii_case("STARTTLS") {
                    capabilities.starttls = true;
                } else if word.eq_ignore_ascii_case("LOGINDISABLED") {
                    login_disabled = true;
                } else if let Some((name, mechanism)) = word.split_once('=') {
                    if name.eq_ignore_ascii_case("AUTH") {
                        capabilities.add_mechanisms([mechanism]);
                    }
                }
                capabilities.add_item(word);
            }
        }
        capabilities.password_command = !login_disabled;
        Ok(capabilities)
    }

    fn starttls(tag: &str) -> Command {
        tagged(tag, "STARTTLS")
    }

    fn logout(tag: &str) -> Command {
        tagged(tag, "LOGOUT")
    }

    fn completed(answer: &[String], tag: &str) -> Result<(), String> {
        let last = answer.last().map(String::as_str).unwrap_or_default();
        let mut words = last.split_whitespace();
        let tagged_ok = words
            .next()
            .is_some_and(|word| word.eq_ignore_ascii_case(tag))
            && words
                .next()
                .is_some_and(|word| word.eq_ignore_ascii_case("OK"));
        if tagged_ok {
            Ok(())
        } else {
            Err(last.to_string())
        }
    }

    fn capability_problem(capabilities: &Capabilities) -> Option<String> {
        // A list cut short may have left the revision out: nothing is claimed then.
        let missing = !capabilities.has("IMAP4rev1") && !capabilities.has("IMAP4rev2");
        (missing && capabilities.items_left_out == 0).then(|| {
            "The server announces neither IMAP4rev1 nor IMAP4rev2: mail apps may not work with it.".to_string()
        })
    }
}

/// `a1 CAPABILITY`, answered up to the line tagged `a1`.
fn tagged(tag: &str, command: &str) -> Command {
    Command {
        line: format!("{tag} {command}"),
        framing: Framing::Tagged(tag.to_string()),
    }
}

/// `OK` of `* OK [CAPABILITY …] ready`, upper case.
fn untagged_status(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    (words.next()? == "*").then_some(())?;
    Some(words.next()?.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[&str]) -> Vec<String> {
        text.iter().map(|line| line.to_string()).collect()
    }

    #[test]
    fn greetings_are_ok_preauth_or_bye() {
        assert_eq!(
            Imap::greeting("* OK [CAPABILITY IMAP4rev1] Dovecot ready."),
            Greeting::Ready
        );
        assert_eq!(Imap::greeting("* PREAUTH welcome"), Greeting::Preauth);
        assert_eq!(Imap::greeting("* bye too busy"), Greeting::Refused);
        assert_eq!(Imap::greeting("220 smtp ready"), Greeting::Unexpected);
        assert_eq!(Imap::greeting("*OK"), Greeting::Unexpected);
    }

    #[test]
    fn logindisabled_and_auth_say_how_to_log_in() {
        let before_tls = Imap::capabilities(
            &lines(&[
                "* CAPABILITY IMAP4rev1 IDLE STARTTLS LOGINDISABLED",
                "a1 OK done",
            ]),
            "a1",
        )
        .unwrap();
        assert!(before_tls.starttls && !before_tls.password_command);
        assert!(before_tls.clear_text_logins("LOGIN").is_empty());
        let after_tls = Imap::capabilities(
            &lines(&[
                "* CAPABILITY IMAP4rev2 IDLE AUTH=PLAIN auth=xoauth2",
                "a3 OK done",
            ]),
            "a3",
        )
        .unwrap();
        assert_eq!(after_tls.mechanisms, ["PLAIN", "XOAUTH2"]);
        assert_eq!(after_tls.password_logins("LOGIN"), ["LOGIN", "PLAIN"]);
        assert_eq!(Imap::capability_problem(&after_tls), None);
    }

    #[test]
    fn a_refusal_or_a_missing_version_is_said() {
        assert_eq!(
            Imap::capabilities(&lines(&["a1 BAD unknown command"]), "a1"),
            Err("a1 BAD unknown command".to_string())
        );
        let bare = Imap::capabilities(&lines(&["* CAPABILITY IDLE", "a1 OK"]), "a1").unwrap();
        assert!(Imap::capability_problem(&bare).is_some());
        assert_eq!(Imap::capability("a1").line, "a1 CAPABILITY");
        assert_eq!(
            Imap::completed(&lines(&["* BYE", "a4 OK bye"]), "a4"),
            Ok(())
        );
    }
}
