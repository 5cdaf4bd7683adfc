//! The `/watch` command as Discord registers it: staff only (the catalogue's staff
//! permissions), in servers only, with one subcommand per action.

use serenity::all::{
    ChannelType, CommandOptionType, CreateCommand, CreateCommandOption, InstallationContext,
    InteractionContext,
};

use super::super::commands::staff_permissions;
use crate::catalog::Catalog;
use crate::watch::plan::MAX_LABEL;

fn sub(name: &str, description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::SubCommand, name, description)
}

/// The `id` option: a watch, suggested as staff type.
fn id(required: bool) -> CreateCommandOption {
    CreateCommandOption::new(
        CommandOptionType::String,
        "id",
        "The watch (its number, e.g. 12)",
    )
    .required(required)
    .max_length(20)
    .set_autocomplete(true)
}

fn channel(description: &str) -> CreateCommandOption {
    CreateCommandOption::new(CommandOptionType::Channel, "channel", description)
        .channel_types(vec![ChannelType::Text, ChannelType::News])
}

/// `/watch`.
pub fn watch(catalog: &Catalog) -> CreateCommand {
    CreateCommand::new("watch")
        .description("Staff: watch the provider's addresses, domains and servers; alerts go to a staff channel")
        .integration_types(vec![InstallationContext::Guild])
        .contexts(vec![InteractionContext::Guild])
        .default_member_permissions(staff_permissions(catalog))
        .add_option(
            sub("channel", "Set the channel for alerts and the role they mention")
                .add_sub_option(channel("Where alerts go").required(true))
                .add_sub_option(CreateCommandOption::new(
                    CommandOptionType::Role,
                    "role",
                    "The role to mention in alerts (only that role)",
                )),
        )
        .add_option(
            sub("add", "Watch an address, a range of up to 16, a domain or a mail server")
                .add_sub_option(
                    CreateCommandOption::new(
                        CommandOptionType::String,
                        "target",
                        "203.0.113.7, 203.0.113.0/28, example.com, smtp://mail.example.com or host:587",
                    )
                    .required(true)
                    .max_length(300),
                )
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, "every", "How often: 30m, 6h, 1d (default per kind)")
                        .max_length(20),
                )
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, "kind", "How to watch a target that could be watched two ways")
                        .add_string_choice("Blocklists", "blocklists")
                        .add_string_choice("Domain", "domain")
                        .add_string_choice("Mail server", "server"),
                )
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, "label", "What it is to people, e.g. outbound relay 2")
                        .max_length(MAX_LABEL as u16),
                )
                .add_sub_option(channel("A channel for this watch's alerts instead of the default")),
        )
        .add_option(
            sub("list", "Every watch, delivery problems and the blocklists' query budget").add_sub_option(
                CreateCommandOption::new(CommandOptionType::Integer, "page", "Page (10 watches each)")
                    .min_int_value(1),
            ),
        )
        .add_option(sub("remove", "Stop watching").add_sub_option(id(true)))
        .add_option(sub("pause", "Stop checking a watch until it is resumed").add_sub_option(id(true)))
        .add_option(sub("resume", "Check a paused watch again").add_sub_option(id(true)))
        .add_option(
            sub("mute", "Hold a watch's alerts for a while (checks go on)")
                .add_sub_option(id(true))
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, "for", "How long: 30m, 24h, 7d")
                        .required(true)
                        .max_length(20),
                ),
        )
        .add_option(sub("history", "The last 20 changes, of one watch or of all").add_sub_option(id(false)))
        .add_option(sub("test", "Post a sample alert to the alert channel"))
}
