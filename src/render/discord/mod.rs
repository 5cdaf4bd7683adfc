//! Reports as Discord messages: embeds and buttons, always within Discord's limits.
//!
//! - one file per check (`settings`, `mx`, `smtp`, `blacklist`, `domain`, `spf`, and
//!   `mailbox` for `imap` and `pop3`): the embeds, and the check's own buttons
//!   (settings tabs, blocklist link buttons); `probe` holds what the server tests
//!   show alike;
//! - `buttons`: "Run again" and the next steps under every check result;
//! - `custom_id`: the one versioned format of the buttons' custom ids;
//! - `limits`: Discord's limits; `message`: the message types in Discord's JSON.

mod blacklist;
pub mod buttons;
pub mod custom_id;
mod domain;
pub mod limits;
mod mailbox;
pub mod message;
mod mx;
mod probe;
mod settings;
mod smtp;
mod spf;

pub use buttons::{Audience, RunButtons};
pub use custom_id::{ButtonAction, CheckInput, Expired, WatchButton};
pub use message::{ActionRow, Button, ButtonStyle, Embed, Field, File, Footer, Message};

use crate::checks::{Check, Details, ProgressUpdate, Report};
use crate::values::Verdict;

/// Colours of a verdict, for the checks whose embed colour follows it.
pub fn verdict_colour(verdict: Verdict) -> u32 {
    match verdict {
        Verdict::Ok => 0x2E_CC_71,
        Verdict::Warning => 0xF1_C4_0F,
        Verdict::Critical => 0xE7_4C_3C,
        Verdict::Unknown => 0x95_A5_A6,
    }
}

/// The message for a finished report, as its invoker sees it when they are not
/// staff (what `check --format discord` prints).
pub fn report_message(report: &Report) -> Message {
    report_message_for(report, Audience::default())
}

/// The message for a finished report made for `audience`: the check's embeds, its
/// own buttons, and the row of "Run again" and next-step buttons.
pub fn report_message_for(report: &Report, audience: Audience) -> Message {
    let run = buttons::for_report(report, audience);
    let mut message = match &report.details {
        // The tabs first, the next step under them.
        Details::Settings(details) => settings::message(details),
        Details::Smtp(details) => smtp::message(report, details),
        // The listings' link buttons share the rows left under the run row.
        Details::Blacklist(details) => blacklist::message(report, details, &run),
        Details::Mx(details) => mx::message(report, details),
        Details::Domain(details) => domain::message(report, details),
        Details::Spf(details) => spf::message(report, details),
        Details::Imap(details) => mailbox::message(report, details),
        Details::Pop3(details) => mailbox::message(report, details),
    };
    if let Some(note) = &run.note {
        add_to_footer(&mut message, note);
    }
    if let Some(row) = run.row() {
        match &report.details {
            Details::Settings(_) => message.components.push(row),
            _ => message.components.insert(0, row),
        }
    }
    limits::fit(message)
}

/// Adds a line to the footer of the message's last embed.
fn add_to_footer(message: &mut Message, line: &str) {
    if let Some(embed) = message.embeds.last_mut() {
        let text = match embed.footer.take() {
            Some(footer) => format!("{}\n{line}", footer.text),
            None => line.to_string(),
        };
        embed.footer = Some(Footer { text });
    }
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

/// Cells of the progress bar.
const BAR: usize = 20;

/// The title of a running check's live message: its activity with the check's
/// icon, "🔎 Checking 203.0.113.7 on blocklists…". The activity names what the user
/// typed (an SPF sender's domain may be any text a mail server received), so its
/// markdown is escaped.
pub fn progress_title(check: Check, activity: &str) -> String {
    format!("{} {}…", check.info().icon, escape(activity))
}

/// The live message of a check still running: its title, the progress line
/// ("12/18 checked, listed on 1") and a bar.
pub fn progress_message(title: &str, progress: &ProgressUpdate) -> Message {
    let filled = (progress.done.min(progress.total) * BAR)
        .checked_div(progress.total)
        .unwrap_or(0);
    let bar = format!("{}{}", "▰".repeat(filled), "▱".repeat(BAR - filled));
    limits::fit(Message {
        embeds: vec![Embed::new(title)
            .description(format!("{}\n{bar}", progress.line))
            .color(verdict_colour(Verdict::Unknown))],
        ..Message::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_fills_with_the_count() {
        let message = progress_message(
            "🔎 Checking 203.0.113.7 on blocklists…",
            &ProgressUpdate {
                done: 9,
                total: 18,
                line: "9/18 checked, listed on 1".into(),
            },
        );
        let description = message.embeds[0].description.as_deref().unwrap();
        assert!(description.starts_with("9/18 checked, listed on 1\n"));
        assert_eq!(description.matches('▰').count(), BAR / 2);
        assert!(message.embeds[0].title.contains("203.0.113.7"));
    }

    #[test]
    fn user_text_is_escaped_and_values_go_in_code_spans() {
        assert_eq!(escape("*bold* _x_ `c`"), "\\*bold\\* \\_x\\_ \\`c\\`");
        assert_eq!(code("mail.example.com"), "`mail.example.com`");
        assert_eq!(code("a`b"), "a\\`b");
    }
}
