//! Interactions reduced to what the bot uses, free of serenity's types, so routing
//! can be read and tested without Discord.

use serenity::all::{
    AuthorizingIntegrationOwner, AuthorizingIntegrationOwners, CommandDataOptionValue, Interaction,
    Member, Message, MessageFlags, MessageInteractionMetadata,
};

use crate::checks::Check;
use crate::render::discord::custom_id;
use crate::values::Secret;

/// One interaction as the handlers see it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub id: u64,
    pub application_id: u64,
    /// The interaction token: valid 15 minutes, it authorises answering; never shown.
    pub token: Secret,
    pub user_id: u64,
    /// The user's name as Discord shows it (for the staff audit log).
    pub user_name: String,
    /// Where it was used: the server, or `None` in a DM.
    pub guild_id: Option<u64>,
    /// The server whose install of the app authorised it (`authorizing_integration_owners`
    /// key `"0"`), when the app was installed to a server and used there.
    pub installed_in_guild: Option<u64>,
    /// The member's permission bits in the channel; `None` outside a server.
    pub permissions: Option<u64>,
    pub kind: IncomingKind,
}

#[derive(Debug, Clone)]
pub enum IncomingKind {
    /// A slash command with its options.
    Command {
        name: String,
        options: Vec<(String, OptionValue)>,
    },
    /// A button press on one of the bot's messages.
    Button {
        custom_id: String,
        message: PressedMessage,
    },
    /// A user typing an option declared with `autocomplete`: what they typed so far.
    Autocomplete {
        command: String,
        option: String,
        value: String,
    },
    /// Anything else (modal, ping): answered with an error.
    Other(&'static str),
}

/// The message a button sits on, as far as answering the press needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PressedMessage {
    /// Who ran the command (or pressed the button) the message answers, from its
    /// interaction metadata; `None` when the payload does not say.
    pub invoker: Option<u64>,
    /// Whether only its invoker sees it (flag 64).
    pub ephemeral: bool,
}

impl PressedMessage {
    fn of(message: &Message) -> PressedMessage {
        let from_metadata = message
            .interaction_metadata
            .as_deref()
            .and_then(|metadata| match metadata {
                MessageInteractionMetadata::Command(command) => Some(command.user.id.get()),
                MessageInteractionMetadata::Component(component) => Some(component.user.id.get()),
                MessageInteractionMetadata::ModalSubmit(modal) => Some(modal.user.id.get()),
                _ => None,
            });
        // Older payloads carry only the deprecated `interaction` object.
        #[allow(deprecated)]
        let from_interaction = message
            .interaction
            .as_deref()
            .map(|interaction| interaction.user.id.get());
        PressedMessage {
            invoker: from_metadata.or(from_interaction),
            ephemeral: message
                .flags
                .is_some_and(|flags| flags.contains(MessageFlags::EPHEMERAL)),
        }
    }
}

/// An option value as Discord typed it.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    String(String),
    Integer(i64),
    Boolean(bool),
    /// A channel, by id (`/watch channel:`).
    Channel(u64),
    /// A role, by id (`/watch role:`).
    Role(u64),
    /// A subcommand (`/watch add`) and its options.
    SubCommand(Vec<(String, OptionValue)>),
    /// A type the bot never declares (user, attachment…).
    Other,
}

/// The parts every interaction kind carries, taken from serenity's types.
struct Envelope<'a> {
    id: u64,
    application_id: u64,
    token: &'a str,
    user_id: u64,
    user_name: &'a str,
    guild_id: Option<u64>,
    owners: Option<&'a AuthorizingIntegrationOwners>,
    member: Option<&'a Member>,
}

impl Incoming {
    /// `None` for interactions that carry no token to answer with (pings).
    pub fn from_interaction(interaction: &Interaction) -> Option<Incoming> {
        let (envelope, kind) = match interaction {
            Interaction::Command(command) => (
                Envelope {
                    id: command.id.get(),
                    application_id: command.application_id.get(),
                    token: &command.token,
                    user_id: command.user.id.get(),
                    user_name: &command.user.name,
                    guild_id: command.guild_id.map(|id| id.get()),
                    owners: Some(&command.authorizing_integration_owners),
                    member: command.member.as_deref(),
                },
                IncomingKind::Command {
                    name: command.data.name.clone(),
                    options: command
                        .data
                        .options
                        .iter()
                        .map(|option| (option.name.clone(), option_value(&option.value)))
                        .collect(),
                },
            ),
            Interaction::Component(component) => (
                Envelope {
                    id: component.id.get(),
                    application_id: component.application_id.get(),
                    token: &component.token,
                    user_id: component.user.id.get(),
                    user_name: &component.user.name,
                    guild_id: component.guild_id.map(|id| id.get()),
                    owners: Some(&component.authorizing_integration_owners),
                    member: component.member.as_ref(),
                },
                IncomingKind::Button {
                    custom_id: component.data.custom_id.clone(),
                    message: PressedMessage::of(&component.message),
                },
            ),
            Interaction::Autocomplete(a) => (
                Envelope {
                    id: a.id.get(),
                    application_id: a.application_id.get(),
                    token: &a.token,
                    user_id: a.user.id.get(),
                    user_name: &a.user.name,
                    guild_id: a.guild_id.map(|id| id.get()),
                    owners: Some(&a.authorizing_integration_owners),
                    member: a.member.as_deref(),
                },
                match a.data.autocomplete() {
                    Some(focused) => IncomingKind::Autocomplete {
                        command: a.data.name.clone(),
                        option: focused.name.to_string(),
                        value: focused.value.to_string(),
                    },
                    None => IncomingKind::Other("autocomplete"),
                },
            ),
            Interaction::Modal(m) => (
                Envelope {
                    id: m.id.get(),
                    application_id: m.application_id.get(),
                    token: &m.token,
                    user_id: m.user.id.get(),
                    user_name: &m.user.name,
                    guild_id: m.guild_id.map(|id| id.get()),
                    // serenity 0.12 does not read it for modals; the bot sends none.
                    owners: None,
                    member: None,
                },
                IncomingKind::Other("modal"),
            ),
            _ => return None,
        };
        Some(Incoming {
            id: envelope.id,
            application_id: envelope.application_id,
            token: Secret::new(envelope.token),
            user_id: envelope.user_id,
            user_name: envelope.user_name.to_string(),
            guild_id: envelope.guild_id,
            installed_in_guild: envelope.owners.and_then(guild_install),
            permissions: envelope
                .member
                .and_then(|m| m.permissions)
                .map(|p| p.bits()),
            kind,
        })
    }

    /// What the interaction was, as a metric label with few values: the check's
    /// name from the table of checks (`unknown` for a command the bot does not
    /// have), `button`, or the kind of interaction.
    pub fn metric_label(&self) -> &str {
        match &self.kind {
            IncomingKind::Command { name, .. } => {
                Check::from_name(name).map_or("unknown", Check::name)
            }
            IncomingKind::Button { .. } => "button",
            IncomingKind::Autocomplete { .. } => "autocomplete",
            IncomingKind::Other(kind) => kind,
        }
    }

    /// Whether the person pressing a button is the one who ran the message it sits
    /// on; `false` for anything else, and when the payload does not say.
    pub fn is_own_message(&self) -> bool {
        match &self.kind {
            IncomingKind::Button { message, .. } => message.invoker == Some(self.user_id),
            _ => false,
        }
    }

    /// What the interaction was, for logs: `/settings` or `button settings:imap`.
    pub fn label(&self) -> String {
        match &self.kind {
            IncomingKind::Command { name, .. } => format!("/{name}"),
            // Button ids may carry an address: log only the action part.
            IncomingKind::Button { custom_id, .. } => {
                format!("button {}", custom_id::log_label(custom_id))
            }
            IncomingKind::Autocomplete { command, .. } => format!("autocomplete /{command}"),
            IncomingKind::Other(kind) => kind.to_string(),
        }
    }
}

/// The server of a server install of the app, as `authorizing_integration_owners`
/// names it under key `"0"` (absent or `"0"` when not used in that server).
fn guild_install(owners: &AuthorizingIntegrationOwners) -> Option<u64> {
    owners.0.iter().find_map(|owner| match owner {
        AuthorizingIntegrationOwner::GuildInstall(Some(guild)) => Some(guild.get()),
        _ => None,
    })
}

fn option_value(value: &CommandDataOptionValue) -> OptionValue {
    match value {
        CommandDataOptionValue::String(text) => OptionValue::String(text.clone()),
        CommandDataOptionValue::Integer(number) => OptionValue::Integer(*number),
        CommandDataOptionValue::Boolean(flag) => OptionValue::Boolean(*flag),
        CommandDataOptionValue::Channel(channel) => OptionValue::Channel(channel.get()),
        CommandDataOptionValue::Role(role) => OptionValue::Role(role.get()),
        CommandDataOptionValue::SubCommand(options) => OptionValue::SubCommand(
            options
                .iter()
                .map(|option| (option.name.clone(), option_value(&option.value)))
                .collect(),
        ),
        _ => OptionValue::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interaction as Discord sends it, with `extra` fields merged in.
    fn parse(extra: serde_json::Value) -> Incoming {
        let mut json = serde_json::json!({
            "id": "11", "application_id": "22", "type": 2, "token": "tok-123",
            "version": 1, "locale": "en-US", "app_permissions": "0", "entitlements": [],
            "attachment_size_limit": 1, "channel_id": "77",
            "data": {"id": "33", "name": "blacklist", "type": 1},
            "user": {"id": "44", "username": "u", "discriminator": "0", "global_name": null, "avatar": null},
        });
        for (key, value) in extra.as_object().unwrap() {
            json[key] = value.clone();
        }
        let interaction: Interaction = serde_json::from_value(json).unwrap();
        Incoming::from_interaction(&interaction).unwrap()
    }

    #[test]
    fn the_server_and_its_install_are_read_and_the_token_is_never_shown() {
        let incoming = parse(serde_json::json!({
            "guild_id": "55",
            "authorizing_integration_owners": {"0": "55"},
            "context": 0,
        }));
        assert_eq!(
            (incoming.guild_id, incoming.installed_in_guild),
            (Some(55), Some(55))
        );
        assert_eq!(incoming.token.expose(), "tok-123");
        assert!(!format!("{incoming:?}").contains("tok-123"));
        // A server install used in a DM with the bot: key "0" is "0".
        let dm = parse(serde_json::json!({
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
        }));
        assert_eq!(
            (dm.guild_id, dm.installed_in_guild, dm.permissions),
            (None, None, None)
        );
        // A user install used in some server.
        let user = parse(serde_json::json!({
            "guild_id": "66",
            "authorizing_integration_owners": {"1": "44"},
            "context": 0,
        }));
        assert_eq!((user.guild_id, user.installed_in_guild), (Some(66), None));
    }
}

#[cfg(test)]
mod press_tests {
    use super::*;
    use serde_json::json;

    fn user(id: &str) -> serde_json::Value {
        json!({"id": id, "username": "u", "discriminator": "0", "global_name": null, "avatar": null})
    }

    /// A button press by user 44 on a message with `extra` fields.
    fn press(extra: serde_json::Value) -> Incoming {
        let mut message = json!({
            "id": "90", "channel_id": "77", "author": user("22"), "content": "",
            "timestamp": "2026-11-26T08:00:00.000000+00:00", "edited_timestamp": null,
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": false, "type": 20, "components": []
        });
        for (key, value) in extra.as_object().unwrap() {
            message[key] = value.clone();
        }
        let json = json!({
            "id": "11", "application_id": "22", "type": 3, "token": "tok",
            "version": 1, "locale": "en-US", "app_permissions": "0", "entitlements": [],
            "attachment_size_limit": 1, "channel_id": "77",
            "authorizing_integration_owners": {"0": "0"}, "context": 1,
            "data": {"custom_id": "v2:again:mx:example.com", "component_type": 2},
            "user": user("44"),
            "message": message,
        });
        let interaction: Interaction = serde_json::from_value(json).unwrap();
        Incoming::from_interaction(&interaction).unwrap()
    }

    fn pressed(incoming: &Incoming) -> PressedMessage {
        match &incoming.kind {
            IncomingKind::Button { message, .. } => *message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_invoker_is_read_from_the_metadata_or_the_older_interaction_object() {
        let own = press(json!({
            "interaction_metadata": {"id": "5", "type": 2, "user": user("44"),
                "authorizing_integration_owners": {"0": "0"}},
            "flags": 64
        }));
        assert_eq!(
            pressed(&own),
            PressedMessage {
                invoker: Some(44),
                ephemeral: true
            }
        );
        assert!(own.is_own_message());
        // A message made by a button press names the presser, type 3.
        let stranger = press(json!({
            "interaction_metadata": {"id": "5", "type": 3, "user": user("45"),
                "authorizing_integration_owners": {"0": "0"}, "interacted_message_id": "89"}
        }));
        assert_eq!(pressed(&stranger).invoker, Some(45));
        assert!(!stranger.is_own_message());
        let older = press(json!({
            "interaction": {"id": "5", "type": 2, "name": "mx", "user": user("44")}
        }));
        assert_eq!(pressed(&older).invoker, Some(44));
        let unknown = press(json!({}));
        assert_eq!(pressed(&unknown), PressedMessage::default());
        assert!(!unknown.is_own_message());
        assert_eq!(unknown.label(), "button v2:again:mx");
    }

    #[test]
    fn autocomplete_names_the_command_the_option_and_what_was_typed() {
        let json = json!({
            "id": "11", "application_id": "22", "type": 4, "token": "tok",
            "version": 1, "locale": "en-US", "app_permissions": "0", "entitlements": [],
            "attachment_size_limit": 1, "channel_id": "77",
            "authorizing_integration_owners": {"0": "0"}, "context": 1,
            "data": {"id": "33", "name": "mx", "type": 1, "options": [
                {"name": "domain", "type": 3, "value": "exa", "focused": true},
                {"name": "private", "type": 5, "value": true}
            ]},
            "user": user("44"),
        });
        let interaction: Interaction = serde_json::from_value(json).unwrap();
        let incoming = Incoming::from_interaction(&interaction).unwrap();
        match incoming.kind {
            IncomingKind::Autocomplete {
                command,
                option,
                value,
            } => assert_eq!(
                (command.as_str(), option.as_str(), value.as_str()),
                ("mx", "domain", "exa")
            ),
            other => panic!("{other:?}"),
        }
    }
}
