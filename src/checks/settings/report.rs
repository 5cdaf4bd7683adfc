//! What `/settings` reports: everything a mail client needs, per protocol.

use serde::Serialize;

use super::request::ProfileKind;
use crate::catalog::Encryption;
use crate::values::Protocol;

/// The settings report: everything a mail client needs, per protocol.
#[derive(Debug, Clone, Serialize)]
pub struct SettingsReport {
    pub provider: String,
    /// Embed colour (RGB).
    pub color: u32,
    pub host: String,
    /// The address given by the customer, if any, as they typed it (an international
    /// domain in Unicode).
    pub email: Option<String>,
    /// The same address as servers take it (the domain in punycode), when it differs
    /// from `email`: some mail apps accept only this form.
    pub login_address: Option<String>,
    pub protocols: Vec<ProtocolSettings>,
    pub username_rule: String,
    pub password_rule: String,
    pub footer: String,
    /// The account a mail-client profile is made from, when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<MailAccount>,
}

/// One mail account, as a mail-client profile sets it up: the address and the
/// incoming and outgoing servers, from the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct MailAccount {
    pub kind: ProfileKind,
    /// The provider's name, for the profile's title.
    pub provider: String,
    /// The address as servers take it (the domain in punycode): the account's
    /// address and the login name.
    pub address: String,
    /// The address as the customer typed it (the domain in Unicode), for people.
    pub display_address: String,
    /// The address's domain in ASCII.
    pub domain: String,
    /// IMAP, or POP3 when POP3 was asked for.
    pub incoming: MailServer,
    pub outgoing: MailServer,
}

/// A server of a mail account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailServer {
    pub protocol: Protocol,
    pub host: String,
    pub port: u16,
    pub encryption: Encryption,
}

/// One protocol's table.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolSettings {
    pub protocol: Protocol,
    pub name: String,
    pub role: String,
    pub recommended: bool,
    pub description: String,
    pub warning: Option<String>,
    pub settings: Vec<Setting>,
    /// The port and security, also among `settings`, for the summary line.
    #[serde(skip)]
    pub port: u16,
    #[serde(skip)]
    pub security: String,
}

/// One line of a table: "Port: 993".
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub label: String,
    pub value: String,
    /// Short values read well side by side.
    #[serde(skip)]
    pub inline: bool,
}

impl Setting {
    pub(super) fn new(label: &str, value: impl Into<String>, inline: bool) -> Self {
        Setting {
            label: label.to_string(),
            value: value.into(),
            inline,
        }
    }
}
