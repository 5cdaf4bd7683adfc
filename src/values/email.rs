//! Email addresses as customers type them, validated before they are shown back.

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
