//! `commands/settings.toml`: the server settings customers copy into their mail app.

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::values::domain::DomainName;
use crate::values::Protocol;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsCatalog {
    pub provider: String,
    pub color: Colour,
    pub host: String,
    /// The username line when the customer gave no address.
    pub username: String,
    pub password: String,
    pub username_rule: String,
    pub password_rule: String,
    pub footer: String,
    pub protocols: Vec<toml::Spanned<ProtocolEntry>>,
}

/// One protocol table of the support page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolEntry {
    pub id: Protocol,
    pub name: String,
    /// `incoming` or `outgoing`, shown next to the name.
    pub role: String,
    pub port: u16,
    pub security: String,
    #[serde(default)]
    pub recommended: bool,
    /// Shown as its own field when present (SMTP: "Required").
    pub authentication: Option<String>,
    pub description: String,
    /// Shown prominently (POP3 removes mail from the server).
    pub warning: Option<String>,
}

/// How a protocol's connection is encrypted, as a mail-client profile must say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encryption {
    /// TLS from the first byte ("SSL/TLS": 993, 995, 465).
    Implicit,
    /// Plain text, then `STARTTLS` (587).
    StartTls,
    /// No encryption at all.
    None,
}

impl Encryption {
    /// Reads the `security` text of a protocol table: it names `STARTTLS`, `SSL`
    /// or `TLS`, or says `none`; anything else is not understood.
    pub fn from_security(text: &str) -> Option<Encryption> {
        let upper = text.to_ascii_uppercase();
        if upper.contains("STARTTLS") {
            Some(Encryption::StartTls)
        } else if upper.contains("SSL") || upper.contains("TLS") {
            Some(Encryption::Implicit)
        } else if upper.trim() == "NONE" {
            Some(Encryption::None)
        } else {
            None
        }
    }
}

/// An embed colour, written `"#RRGGBB"` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u32);

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.strip_prefix('#')
            .filter(|hex| hex.len() == 6)
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .map(Colour)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "colour {text:?} is not of the form \"#RRGGBB\" (e.g. \"#1F6FB2\")"
                ))
            })
    }
}

impl ProtocolEntry {
    /// The encryption the `security` text names; validation guarantees it names one.
    pub fn encryption(&self) -> Encryption {
        Encryption::from_security(&self.security).unwrap_or(Encryption::None)
    }
}

impl SettingsCatalog {
    /// The entry for one protocol; validation guarantees each exists.
    pub fn protocol(&self, protocol: Protocol) -> &ProtocolEntry {
        self.protocols
            .iter()
            .map(|entry| entry.get_ref())
            .find(|entry| entry.id == protocol)
            .expect("validated: every protocol has an entry")
    }
}

impl CatalogFile for SettingsCatalog {
    const NAME: &'static str = "settings.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/settings.toml");

    fn validate(&self) -> Result<(), Invalid> {
        DomainName::parse(&self.host)
            .map_err(|err| Invalid::at_key("host", format!("host: {err}")))?;
        for (key, text) in [
            ("provider", &self.provider),
            ("username", &self.username),
            ("password", &self.password),
            ("username_rule", &self.username_rule),
            ("password_rule", &self.password_rule),
            ("footer", &self.footer),
        ] {
            if text.trim().is_empty() {
                return Err(Invalid::at_key(key, format!("{key} must not be empty")));
            }
        }
        for (index, entry) in self.protocols.iter().enumerate() {
            let span = entry.span();
            let entry = entry.get_ref();
            if entry.port == 0 {
                return Err(Invalid::at_span(span, "port must be between 1 and 65535"));
            }
            if entry.name.trim().is_empty() || entry.security.trim().is_empty() {
                return Err(Invalid::at_span(
                    span,
                    "name and security must not be empty",
                ));
            }
            // Mail-client profiles are made from it, so it must say what it means.
            if Encryption::from_security(&entry.security).is_none() {
                return Err(Invalid::at_span(
                    span,
                    format!(
                        "security {:?} names no encryption: write \"SSL/TLS\" (TLS from the first byte), \"STARTTLS\" or \"none\"",
                        entry.security
                    ),
                ));
            }
            if self.protocols[..index]
                .iter()
                .any(|earlier| earlier.get_ref().id == entry.id)
            {
                return Err(Invalid::at_span(
                    span,
                    format!("protocol {} is listed twice", entry.id.as_str()),
                ));
            }
        }
        for protocol in Protocol::ALL {
            if !self.protocols.iter().any(|e| e.get_ref().id == protocol) {
                return Err(Invalid::at_key(
                    "protocols",
                    format!(
                        "protocol {} is missing: imap, smtp and pop3 must each have a [[protocols]] table",
                        protocol.as_str()
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_security_text_names_the_encryption() {
        for (text, encryption) in [
            ("SSL/TLS", Some(Encryption::Implicit)),
            ("TLS", Some(Encryption::Implicit)),
            ("STARTTLS", Some(Encryption::StartTls)),
            ("starttls (port 587)", Some(Encryption::StartTls)),
            ("None", Some(Encryption::None)),
            ("encrypted", None),
        ] {
            assert_eq!(Encryption::from_security(text), encryption, "{text}");
        }
    }

    #[test]
    fn a_security_naming_no_encryption_stops_the_catalogue() {
        let text = SettingsCatalog::EMBEDDED.replacen(
            "security = \"STARTTLS\"",
            "security = \"secure\"",
            1,
        );
        let catalog: SettingsCatalog = toml::from_str(&text).unwrap();
        let err = catalog.validate().unwrap_err();
        assert!(
            err.message.contains("names no encryption"),
            "{}",
            err.message
        );
    }
}
