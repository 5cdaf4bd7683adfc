//! `/settings` as embeds: one per protocol in the provider's colour, with tabs
//! that switch to another protocol (the invoker's message in place, anyone else's
//! as a private copy: `discord::route` decides), and, when a profile was asked
//! for, the profile attached with how to install it.

use super::code;
use super::custom_id::ButtonAction;
use super::message::{ActionRow, Button, ButtonStyle, Embed, File, Message};
use crate::checks::settings::{MailAccount, ProfileKind, ProtocolSettings, SettingsReport};
use crate::render::profile;
use crate::values::Protocol;

/// The custom id of a tab: `v2:tab:<protocol>[+<profile>][:<email>]`. The address
/// and the profile are carried when they fit Discord's 100 characters; a longer
/// address falls back to the tab without the profile, then to the generic username
/// line.
fn tab_custom_id(protocol: Protocol, email: Option<&str>, profile: Option<ProfileKind>) -> String {
    let tab = |email: Option<&str>, profile| ButtonAction::Tab {
        protocol,
        email: email.map(str::to_string),
        profile,
    };
    tab(email, profile)
        .custom_id()
        .or_else(|| tab(email, None).custom_id())
        .unwrap_or_else(|| {
            tab(None, None)
                .custom_id()
                .expect("a tab without an address always fits")
        })
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
                tab_custom_id(
                    protocol,
                    report.email.as_deref(),
                    report.profile.as_ref().map(|account| account.kind),
                ),
                style,
            )
            .disabled(current)
        })
        .collect();
    let mut message = Message {
        embeds,
        components: vec![ActionRow::new(buttons)],
        ..Message::default()
    };
    if let (Some(account), Some(file)) = (&report.profile, profile::file(report)) {
        message
            .embeds
            .push(install_embed(report, account, &file.name));
        message.files.push(File {
            name: file.name,
            bytes: file.bytes,
        });
    }
    message
}

/// How to install the attached profile, for the device it is made for.
fn install_embed(report: &SettingsReport, account: &MailAccount, file: &str) -> Embed {
    let (incoming, outgoing) = (&account.incoming, &account.outgoing);
    let servers = format!(
        "It sets up {} as {} `{}:{}` and SMTP `{}:{}`, your full address as the username. It holds no password: you type it while installing.",
        code(&account.display_address),
        incoming.protocol.as_str().to_uppercase(),
        incoming.host,
        incoming.port,
        outgoing.host,
        outgoing.port
    );
    let (title, steps) = match account.kind {
        ProfileKind::Apple => (
            "📱 Your Apple mail profile",
            format!(
                "**iPhone or iPad**\n\
                 1. Tap the attached `{file}`, then Share → **Save to Files**, and open it from the Files app (or open it in Safari). iOS says \"Profile Downloaded\".\n\
                 2. Open **Settings** → **Profile Downloaded** (near the top) → **Install**, and enter your device passcode.\n\
                 3. Enter your mail password when asked.\n\
                 **Mac**: open the file, then **System Settings** → **General** → **Device Management** (on older macOS: **Privacy & Security** → **Profiles**) → **Install**.\n\
                 To remove it later: **Settings** → **General** → **VPN & Device Management**."
            ),
        ),
        ProfileKind::Thunderbird => (
            "🦅 Your Thunderbird settings file",
            format!(
                "1. Open Thunderbird's program folder (Windows `C:\\Program Files\\Mozilla Thunderbird`, macOS `Thunderbird.app/Contents/Resources`, Linux usually `/usr/lib/thunderbird`) and make a folder named `isp` in it.\n\
                 2. Save the attached `{file}` into that `isp` folder.\n\
                 3. In Thunderbird: ☰ → **Account Settings** → **Account Actions** → **Add Mail Account**, and enter your name, {} and your password: Thunderbird takes the server settings from the file.",
                code(&account.display_address)
            ),
        ),
    };
    Embed::new(title)
        .description(format!("{steps}\n\n{servers}"))
        .color(report.color)
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
        let username = setting.label == "Username";
        let copyable = setting.label != "Password" && !(username && report.email.is_none());
        let mut value = if copyable {
            code(&setting.value)
        } else {
            setting.value.clone()
        };
        if let (true, Some(login)) = (username, &report.login_address) {
            value.push_str(&format!("\nIf your app refuses it: {}", code(login)));
        }
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
        render_with(selection, email, None)
    }

    fn render_with(
        selection: Selection,
        email: Option<&str>,
        profile: Option<ProfileKind>,
    ) -> Message {
        let services = Services::new(Config::default()).unwrap();
        let request = SettingsRequest {
            selection,
            email: email.map(|e| EmailAddress::parse(e).unwrap()),
            profile,
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
                for kind in ProfileKind::ALL {
                    let Some(email) = email else { continue };
                    let message = render_with(selection, Some(email), Some(kind));
                    assert_eq!(
                        limits::violations(&message),
                        Vec::<String>::new(),
                        "{selection:?} {email:?} {kind:?}"
                    );
                    assert_eq!(message.files.len(), 1);
                }
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
        let message = render(Selection::One(Protocol::Smtp), Some("jane@bücher.example"));
        let buttons = &message.components[0].components;
        let labels: Vec<&str> = buttons.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["IMAP", "SMTP", "POP3"]);
        assert!(buttons[1].disabled && !buttons[0].disabled);
        assert_eq!(buttons[2].id(), "v2:tab:pop3:jane@bücher.example");
        assert_eq!(
            ButtonAction::decode(buttons[2].id()),
            Ok(ButtonAction::Tab {
                protocol: Protocol::Pop3,
                email: Some("jane@bücher.example".into()),
                profile: None,
            })
        );
        // The next step, under the tabs.
        let next = &message.components[1].components;
        assert_eq!(next[0].label, "Test SMTP server");
        assert_eq!(next[0].id(), "v2:next:smtp");
    }

    #[test]
    fn an_address_too_long_for_a_tab_falls_back_to_the_plain_tab() {
        let email = format!("{}@{}.example", "a".repeat(60), "b".repeat(40));
        let message = render(Selection::One(Protocol::Imap), Some(&email));
        assert_eq!(message.components[0].components[1].id(), "v2:tab:smtp");
    }

    #[test]
    fn an_international_address_is_shown_in_unicode_with_the_login_form() {
        let message = render(Selection::One(Protocol::Imap), Some("jane@Bücher.example"));
        let username = &message.embeds[0]
            .fields
            .iter()
            .find(|f| f.name == "Username")
            .unwrap()
            .value;
        assert_eq!(
            username,
            "`jane@bücher.example`\nIf your app refuses it: `jane@xn--bcher-kva.example`"
        );
    }

    #[test]
    fn a_profile_is_attached_with_how_to_install_it() {
        let apple = render_with(
            Selection::One(Protocol::Imap),
            Some("jane@example.org"),
            Some(ProfileKind::Apple),
        );
        assert_eq!(apple.files[0].name, "echoterra.mobileconfig");
        let steps = apple.embeds.last().unwrap().description.clone().unwrap();
        assert!(steps.contains("Profile Downloaded"), "{steps}");
        assert!(steps.contains("`mail.echoterra.net:993`"), "{steps}");
        let thunderbird = render_with(
            Selection::All,
            Some("jane@example.org"),
            Some(ProfileKind::Thunderbird),
        );
        assert_eq!(thunderbird.files[0].name, "example.org.xml");
        assert_eq!(thunderbird.embeds.len(), 4);
        let steps = thunderbird.embeds[3].description.clone().unwrap();
        assert!(steps.contains("`isp`"), "{steps}");
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
}
