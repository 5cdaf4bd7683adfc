//! `/settings` as embeds: one per protocol in the provider's colour, with buttons
//! that switch the same message to another protocol.

use super::code;
use super::limits::CUSTOM_ID;
use super::message::{ActionRow, Button, ButtonStyle, Embed, Message};
use crate::checks::settings::{ProtocolSettings, SettingsReport};
use crate::values::Protocol;

/// The prefix of the settings buttons' custom ids.
const PREFIX: &str = "settings";

/// What a settings button asks for, decoded from its custom id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsButton {
    pub protocol: Protocol,
    /// The address the message was made for, so switching keeps it.
    pub email: Option<String>,
}

/// The custom id of a settings button: `settings:<protocol>[:<email>]`. The address
/// is carried only when it fits Discord's 100 characters; a longer one falls back to
/// the generic username line.
pub fn settings_custom_id(protocol: Protocol, email: Option<&str>) -> String {
    let plain = format!("{PREFIX}:{}", protocol.as_str());
    match email {
        Some(email) if plain.len() + 1 + email.len() <= CUSTOM_ID => format!("{plain}:{email}"),
        _ => plain,
    }
}

impl SettingsButton {
    /// Decodes a custom id made by [`settings_custom_id`]; `None` for anything else.
    pub fn parse(custom_id: &str) -> Option<SettingsButton> {
        let mut parts = custom_id.splitn(3, ':');
        if parts.next()? != PREFIX {
            return None;
        }
        let protocol = Protocol::from_name(parts.next()?)?;
        let email = parts.next().map(str::to_string);
        Some(SettingsButton { protocol, email })
    }
}

pub fn message(report: &SettingsReport) -> Message {
    let count = report.protocols.len();
    let embeds = report
        .protocols
        .iter()
        .enumerate()
        .map(|(index, protocol)| {
            let embed = embed(report, protocol);
            if index + 1 == count {
                embed.footer(format!("{}\n{}", report.username_rule, report.footer))
            } else {
                embed
            }
        })
        .collect();
    let shown = (count == 1).then(|| report.protocols[0].protocol);
    let buttons = Protocol::ALL
        .iter()
        .map(|&protocol| {
            let name = report
                .protocols
                .iter()
                .find(|p| p.protocol == protocol)
                .map_or_else(|| protocol.as_str().to_uppercase(), |p| p.name.clone());
            let current = shown == Some(protocol);
            let style = if current {
                ButtonStyle::Primary
            } else {
                ButtonStyle::Secondary
            };
            Button::new(
                name,
                settings_custom_id(protocol, report.email.as_deref()),
                style,
            )
            .disabled(current)
        })
        .collect();
    Message {
        embeds,
        components: vec![ActionRow::new(buttons)],
        ..Message::default()
    }
}

fn embed(report: &SettingsReport, protocol: &ProtocolSettings) -> Embed {
    let icon = if protocol.role == "outgoing" {
        "📤"
    } else {
        "📥"
    };
    let mut title = format!("{icon} {} settings ({} mail)", protocol.name, protocol.role);
    if protocol.recommended {
        title.push_str(" · ⭐ Recommended");
    }
    // Catalogue text is the operator's own markdown: shown as written.
    let mut description = protocol.description.clone();
    if let Some(warning) = &protocol.warning {
        description.push_str(&format!("\n\n⚠️ **{warning}**"));
    }
    let mut embed = Embed::new(title)
        .description(description)
        .color(report.color);
    for setting in &protocol.settings {
        // Values to copy go in code spans; the explanatory username line (when no
        // address was given) and the password hint are prose.
        let copyable =
            setting.label != "Password" && !(setting.label == "Username" && report.email.is_none());
        let value = if copyable {
            code(&setting.value)
        } else {
            setting.value.clone()
        };
        embed = embed.field(&setting.label, value, setting.inline);
    }
    embed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::settings::{run, Selection, SettingsRequest};
    use crate::checks::{Progress, Report, Services};
    use crate::config::Config;
    use crate::render::discord::{limits, report_message};
    use crate::values::EmailAddress;

    fn render(selection: Selection, email: Option<&str>) -> Message {
        let services = Services::new(Config::default()).unwrap();
        let request = SettingsRequest {
            selection,
            email: email.map(|e| EmailAddress::parse(e).unwrap()),
        };
        let report = run(&services, &request, &Progress::none());
        report_message(&Report::new(selection.as_str(), report))
    }

    #[test]
    fn every_settings_payload_is_within_discord_limits() {
        let long_local = "a".repeat(64);
        let long_domain = format!("{}.{}.example", "b".repeat(63), "c".repeat(63));
        let long_email = format!("{long_local}@{long_domain}");
        for selection in [
            Selection::One(Protocol::Imap),
            Selection::One(Protocol::Smtp),
            Selection::One(Protocol::Pop3),
            Selection::All,
        ] {
            for email in [
                None,
                Some("john@yourdomain.com"),
                Some("o'neil+x@bücher.example"),
                Some(long_email.as_str()),
            ] {
                let message = render(selection, email);
                assert_eq!(
                    limits::violations(&message),
                    Vec::<String>::new(),
                    "{selection:?} {email:?}"
                );
            }
        }
    }

    #[test]
    fn imap_embed_shows_host_port_security_and_is_recommended() {
        let message = render(Selection::One(Protocol::Imap), None);
        let embed = &message.embeds[0];
        assert!(embed.title.contains("IMAP") && embed.title.contains("Recommended"));
        let value = |name: &str| &embed.fields.iter().find(|f| f.name == name).unwrap().value;
        assert_eq!(value("Server / Hostname"), "`mail.echoterra.net`");
        assert_eq!(value("Port"), "`993`");
        assert_eq!(value("Security"), "`SSL/TLS`");
        assert!(embed.footer.as_ref().unwrap().text.contains("/smtp"));
    }

    #[test]
    fn buttons_switch_protocols_and_keep_the_address() {
        let message = render(Selection::One(Protocol::Smtp), Some("jane@example.org"));
        let buttons = &message.components[0].components;
        let labels: Vec<&str> = buttons.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["IMAP", "SMTP", "POP3"]);
        assert!(buttons[1].disabled && !buttons[0].disabled);
        assert_eq!(
            SettingsButton::parse(&buttons[2].custom_id),
            Some(SettingsButton {
                protocol: Protocol::Pop3,
                email: Some("jane@example.org".into())
            })
        );
    }

    #[test]
    fn pop3_embed_carries_its_warning() {
        let message = render(Selection::One(Protocol::Pop3), None);
        assert!(message.embeds[0]
            .description
            .as_deref()
            .unwrap()
            .contains("removes them from the server"));
    }

    #[test]
    fn all_shows_three_embeds() {
        assert_eq!(render(Selection::All, None).embeds.len(), 3);
    }

    #[test]
    fn foreign_custom_ids_are_not_settings_buttons() {
        assert_eq!(SettingsButton::parse("blacklist:refresh"), None);
        assert_eq!(SettingsButton::parse("settings:exchange"), None);
    }
}
