//! `/settings`: the provider's mail client settings for one protocol or all three.
//!
//! Not a network check: it reads the catalogue and, when the customer gave an
//! address, puts that address in the username line.
//!
//! - `request`: the protocol and address typed, parsed.
//! - `report`: the tables of settings.
//! - `verdict`: always OK, with the settings in one line.

mod report;
mod request;
mod verdict;

pub use report::{ProtocolSettings, Setting, SettingsReport};
pub use request::{Selection, SettingsInputError, SettingsRequest};

use crate::checks::{Progress, Services};

/// Builds the settings report from the catalogue; it always succeeds.
pub fn run(services: &Services, request: &SettingsRequest, _progress: &Progress) -> SettingsReport {
    let catalog = &services.catalog.settings;
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
                port: entry.port,
                security: entry.security.clone(),
            }
        })
        .collect();
    SettingsReport {
        provider: catalog.provider.clone(),
        color: catalog.color.0,
        host: catalog.host.clone(),
        email: request.email.as_ref().map(ToString::to_string),
        protocols,
        username_rule: catalog.username_rule.clone(),
        password_rule: catalog.password_rule.clone(),
        footer: catalog.footer.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckReport;
    use crate::config::Config;
    use crate::values::{EmailAddress, Protocol};

    fn settings(selection: Selection, email: Option<&str>) -> SettingsReport {
        let services = Services::new(Config::default()).unwrap();
        let request = SettingsRequest {
            selection,
            email: email.map(|e| EmailAddress::parse(e).unwrap()),
        };
        run(&services, &request, &Progress::none())
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
    fn the_summary_names_host_port_and_security() {
        let one = settings(Selection::One(Protocol::Imap), None).conclusion();
        assert_eq!(
            one.summary,
            "IMAP (incoming) settings: mail.echoterra.net, port 993, SSL/TLS"
        );
        let all = settings(Selection::All, None).conclusion().summary;
        assert!(
            all.contains("IMAP 993 SSL/TLS, SMTP 587 STARTTLS, POP3 995 SSL/TLS"),
            "{all}"
        );
    }
}
