//! Reports as Discord messages: embeds and buttons, always within Discord's limits.

mod blacklist;
pub mod limits;
pub mod message;
mod mx;
mod settings;
mod smtp;

pub use blacklist::progress_message as blacklist_progress_message;
pub use message::{ActionRow, Button, ButtonStyle, Embed, Field, File, Footer, Message};
pub use settings::{settings_custom_id, SettingsButton};

use crate::report::{Details, Report, Verdict};

/// Colours of a verdict, for the checks whose embed colour follows it.
pub fn verdict_colour(verdict: Verdict) -> u32 {
    match verdict {
        Verdict::Ok => 0x2E_CC_71,
        Verdict::Warning => 0xF1_C4_0F,
        Verdict::Critical => 0xE7_4C_3C,
        Verdict::Unknown => 0x95_A5_A6,
    }
}

/// The message for a finished report.
pub fn report_message(report: &Report) -> Message {
    let message = match &report.details {
        Details::Settings(details) => settings::message(details),
        Details::Smtp(details) => smtp::message(report, details),
        Details::Blacklist(details) => blacklist::message(report, details),
        Details::Mx(details) => mx::message(report, details),
    };
    limits::fit(message)
}

/// A short error message (sent ephemerally): what went wrong and what to do instead.
pub fn error_message(title: &str, text: &str) -> Message {
    limits::fit(Message {
        embeds: vec![Embed::new(title)
            .description(text)
            .color(verdict_colour(Verdict::Critical))],
        ..Message::default()
    })
}

/// Markdown inline code for a value to copy; values holding a backtick are escaped
/// instead, since Discord has no way to put one inside a code span reliably.
pub fn code(text: &str) -> String {
    if text.contains('`') {
        escape(text)
    } else {
        format!("`{text}`")
    }
}

/// Escapes Discord markdown so user-supplied text shows as typed.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The live message of a check still running: "12/18 checked, listed on 1".
pub fn progress_message(progress: &crate::checks::Progress) -> Message {
    limits::fit(Message {
        embeds: vec![Embed::new("⏳ Checking…")
            .description(&progress.line)
            .color(verdict_colour(Verdict::Unknown))],
        ..Message::default()
    })
}
