//! The mail protocols of the provider's settings page.

use serde::{Deserialize, Serialize};

/// A mail protocol of the settings page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Imap,
    Smtp,
    Pop3,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Imap, Protocol::Smtp, Protocol::Pop3];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Imap => "imap",
            Protocol::Smtp => "smtp",
            Protocol::Pop3 => "pop3",
        }
    }

    /// `imap`, `smtp` or `pop3`, in any case, surrounding spaces ignored.
    pub fn from_name(name: &str) -> Option<Protocol> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_any_case() {
        for protocol in Protocol::ALL {
            assert_eq!(Protocol::from_name(protocol.as_str()), Some(protocol));
            let upper = protocol.as_str().to_uppercase();
            assert_eq!(Protocol::from_name(&format!(" {upper} ")), Some(protocol));
        }
        assert_eq!(Protocol::from_name("exchange"), None);
    }
}
