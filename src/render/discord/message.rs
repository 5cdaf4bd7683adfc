//! The Discord message a report becomes, in Discord's own JSON shape.
//!
//! These types serialize to exactly the body the bot sends (and that
//! `check --format discord` prints). Unlike serenity's builders they can be read
//! back, so the limits can be checked and tests can look inside; they also
//! deserialize, so a test can read a body Discord would receive and check it.

use serde::{Deserialize, Serialize};

/// A message: embeds, buttons, and files sent alongside.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default)]
    pub embeds: Vec<Embed>,
    #[serde(default)]
    pub components: Vec<ActionRow>,
    /// Files attached to the message (sent as multipart, not in the JSON body).
    #[serde(skip)]
    pub files: Vec<File>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Embed {
    #[serde(default)]
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<Footer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footer {
    pub text: String,
}

/// A row of up to five buttons (component type 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRow {
    #[serde(rename = "type")]
    pub kind: u8,
    pub components: Vec<Button>,
}

/// A button (component type 2): one that sends the bot an interaction with its
/// `custom_id` (styles 1 to 4), or a link button (style 5) that opens `url` and
/// sends nothing. Build them with [`Button::new`] and [`Button::link`], which set
/// exactly one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    #[serde(rename = "type")]
    pub kind: u8,
    pub style: ButtonStyle,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// Discord's button styles.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde_repr::Serialize_repr, serde_repr::Deserialize_repr,
)]
#[repr(u8)]
pub enum ButtonStyle {
    Primary = 1,
    Secondary = 2,
    Success = 3,
    /// Opens its `url`; the bot hears nothing of it.
    Link = 5,
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
    /// A button that sends the bot an interaction carrying `custom_id`.
    pub fn new(label: impl Into<String>, custom_id: impl Into<String>, style: ButtonStyle) -> Self {
        Button {
            kind: 2,
            style,
            label: label.into(),
            custom_id: Some(custom_id.into()),
            url: None,
            disabled: false,
        }
    }

    /// A link button (style 5): opens `url`, no interaction.
    pub fn link(label: impl Into<String>, url: impl Into<String>) -> Self {
        Button {
            kind: 2,
            style: ButtonStyle::Link,
            label: label.into(),
            custom_id: None,
            url: Some(url.into()),
            disabled: false,
        }
    }

    /// The custom id, or `""` for a link button.
    pub fn id(&self) -> &str {
        self.custom_id.as_deref().unwrap_or_default()
    }

    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }
}
