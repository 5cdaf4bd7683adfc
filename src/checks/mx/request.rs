//! What a user types for `/mx`, parsed: the domain whose mail routing is checked.

use crate::values::domain::{DomainError, DomainName};
use crate::values::email::{EmailAddress, EmailError};

/// An `/mx` request: the domain whose mail routing is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxRequest {
    pub domain: DomainName,
}

/// Why the text typed for `/mx` is not a domain. `Display` says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MxRequestError {
    #[error("{0}")]
    Domain(DomainError),
    #[error("{0}")]
    Email(EmailError),
}

impl MxRequest {
    /// Parses what a user typed: a domain (`example.com`, IDNs too), or an email
    /// address, whose domain is then checked (customers often paste their address).
    pub fn from_input(input: &str) -> Result<MxRequest, MxRequestError> {
        let domain = if input.contains('@') {
            EmailAddress::parse(input)
                .map_err(MxRequestError::Email)?
                .domain()
                .clone()
        } else {
            DomainName::parse(input).map_err(MxRequestError::Domain)?
        };
        Ok(MxRequest { domain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn requests_accept_domains_and_addresses() {
        assert_eq!(
            MxRequest::from_input(" Example.COM ")
                .unwrap()
                .domain
                .as_str(),
            "example.com"
        );
        assert_eq!(
            MxRequest::from_input("jane@Bücher.example")
                .unwrap()
                .domain
                .as_str(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            MxRequest::from_input("example.com.")
                .unwrap()
                .domain
                .as_str(),
            "example.com"
        );
        let err = MxRequest::from_input("https://example.com/").unwrap_err();
        assert!(err.to_string().contains("e.g. example.com"), "{err}");
        let err = MxRequest::from_input("jane@").unwrap_err();
        assert!(err.to_string().contains("after @"), "{err}");
        for rejected in ["", "192.0.2.1", "exa mple.com", &"a".repeat(300)] {
            let err = MxRequest::from_input(rejected).unwrap_err();
            assert!(!err.to_string().is_empty(), "{rejected:?}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(input in any::<String>()) {
            let _ = MxRequest::from_input(&input);
        }

        #[test]
        fn parsing_domain_like_text_never_panics(
            input in "[ a-zA-Z0-9.@\\-_:/üß\u{200d}\u{0300}xn--]{0,300}"
        ) {
            if let Ok(request) = MxRequest::from_input(&input) {
                // Whatever is accepted is an ASCII name that parses again to itself.
                let ascii = request.domain.as_str().to_string();
                prop_assert!(ascii.is_ascii());
                let again = MxRequest::from_input(&ascii).map(|again| again.domain.as_str().to_string());
                prop_assert_eq!(again, Ok(ascii));
            }
        }
    }
}
