//! What a capability answer offers, in the engine's terms: STARTTLS, the SASL
//! mechanisms, whether the protocol's own password command is allowed, and from
//! those, how a mail app could log in with a password and which of those ways would
//! show the password to anyone listening before TLS.
//!
//! Read in one pass, as EHLO is in `/smtp`: a server controls the answer (up to the
//! 64 KB the dialogue reads), so nothing here may cost more than linear time in it,
//! and what is kept is bounded: at most [`MAX_ITEMS`] items of at most
//! [`MAX_ITEM_LEN`] bytes, and at most [`MAX_MECHANISMS`] SASL mechanisms, each an
//! RFC 4422 name (at most [`MAX_MECHANISM_LEN`] characters from `[A-Z0-9_-]`). What
//! was left out is counted and said ([`Capabilities::describe`]). The flags
//! (STARTTLS, the password command) are read off every item, kept or not.

use std::collections::HashSet;

use serde::Serialize;

/// The most capability items kept: real servers list 10 to 50 (Dovecot's IMAP
/// CAPABILITY after login is the longest seen, about 45).
pub const MAX_ITEMS: usize = 100;

/// The longest item kept, in bytes: IMAP capabilities are single words
/// (`AUTH=SCRAM-SHA-256-PLUS`, 23), POP3's are short lines (`SASL PLAIN LOGIN`,
/// `IMPLEMENTATION …`).
pub const MAX_ITEM_LEN: usize = 100;

/// The most SASL mechanisms kept; real servers offer three to six.
pub const MAX_MECHANISMS: usize = 32;

/// The longest mechanism name kept (RFC 4422 §3.1: at most 20 characters).
pub const MAX_MECHANISM_LEN: usize = 20;

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
    /// As the server listed them, each once, at most [`MAX_ITEMS`]: `IMAP4rev1`,
    /// `IDLE`, `AUTH=PLAIN`; `SASL PLAIN`, `USER`.
    pub items: Vec<String>,
    /// STARTTLS (IMAP) or STLS (POP3) is offered.
    pub starttls: bool,
    /// The SASL mechanisms offered, upper case, each once, at most [`MAX_MECHANISMS`].
    pub mechanisms: Vec<String>,
    /// The protocol's own password command is allowed: IMAP `LOGIN` (no
    /// `LOGINDISABLED`), POP3 `USER`/`PASS`.
    pub password_command: bool,
    /// Items not kept: past the first [`MAX_ITEMS`] (a repeat of one not kept counts
    /// again: only kept items are remembered), or longer than [`MAX_ITEM_LEN`].
    pub items_left_out: usize,
    /// Mechanisms not kept: not RFC 4422 names, or past the first [`MAX_MECHANISMS`].
    pub mechanisms_left_out: usize,
    /// The items kept, for the one-pass de-duplication.
    #[serde(skip)]
    kept_items: HashSet<String>,
    /// The mechanisms kept, likewise.
    #[serde(skip)]
    kept_mechanisms: HashSet<String>,
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

    /// Keeps `item` once, within the bounds; an item past them is counted.
    pub fn add_item(&mut self, item: &str) {
        if self.kept_items.contains(item) {
            return;
        }
        if item.len() > MAX_ITEM_LEN || self.items.len() >= MAX_ITEMS {
            self.items_left_out += 1;
            return;
        }
        self.kept_items.insert(item.to_string());
        self.items.push(item.to_string());
    }

    /// Adds mechanisms, upper case, each once, within the bounds; a mechanism that
    /// is not an RFC 4422 name or past the count is counted.
    pub fn add_mechanisms<'a>(&mut self, mechanisms: impl IntoIterator<Item = &'a str>) {
        for mechanism in mechanisms {
            let mechanism = mechanism.to_ascii_uppercase();
            if self.kept_mechanisms.contains(&mechanism) {
                continue;
            }
            if self.mechanisms.len() >= MAX_MECHANISMS || !is_mechanism_name(&mechanism) {
                self.mechanisms_left_out += 1;
                continue;
            }
            self.kept_mechanisms.insert(mechanism.clone());
            self.mechanisms.push(mechanism);
        }
    }

    /// Whether anything was left out, so that what is missing from the items cannot
    /// be read as "not offered".
    pub fn cut(&self) -> bool {
        self.items_left_out > 0 || self.mechanisms_left_out > 0
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

    /// The items for people: `IMAP4rev1, IDLE, STARTTLS, LOGINDISABLED`, and what
    /// was left out.
    pub fn describe(&self) -> String {
        let mut text = if self.items.is_empty() {
            "no capabilities listed".to_string()
        } else {
            self.items.join(", ")
        };
        if self.items_left_out > 0 {
            text.push_str(&format!(
                " ({} more capabilities left out: the list was cut at {MAX_ITEMS} items of at most {MAX_ITEM_LEN} bytes)",
                self.items_left_out
            ));
        }
        if self.mechanisms_left_out > 0 {
            text.push_str(&format!(
                " ({} SASL mechanism names left out: not RFC 4422 names, or past the first {MAX_MECHANISMS})",
                self.mechanisms_left_out
            ));
        }
        text
    }
}

/// RFC 4422 §3.1: 1 to 20 characters from upper-case letters, digits, `-` and `_`.
fn is_mechanism_name(name: &str) -> bool {
    (1..=MAX_MECHANISM_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
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
    fn items_and_mechanisms_are_kept_once_within_the_caps_and_the_rest_counted() {
        let mut offered = Capabilities::default();
        for n in 0..5_000 {
            offered.add_item(&format!("X{n}"));
        }
        // A kept item repeated is not counted.
        offered.add_item("X0");
        offered.add_item(&"L".repeat(MAX_ITEM_LEN + 1));
        assert_eq!(offered.items.len(), MAX_ITEMS);
        assert_eq!(offered.items_left_out, 5_000 - MAX_ITEMS + 1);
        let names: Vec<String> = (0..1_000).map(|n| format!("M{n}")).collect();
        offered.add_mechanisms(names.iter().map(String::as_str));
        offered.add_mechanisms(["NOT A NAME", "TWENTY-ONE-CHARACTERS"]);
        assert_eq!(offered.mechanisms.len(), MAX_MECHANISMS);
        assert_eq!(offered.mechanisms_left_out, 1_000 - MAX_MECHANISMS + 2);
        assert!(offered.cut());
        let described = offered.describe();
        assert!(
            described.contains("4901 more capabilities left out")
                && described.contains("970 SASL mechanism names left out"),
            "{described}"
        );
    }

    #[test]
    fn items_are_matched_by_their_first_word() {
        let mut offered = Capabilities::default();
        offered.add_item("SASL PLAIN");
        offered.add_item("user");
        assert!(offered.has("sasl") && offered.has("USER"));
        assert!(!offered.has("PLAIN"));
        assert_eq!(offered.describe(), "SASL PLAIN, user");
    }
}
