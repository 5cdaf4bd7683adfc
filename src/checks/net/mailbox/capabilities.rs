//! What a capability answer offers, in the engine's terms: STARTTLS, the SASL
//! mechanisms, whether the protocol's own password command is allowed, and from
//! those, how a mail app could log in with a password and which of those ways would
//! show the password to anyone listening before TLS.

use serde::Serialize;

/// SASL mechanisms a mail app can use with a password (RFC 4616 PLAIN, the old
/// LOGIN, CRAM-MD5, DIGEST-MD5, SCRAM, and NTLM as Outlook uses it). Others (GSSAPI,
/// XOAUTH2, OAUTHBEARER, EXTERNAL) need something besides a password.
const PASSWORD_MECHANISMS: &[&str] = &[
    "PLAIN",
    "LOGIN",
    "CRAM-MD5",
    "DIGEST-MD5",
    "SCRAM-SHA-1",
    "SCRAM-SHA-1-PLUS",
    "SCRAM-SHA-256",
    "SCRAM-SHA-256-PLUS",
    "NTLM",
];

/// Mechanisms that send the password as it is (base64 is not encryption).
const CLEAR_TEXT_MECHANISMS: &[&str] = &["PLAIN", "LOGIN"];

/// A capability answer, read by a dialect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// As the server listed them: `IMAP4rev1`, `IDLE`, `AUTH=PLAIN`; `SASL PLAIN`, `USER`.
    pub items: Vec<String>,
    /// STARTTLS (IMAP) or STLS (POP3) is offered.
    pub starttls: bool,
    /// The SASL mechanisms offered, upper case, each once.
    pub mechanisms: Vec<String>,
    /// The protocol's own password command is allowed: IMAP `LOGIN` (no
    /// `LOGINDISABLED`), POP3 `USER`/`PASS`.
    pub password_command: bool,
}

impl Capabilities {
    /// Whether an item's first word is `name` (any case): `has("SASL")` for `SASL PLAIN`.
    pub fn has(&self, name: &str) -> bool {
        self.items.iter().any(|item| {
            item.split_whitespace()
                .next()
                .is_some_and(|first| first.eq_ignore_ascii_case(name))
        })
    }

    /// Adds mechanisms, upper case, each once.
    pub fn add_mechanisms<'a>(&mut self, mechanisms: impl IntoIterator<Item = &'a str>) {
        for mechanism in mechanisms {
            let mechanism = mechanism.to_ascii_uppercase();
            if !self.mechanisms.contains(&mechanism) {
                self.mechanisms.push(mechanism);
            }
        }
    }

    /// How a mail app with a password could log in: `command` (the protocol's own,
    /// `LOGIN` or `USER/PASS`) when allowed, then the password mechanisms offered.
    pub fn password_logins(&self, command: &str) -> Vec<String> {
        self.logins(command, PASSWORD_MECHANISMS)
    }

    /// The ways to log in that show the password to anyone who can read the
    /// connection, when offered before TLS.
    pub fn clear_text_logins(&self, command: &str) -> Vec<String> {
        self.logins(command, CLEAR_TEXT_MECHANISMS)
    }

    /// Whether any SASL mechanism a mail app can use with a password is offered.
    pub fn has_password_mechanism(&self) -> bool {
        self.mechanisms
            .iter()
            .any(|m| PASSWORD_MECHANISMS.contains(&m.as_str()))
    }

    fn logins(&self, command: &str, mechanisms: &[&str]) -> Vec<String> {
        let own = self.password_command.then(|| command.to_string());
        own.into_iter()
            .chain(
                self.mechanisms
                    .iter()
                    .filter(|m| mechanisms.contains(&m.as_str()))
                    .cloned(),
            )
            .collect()
    }

    /// The items for people: `IMAP4rev1, IDLE, STARTTLS, LOGINDISABLED`.
    pub fn describe(&self) -> String {
        if self.items.is_empty() {
            "no capabilities listed".to_string()
        } else {
            self.items.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capabilities(password_command: bool, mechanisms: &[&str]) -> Capabilities {
        let mut capabilities = Capabilities {
            password_command,
            ..Capabilities::default()
        };
        capabilities.add_mechanisms(mechanisms.iter().copied());
        capabilities
    }

    #[test]
    fn password_logins_are_the_command_and_password_mechanisms() {
        let offered = capabilities(true, &["plain", "XOAUTH2", "SCRAM-SHA-256", "PLAIN"]);
        assert_eq!(offered.mechanisms, ["PLAIN", "XOAUTH2", "SCRAM-SHA-256"]);
        assert_eq!(
            offered.password_logins("LOGIN"),
            ["LOGIN", "PLAIN", "SCRAM-SHA-256"]
        );
        assert_eq!(offered.clear_text_logins("LOGIN"), ["LOGIN", "PLAIN"]);
        assert!(offered.has_password_mechanism());
    }

    #[test]
    fn oauth_alone_is_no_password_login() {
        let offered = capabilities(false, &["XOAUTH2", "OAUTHBEARER"]);
        assert!(offered.password_logins("LOGIN").is_empty());
        assert!(offered.clear_text_logins("LOGIN").is_empty());
        assert!(!offered.has_password_mechanism());
        let cram = capabilities(false, &["CRAM-MD5"]);
        assert!(cram.clear_text_logins("USER/PASS").is_empty());
        assert_eq!(cram.password_logins("USER/PASS"), ["CRAM-MD5"]);
    }

    #[test]
    fn items_are_matched_by_their_first_word() {
        let offered = Capabilities {
            items: vec!["SASL PLAIN".into(), "user".into()],
            ..Capabilities::default()
        };
        assert!(offered.has("sasl") && offered.has("USER"));
        assert!(!offered.has("PLAIN"));
        assert_eq!(offered.describe(), "SASL PLAIN, user");
    }
}
