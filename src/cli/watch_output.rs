//! How `watch` prints: lines for people (the wording of `watch::listing`, shared
//! with `/watch`), or JSON for scripts.

use serde::Serialize;

use super::watch::WatchFormat;
use crate::store::outbox::WatchEvent;
use crate::store::watches::{AlertChannel, Watch};
use crate::watch::budget::ListBudget;
use crate::watch::listing::{budget_lines, channel_lines, history_line, watch_line};

/// Prints `value` as JSON, or `text()` for people.
pub fn print<T: Serialize + ?Sized>(format: WatchFormat, value: &T, text: impl FnOnce() -> String) {
    match format {
        WatchFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
        ),
        WatchFormat::Text => print!("{}", text()),
    }
}

/// One line per watch.
pub fn watches(watches: &[Watch], now: i64) -> String {
    watches.iter().map(|watch| watch_line(watch, now)).collect()
}

/// `watch list`: where alerts go (and what Discord refused), the watches, and the
/// blocklists' daily queries.
pub fn list(
    channels: &[AlertChannel],
    watches: &[Watch],
    budget: &[ListBudget],
    now: i64,
) -> String {
    let mut out = channel_lines(channels);
    if watches.is_empty() {
        out.push_str("Nothing is watched yet: `watch add <target>` adds a watch\n");
        return out;
    }
    out.push('\n');
    out.push_str(&self::watches(watches, now));
    let budget = budget_lines(budget);
    if !budget.is_empty() {
        out.push('\n');
        out.push_str(&budget);
    }
    out
}

/// `watch history`: one line per event, the newest first.
pub fn history(events: &[WatchEvent]) -> String {
    if events.is_empty() {
        return "no changes recorded\n".to_string();
    }
    events.iter().map(history_line).collect()
}
