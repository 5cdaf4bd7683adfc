//! The slash command definitions the bot registers, built from the catalogue (and
//! `ALLOW_PRIVATE_TARGETS`, which turns `/smtp port` from choices into a number).

use serenity::all::{
    CommandOptionType, CreateCommand, CreateCommandOption, InstallationContext, InteractionContext,
    Permissions,
};

use crate::catalog::Catalog;

/// Every command, for one bulk overwrite (so a removed command disappears too).
///
/// Every command needs a server install of the app (none can be installed to a user
/// account, which would let anyone carry it anywhere). Customer commands also work in
/// a DM with the bot, where a customer may rather ask privately; staff commands work
/// only in servers, where the staff rule can see the provider's server.
pub fn definitions(catalog: &Catalog, allow_private_targets: bool) -> Vec<CreateCommand> {
    vec![settings()]
        .into_iter()
        .chain(network_commands(catalog, allow_private_targets))
        .collect()
}

/// A command for everyone: in servers and in a DM with the bot.
fn for_everyone(command: CreateCommand) -> CreateCommand {
    command
        .integration_types(vec![InstallationContext::Guild])
        .contexts(vec![InteractionContext::Guild, InteractionContext::BotDm])
}

/// A staff command: in servers only, shown to members with the staff permissions.
fn for_staff(command: CreateCommand, catalog: &Catalog) -> CreateCommand {
    command
        .integration_types(vec![InstallationContext::Guild])
        .contexts(vec![InteractionContext::Guild])
        .default_member_permissions(staff_permissions(catalog))
}

fn private_option() -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::Boolean,
        "private",
        "Show the answer only to you",
    )
}

/// `/smtp port`: the catalogue's allowed ports as choices, so no other can be
/// typed; any number when private targets are allowed (tests, private installs).
fn port_option(catalog: &Catalog, allow_private_targets: bool) -> CreateCommandOption {
    let smtp = &catalog.smtp;
    let option = CreateCommandOption::new(
        CommandOptionType::Integer,
        "port",
        format!("Port (default {})", smtp.port),
    );
    if allow_private_targets {
        return option.min_int_value(1).max_int_value(65535);
    }
    smtp.allowed_ports
        .iter()
        .take(25)
        .fold(option, |option, &port| {
            let security = if smtp.implicit_tls_ports.contains(&port) {
                "SSL/TLS"
            } else {
                "STARTTLS"
            };
            let role = if smtp.submission_ports.contains(&port) {
                ", for mail apps"
            } else {
                ""
            };
            let default = if port == smtp.port { ", default" } else { "" };
            option.add_int_choice(format!("{port} ({security}{role}{default})"), port.into())
        })
}

fn settings() -> CreateCommand {
    for_everyone(CreateCommand::new("settings"))
        .description("Mail server settings for your mail app (IMAP, SMTP, POP3)")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "protocol",
                "Which settings to show",
            )
            .required(true)
            .add_string_choice("IMAP (incoming, recommended)", "imap")
            .add_string_choice("SMTP (outgoing)", "smtp")
            .add_string_choice("POP3 (incoming)", "pop3")
            .add_string_choice("All three", "all"),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "email",
                "Your email address, shown as your username (only to you, unless private is false)",
            )
            .max_length(254),
        )
        .add_option(CreateCommandOption::new(
            CommandOptionType::Boolean,
            "private",
            "Show the answer only to you (the default when you give an email address)",
        ))
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "profile",
                "A file that sets up your mail app for your address (needs email)",
            )
            .add_string_choice("Apple (iPhone, iPad, Mac)", "apple")
            .add_string_choice("Thunderbird", "thunderbird"),
        )
}

/// The network checks.
fn network_commands(catalog: &Catalog, allow_private_targets: bool) -> Vec<CreateCommand> {
    let mx = for_everyone(CreateCommand::new("mx"))
        .description("Do a domain's MX records point to our mail server?")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "domain",
                "Your domain, e.g. example.com (or an email address)",
            )
            .required(true)
            .max_length(300)
            // Suggests the user's own last checked domains.
            .set_autocomplete(true),
        )
        .add_option(private_option());
    let smtp = for_everyone(CreateCommand::new("smtp"))
        .description("Test the outgoing mail server: connection, STARTTLS, certificate")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "host",
                format!(
                    "Mail server to test (default {}; other servers: staff only)",
                    catalog.smtp.host
                ),
            )
            .max_length(300),
        )
        .add_option(port_option(catalog, allow_private_targets))
        .add_option(private_option());
    let blacklist = for_staff(CreateCommand::new("blacklist"), catalog)
        .description("Staff: is an IP address or host on a DNS blocklist?")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "target",
                "An IPv4 or IPv6 address, or a host name",
            )
            .required(true)
            .max_length(300),
        )
        .add_option(private_option());
    vec![mx, smtp, blacklist]
}

/// The staff permission bits of the catalogue, as serenity's type.
pub fn staff_permissions(catalog: &Catalog) -> Permissions {
    Permissions::from_bits_truncate(catalog.defaults.discord.staff_permissions.bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks every definition against Discord's limits for commands.
    #[test]
    fn definitions_are_within_discord_limits() {
        let catalog = Catalog::embedded().unwrap();
        let mut commands = Vec::new();
        for allow_private in [false, true] {
            let json = serde_json::to_value(definitions(&catalog, allow_private)).unwrap();
            commands.extend(json.as_array().unwrap().clone());
        }
        assert!(!commands.is_empty());
        let valid_name = |name: &str| {
            (1..=32).contains(&name.chars().count())
                && name
                    .chars()
                    .all(|c| c.is_lowercase() || c.is_numeric() || "-_'".contains(c))
        };
        for command in commands {
            let name = command["name"].as_str().unwrap();
            assert!(valid_name(name), "{name}");
            let description = command["description"].as_str().unwrap();
            assert!((1..=100).contains(&description.chars().count()), "{name}");
            let options = command["options"].as_array().cloned().unwrap_or_default();
            assert!(options.len() <= 25);
            let mut total = name.len() + description.len();
            for option in &options {
                let option_name = option["name"].as_str().unwrap();
                assert!(valid_name(option_name), "{name} {option_name}");
                let option_description = option["description"].as_str().unwrap();
                assert!((1..=100).contains(&option_description.chars().count()));
                total += option_name.len() + option_description.len();
                let choices = option["choices"].as_array().cloned().unwrap_or_default();
                assert!(choices.len() <= 25);
                // Discord refuses an option with both choices and autocomplete.
                assert!(choices.is_empty() || option["autocomplete"] != true);
                for choice in choices {
                    let choice_name = choice["name"].as_str().unwrap();
                    assert!((1..=100).contains(&choice_name.chars().count()));
                    total += choice_name.len() + choice["value"].as_str().map_or(0, str::len);
                }
            }
            assert!(total <= 8000, "{name}: {total} characters");
        }
    }

    #[test]
    fn every_command_needs_a_server_install_and_staff_ones_a_server() {
        let catalog = Catalog::embedded().unwrap();
        let json = serde_json::to_value(definitions(&catalog, false)).unwrap();
        for command in json.as_array().unwrap() {
            let name = command["name"].as_str().unwrap();
            assert_eq!(
                command["integration_types"],
                serde_json::json!([0]),
                "{name}"
            );
            let staff = command
                .get("default_member_permissions")
                .is_some_and(|p| !p.is_null());
            let contexts = if staff {
                serde_json::json!([0])
            } else {
                serde_json::json!([0, 1])
            };
            assert_eq!(command["contexts"], contexts, "{name}");
        }
    }

    fn option(commands: &serde_json::Value, command: &str, name: &str) -> serde_json::Value {
        let command = commands
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == command)
            .unwrap();
        command["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()
            .clone()
    }

    #[test]
    fn smtp_ports_are_the_catalogues_choices_unless_private_targets_are_allowed() {
        let mut catalog = Catalog::embedded().unwrap();
        let json = serde_json::to_value(definitions(&catalog, false)).unwrap();
        let port = option(&json, "smtp", "port");
        let values: Vec<u64> = port["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_u64().unwrap())
            .collect();
        assert_eq!(values, [25, 465, 587, 2525]);
        assert_eq!(port["choices"][1]["name"], "465 (SSL/TLS, for mail apps)");
        assert_eq!(
            port["choices"][2]["name"],
            "587 (STARTTLS, for mail apps, default)"
        );
        assert!(port["min_value"].is_null());
        // The operator's catalogue decides.
        catalog.smtp.allowed_ports = vec![587, 2525];
        let json = serde_json::to_value(definitions(&catalog, false)).unwrap();
        assert_eq!(
            option(&json, "smtp", "port")["choices"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let json = serde_json::to_value(definitions(&catalog, true)).unwrap();
        let free = option(&json, "smtp", "port");
        assert!(free
            .get("choices")
            .is_none_or(|c| c.as_array().unwrap().is_empty()));
        assert_eq!(free["min_value"], 1);
        assert_eq!(free["max_value"], 65535);
    }

    #[test]
    fn mx_autocompletes_and_settings_offers_profiles() {
        let catalog = Catalog::embedded().unwrap();
        let json = serde_json::to_value(definitions(&catalog, false)).unwrap();
        assert_eq!(option(&json, "mx", "domain")["autocomplete"], true);
        let profile = option(&json, "settings", "profile");
        let values: Vec<&str> = profile["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].as_str().unwrap())
            .collect();
        assert_eq!(values, ["apple", "thunderbird"]);
    }
}
