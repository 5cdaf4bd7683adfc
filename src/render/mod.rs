//! Reports into what people and programs read: a Discord message, terminal text, JSON,
//! and (for `/settings` with a profile) a mail-client profile file.
//!
//! The checks produce a [`Report`](crate::checks::Report) and nothing else; everything
//! about presentation, including Discord's size limits, lives here.

pub mod discord;
pub mod json;
pub mod profile;
pub mod text;

/// The output formats of `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// The report as JSON, for scripts.
    Json,
    /// The exact message payload the bot would send to Discord.
    Discord,
}

/// Renders a report in the given format.
pub fn render(report: &crate::checks::Report, format: Format) -> String {
    match format {
        Format::Text => text::render(report),
        Format::Json => json::render(report),
        Format::Discord => {
            let message = discord::report_message(report);
            serde_json::to_string_pretty(&message).expect("a message always serializes")
        }
    }
}
