//! What the bot decides to answer, as a value: `route` and `gates` return a
//! `Response`, [`super::dispatch`] sends it through [`super::responder`].
//!
//! Routing never talks to Discord itself, so the 3-second rule, deferral, deadlines
//! and error handling live in one place.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;

use super::incoming::{Incoming, IncomingKind};
use crate::checks::ProgressUpdate;
use crate::render::discord::Message;

/// Slow work whose message replaces the deferred "thinking…" reply.
pub type Work = Pin<Box<dyn Future<Output = Message> + Send + 'static>>;

/// The answer to one interaction.
pub enum Response {
    /// Reply at once with a message (callback type 4).
    Reply { message: Message, ephemeral: bool },
    /// Replace the message a button sits on (callback type 7).
    Update(Message),
    /// A friendly error, only for the user who asked (type 4, ephemeral).
    Error(Message),
    /// Show "thinking…" at once (type 5), run `work`, then edit the reply with its
    /// message; `progress` (if any) drives live edits meanwhile. For a button press
    /// this makes a new message, leaving the pressed one as it was.
    Deferred {
        ephemeral: bool,
        work: Work,
        progress: Option<Live>,
    },
    /// Suggestions for the option being typed (type 8), at most 25.
    Autocomplete(Vec<Choice>),
}

/// One autocomplete suggestion: what the user sees, and what the option gets.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub name: String,
    pub value: String,
}

/// Live progress of deferred work: the title of the live message and the updates.
pub struct Live {
    pub title: String,
    pub updates: mpsc::Receiver<ProgressUpdate>,
}

impl Response {
    /// An error reply with a title and a sentence saying what to do.
    pub fn error(title: &str, text: impl AsRef<str>) -> Response {
        Response::Error(crate::render::discord::error_message(title, text.as_ref()))
    }

    /// A short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Response::Reply { .. } => "reply",
            Response::Update(_) => "update",
            Response::Error(_) => "error",
            Response::Deferred { .. } => "deferred",
            Response::Autocomplete(_) => "autocomplete",
        }
    }

    /// The response in a form the interaction can take: an autocomplete interaction
    /// takes only suggestions, so an error (the bot is restarting, a panic) becomes
    /// none; everything else is unchanged.
    pub fn suited_to(self, incoming: &Incoming) -> Response {
        match (&incoming.kind, self) {
            (IncomingKind::Autocomplete { .. }, Response::Autocomplete(choices)) => {
                Response::Autocomplete(choices)
            }
            (IncomingKind::Autocomplete { .. }, _) => Response::Autocomplete(Vec::new()),
            (_, response) => response,
        }
    }
}
