//! What one result of a watch means: a silent baseline, nothing new, a change to
//! confirm, a change confirmed (announced), a reminder. A pure function of the
//! watch as the store had it, the new state and the time it is given (library tests
//! set the time; nothing here sleeps or reads a clock).
//!
//! - The first result is the baseline: how things already are is not news.
//! - A change is re-checked soon (`confirm_after`, or the interval if shorter) and
//!   announced when `confirmations` results in a row show it; a result that shows
//!   something else starts the count again, one that shows the old state drops it.
//! - While the announced state is bad and nobody acknowledged it, a reminder goes
//!   out every `reminder`.
//! - A muted watch records its changes but holds its alerts; still bad when the
//!   mute ends, it alerts then.

use std::time::Duration;

use crate::store::watch_runs::{NewAlert, NewEvent, WatchResult, WatchUpdate};
use crate::store::watches::Watch;
use crate::values::Verdict;

use super::alert;
use super::change::{changes, Change};
use super::state::State;

/// What the catalogue and the alert channel say, for one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub confirmations: u32,
    pub confirm_after: Duration,
    pub reminder: Duration,
    /// The default alert channel (a watch's own channel wins).
    pub default_channel: Option<u64>,
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The result of checking `watch` at `now`: it saw `observed`, with the report's
/// verdict and summary.
pub fn evaluate(
    watch: &Watch,
    observed: State,
    verdict: Verdict,
    summary: &str,
    now: i64,
    rules: &Rules,
) -> WatchResult {
    let interval = watch.interval_ms.max(1);
    let mut result = WatchResult {
        watch_id: watch.id,
        at_ms: now,
        verdict: verdict.label().to_lowercase(),
        summary: summary.to_string(),
        observed: observed.to_json(),
        update: WatchUpdate {
            next_due_ms: now.saturating_add(interval),
            state: Some(observed.to_json()),
            pending: None,
            pending_count: 0,
            bad_since_ms: watch.bad_since_ms,
            last_alert_ms: watch.last_alert_ms,
            acknowledged_by: watch.acknowledged_by.clone(),
        },
        events: Vec::new(),
        alerts: Vec::new(),
    };
    let channel = watch.channel_id.or(rules.default_channel);
    let muted = watch.muted_until_ms.is_some_and(|until| until > now);
    let Some(announced) = watch.state.as_deref().and_then(State::from_json) else {
        // The baseline: recorded, not announced.
        result.update.bad_since_ms = observed.is_bad().then_some(now);
        result.events.push(NewEvent {
            event: "baseline".into(),
            verdict: result.verdict.clone(),
            text: format!("Watching began: {summary}"),
            before: None,
            after: None,
        });
        return result;
    };
    let found = changes(&announced, &observed);
    if found.is_empty() {
        remind(watch, &observed, now, rules, channel, muted, &mut result);
        return result;
    }
    let seen = match watch.pending.as_deref().and_then(State::from_json) {
        Some(pending) if changes(&pending, &observed).is_empty() => watch.pending_count + 1,
        _ => 1,
    };
    if seen < i64::from(rules.confirmations.max(1)) {
        // Not yet: keep the announced state, re-check soon.
        result.update.state = Some(announced.to_json());
        result.update.pending = Some(observed.to_json());
        result.update.pending_count = seen;
        result.update.next_due_ms = now.saturating_add(ms(rules.confirm_after).min(interval));
        return result;
    }
    // Confirmed: announce it.
    result.update.acknowledged_by = None;
    result.update.bad_since_ms = match (announced.is_bad(), observed.is_bad()) {
        (_, false) => None,
        (true, true) => watch.bad_since_ms.or(Some(now)),
        (false, true) => Some(now),
    };
    for change in &found {
        result.events.push(event("change", change));
    }
    if let (Some(channel), false) = (channel, muted) {
        result.alerts.push(NewAlert {
            channel_id: channel,
            watch_id: Some(watch.id),
            body: alert::change_embed(watch, &found, now),
        });
        result.update.last_alert_ms = Some(now);
    }
    result
}

/// Nothing changed: a reminder if the trouble goes on unacknowledged, or if a mute
/// ended with it still there.
fn remind(
    watch: &Watch,
    observed: &State,
    now: i64,
    rules: &Rules,
    channel: Option<u64>,
    muted: bool,
    result: &mut WatchResult,
) {
    if !observed.is_bad() || muted || watch.acknowledged_by.is_some() {
        return;
    }
    let Some(channel) = channel else { return };
    let last = watch.last_alert_ms.unwrap_or(i64::MIN);
    let reminder_due = last.saturating_add(ms(rules.reminder)) <= now;
    let mute_ended = watch.muted_until_ms.is_some_and(|until| last < until);
    if !(reminder_due || mute_ended) {
        return;
    }
    result.alerts.push(NewAlert {
        channel_id: channel,
        watch_id: Some(watch.id),
        body: alert::reminder_embed(watch, watch.bad_since_ms, now),
    });
    result.events.push(NewEvent {
        event: "reminder".into(),
        verdict: result.verdict.clone(),
        text: format!("Still in trouble: {}", result.summary),
        before: None,
        after: None,
    });
    result.update.last_alert_ms = Some(now);
}

fn event(kind: &str, change: &Change) -> NewEvent {
    NewEvent {
        event: if change.verdict == Verdict::Ok {
            "recovery".into()
        } else {
            kind.into()
        },
        verdict: change.verdict.label().to_lowercase(),
        text: change.text.clone(),
        before: change.before.clone(),
        after: change.after.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::state::{Blocklists, Listing};

    const HOUR: i64 = 3_600_000;

    fn rules() -> Rules {
        Rules {
            confirmations: 2,
            confirm_after: Duration::from_secs(60),
            reminder: Duration::from_secs(24 * 3_600),
            default_channel: Some(77),
        }
    }

    fn watch() -> Watch {
        Watch::example(1, "blocklists", "192.0.2.7", 6 * HOUR)
    }

    fn state(listed: bool) -> State {
        let mut state = Blocklists::default();
        if listed {
            state.listed.insert(
                "192.0.2.7 zen".into(),
                Listing {
                    address: "192.0.2.7".into(),
                    list: "Spamhaus ZEN".into(),
                    serious: true,
                    why: None,
                    page: "https://lookup".into(),
                    delist: "https://delist".into(),
                },
            );
        }
        State::Blocklists(state)
    }

    /// Runs a result through `evaluate` and applies it, as the store would.
    fn step(watch: &mut Watch, listed: bool, now: i64) -> WatchResult {
        let result = evaluate(watch, state(listed), Verdict::Ok, "summary", now, &rules());
        watch.state = result.update.state.clone();
        watch.pending = result.update.pending.clone();
        watch.pending_count = result.update.pending_count;
        watch.next_due_ms = result.update.next_due_ms;
        watch.bad_since_ms = result.update.bad_since_ms;
        watch.last_alert_ms = result.update.last_alert_ms;
        watch.acknowledged_by = result.update.acknowledged_by.clone();
        result
    }

    #[test]
    fn the_first_result_is_a_silent_baseline_even_when_bad() {
        let mut watch = watch();
        let result = step(&mut watch, true, 1_000);
        assert!(result.alerts.is_empty());
        assert_eq!(result.events[0].event, "baseline");
        assert_eq!(watch.bad_since_ms, Some(1_000));
        assert_eq!(watch.next_due_ms, 1_000 + 6 * HOUR);
    }

    #[test]
    fn a_listing_is_announced_once_after_confirmation_and_so_is_the_delisting() {
        let mut watch = watch();
        step(&mut watch, false, 0);
        // Seen once: re-checked in a minute, not announced.
        let first = step(&mut watch, true, HOUR);
        assert!(first.alerts.is_empty());
        assert_eq!(watch.next_due_ms, HOUR + 60_000);
        // Seen twice: announced.
        let second = step(&mut watch, true, HOUR + 60_000);
        assert_eq!(second.alerts.len(), 1);
        assert_eq!(second.alerts[0].channel_id, 77);
        assert_eq!(second.events[0].event, "change");
        assert_eq!(watch.next_due_ms, HOUR + 60_000 + 6 * HOUR);
        // Still listed: nothing new until the reminder is due.
        assert!(step(&mut watch, true, 7 * HOUR).alerts.is_empty());
        let reminder = step(&mut watch, true, HOUR + 60_000 + 24 * HOUR);
        assert_eq!(reminder.events[0].event, "reminder");
        // Delisted: confirmed, then announced as a recovery.
        assert!(step(&mut watch, false, 30 * HOUR).alerts.is_empty());
        let delisted = step(&mut watch, false, 30 * HOUR + 60_000);
        assert_eq!(delisted.alerts.len(), 1);
        assert_eq!(delisted.events[0].event, "recovery");
        assert_eq!(watch.bad_since_ms, None);
    }

    #[test]
    fn a_change_that_does_not_hold_is_never_announced() {
        let mut watch = watch();
        step(&mut watch, false, 0);
        step(&mut watch, true, HOUR);
        let back = step(&mut watch, false, HOUR + 60_000);
        assert!(back.alerts.is_empty() && back.events.is_empty());
        assert_eq!(watch.pending, None);
        assert!(
            step(&mut watch, true, 2 * HOUR).alerts.is_empty(),
            "the count starts again"
        );
    }

    #[test]
    fn acknowledged_trouble_has_no_reminders_and_a_mute_holds_alerts_until_it_ends() {
        let mut watch = watch();
        step(&mut watch, false, 0);
        step(&mut watch, true, HOUR);
        step(&mut watch, true, HOUR + 60_000);
        watch.acknowledged_by = Some("bob".into());
        assert!(step(&mut watch, true, 40 * HOUR).alerts.is_empty());
        // A new change clears the acknowledgement; muted, it is recorded, not sent.
        watch.muted_until_ms = Some(100 * HOUR);
        step(&mut watch, false, 41 * HOUR);
        let muted = step(&mut watch, false, 41 * HOUR + 60_000);
        assert!(muted.alerts.is_empty());
        assert_eq!(muted.events[0].event, "recovery");
        assert_eq!(watch.acknowledged_by, None);
        step(&mut watch, true, 50 * HOUR);
        step(&mut watch, true, 50 * HOUR + 60_000);
        assert!(watch.bad_since_ms.is_some());
        // The mute ends with the address still listed: it alerts then.
        let after = step(&mut watch, true, 101 * HOUR);
        assert_eq!(after.alerts.len(), 1);
        assert!(step(&mut watch, true, 102 * HOUR).alerts.is_empty());
    }
}
