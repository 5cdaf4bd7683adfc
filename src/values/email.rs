//! Email addresses as customers type them, validated before they are shown back.
//!
//! An address has two written forms. [`EmailAddress::to_string`] is the form every
//! mail server and client accepts: the local part as typed and the domain in ASCII
//! (punycode for an international name, since DNS needs it and mail headers and
//! logins accept it without SMTPUTF8). [`EmailAddress::display`] is the form people
//! read: the same local part and the domain in Unicode, as they typed it (after the
//! IDNA mapping, so invisible or look-alike characters that IDNA maps away are not
//! shown back).

use std::fmt;

use super::domain::{DomainError, DomainName};

/// An address of the form `local@domain`, with the domain normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    local: String,
    domain: DomainName,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("{0:?} is not an email address: type it as name@yourdomain.com")]
    NoAt(String),
    #[error("the part before @ is not valid: use letters, digits and . _ % + - (no spaces, not starting or ending with a dot), at most 64 characters")]
    InvalidLocal,
    #[error("the part after @ is not a valid domain: {0}")]
    InvalidDomain(DomainError),
}

/// RFC 5321 §4.5.3.1.1.
const MAX_LOCAL_LEN: usize = 64;

impl EmailAddress {
    /// Parses an address; surrounding whitespace is ignored. The local part is limited
    /// to the dot-atom characters mail providers actually hand out (no quoted strings).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let text = input.trim();
        let (local, domain) = text
            .rsplit_once('@')
            .ok_or_else(|| EmailError::NoAt(text.chars().take(64).collect()))?;
        let local_ok = !local.is_empty()
            && local.len() <= MAX_LOCAL_LEN
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || ".!#$%&'*+-/=?^_`{|}~".contains(c));
        if !local_ok {
            return Err(EmailError::InvalidLocal);
        }
        let domain = DomainName::parse(domain).map_err(EmailError::InvalidDomain)?;
        Ok(EmailAddress {
            local: local.to_string(),
            domain,
        })
    }

    pub fn domain(&self) -> &DomainName {
        &self.domain
    }

    /// The address for people: `jane@bücher.example` (the domain in Unicode).
    pub fn display(&self) -> String {
        format!("{}@{}", self.local, self.domain.to_unicode())
    }

    /// Whether the two forms differ: an international domain, written in punycode
    /// for servers and in Unicode for people.
    pub fn is_international(&self) -> bool {
        self.display() != self.to_string()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses() {
        let address = EmailAddress::parse(" John.Smith+tag@Example.COM ").unwrap();
        assert_eq!(address.to_string(), "John.Smith+tag@example.com");
        assert_eq!(address.domain().as_str(), "example.com");
    }

    #[test]
    fn an_international_address_has_a_unicode_and_an_ascii_form() {
        let address = EmailAddress::parse("Jane@Bücher.Example").unwrap();
        assert_eq!(address.to_string(), "Jane@xn--bcher-kva.example");
        assert_eq!(address.display(), "Jane@bücher.example");
        assert!(address.is_international());
        let plain = EmailAddress::parse("jane@example.org").unwrap();
        assert_eq!(plain.display(), plain.to_string());
        assert!(!plain.is_international());
        // A soft hyphen typed into the domain is mapped away, not shown back.
        let hidden = EmailAddress::parse("jane@exa\u{ad}mple.org").unwrap();
        assert_eq!(hidden.display(), "jane@example.org");
    }

    #[test]
    fn refuses_garbage_with_a_reason() {
        assert!(matches!(
            EmailAddress::parse("john"),
            Err(EmailError::NoAt(_))
        ));
        assert_eq!(
            EmailAddress::parse("@example.com"),
            Err(EmailError::InvalidLocal)
        );
        assert_eq!(
            EmailAddress::parse("a b@example.com"),
            Err(EmailError::InvalidLocal)
        );
        assert_eq!(
            EmailAddress::parse("**<b>@example.com"),
            Err(EmailError::InvalidLocal)
        );
        assert!(matches!(
            EmailAddress::parse("john@"),
            Err(EmailError::InvalidDomain(_))
        ));
    }

    proptest! {
        #[test]
        fn never_panics(input in "\\PC{0,400}") {
            let _ = EmailAddress::parse(&input);
        }
    }
}
