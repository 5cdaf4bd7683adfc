//! The Apple configuration profile (`.mobileconfig`): an XML property list whose
//! one payload, `com.apple.mail.managed`, adds the mail account on an iPhone, iPad
//! or Mac. Keys as Apple's Configuration Profile Reference names them (top level:
//! `PayloadType` `Configuration`, `PayloadVersion`, `PayloadIdentifier`,
//! `PayloadUUID`, `PayloadDisplayName`, `PayloadContent`; the Mail payload: the
//! `EmailAccount…`, `IncomingMailServer…` and `OutgoingMailServer…` keys).
//!
//! The UUIDs are version 5 UUIDs of the address in a namespace of the provider's
//! host, and the identifier is made from them: the same address always gives the
//! same file, and installing it again replaces the account rather than adding a
//! second one. No password is in it: the device asks for it while installing.

use serde::Serialize;
use uuid::Uuid;

use super::{reverse_dns, short_provider};
use crate::catalog::Encryption;
use crate::checks::settings::{MailAccount, MailServer};
use crate::values::Protocol;

/// The whole profile.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Profile {
    payload_content: Vec<MailPayload>,
    payload_description: String,
    payload_display_name: String,
    payload_identifier: String,
    payload_organization: String,
    /// `false`: the customer may remove the account again.
    payload_removal_disallowed: bool,
    payload_type: &'static str,
    #[serde(rename = "PayloadUUID")]
    payload_uuid: String,
    payload_version: u32,
}

/// The `com.apple.mail.managed` payload: one mail account.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MailPayload {
    email_account_description: String,
    email_account_type: &'static str,
    email_address: String,
    incoming_mail_server_authentication: &'static str,
    incoming_mail_server_host_name: String,
    incoming_mail_server_port_number: u16,
    #[serde(rename = "IncomingMailServerUseSSL")]
    incoming_mail_server_use_ssl: bool,
    incoming_mail_server_username: String,
    outgoing_mail_server_authentication: &'static str,
    outgoing_mail_server_host_name: String,
    outgoing_mail_server_port_number: u16,
    #[serde(rename = "OutgoingMailServerUseSSL")]
    outgoing_mail_server_use_ssl: bool,
    outgoing_mail_server_username: String,
    /// One password for both servers: the device asks for it once.
    outgoing_password_same_as_incoming_password: bool,
    payload_description: String,
    payload_display_name: String,
    payload_identifier: String,
    payload_type: &'static str,
    #[serde(rename = "PayloadUUID")]
    payload_uuid: String,
    payload_version: u32,
}

/// The profile for `account`, as XML property-list bytes.
pub fn render(account: &MailAccount) -> Vec<u8> {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_DNS, account.incoming.host.as_bytes());
    let uuid = |what: &str| {
        Uuid::new_v5(&namespace, format!("{what}:{}", account.address).as_bytes())
            .hyphenated()
            .to_string()
            .to_uppercase()
    };
    let profile_uuid = uuid("profile");
    let identifier = format!(
        "{}.account.{profile_uuid}",
        reverse_dns(&account.incoming.host)
    );
    let (incoming, outgoing) = (&account.incoming, &account.outgoing);
    let title = format!("{} mail: {}", account.provider, account.display_address);
    let description = format!(
        "Adds the mail account {} of {}: {} {}:{} and SMTP {}:{}, with SSL. The device asks for the password.",
        account.display_address,
        account.provider,
        protocol_name(incoming.protocol),
        incoming.host,
        incoming.port,
        outgoing.host,
        outgoing.port,
    );
    let mail = MailPayload {
        email_account_description: format!(
            "{} ({})",
            short_provider(account),
            account.display_address
        ),
        email_account_type: match incoming.protocol {
            Protocol::Pop3 => "EmailTypePOP",
            _ => "EmailTypeIMAP",
        },
        email_address: account.address.clone(),
        incoming_mail_server_authentication: "EmailAuthPassword",
        incoming_mail_server_host_name: incoming.host.clone(),
        incoming_mail_server_port_number: incoming.port,
        incoming_mail_server_use_ssl: uses_tls(incoming),
        incoming_mail_server_username: account.address.clone(),
        outgoing_mail_server_authentication: "EmailAuthPassword",
        outgoing_mail_server_host_name: outgoing.host.clone(),
        outgoing_mail_server_port_number: outgoing.port,
        outgoing_mail_server_use_ssl: uses_tls(outgoing),
        outgoing_mail_server_username: account.address.clone(),
        outgoing_password_same_as_incoming_password: true,
        payload_description: description.clone(),
        payload_display_name: title.clone(),
        payload_identifier: format!("{identifier}.mail"),
        payload_type: "com.apple.mail.managed",
        payload_uuid: uuid("mail"),
        payload_version: 1,
    };
    let profile = Profile {
        payload_content: vec![mail],
        payload_description: description,
        payload_display_name: title,
        payload_identifier: identifier,
        payload_organization: account.provider.clone(),
        payload_removal_disallowed: false,
        payload_type: "Configuration",
        payload_uuid: profile_uuid,
        payload_version: 1,
    };
    let mut bytes = Vec::new();
    plist::to_writer_xml(&mut bytes, &profile).expect("a profile always serializes");
    bytes.push(b'\n');
    bytes
}

/// Apple's `…UseSSL`: TLS on the connection, from the first byte or by STARTTLS
/// (Apple's Mail negotiates STARTTLS on a port that starts in plain text).
fn uses_tls(server: &MailServer) -> bool {
    server.encryption != Encryption::None
}

fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Imap => "IMAP",
        Protocol::Pop3 => "POP3",
        Protocol::Smtp => "SMTP",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::checks::settings::{run, SettingsRequest};
    use crate::checks::{Progress, Services};
    use crate::config::Config;

    fn account(catalog: Catalog, protocol: &str, email: &str) -> MailAccount {
        let services = Services::from_parts(catalog, Config::default()).unwrap();
        let request = SettingsRequest::from_input(protocol, Some(email), Some("apple")).unwrap();
        run(&services, &request, &Progress::none()).profile.unwrap()
    }

    fn parse(bytes: &[u8]) -> plist::Dictionary {
        plist::Value::from_reader_xml(bytes)
            .unwrap()
            .into_dictionary()
            .unwrap()
    }

    fn text<'a>(dict: &'a plist::Dictionary, key: &str) -> &'a str {
        dict.get(key)
            .and_then(plist::Value::as_string)
            .unwrap_or_else(|| panic!("{key} is not a string"))
    }

    #[test]
    fn every_field_follows_the_catalogue_and_the_address() {
        let catalog = Catalog::embedded().unwrap();
        let account = account(catalog.clone(), "imap", "Jane@Bücher.example");
        let bytes = render(&account);
        let xml = String::from_utf8(bytes.clone()).unwrap();
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(xml.contains("<!DOCTYPE plist"), "{xml}");
        let profile = parse(&bytes);
        assert_eq!(text(&profile, "PayloadType"), "Configuration");
        assert_eq!(profile["PayloadVersion"].as_unsigned_integer(), Some(1));
        assert_eq!(
            text(&profile, "PayloadDisplayName"),
            "Echoterra Communications mail: Jane@bücher.example"
        );
        assert_eq!(
            text(&profile, "PayloadOrganization"),
            "Echoterra Communications"
        );
        assert_eq!(
            profile["PayloadRemovalDisallowed"].as_boolean(),
            Some(false)
        );
        let uuid = text(&profile, "PayloadUUID");
        assert_eq!(Uuid::parse_str(uuid).unwrap().get_version_num(), 5);
        assert_eq!(
            text(&profile, "PayloadIdentifier"),
            format!("net.echoterra.mail.account.{uuid}")
        );
        let content = profile["PayloadContent"].as_array().unwrap();
        assert_eq!(content.len(), 1);
        let mail = content[0].as_dictionary().unwrap();
        let settings = &catalog.settings;
        let imap = settings.protocol(Protocol::Imap);
        let smtp = settings.protocol(Protocol::Smtp);
        let ascii = "Jane@xn--bcher-kva.example";
        for (key, expected) in [
            ("PayloadType", "com.apple.mail.managed"),
            ("EmailAccountType", "EmailTypeIMAP"),
            ("EmailAddress", ascii),
            ("IncomingMailServerAuthentication", "EmailAuthPassword"),
            ("IncomingMailServerHostName", settings.host.as_str()),
            ("IncomingMailServerUsername", ascii),
            ("OutgoingMailServerAuthentication", "EmailAuthPassword"),
            ("OutgoingMailServerHostName", settings.host.as_str()),
            ("OutgoingMailServerUsername", ascii),
            ("EmailAccountDescription", "Echoterra (Jane@bücher.example)"),
        ] {
            assert_eq!(text(mail, key), expected, "{key}");
        }
        let number = |key: &str| mail[key].as_unsigned_integer();
        assert_eq!(
            number("IncomingMailServerPortNumber"),
            Some(imap.port.into())
        );
        assert_eq!(
            number("OutgoingMailServerPortNumber"),
            Some(smtp.port.into())
        );
        assert_eq!(number("PayloadVersion"), Some(1));
        for key in [
            "IncomingMailServerUseSSL",
            "OutgoingMailServerUseSSL",
            "OutgoingPasswordSameAsIncomingPassword",
        ] {
            assert_eq!(mail[key].as_boolean(), Some(true), "{key}");
        }
        assert!(text(mail, "PayloadIdentifier").starts_with(text(&profile, "PayloadIdentifier")));
        assert_ne!(text(mail, "PayloadUUID"), uuid);
        // No password of any kind.
        assert!(!xml.contains("Password</key>\n\t\t\t<string>"), "{xml}");
        for key in mail.keys() {
            assert!(
                !key.ends_with("Password") || key == "OutgoingPasswordSameAsIncomingPassword",
                "{key}"
            );
        }
    }

    #[test]
    fn the_same_address_gives_the_same_file_and_another_a_different_one() {
        let catalog = Catalog::embedded().unwrap();
        let one = render(&account(catalog.clone(), "imap", "jane@example.org"));
        assert_eq!(
            one,
            render(&account(catalog.clone(), "all", "jane@example.org"))
        );
        let other = render(&account(catalog, "imap", "john@example.org"));
        let uuid = |bytes: &[u8]| text(&parse(bytes), "PayloadUUID").to_string();
        assert_ne!(uuid(&one), uuid(&other));
    }

    #[test]
    fn an_operators_host_and_ports_change_the_profile_and_pop3_is_offered() {
        let mut catalog = Catalog::embedded().unwrap();
        catalog.settings.host = "imap.other-provider.example".into();
        for entry in &mut catalog.settings.protocols {
            let entry = entry.get_mut();
            entry.port += 1000;
        }
        let bytes = render(&account(catalog, "pop3", "jane@example.org"));
        let profile = parse(&bytes);
        let mail = profile["PayloadContent"].as_array().unwrap()[0]
            .as_dictionary()
            .unwrap();
        assert_eq!(text(mail, "EmailAccountType"), "EmailTypePOP");
        assert_eq!(
            text(mail, "IncomingMailServerHostName"),
            "imap.other-provider.example"
        );
        assert_eq!(
            mail["IncomingMailServerPortNumber"].as_unsigned_integer(),
            Some(1995)
        );
        assert_eq!(
            mail["OutgoingMailServerPortNumber"].as_unsigned_integer(),
            Some(1587)
        );
        assert!(text(&profile, "PayloadIdentifier").starts_with("example.other-provider.imap."));
    }

    #[test]
    fn text_that_looks_like_markup_is_escaped() {
        let mut catalog = Catalog::embedded().unwrap();
        catalog.settings.provider = "Echo <&> \"Terra\"".into();
        let bytes = render(&account(catalog, "imap", "o'neil+x@example.org"));
        let profile = parse(&bytes);
        assert_eq!(text(&profile, "PayloadOrganization"), "Echo <&> \"Terra\"");
        let mail = profile["PayloadContent"].as_array().unwrap()[0]
            .as_dictionary()
            .unwrap();
        assert_eq!(text(mail, "EmailAddress"), "o'neil+x@example.org");
    }
}
