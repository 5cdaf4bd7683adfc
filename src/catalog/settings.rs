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
