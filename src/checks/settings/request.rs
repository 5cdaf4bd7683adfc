//! What a user asks `/settings` for, parsed: which protocols, the address to show
//! as the username, and the mail-client profile to make for that address.

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

/// A mail-client profile that sets the account up by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// An Apple configuration profile (`.mobileconfig`) for iPhone, iPad and Mac.
    Apple,
    /// A Thunderbird autoconfig file (`clientConfig` version 1.1).
    Thunderbird,
}

impl ProfileKind {
    pub const ALL: [ProfileKind; 2] = [ProfileKind::Apple, ProfileKind::Thunderbird];

    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Apple => "apple",
            ProfileKind::Thunderbird => "thunderbird",
        }
    }

    /// `apple` or `thunderbird`, in any case.
    pub fn parse(name: &str) -> Result<ProfileKind, SettingsInputError> {
        ProfileKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| SettingsInputError::Profile(name.chars().take(40).collect()))
    }
}

/// A `/settings` request.
#[derive(Debug, Clone)]
pub struct SettingsRequest {
    pub selection: Selection,
    /// The customer's address, shown as their username.
    pub email: Option<EmailAddress>,
    /// The profile to make for that address, if asked (never without an address).
    pub profile: Option<ProfileKind>,
}

/// Why a `/settings` request cannot be answered. Each message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsInputError {
    #[error("unknown protocol {0:?}: choose imap, smtp, pop3 or all")]
    Protocol(String),
    #[error("that email address can't be used: {0}")]
    Email(EmailError),
    #[error("unknown profile {0:?}: choose apple (iPhone, iPad, Mac) or thunderbird")]
    Profile(String),
    #[error("a profile sets up one mail account, so it needs your email address: add email:name@yourdomain.com")]
    ProfileNeedsEmail,
}

impl SettingsRequest {
    /// Builds a request from what a user typed: a protocol name (`imap`, `smtp`,
    /// `pop3` or `all`, any case), optionally an email address, and optionally a
    /// profile (`apple` or `thunderbird`), which needs the address.
    pub fn from_input(
        protocol: &str,
        email: Option<&str>,
        profile: Option<&str>,
    ) -> Result<SettingsRequest, SettingsInputError> {
        let selection = Selection::parse(protocol)?;
        let email = email
            .map(EmailAddress::parse)
            .transpose()
            .map_err(SettingsInputError::Email)?;
        let profile = profile.map(ProfileKind::parse).transpose()?;
        if profile.is_some() && email.is_none() {
            return Err(SettingsInputError::ProfileNeedsEmail);
        }
        Ok(SettingsRequest {
            selection,
            email,
            profile,
        })
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
        let err = SettingsRequest::from_input("imap", Some("john"), None).unwrap_err();
        assert!(err.to_string().contains("name@yourdomain.com"), "{err}");
        let request = SettingsRequest::from_input("pop3", Some("jane@example.org"), None).unwrap();
        assert_eq!(request.email.unwrap().to_string(), "jane@example.org");
    }

    #[test]
    fn a_profile_needs_an_address_and_a_known_kind() {
        let err = SettingsRequest::from_input("imap", None, Some("apple")).unwrap_err();
        assert_eq!(err, SettingsInputError::ProfileNeedsEmail);
        assert!(err.to_string().contains("email address"), "{err}");
        let err = SettingsRequest::from_input("imap", Some("jane@example.org"), Some("outlook"))
            .unwrap_err();
        assert!(err.to_string().contains("apple"), "{err}");
        let request =
            SettingsRequest::from_input("all", Some("jane@example.org"), Some(" Apple ")).unwrap();
        assert_eq!(request.profile, Some(ProfileKind::Apple));
    }
}
