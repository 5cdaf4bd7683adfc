//! What a user types for `check spf` and `/spf`, parsed: the sender (an address or a
//! domain), the client address it is sent from, and optionally the HELO name.
//!
//! The check answers "what would a receiver conclude", so it takes what a receiver
//! gets, not only tidy input: a HELO name that is no domain (`OEMCOMPUTER`,
//! `[192.0.2.1]`, `JUMPIN' JUPITER`) and an address with an unusual local part
//! (`Macro Error@…`, `@example.net`) or a broken domain (`jane@a...example`) are what
//! spam and broken clients send, and RFC 7208 gives them results (§2.3, §4.3: a name
//! that is no usable domain has the result none; §7.3: macros expand what was
//! received). A valid domain is normalised (lower case, IDN to A-labels); anything
//! else is kept as received. What is refused is what no receiver is handed as text:
//! control and invisible characters, and more than SMTP's lengths.

use std::fmt;
use std::net::IpAddr;

use super::SpfQuery;
use crate::values::{DomainError, DomainName, EmailError};
use crate::wording;

/// Longest sender taken, in characters: a local part of 64 and a domain of 255
/// (RFC 5321 §4.5.3.1.1, §4.5.3.1.2), as `/spf`'s `domain` option allows.
pub const MAX_SENDER_LEN: usize = 320;

/// Longest HELO name taken, in characters: a domain of 255 (RFC 5321 §4.5.3.1.2).
pub const MAX_HELO_LEN: usize = 255;

/// A `check spf` request: what a receiver concludes for mail from `sender`, sent by
/// the server at `ip` (which introduced itself as `helo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRequest {
    /// The MAIL FROM address as received (its domain normalised when it is a valid
    /// domain name); `None` for the null sender `<>` (bounces), when the HELO name is
    /// the identity checked (RFC 7208 §2.4).
    pub sender: Option<String>,
    /// The domain whose policy is checked: the sender's, the one typed, or the HELO
    /// name. ASCII when it is a valid domain name; otherwise as received, and then
    /// the result is none (RFC 7208 §4.3).
    pub domain: String,
    pub ip: IpAddr,
    /// The HELO/EHLO name: normalised when it is a valid domain name, else as received.
    pub helo: Option<String>,
}

/// Which input a sentence is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Sender,
    Helo,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Sender => "the sender",
            Field::Helo => "the HELO name",
        })
    }
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
    #[error("{field} contains {character}: type it as the mail server received it, without control or invisible characters")]
    Unprintable { field: Field, character: String },
    #[error("{field} is {length} characters long: a mail server takes at most {max}")]
    TooLong {
        field: Field,
        length: usize,
        max: usize,
    },
    #[error(
        "the null sender <> needs the HELO name, whose policy is then checked: give it with helo"
    )]
    NullSenderWithoutHelo,
}

impl SpfRequest {
    /// Parses what a user typed: a sender address as a receiver got it
    /// (`jane@example.com`, but also `Macro Error@example.com` or `@example.net`), a
    /// domain (checked as `postmaster@<domain>`, RFC 7208 §4.3) or `<>` for the null
    /// sender (then the HELO name's policy is checked); the client's IPv4 or IPv6
    /// address; and the HELO name, optional, any text a client may send. Any address
    /// is accepted, private ones too: no connection is made to it.
    pub fn from_input(
        sender_or_domain: &str,
        ip: &str,
        helo: Option<&str>,
    ) -> Result<SpfRequest, SpfRequestError> {
        let helo = helo
            .map(str::trim)
            .filter(|helo| !helo.is_empty())
            .map(|helo| received(Field::Helo, helo, MAX_HELO_LEN).map(normalised))
            .transpose()?;
        let ip_text = ip.trim();
        if ip_text.is_empty() {
            return Err(SpfRequestError::NoIp);
        }
        let unbracketed = ip_text.trim_start_matches('[').trim_end_matches(']');
        let ip = unbracketed
            .parse::<IpAddr>()
            .map_err(|_| SpfRequestError::BadIp(ip_text.chars().take(64).collect()))?;
        let text = received(Field::Sender, sender_or_domain.trim(), MAX_SENDER_LEN)?;
        let (sender, domain) = if text == "<>" {
            let helo = helo.clone().ok_or(SpfRequestError::NullSenderWithoutHelo)?;
            (None, helo)
        } else if let Some((local, domain)) = text.rsplit_once('@') {
            // An address as received: only an empty domain is no address at all.
            if domain.trim().is_empty() {
                let empty = EmailError::InvalidDomain(DomainError::Empty);
                return Err(SpfRequestError::Email(empty));
            }
            let domain = normalised(domain);
            (Some(format!("{local}@{domain}")), domain)
        } else {
            // A domain alone is the user's shorthand, not something a receiver gets:
            // it must be a domain name.
            let domain = DomainName::parse(text).map_err(SpfRequestError::Domain)?;
            (
                Some(format!("postmaster@{domain}")),
                domain.as_str().to_string(),
            )
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
        self.sender.clone().unwrap_or_default()
    }

    /// The question for the evaluator.
    pub fn query(&self) -> SpfQuery {
        SpfQuery {
            ip: self.ip,
            domain: self.domain.clone(),
            sender: self.sender_text(),
            helo: self.helo.clone(),
        }
    }
}

/// `text` when a mail server could have received it: at most `max` characters, none
/// of them a control or invisible character.
fn received(field: Field, text: &str, max: usize) -> Result<&str, SpfRequestError> {
    let length = text.chars().count();
    if length > max {
        return Err(SpfRequestError::TooLong { field, length, max });
    }
    match wording::first_hidden(text) {
        Some(hidden) => Err(SpfRequestError::Unprintable {
            field,
            character: wording::describe_hidden(hidden),
        }),
        None => Ok(text),
    }
}

/// A valid domain name in its normal form (ASCII, lower case, no trailing dot); any
/// other name as it was received.
fn normalised(name: &str) -> String {
    match DomainName::parse(name) {
        Ok(domain) => domain.as_str().to_string(),
        Err(_) => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_sender_address_a_domain_or_the_null_sender() {
        let request = SpfRequest::from_input(" Jane@Example.COM ", "192.0.2.1", None).unwrap();
        assert_eq!(request.domain, "example.com");
        assert_eq!(request.sender_text(), "Jane@example.com");
        let request = SpfRequest::from_input("example.com", "2001:db8::1", None).unwrap();
        assert_eq!(request.sender_text(), "postmaster@example.com");
        assert_eq!(request.ip, "2001:db8::1".parse::<IpAddr>().unwrap());
        let request = SpfRequest::from_input("<>", "[192.0.2.1]", Some("mx.example.org")).unwrap();
        assert_eq!(request.domain, "mx.example.org");
        assert_eq!(request.query().sender, "");
        assert_eq!(request.query().helo.as_deref(), Some("mx.example.org"));
        // No connection is made: a private address is a fine question.
        assert!(SpfRequest::from_input("example.com", "10.0.0.1", None).is_ok());
    }

    /// RFC 7208 §2.3, §4.3, §7.3: what spam and broken clients send is a question
    /// with an answer, kept as received for the macros.
    #[test]
    fn what_a_receiver_gets_is_taken_as_received() {
        for helo in [
            "OEMCOMPUTER",
            "192.168.218.40",
            "[1.2.3.5]",
            "jumpin' jupiter",
            "%%%",
        ] {
            let request = SpfRequest::from_input("<>", "192.0.2.1", Some(helo)).unwrap();
            assert_eq!(request.helo.as_deref(), Some(helo));
            assert_eq!(request.domain, helo);
        }
        let request =
            SpfRequest::from_input("jane@x.example", "192.0.2.1", Some("MX.Example.ORG")).unwrap();
        assert_eq!(request.helo.as_deref(), Some("mx.example.org"));
        for (sender, domain) in [
            ("Macro+Sentinel%%@Example.com", "example.com"),
            ("Macro Error@e8.example.com", "e8.example.com"),
            ("~jack&jill=up-a_b3.c@e8.example.com", "e8.example.com"),
            ("@example.net", "example.net"),
            ("lyme.eater@A...example.com", "A...example.com"),
            ("foo@[1.2.3.5]", "[1.2.3.5]"),
        ] {
            let request = SpfRequest::from_input(sender, "192.0.2.1", None).unwrap();
            assert_eq!(request.domain, domain, "{sender}");
        }
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
        let long = err("example.com", &"9".repeat(500), None);
        assert!(long.len() < 200, "{long}");
    }

    #[test]
    fn control_characters_and_overlong_input_are_refused() {
        let err = |sender: &str, helo: Option<&str>| {
            SpfRequest::from_input(sender, "192.0.2.1", helo).unwrap_err()
        };
        let control = err("example.com", Some("mx\r\nRCPT TO:<x>"));
        assert_eq!(
            control.to_string(),
            "the HELO name contains the control character U+000D: type it as the mail server received it, without control or invisible characters"
        );
        let hidden = err("ja\u{200b}ne@example.com", None);
        assert!(
            hidden
                .to_string()
                .starts_with("the sender contains the invisible character U+200B"),
            "{hidden}"
        );
        assert!(matches!(
            err("a@b\tc.example", None),
            SpfRequestError::Unprintable { .. }
        ));
        let helo = "a".repeat(MAX_HELO_LEN + 1);
        assert_eq!(
            err("example.com", Some(&helo)).to_string(),
            "the HELO name is 256 characters long: a mail server takes at most 255"
        );
        assert!(SpfRequest::from_input("<>", "192.0.2.1", Some(&helo[1..])).is_ok());
        let sender = format!("{}@example.com", "j".repeat(MAX_SENDER_LEN));
        assert!(matches!(
            err(&sender, None),
            SpfRequestError::TooLong {
                field: Field::Sender,
                max: MAX_SENDER_LEN,
                ..
            }
        ));
    }

    proptest! {
        #[test]
        fn parsing_never_panics(sender in any::<String>(), ip in any::<String>(), helo in any::<Option<String>>()) {
            let _ = SpfRequest::from_input(&sender, &ip, helo.as_deref());
        }

        /// Whatever is accepted is bounded and free of control characters.
        #[test]
        fn accepted_input_is_bounded_and_printable(sender in "\\PC{0,400}", helo in "\\PC{0,300}") {
            if let Ok(request) = SpfRequest::from_input(&sender, "192.0.2.1", Some(&helo)) {
                for text in [request.sender_text(), request.domain.clone(), request.helo.unwrap_or_default()] {
                    prop_assert!(text.chars().count() <= MAX_SENDER_LEN);
                    prop_assert!(wording::first_hidden(&text).is_none());
                }
            }
        }
    }
}
