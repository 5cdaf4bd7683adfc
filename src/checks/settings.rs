//! `/settings`: the provider's mail client settings for one protocol or all three.
//!
//! Not a network check: it reads the catalogue and, when the customer gave an
//! address, puts that address in the username line.

use serde::{Deserialize, Serialize};

use super::email::EmailAddress;
use crate::catalog::SettingsCatalog;
use crate::report::{Details, Report, Verdict};

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

    pub fn from_name(name: &str) -> Option<Protocol> {
        Protocol::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// Which settings were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    One(Protocol),
    All,
}

impl Selection {
    /// Parses `imap`, `smtp`, `pop3` or `all`.
    pub fn parse(name: &str) -> Result<Selection, String> {
        if name.trim().eq_ignore_ascii_case("all") {
            return Ok(Selection::All);
        }
        Protocol::from_name(name)
            .map(Selection::One)
            .ok_or_else(|| format!("unknown protocol {name:?}: choose imap, smtp, pop3 or all"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Selection::One(protocol) => protocol.as_str(),
            Selection::All => "all",
        }
    }

    pub fn protocols(self) -> Vec<Protocol> {
        match self {
            Selection::One(protocol) => vec![protocol],
            Selection::All => Protocol::ALL.to_vec(),
        }
    }
}

/// A `/settings` request.
#[derive(Debug, Clone)]
pub struct SettingsRequest {
    pub selection: Selection,
    /// The customer's address, shown as their username.
    pub email: Option<EmailAddress>,
}

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
    fn new(label: &str, value: impl Into<String>, inline: bool) -> Self {
        Setting {
            label: label.to_string(),
            value: value.into(),
            inline,
        }
    }
}

/// Builds the settings report; it always succeeds with verdict `ok`.
pub fn run(catalog: &SettingsCatalog, request: &SettingsRequest) -> Report {
    let username = match &request.email {
        Some(address) => address.to_string(),
        None => catalog.username.clone(),
    };
    let protocols: Vec<ProtocolSettings> = request
        .selection
        .protocols()
        .into_iter()
        .map(|protocol| {
            let entry = catalog.protocol(protocol);
            let mut settings = vec![
                Setting::new("Server / Hostname", &catalog.host, true),
                Setting::new("Port", entry.port.to_string(), true),
                Setting::new("Security", &entry.security, true),
                Setting::new("Username", &username, false),
                Setting::new("Password", &catalog.password, false),
            ];
            if let Some(authentication) = &entry.authentication {
                settings.push(Setting::new("Authentication", authentication, true));
            }
            ProtocolSettings {
                protocol,
                name: entry.name.clone(),
                role: entry.role.clone(),
                recommended: entry.recommended,
                description: entry.description.clone(),
                warning: entry.warning.clone(),
                settings,
            }
        })
        .collect();
    let summary = match request.selection {
        Selection::One(protocol) => {
            let entry = catalog.protocol(protocol);
            format!(
                "{} ({}) settings: {}, port {}, {}",
                entry.name, entry.role, catalog.host, entry.port, entry.security
            )
        }
        Selection::All => {
            let parts: Vec<String> = Protocol::ALL
                .iter()
                .map(|&p| {
                    let entry = catalog.protocol(p);
                    format!("{} {} {}", entry.name, entry.port, entry.security)
                })
                .collect();
            format!(
                "{} settings for {}: {}",
                catalog.provider,
                catalog.host,
                parts.join(", ")
            )
        }
    };
    Report {
        target: request.selection.as_str().to_string(),
        verdict: Verdict::Ok,
        summary,
        details: Details::Settings(SettingsReport {
            provider: catalog.provider.clone(),
            color: catalog.color.0,
            host: catalog.host.clone(),
            email: request.email.as_ref().map(ToString::to_string),
            protocols,
            username_rule: catalog.username_rule.clone(),
            password_rule: catalog.password_rule.clone(),
            footer: catalog.footer.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn settings(selection: Selection, email: Option<&str>) -> SettingsReport {
        let catalog = Catalog::embedded().unwrap();
        let request = SettingsRequest {
            selection,
            email: email.map(|e| EmailAddress::parse(e).unwrap()),
        };
        match run(&catalog.settings, &request).details {
            Details::Settings(report) => report,
            other => panic!("not a settings report: {}", other.check_name()),
        }
    }

    fn value<'a>(protocol: &'a ProtocolSettings, label: &str) -> &'a str {
        &protocol
            .settings
            .iter()
            .find(|s| s.label == label)
            .unwrap()
            .value
    }

    #[test]
    fn imap_is_993_ssl_and_recommended() {
        let report = settings(Selection::One(Protocol::Imap), None);
        let imap = &report.protocols[0];
        assert_eq!(value(imap, "Server / Hostname"), "mail.echoterra.net");
        assert_eq!(value(imap, "Port"), "993");
        assert_eq!(value(imap, "Security"), "SSL/TLS");
        assert!(imap.recommended);
    }

    #[test]
    fn smtp_is_587_starttls_with_authentication() {
        let report = settings(Selection::One(Protocol::Smtp), None);
        let smtp = &report.protocols[0];
        assert_eq!(value(smtp, "Port"), "587");
        assert_eq!(value(smtp, "Security"), "STARTTLS");
        assert_eq!(value(smtp, "Authentication"), "Required");
    }

    #[test]
    fn pop3_is_995_and_warns_that_mail_leaves_the_server() {
        let report = settings(Selection::One(Protocol::Pop3), None);
        let pop3 = &report.protocols[0];
        assert_eq!(value(pop3, "Port"), "995");
        assert!(pop3
            .warning
            .as_deref()
            .unwrap()
            .contains("removes them from the server"));
    }

    #[test]
    fn the_username_is_the_given_address_or_the_rule() {
        let report = settings(Selection::All, Some("Jane@Example.org"));
        assert_eq!(report.protocols.len(), 3);
        for protocol in &report.protocols {
            assert_eq!(value(protocol, "Username"), "Jane@example.org");
        }
        let report = settings(Selection::One(Protocol::Imap), None);
        assert!(value(&report.protocols[0], "Username").contains("full email address"));
    }

    #[test]
    fn selections_parse_case_insensitively() {
        assert_eq!(Selection::parse("IMAP"), Ok(Selection::One(Protocol::Imap)));
        assert_eq!(Selection::parse("all"), Ok(Selection::All));
        assert!(Selection::parse("exchange")
            .unwrap_err()
            .contains("imap, smtp, pop3 or all"));
    }
}
