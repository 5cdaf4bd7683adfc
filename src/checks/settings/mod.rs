//! `/settings`: the provider's mail client settings for one protocol or all three.
//!
//! Not a network check: it reads the catalogue and, when the customer gave an
//! address, puts that address in the username line. With a profile asked for, the
//! report also carries the account a mail-client profile is made from (rendered by
//! `render::profile`).
//!
//! - `request`: the protocol, address and profile typed, parsed.
//! - `report`: the tables of settings, and the account for a profile.
//! - `verdict`: always OK, with the settings in one line.

mod report;
mod request;
mod verdict;

pub use report::{MailAccount, MailServer, ProtocolSettings, Setting, SettingsReport};
pub use request::{ProfileKind, Selection, SettingsInputError, SettingsRequest};

use crate::catalog::SettingsCatalog;
use crate::checks::{Progress, Services};
use crate::values::{EmailAddress, Protocol};

/// Builds the settings report from the catalogue; it always succeeds.
pub fn run(services: &Services, request: &SettingsRequest, _progress: &Progress) -> SettingsReport {
    let catalog = &services.catalog.settings;
    let username = match &request.email {
        Some(address) => address.display(),
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
        email: request.email.as_ref().map(EmailAddress::display),
        login_address: request
            .email
            .as_ref()
            .filter(|address| address.is_international())
            .map(ToString::to_string),
        protocols,
        username_rule: catalog.username_rule.clone(),
        password_rule: catalog.password_rule.clone(),
        footer: catalog.footer.clone(),
        profile: request
            .profile
            .zip(request.email.as_ref())
            .map(|(kind, address)| account(catalog, request.selection, kind, address)),
    }
}

/// The account a profile sets up: IMAP (or POP3 when that alone was asked for) and
/// SMTP, as the catalogue has them.
fn account(
    catalog: &SettingsCatalog,
    selection: Selection,
    kind: ProfileKind,
    address: &EmailAddress,
) -> MailAccount {
    let server = |protocol: Protocol| {
        let entry = catalog.protocol(protocol);
        MailServer {
            protocol,
            host: catalog.host.clone(),
            port: entry.port,
            encryption: entry.encryption(),
        }
    };
    let incoming = match selection {
        Selection::One(Protocol::Pop3) => Protocol::Pop3,
        _ => Protocol::Imap,
    };
    MailAccount {
        kind,
        provider: catalog.provider.clone(),
        address: address.to_string(),
        display_address: address.display(),
        domain: address.domain().as_str().to_string(),
        incoming: server(incoming),
        outgoing: server(Protocol::Smtp),
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
            profile: None,
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
    fn an_international_address_is_shown_in_unicode_with_its_login_form() {
        let report = settings(Selection::One(Protocol::Imap), Some("jane@Bücher.example"));
        assert_eq!(report.email.as_deref(), Some("jane@bücher.example"));
        assert_eq!(
            report.login_address.as_deref(),
            Some("jane@xn--bcher-kva.example")
        );
        assert_eq!(
            value(&report.protocols[0], "Username"),
            "jane@bücher.example"
        );
        let plain = settings(Selection::One(Protocol::Imap), Some("jane@example.org"));
        assert_eq!(plain.login_address, None);
    }

    #[test]
    fn a_profile_carries_imap_or_pop3_and_smtp_from_the_catalogue() {
        let services = Services::new(Config::default()).unwrap();
        let request =
            SettingsRequest::from_input("smtp", Some("jane@bücher.example"), Some("apple"))
                .unwrap();
        let account = run(&services, &request, &Progress::none()).profile.unwrap();
        assert_eq!(account.kind, ProfileKind::Apple);
        assert_eq!(account.address, "jane@xn--bcher-kva.example");
        assert_eq!(account.display_address, "jane@bücher.example");
        assert_eq!(account.domain, "xn--bcher-kva.example");
        let imap = crate::catalog::Encryption::Implicit;
        let starttls = crate::catalog::Encryption::StartTls;
        assert_eq!(
            (
                account.incoming.protocol,
                account.incoming.port,
                account.incoming.encryption
            ),
            (Protocol::Imap, 993, imap)
        );
        assert_eq!(
            (
                account.outgoing.protocol,
                account.outgoing.port,
                account.outgoing.encryption
            ),
            (Protocol::Smtp, 587, starttls)
        );
        assert_eq!(account.incoming.host, "mail.echoterra.net");
        let request =
            SettingsRequest::from_input("pop3", Some("jane@example.org"), Some("thunderbird"))
                .unwrap();
        let account = run(&services, &request, &Progress::none()).profile.unwrap();
        assert_eq!(
            (account.incoming.protocol, account.incoming.port),
            (Protocol::Pop3, 995)
        );
        let none = SettingsRequest::from_input("imap", Some("jane@example.org"), None).unwrap();
        assert!(run(&services, &none, &Progress::none()).profile.is_none());
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
