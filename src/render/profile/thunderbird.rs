//! The Thunderbird autoconfig file (`clientConfig` version 1.1): what a provider
//! serves at `https://autoconfig.<domain>/mail/config-v1.1.xml`, and what
//! Thunderbird also reads from `isp/<domain>.xml` in its program folder, where a
//! customer can put this file. Written with quick-xml, which escapes every value.
//!
//! The login name is `%EMAILADDRESS%`, Thunderbird's placeholder for the address
//! typed in its account dialog: the file holds the domain's settings, and works for
//! every address of that domain.

use std::io;

use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::short_provider;
use crate::catalog::Encryption;
use crate::checks::settings::{MailAccount, MailServer};
use crate::values::Protocol;

/// The file for `account`, as UTF-8 XML bytes.
pub fn render(account: &MailAccount) -> Vec<u8> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    write(&mut writer, account).expect("writing to memory cannot fail");
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    bytes
}

fn write(writer: &mut Writer<Vec<u8>>, account: &MailAccount) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("clientConfig")
        .with_attribute(("version", "1.1"))
        .write_inner_content(|writer| {
            writer
                .create_element("emailProvider")
                .with_attribute(("id", account.domain.as_str()))
                .write_inner_content(|writer| {
                    text(writer, "domain", &account.domain)?;
                    text(writer, "displayName", &account.provider)?;
                    text(writer, "displayShortName", short_provider(account))?;
                    server(writer, "incomingServer", &account.incoming)?;
                    server(writer, "outgoingServer", &account.outgoing)
                })?;
            Ok(())
        })?;
    Ok(())
}

fn server(writer: &mut Writer<Vec<u8>>, element: &str, server: &MailServer) -> io::Result<()> {
    writer
        .create_element(element)
        .with_attribute(("type", kind(server.protocol)))
        .write_inner_content(|writer| {
            text(writer, "hostname", &server.host)?;
            text(writer, "port", &server.port.to_string())?;
            text(writer, "socketType", socket_type(server.encryption))?;
            text(writer, "authentication", "password-cleartext")?;
            text(writer, "username", "%EMAILADDRESS%")
        })?;
    Ok(())
}

/// `<name>value</name>`, the value escaped.
fn text(writer: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn kind(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Imap => "imap",
        Protocol::Pop3 => "pop3",
        Protocol::Smtp => "smtp",
    }
}

fn socket_type(encryption: Encryption) -> &'static str {
    match encryption {
        Encryption::Implicit => "SSL",
        Encryption::StartTls => "STARTTLS",
        Encryption::None => "plain",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::checks::settings::{run, SettingsRequest};
    use crate::checks::{Progress, Services};
    use crate::config::Config;
    use serde::Deserialize;

    /// The file's schema, read back with quick-xml's serde support.
    #[derive(Debug, Deserialize)]
    struct ClientConfig {
        #[serde(rename = "@version")]
        version: String,
        #[serde(rename = "emailProvider")]
        provider: EmailProvider,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct EmailProvider {
        #[serde(rename = "@id")]
        id: String,
        domain: String,
        display_name: String,
        display_short_name: String,
        incoming_server: Server,
        outgoing_server: Server,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Server {
        #[serde(rename = "@type")]
        kind: String,
        hostname: String,
        port: u16,
        socket_type: String,
        authentication: String,
        username: String,
    }

    fn parse(catalog: Catalog, protocol: &str, email: &str) -> (String, ClientConfig) {
        let services = Services::from_parts(catalog, Config::default()).unwrap();
        let request =
            SettingsRequest::from_input(protocol, Some(email), Some("thunderbird")).unwrap();
        let account = run(&services, &request, &Progress::none()).profile.unwrap();
        let xml = String::from_utf8(render(&account)).unwrap();
        let config = quick_xml::de::from_str(&xml).unwrap();
        (xml, config)
    }

    #[test]
    fn every_field_follows_the_catalogue() {
        let catalog = Catalog::embedded().unwrap();
        let (xml, config) = parse(catalog.clone(), "imap", "jane@Example.org");
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert_eq!(config.version, "1.1");
        let provider = config.provider;
        assert_eq!(provider.id, "example.org");
        assert_eq!(provider.domain, "example.org");
        assert_eq!(provider.display_name, catalog.settings.provider);
        assert_eq!(provider.display_short_name, "Echoterra");
        let host = catalog.settings.host.clone();
        let server = |kind: &str, port: u16, socket: &str| Server {
            kind: kind.into(),
            hostname: host.clone(),
            port,
            socket_type: socket.into(),
            authentication: "password-cleartext".into(),
            username: "%EMAILADDRESS%".into(),
        };
        let imap = catalog.settings.protocol(Protocol::Imap).port;
        let smtp = catalog.settings.protocol(Protocol::Smtp).port;
        assert_eq!(provider.incoming_server, server("imap", imap, "SSL"));
        assert_eq!(provider.outgoing_server, server("smtp", smtp, "STARTTLS"));
    }

    #[test]
    fn pop3_an_international_domain_and_markup_in_the_catalogue() {
        let mut catalog = Catalog::embedded().unwrap();
        catalog.settings.provider = "Echo <&> Terra".into();
        let (xml, config) = parse(catalog, "pop3", "jane@bücher.example");
        assert!(xml.contains("Echo &lt;&amp;&gt; Terra"), "{xml}");
        assert_eq!(config.provider.display_name, "Echo <&> Terra");
        assert_eq!(config.provider.domain, "xn--bcher-kva.example");
        assert_eq!(config.provider.incoming_server.kind, "pop3");
        assert_eq!(config.provider.incoming_server.port, 995);
    }
}
