//! How `watch` prints: lines for people, or JSON for scripts.

use serde::Serialize;

use super::watch::WatchFormat;
use crate::store::outbox::WatchEvent;
use crate::store::watches::{AlertChannel, Watch};
use crate::values::Span;
use crate::watch::alert::time_text;
use crate::watch::budget::ListBudget;

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

fn every(watch: &Watch) -> String {
    Span::from_seconds(watch.interval_ms.max(0).unsigned_abs() / 1_000).to_string()
}

fn state(watch: &Watch, now: i64) -> String {
    if watch.paused {
        return "paused".into();
    }
    let mut state = watch
        .verdict
        .clone()
        .unwrap_or_else(|| "not checked yet".into());
    if let Some(until) = watch.muted_until_ms.filter(|&until| until > now) {
        state.push_str(&format!(", muted until {}", time_text(until)));
    }
    if let Some(who) = &watch.acknowledged_by {
        state.push_str(&format!(", acknowledged by {who}"));
    }
    state
}

/// One line per watch.
pub fn watches(watches: &[Watch]) -> String {
    watches.iter().map(|watch| line(watch, 0)).collect()
}

fn line(watch: &Watch, now: i64) -> String {
    let label = watch
        .label
        .as_deref()
        .map(|label| format!(" \"{label}\""))
        .unwrap_or_default();
    let checked = watch
        .last_checked_ms
        .map_or_else(|| "never".to_string(), time_text);
    let summary = watch
        .summary
        .as_deref()
        .map(|summary| format!("\n      {summary}"))
        .unwrap_or_default();
    format!(
        "#{}{label} {} ({}, every {}): {}; last checked {checked}, next due {}{summary}\n",
        watch.id,
        watch.target,
        watch.kind,
        every(watch),
        state(watch, now),
        time_text(watch.next_due_ms),
    )
}

/// `watch list`: where alerts go (and what Discord refused), the watches, and the
/// blocklists' daily queries.
pub fn list(
    channels: &[AlertChannel],
    watches: &[Watch],
    budget: &[ListBudget],
    now: i64,
) -> String {
    let mut out = String::new();
    match channels.iter().find(|channel| channel.is_default) {
        Some(channel) => {
            let role = channel
                .role_id
                .map(|role| format!(", mentioning role {role}"))
                .unwrap_or_default();
            out.push_str(&format!("Alerts go to channel {}{role}\n", channel.channel_id));
        }
        None => out.push_str("No alert channel is set: `watch channel <channel id>` sets one; until then changes are only recorded\n"),
    }
    for channel in channels {
        if let (Some(problem), Some(at)) = (&channel.problem, channel.problem_ms) {
            out.push_str(&format!(
                "Delivery problem in channel {} since {}: {problem}\n",
                channel.channel_id,
                time_text(at)
            ));
        }
    }
    if watches.is_empty() {
        out.push_str("Nothing is watched yet: `watch add <target>` adds a watch\n");
        return out;
    }
    out.push('\n');
    for watch in watches {
        out.push_str(&line(watch, now));
    }
    let active: Vec<&ListBudget> = budget
        .iter()
        .filter(|list| list.queries_per_day > 0)
        .collect();
    if !active.is_empty() {
        out.push_str("\nBlocklist queries a day from these watches (at least):\n");
        for list in active {
            let free = match list.free_per_day {
                Some(free) => format!("of {free} free"),
                None => "free limit not documented".to_string(),
            };
            let over = if list.over() {
                "  OVER THE FREE LIMIT"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {} ({}): {} {free}{over}\n",
                list.name, list.zone, list.queries_per_day
            ));
        }
    }
    out
}

/// `watch history`: one line per event, the newest first.
pub fn history(events: &[WatchEvent]) -> String {
    if events.is_empty() {
        return "no changes recorded\n".to_string();
    }
    events
        .iter()
        .map(|event| {
            let mut line = format!(
                "{}  #{}  {:<8} {}: {}\n",
                time_text(event.at_ms),
                event.watch_id,
                event.verdict,
                event.event,
                event.text
            );
            if let (Some(before), Some(after)) = (&event.before, &event.after) {
                line.push_str(&format!("      before: {before}\n      after:  {after}\n"));
            }
            line
        })
        .collect()
}
