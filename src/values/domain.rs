//! Domain names as users type them: parsed, normalised to ASCII (punycode), or refused
//! with a message that says what is accepted.

use std::fmt;
use std::net::IpAddr;

/// A syntactically valid domain name in lower-case ASCII, without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

/// Why a text is not a domain name. Each message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("no domain given: type a domain name such as example.com")]
    Empty,
    #[error("{0} is an IP address, not a domain name: type a domain such as example.com")]
    IpAddress(String),
    #[error("that looks like a web address: type just the domain, e.g. example.com instead of https://example.com/")]
    Url,
    #[error("the name is longer than the 253 characters DNS allows")]
    TooLong,
    #[error("{0:?} needs at least one dot, like example.com")]
    SingleLabel(String),
    #[error("{label:?} is not a valid part of a domain name: use letters, digits and hyphens (not at the start or end), at most 63 characters per part")]
    InvalidLabel { label: String },
    #[error("{0:?} is not a valid international domain name")]
    InvalidIdn(String),
}

/// Longest name DNS can carry in text form, without the trailing dot (RFC 1035 §2.3.4).
const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

impl DomainName {
    /// Parses what a user typed: surrounding whitespace, upper case and one trailing dot
    /// are accepted; Unicode (IDN) names are converted to punycode.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = input.trim();
        let text = text.strip_suffix('.').unwrap_or(text);
        if text.is_empty() {
            return Err(DomainError::Empty);
        }
        let unbracketed = text.trim_start_matches('[').trim_end_matches(']');
        if unbracketed.parse::<IpAddr>().is_ok() {
            return Err(DomainError::IpAddress(unbracketed.to_string()));
        }
        if text.contains("://") || text.contains('/') {
            return Err(DomainError::Url);
        }
        // Refuse the overlong before the IDN conversion does any work on it.
        if text.len() > 4 * MAX_NAME_LEN {
            return Err(DomainError::TooLong);
        }
        let ascii = if text.is_ascii() {
            text.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii(text).map_err(|_| DomainError::InvalidIdn(text.to_string()))?
        };
        if ascii.len() > MAX_NAME_LEN {
            return Err(DomainError::TooLong);
        }
        for label in ascii.split('.') {
            if !is_valid_label(label) {
                return Err(DomainError::InvalidLabel {
                    label: label.to_string(),
                });
            }
        }
        if !ascii.contains('.') {
            return Err(DomainError::SingleLabel(ascii));
        }
        Ok(DomainName(ascii))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with its trailing dot, so no resolver search path is ever appended.
    pub fn to_fqdn(&self) -> String {
        format!("{}.", self.0)
    }

    /// The name for people: Unicode where it was an IDN.
    pub fn to_unicode(&self) -> String {
        let (unicode, result) = idna::domain_to_unicode(&self.0);
        if result.is_ok() {
            unicode
        } else {
            self.0.clone()
        }
    }
}

/// A DNS host label: letters, digits and inner hyphens, 1 to 63 characters. The
/// underscore is allowed too, since service labels such as `_dmarc` are real names.
fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_whitespace_and_trailing_dot() {
        let name = DomainName::parse("  Example.COM. ").unwrap();
        assert_eq!(name.as_str(), "example.com");
        assert_eq!(name.to_fqdn(), "example.com.");
    }

    #[test]
    fn converts_idn_to_punycode_and_back() {
        let name = DomainName::parse("bücher.example").unwrap();
        assert_eq!(name.as_str(), "xn--bcher-kva.example");
        assert_eq!(name.to_unicode(), "bücher.example");
    }

    #[test]
    fn refuses_what_is_not_a_domain() {
        assert_eq!(DomainName::parse(" "), Err(DomainError::Empty));
        assert!(matches!(
            DomainName::parse("192.0.2.1"),
            Err(DomainError::IpAddress(_))
        ));
        assert!(matches!(
            DomainName::parse("[2001:db8::1]"),
            Err(DomainError::IpAddress(_))
        ));
        assert_eq!(
            DomainName::parse("https://example.com/"),
            Err(DomainError::Url)
        );
        assert!(matches!(
            DomainName::parse("localhost"),
            Err(DomainError::SingleLabel(_))
        ));
        assert!(matches!(
            DomainName::parse("-bad.example"),
            Err(DomainError::InvalidLabel { .. })
        ));
        assert!(matches!(
            DomainName::parse("a..example"),
            Err(DomainError::InvalidLabel { .. })
        ));
        assert!(matches!(
            DomainName::parse("sp ace.example"),
            Err(DomainError::InvalidLabel { .. })
        ));
        let long_label = format!("{}.example", "a".repeat(64));
        assert!(matches!(
            DomainName::parse(&long_label),
            Err(DomainError::InvalidLabel { .. })
        ));
        let long_name = format!("{}example", "abcdefghi.".repeat(26));
        assert_eq!(DomainName::parse(&long_name), Err(DomainError::TooLong));
    }

    proptest! {
        #[test]
        fn never_panics_and_accepts_only_valid_names(input in "\\PC{0,300}") {
            if let Ok(name) = DomainName::parse(&input) {
                prop_assert!(name.as_str().len() <= MAX_NAME_LEN);
                prop_assert!(name.as_str().split('.').all(is_valid_label));
                prop_assert!(name.as_str().is_ascii());
            }
        }

        #[test]
        fn accepts_every_well_formed_name(labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 2..5)) {
            let text = labels.join(".");
            prop_assume!(text.parse::<IpAddr>().is_err());
            let name = DomainName::parse(&text.to_uppercase()).unwrap();
            prop_assert_eq!(name.as_str(), text.as_str());
        }
    }
}
