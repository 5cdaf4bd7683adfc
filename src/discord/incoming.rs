//! Interactions reduced to what the bot uses, free of serenity's types, so routing
//! can be read and tested without Discord.

use serenity::all::{CommandDataOptionValue, Interaction, Member};

/// One interaction as the handlers see it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub id: u64,
    pub application_id: u64,
    /// The interaction token: valid 15 minutes, never logged.
    pub token: String,
    pub user_id: u64,
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
    /// A button press.
    Button { custom_id: String },
    /// Anything else (autocomplete, modal, ping): answered with an error.
    Other(&'static str),
}

/// An option value as Discord typed it.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    String(String),
    Integer(i64),
    Boolean(bool),
    /// A type the bot never declares (user, channel, attachment…).
    Other,
}

impl Incoming {
    /// `None` for interactions that carry no token to answer with (pings).
    pub fn from_interaction(interaction: &Interaction) -> Option<Incoming> {
        let (id, application_id, token, user_id, permissions, kind) = match interaction {
            Interaction::Command(command) => (
                command.id.get(),
                command.application_id.get(),
                &command.token,
                command.user.id.get(),
                permission_bits(command.member.as_deref()),
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
                component.id.get(),
                component.application_id.get(),
                &component.token,
                component.user.id.get(),
                permission_bits(component.member.as_ref()),
                IncomingKind::Button {
                    custom_id: component.data.custom_id.clone(),
                },
            ),
            Interaction::Autocomplete(a) => (
                a.id.get(),
                a.application_id.get(),
                &a.token,
                a.user.id.get(),
                None,
                IncomingKind::Other("autocomplete"),
            ),
            Interaction::Modal(m) => (
                m.id.get(),
                m.application_id.get(),
                &m.token,
                m.user.id.get(),
                None,
                IncomingKind::Other("modal"),
            ),
            _ => return None,
        };
        Some(Incoming {
            id,
            application_id,
            token: token.clone(),
            user_id,
            permissions,
            kind,
        })
    }

    /// What the interaction was, for logs: `/settings` or `button settings:imap`.
    pub fn label(&self) -> String {
        match &self.kind {
            IncomingKind::Command { name, .. } => format!("/{name}"),
            IncomingKind::Button { custom_id } => {
                // Button ids may carry an address: log only the action part.
                let action: String = custom_id.split(':').take(2).collect::<Vec<_>>().join(":");
                format!("button {action}")
            }
            IncomingKind::Other(kind) => kind.to_string(),
        }
    }
}

/// The member's permission bits; `None` outside a server.
fn permission_bits(member: Option<&Member>) -> Option<u64> {
    member.and_then(|m| m.permissions).map(|p| p.bits())
}

fn option_value(value: &CommandDataOptionValue) -> OptionValue {
    match value {
        CommandDataOptionValue::String(text) => OptionValue::String(text.clone()),
        CommandDataOptionValue::Integer(number) => OptionValue::Integer(*number),
        CommandDataOptionValue::Boolean(flag) => OptionValue::Boolean(*flag),
        _ => OptionValue::Other,
    }
}
