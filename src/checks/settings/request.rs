//! What a user asks `/settings` for, parsed: which protocols, and the address to
//! show as the username.

use crate::values::{EmailAddress, EmailError, Protocol};

/// Which settings were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    One(Protocol),
    All,
}

impl Selection {
    /// Parses `imap`, `smtp`, `pop3` or `all`.
    pub fn parse(name: &str) -> Result<Selection, SettingsInputError> {
        if name.trim().eq_ignore_ascii_case("all") {
            return Ok(Selection::All);
        }
        Protocol::from_name(name)
            .map(Selection::One)
            .ok_or_else(|| SettingsInputError::Protocol(name.chars().take(40).collect()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Selection::One(protocol) => protocol.as_str(),
            Selection::All => "all",
        }
    }

    pub fn protocols(self) -> Vec<Protocol> {
        match self {
            Selection::One(protocol) => vec![protocol],
            Selection::All => Protocol::ALL.to_vec(),
        }
    }
}

/// A `/settings` request.
#[derive(Debug, Clone)]
pub struct SettingsRequest {
    pub selection: Selection,
    /// The customer's address, shown as their username.
    pub email: Option<EmailAddress>,
}

/// Why a `/settings` request cannot be answered. Each message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsInputError {
    #[error("unknown protocol {0:?}: choose imap, smtp, pop3 or all")]
    Protocol(String),
    #[error("that email address can't be used: {0}")]
    Email(EmailError),
}

impl SettingsRequest {
    /// Builds a request from what a user typed: a protocol name (`imap`, `smtp`,
    /// `pop3` or `all`, any case) and, optionally, an email address.
    pub fn from_input(
        protocol: &str,
        email: Option<&str>,
    ) -> Result<SettingsRequest, SettingsInputError> {
        let selection = Selection::parse(protocol)?;
        let email = email
            .map(EmailAddress::parse)
            .transpose()
            .map_err(SettingsInputError::Email)?;
        Ok(SettingsRequest { selection, email })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_parse_case_insensitively() {
        assert_eq!(Selection::parse("IMAP"), Ok(Selection::One(Protocol::Imap)));
        assert_eq!(Selection::parse("all"), Ok(Selection::All));
        assert!(Selection::parse("exchange")
            .unwrap_err()
            .to_string()
            .contains("imap, smtp, pop3 or all"));
    }

    #[test]
    fn a_bad_address_says_what_is_accepted() {
        let err = SettingsRequest::from_input("imap", Some("john")).unwrap_err();
        assert!(err.to_string().contains("name@yourdomain.com"), "{err}");
        let request = SettingsRequest::from_input("pop3", Some("jane@example.org")).unwrap();
        assert_eq!(request.email.unwrap().to_string(), "jane@example.org");
    }
}
