//! The slash command definitions the bot registers, built from the catalogue (and
//! `ALLOW_PRIVATE_TARGETS`, which turns `/smtp port` from choices into a number).

use serenity::all::{
    CommandOptionType, CreateCommand, CreateCommandOption, InstallationContext, InteractionContext,
    Permissions,
};

use crate::catalog::Catalog;
use crate::checks::{Access, Check};

/// Every command, for one bulk overwrite (so a removed command disappears too).
///
/// Every command needs a server install of the app (none can be installed to a user
/// account, which would let anyone carry it anywhere). Customer commands also work in
/// a DM with the bot, where a customer may rather ask privately; staff commands work
/// only in servers, where the staff rule can see the provider's server (the table of
/// checks says which is which).
pub fn definitions(catalog: &Catalog, allow_private_targets: bool) -> Vec<CreateCommand> {
    vec![settings(catalog)]
        .into_iter()
        .chain(network_commands(catalog, allow_private_targets))
        .chain(mailbox_commands(catalog, allow_private_targets))
        .chain([super::watch::definition(catalog)])
        .collect()
}

/// The command of `check`, with where it works and who sees it from the table of
/// checks: a staff command works in servers only and is shown to members with the
/// staff permissions; the others work in servers and in a DM with the bot.
fn command(check: Check, catalog: &Catalog) -> CreateCommand {
    let info = check.info();
    let contexts = if info.in_dms {
        vec![InteractionContext::Guild, InteractionContext::BotDm]
    } else {
        vec![InteractionContext::Guild]
    };
    let command = CreateCommand::new(info.name)
        .integration_types(vec![InstallationContext::Guild])
        .contexts(contexts);
    match info.access {
        Access::Staff => command.default_member_permissions(staff_permissions(catalog)),
        Access::Everyone | Access::StaffForOtherServers => command,
    }
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
    let ports = Ports {
        default: smtp.port,
        allowed: &smtp.allowed_ports,
        implicit_tls: &smtp.implicit_tls_ports,
        for_mail_apps: &smtp.submission_ports,
    };
    ports.option(allow_private_targets)
}

/// A server test's ports, as the catalogue has them.
struct Ports<'a> {
    default: u16,
    allowed: &'a [u16],
    implicit_tls: &'a [u16],
    /// The ports a mail app uses (SMTP submission), named as such.
    for_mail_apps: &'a [u16],
}

impl Ports<'_> {
    /// The `port` option: the allowed ports as choices ("587 (STARTTLS, for mail
    /// apps, default)"), or any number from 1 to 65535 with private targets allowed.
    fn option(&self, allow_private_targets: bool) -> CreateCommandOption {
        let option = CreateCommandOption::new(
            CommandOptionType::Integer,
            "port",
            format!("Port (default {})", self.default),
        );
        if allow_private_targets {
            return option.min_int_value(1).max_int_value(65535);
        }
        self.allowed.iter().take(25).fold(option, |option, &port| {
            let security = if self.implicit_tls.contains(&port) {
                "SSL/TLS"
            } else {
                "STARTTLS"
            };
            let role = if self.for_mail_apps.contains(&port) {
                ", for mail apps"
            } else {
                ""
            };
            let default = if port == self.default {
                ", default"
            } else {
                ""
            };
            option.add_int_choice(format!("{port} ({security}{role}{default})"), port.into())
        })
    }
}

fn settings(catalog: &Catalog) -> CreateCommand {
    command(Check::Settings, catalog)
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
    let mx = command(Check::Mx, catalog)
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
    let smtp = command(Check::Smtp, catalog)
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
    let blacklist = command(Check::Blacklist, catalog)
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
    vec![mx, smtp, blacklist, domain(catalog), spf(catalog)]
}

/// `/domain`: anyone may check a domain's whole mail setup.
fn domain(catalog: &Catalog) -> CreateCommand {
    command(Check::Domain, catalog)
        .description("Is a domain set up for our mail? MX, SPF, DKIM, DMARC, autoconfig")
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
        .add_option(private_option())
}

/// `/spf`: staff evaluate SPF for a sender and an address, like a receiver would.
fn spf(catalog: &Catalog) -> CreateCommand {
    command(Check::Spf, catalog)
        .description("Staff: what does a receiver conclude from SPF for this sender and IP?")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "domain",
                "The sender's domain or address, e.g. example.com or jane@example.com",
            )
            .required(true)
            .max_length(crate::checks::spf::MAX_SENDER_LEN as u16),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "ip",
                "The IP address of the server that sends the mail",
            )
            .required(true)
            .max_length(64),
        )
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "helo",
                "The name the server gives in HELO/EHLO, as it gave it (optional)",
            )
            // `SpfRequest::from_input`'s bound: a domain's 255 (RFC 5321).
            .max_length(crate::checks::spf::MAX_HELO_LEN as u16),
        )
        .add_option(private_option())
}

/// `/imap` and `/pop3`: the incoming-server tests, with the options of `/smtp`.
fn mailbox_commands(catalog: &Catalog, allow_private_targets: bool) -> Vec<CreateCommand> {
    let mailbox = &catalog.mailbox;
    let test = |check: Check, description: &str, ports: &crate::catalog::MailboxPorts| {
        let ports = Ports {
            default: ports.port,
            allowed: &ports.allowed_ports,
            implicit_tls: &ports.implicit_tls_ports,
            for_mail_apps: &[],
        };
        command(check, catalog)
            .description(description)
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::String,
                    "host",
                    format!(
                        "Mail server to test (default {}; other servers: staff only)",
                        mailbox.host
                    ),
                )
                .max_length(300),
            )
            .add_option(ports.option(allow_private_targets))
            .add_option(private_option())
    };
    vec![
        test(
            Check::Imap,
            "Test the incoming mail server (IMAP): connection, TLS, certificate, login offered",
            &mailbox.imap,
        ),
        test(
            Check::Pop3,
            "Test the incoming mail server (POP3): connection, TLS, certificate, login offered",
            &mailbox.pop3,
        ),
    ]
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
    fn every_check_of_the_table_and_watch_are_registered_once_and_nothing_else() {
        let catalog = Catalog::embedded().unwrap();
        let json = serde_json::to_value(definitions(&catalog, false)).unwrap();
        let mut registered: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|command| command["name"].as_str().unwrap())
            .collect();
        registered.sort_unstable();
        // The checks, and `/watch`, the one command that is not a check.
        let mut table: Vec<&str> = Check::ALL.iter().map(|check| check.name()).collect();
        table.push("watch");
        table.sort_unstable();
        assert_eq!(registered, table);
        let watch = json
            .as_array()
            .unwrap()
            .iter()
            .find(|command| command["name"] == "watch")
            .unwrap();
        assert_eq!(watch["contexts"], serde_json::json!([0]), "servers only");
        assert_eq!(
            watch["default_member_permissions"], "32",
            "staff permissions"
        );
        // Each check's main option exists on its command.
        for check in Check::ALL {
            option(&json, check.name(), check.info().main_option);
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
        assert_eq!(option(&json, "domain", "domain")["autocomplete"], true);
        let imap = option(&json, "imap", "port");
        assert_eq!(imap["choices"][0]["name"], "993 (SSL/TLS, default)");
        assert_eq!(imap["choices"][1]["name"], "143 (STARTTLS)");
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
