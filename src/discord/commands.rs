//! The slash command definitions the bot registers, built from the catalogue.

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
pub fn definitions(catalog: &Catalog) -> Vec<CreateCommand> {
    vec![settings()]
        .into_iter()
        .chain(network_commands(catalog))
        .chain(mailbox_commands(catalog))
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
                "Your email address, shown as your username",
            )
            .max_length(254),
        )
        .add_option(private_option())
}

/// The network checks.
fn network_commands(catalog: &Catalog) -> Vec<CreateCommand> {
    let mx = for_everyone(CreateCommand::new("mx"))
        .description("Do a domain's MX records point to our mail server?")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "domain",
                "Your domain, e.g. example.com (or an email address)",
            )
            .required(true)
            .max_length(300),
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
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::Integer,
                "port",
                format!(
                    "Port (default {}); allowed: {}",
                    catalog.smtp.port,
                    catalog
                        .smtp
                        .allowed_ports
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .min_int_value(1)
            .max_int_value(65535),
        )
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
    vec![mx, smtp, blacklist, domain(), spf(catalog)]
}

/// `/domain`: anyone may check a domain's whole mail setup.
fn domain() -> CreateCommand {
    for_everyone(CreateCommand::new("domain"))
        .description("Is a domain set up for our mail? MX, SPF, DKIM, DMARC, autoconfig")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "domain",
                "Your domain, e.g. example.com (or an email address)",
            )
            .required(true)
            .max_length(300),
        )
        .add_option(private_option())
}

/// `/spf`: staff evaluate SPF for a sender and an address, like a receiver would.
fn spf(catalog: &Catalog) -> CreateCommand {
    for_staff(CreateCommand::new("spf"), catalog)
        .description("Staff: what does a receiver conclude from SPF for this sender and IP?")
        .add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "domain",
                "The sender's domain or address, e.g. example.com or jane@example.com",
            )
            .required(true)
            .max_length(320),
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
                "The name the server gives in HELO/EHLO (optional)",
            )
            .max_length(300),
        )
        .add_option(private_option())
}

/// `/imap` and `/pop3`: the incoming-server tests, with the options of `/smtp`.
fn mailbox_commands(catalog: &Catalog) -> Vec<CreateCommand> {
    let mailbox = &catalog.mailbox;
    let command = |name: &str, description: &str, ports: &crate::catalog::MailboxPorts| {
        let allowed: Vec<String> = ports.allowed_ports.iter().map(u16::to_string).collect();
        for_everyone(CreateCommand::new(name))
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
            .add_option(
                CreateCommandOption::new(
                    CommandOptionType::Integer,
                    "port",
                    format!(
                        "Port (default {}); allowed: {}",
                        ports.port,
                        allowed.join(", ")
                    ),
                )
                .min_int_value(1)
                .max_int_value(65535),
            )
            .add_option(private_option())
    };
    vec![
        command(
            "imap",
            "Test the incoming mail server (IMAP): connection, TLS, certificate, login offered",
            &mailbox.imap,
        ),
        command(
            "pop3",
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
        let json = serde_json::to_value(definitions(&catalog)).unwrap();
        let commands = json.as_array().unwrap();
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
                for choice in option["choices"].as_array().cloned().unwrap_or_default() {
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
        let json = serde_json::to_value(definitions(&catalog)).unwrap();
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
}
