//! What a user types for `/domain`, parsed: the domain whose setup is checked. The
//! same input as `/mx` (a domain, or an email address whose domain is checked), so it
//! is parsed by `/mx`'s constructor and gets the same sentences.

use crate::checks::mx::{MxRequest, MxRequestError};
use crate::values::DomainName;

/// A `/domain` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRequest {
    pub domain: DomainName,
}

/// Why the text typed for `/domain` is not a domain (the sentences of `/mx`).
pub type DomainRequestError = MxRequestError;

impl DomainRequest {
    /// Parses a domain (`example.com`, IDNs too) or an email address.
    pub fn from_input(input: &str) -> Result<DomainRequest, DomainRequestError> {
        MxRequest::from_input(input).map(|request| DomainRequest {
            domain: request.domain,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_addresses_as_for_mx() {
        let request = DomainRequest::from_input("Jane@Bücher.example").unwrap();
        assert_eq!(request.domain.as_str(), "xn--bcher-kva.example");
        for bad in ["", "192.0.2.1", "https://example.com/"] {
            assert_eq!(
                DomainRequest::from_input(bad).unwrap_err().to_string(),
                MxRequest::from_input(bad).unwrap_err().to_string()
            );
        }
    }
}
