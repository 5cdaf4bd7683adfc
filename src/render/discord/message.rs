//! The Discord message a report becomes, in Discord's own JSON shape.
//!
//! These types serialize to exactly the body the bot sends (and that
//! `check --format discord` prints). Unlike serenity's builders they can be read
//! back, so the limits can be checked and tests can look inside.

use serde::Serialize;

/// A message: embeds, buttons, and files sent alongside.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Message {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    pub embeds: Vec<Embed>,
    pub components: Vec<ActionRow>,
    /// Files attached to the message (sent as multipart, not in the JSON body).
    #[serde(skip)]
    pub files: Vec<File>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Embed {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<Footer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footer {
    pub text: String,
}

/// A row of up to five buttons (component type 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    #[serde(rename = "type")]
    pub kind: u8,
    pub components: Vec<Button>,
}

/// A button (component type 2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Button {
    #[serde(rename = "type")]
    pub kind: u8,
    pub style: ButtonStyle,
    pub label: String,
    pub custom_id: String,
    pub disabled: bool,
}

/// Discord's button styles (link buttons are not used: links go in the embeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde_repr::Serialize_repr)]
#[repr(u8)]
pub enum ButtonStyle {
    Primary = 1,
    Secondary = 2,
}

/// A file attached to a message, e.g. an SMTP transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Embed {
    pub fn new(title: impl Into<String>) -> Self {
        Embed {
            title: title.into(),
            ..Embed::default()
        }
    }

    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    pub fn color(mut self, rgb: u32) -> Self {
        self.color = Some(rgb);
        self
    }

    pub fn field(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        inline: bool,
    ) -> Self {
        self.fields.push(Field {
            name: name.into(),
            value: value.into(),
            inline,
        });
        self
    }

    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(Footer { text: text.into() });
        self
    }
}

impl ActionRow {
    pub fn new(components: Vec<Button>) -> Self {
        ActionRow {
            kind: 1,
            components,
        }
    }
}

impl Button {
    pub fn new(label: impl Into<String>, custom_id: impl Into<String>, style: ButtonStyle) -> Self {
        Button {
            kind: 2,
            style,
            label: label.into(),
            custom_id: custom_id.into(),
            disabled: false,
        }
    }

    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }
}
