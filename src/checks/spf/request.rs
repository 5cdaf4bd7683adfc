//! What a user types for `check spf` and `/spf`, parsed: the sender (an address or a
//! domain), the client address it is sent from, and optionally the HELO name.

use std::net::IpAddr;

use super::SpfQuery;
use crate::values::{DomainError, DomainName, EmailAddress, EmailError};

/// A `check spf` request: what a receiver concludes for mail from `sender`, sent by
/// the server at `ip` (which introduced itself as `helo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRequest {
    /// The MAIL FROM address; `None` for the null sender `<>` (bounces), when the HELO
    /// name is the identity checked (RFC 7208 §2.4).
    pub sender: Option<EmailAddress>,
    /// The domain whose policy is checked: the sender's, the one typed, or the HELO name.
    pub domain: DomainName,
    pub ip: IpAddr,
    pub helo: Option<DomainName>,
}

/// Why the input is not an SPF question. `Display` says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpfRequestError {
    #[error("{0}")]
    Domain(DomainError),
    #[error("{0}")]
    Email(EmailError),
    #[error("no sending address given: type the IP address of the server that sends the mail, e.g. 192.0.2.1 or 2001:db8::25")]
    NoIp,
    #[error("{0:?} is not an IP address: type the IP address of the server that sends the mail, e.g. 192.0.2.1 or 2001:db8::25")]
    BadIp(String),
    #[error("the HELO name is not valid: {0}")]
    Helo(DomainError),
    #[error(
        "the null sender <> needs the HELO name, whose policy is then checked: give it with helo"
    )]
    NullSenderWithoutHelo,
}

impl SpfRequest {
    /// Parses what a user typed: a sender address (`jane@example.com`), a domain
    /// (checked as `postmaster@<domain>`, RFC 7208 §4.3) or `<>` for the null sender
    /// (then the HELO name's policy is checked); the client's IPv4 or IPv6 address;
    /// and the HELO name, optional. Any address is accepted, private ones too: no
    /// connection is made to it.
    pub fn from_input(
        sender_or_domain: &str,
        ip: &str,
        helo: Option<&str>,
    ) -> Result<SpfRequest, SpfRequestError> {
        let helo = helo
            .map(str::trim)
            .filter(|helo| !helo.is_empty())
            .map(|helo| DomainName::parse(helo).map_err(SpfRequestError::Helo))
            .transpose()?;
        let ip_text = ip.trim();
        if ip_text.is_empty() {
            return Err(SpfRequestError::NoIp);
        }
        let unbracketed = ip_text.trim_start_matches('[').trim_end_matches(']');
        let ip = unbracketed
            .parse::<IpAddr>()
            .map_err(|_| SpfRequestError::BadIp(ip_text.chars().take(64).collect()))?;
        let text = sender_or_domain.trim();
        let (sender, domain) = if text == "<>" {
            let helo = helo.clone().ok_or(SpfRequestError::NullSenderWithoutHelo)?;
            (None, helo)
        } else if text.contains('@') {
            let address = EmailAddress::parse(text).map_err(SpfRequestError::Email)?;
            let domain = address.domain().clone();
            (Some(address), domain)
        } else {
            let domain = DomainName::parse(text).map_err(SpfRequestError::Domain)?;
            let postmaster = EmailAddress::parse(&format!("postmaster@{domain}"))
                .map_err(SpfRequestError::Email)?;
            (Some(postmaster), domain)
        };
        Ok(SpfRequest {
            sender,
            domain,
            ip,
            helo,
        })
    }

    /// The sender as MAIL FROM carries it: the address, or empty for `<>`.
    pub fn sender_text(&self) -> String {
        self.sender
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The question for the evaluator.
    pub fn query(&self) -> SpfQuery {
        SpfQuery {
            ip: self.ip,
            domain: self.domain.as_str().to_string(),
            sender: self.sender_text(),
            helo: self.helo.as_ref().map(|helo| helo.as_str().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_sender_address_a_domain_or_the_null_sender() {
        let request = SpfRequest::from_input(" Jane@Example.COM ", "192.0.2.1", None).unwrap();
        assert_eq!(request.domain.as_str(), "example.com");
        assert_eq!(request.sender_text(), "Jane@example.com");
        let request = SpfRequest::from_input("example.com", "2001:db8::1", None).unwrap();
        assert_eq!(request.sender_text(), "postmaster@example.com");
        assert_eq!(request.ip, "2001:db8::1".parse::<IpAddr>().unwrap());
        let request = SpfRequest::from_input("<>", "[192.0.2.1]", Some("mx.example.org")).unwrap();
        assert_eq!(request.domain.as_str(), "mx.example.org");
        assert_eq!(request.query().sender, "");
        assert_eq!(request.query().helo.as_deref(), Some("mx.example.org"));
        // No connection is made: a private address is a fine question.
        assert!(SpfRequest::from_input("example.com", "10.0.0.1", None).is_ok());
    }

    #[test]
    fn bad_input_says_what_is_accepted() {
        let err = |sender: &str, ip: &str, helo: Option<&str>| {
            SpfRequest::from_input(sender, ip, helo)
                .unwrap_err()
                .to_string()
        };
        assert!(err("example.com", "mail.example.com", None).contains("is not an IP address"));
        assert!(err("example.com", " ", None).contains("no sending address"));
        assert!(err("https://example.com/", "192.0.2.1", None).contains("web address"));
        assert!(err("jane@", "192.0.2.1", None).contains("after @"));
        assert!(err("<>", "192.0.2.1", None).contains("HELO"));
        assert!(err("example.com", "192.0.2.1", Some("bad name!")).contains("HELO name"));
        let long = err("example.com", &"9".repeat(500), None);
        assert!(long.len() < 200, "{long}");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(sender in any::<String>(), ip in any::<String>(), helo in any::<Option<String>>()) {
            let _ = SpfRequest::from_input(&sender, &ip, helo.as_deref());
        }
    }
}
