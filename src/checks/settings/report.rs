//! What `/settings` reports: everything a mail client needs, per protocol.

use serde::Serialize;

use crate::values::Protocol;

/// The settings report: everything a mail client needs, per protocol.
#[derive(Debug, Clone, Serialize)]
pub struct SettingsReport {
    pub provider: String,
    /// Embed colour (RGB).
    pub color: u32,
    pub host: String,
    /// The address given by the customer, if any.
    pub email: Option<String>,
    pub protocols: Vec<ProtocolSettings>,
    pub username_rule: String,
    pub password_rule: String,
    pub footer: String,
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
