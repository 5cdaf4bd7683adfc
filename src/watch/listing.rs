//! Watches, channels, budgets and history as lines for people: what `watch list`
//! and `watch history` print and what `/watch list` and `/watch history` show, one
//! wording for both.

use crate::store::outbox::WatchEvent;
use crate::store::watches::{AlertChannel, Watch};
use crate::values::Span;

use super::alert::time_text;
use super::budget::ListBudget;

fn every(watch: &Watch) -> String {
    Span::from_seconds(watch.interval_ms.max(0).unsigned_abs() / 1_000).to_string()
}

/// The state of a watch in words: paused, or its verdict, muted, acknowledged.
pub fn state(watch: &Watch, now: i64) -> String {
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

/// One watch: id, label, target, kind, interval, state, last checked, next due, and
/// the last result's summary on a second line.
pub fn watch_line(watch: &Watch, now: i64) -> String {
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

/// Where alerts go, and every channel where Discord refused a message.
pub fn channel_lines(channels: &[AlertChannel]) -> String {
    let mut out = String::new();
    match channels.iter().find(|channel| channel.is_default) {
        Some(channel) => {
            let role = channel
                .role_id
                .map(|role| format!(", mentioning role {role}"))
                .unwrap_or_default();
            out.push_str(&format!("Alerts go to channel {}{role}\n", channel.channel_id));
        }
        None => out.push_str("No alert channel is set: `watch channel <channel id>` (or /watch channel) sets one; until then changes are only recorded\n"),
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
    out
}

/// The blocklists' daily queries from the watches, against their free limits.
pub fn budget_lines(budget: &[ListBudget]) -> String {
    let active: Vec<&ListBudget> = budget
        .iter()
        .filter(|list| list.queries_per_day > 0)
        .collect();
    if active.is_empty() {
        return String::new();
    }
    let mut out = String::from("Blocklist queries a day from these watches (at least):\n");
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
    out
}

/// One history event, with before and after when it has them.
pub fn history_line(event: &WatchEvent) -> String {
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
}
