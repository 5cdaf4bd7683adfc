//! Alerts as Discord sees them: one embed per alert (the watch, what changed, when),
//! and the message a channel's waiting alerts make together: the role mentioned
//! (and no one else: `allowed_mentions` names that role only), at most
//! [`PER_MESSAGE`] embeds, each watch's **Acknowledge** and **Mute 24 h** buttons,
//! cut to Discord's limits by `render::discord::limits`.
//!
//! An alert is kept in the outbox as its embed's JSON; the message is written when
//! the alerts are grouped, with the time of each change in its footer, so a reader
//! can tell a late duplicate (after a long outage) from a new change.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::render::discord::{
    limits, verdict_colour, ActionRow, Button, ButtonAction, ButtonStyle, Embed, Message,
    WatchButton,
};
use crate::store::outbox::TakenAlert;
use crate::store::watches::Watch;
use crate::values::Verdict;
use crate::wording::printable_within;

use super::change::Change;

/// Alerts in one message at most: each is an embed, and each watch gets a row of
/// buttons (Acknowledge, Mute 24 h), of which a message takes five.
pub const PER_MESSAGE: i64 = 5;

/// A watch's name in an alert: its label and target, or the target alone.
pub fn watch_name(watch: &Watch) -> String {
    match &watch.label {
        Some(label) => format!("#{} {label} ({})", watch.id, watch.target),
        None => format!("#{} {} ({})", watch.id, watch.target, watch.kind),
    }
}

/// The embed of a change (or of several found in one result).
pub fn change_embed(watch: &Watch, changes: &[Change], at_ms: i64) -> String {
    let verdict = changes
        .iter()
        .fold(Verdict::Ok, |worst, change| worst.worst(change.verdict));
    let mut lines = Vec::new();
    for change in changes {
        lines.push(format!("{} {}", change.verdict.emoji(), change.text));
        if let (Some(before), Some(after)) = (&change.before, &change.after) {
            lines.push(format!(
                "Before: `{}`\nAfter: `{}`",
                printable_within(before, 300),
                printable_within(after, 300)
            ));
        }
    }
    let title = if verdict == Verdict::Ok {
        format!("Recovered: {}", watch_name(watch))
    } else {
        format!("Changed: {}", watch_name(watch))
    };
    embed(title, lines.join("\n"), verdict, at_ms, "Changed")
}

/// The embed of a reminder: the watch is still in trouble.
pub fn reminder_embed(watch: &Watch, since_ms: Option<i64>, at_ms: i64) -> String {
    let since = since_ms
        .map(|since| format!(" since {}", time_text(since)))
        .unwrap_or_default();
    let summary = watch.summary.as_deref().unwrap_or("no result yet");
    embed(
        format!("Still in trouble: {}", watch_name(watch)),
        format!("{summary}\nIt has been like this{since}. Acknowledge it to stop the reminders."),
        Verdict::Critical,
        at_ms,
        "Checked",
    )
}

/// A notice about watching itself (the resolver failing the blocklists, a test
/// alert, a channel set).
pub fn notice_embed(title: &str, text: &str, verdict: Verdict, at_ms: i64) -> String {
    embed(title.to_string(), text.to_string(), verdict, at_ms, "At")
}

fn embed(title: String, description: String, verdict: Verdict, at_ms: i64, when: &str) -> String {
    let embed = Embed::new(title)
        .description(description)
        .color(verdict_colour(verdict))
        .footer(format!("{when} {}", time_text(at_ms)));
    serde_json::to_string(&embed).unwrap_or_default()
}

/// A time for people: `2026-12-05T23:45:00Z`.
pub fn time_text(at_ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_ms) * 1_000_000)
        .ok()
        .and_then(|at| at.replace_nanosecond(0).ok())
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| at_ms.to_string())
}

/// The body of the message `alerts` make for a channel mentioning `role`: content,
/// embeds and `allowed_mentions`. The sender adds the nonce.
pub fn compose(alerts: &[TakenAlert], role: Option<u64>) -> String {
    let embeds: Vec<Embed> = alerts
        .iter()
        .filter_map(|alert| serde_json::from_str(&alert.body).ok())
        .collect();
    let count = embeds.len();
    let headline = if count == 1 {
        "Watch alert".to_string()
    } else {
        format!("{count} watch alerts")
    };
    let content = match role {
        Some(role) => format!("<@&{role}> {headline}"),
        None => headline,
    };
    let mut watches: Vec<i64> = alerts.iter().filter_map(|alert| alert.watch_id).collect();
    watches.sort_unstable();
    watches.dedup();
    let components = watches.into_iter().filter_map(buttons).collect();
    let message = limits::fit(Message {
        content: Some(content),
        embeds,
        components,
        ..Message::default()
    });
    let mut body = serde_json::to_value(&message).unwrap_or_else(|_| json!({}));
    if let Value::Object(fields) = &mut body {
        // Only the chosen role may be pinged; never @everyone, never a user.
        let roles: Vec<String> = role.iter().map(u64::to_string).collect();
        fields.insert(
            "allowed_mentions".into(),
            json!({"parse": [], "roles": roles}),
        );
        if fields
            .get("components")
            .is_some_and(|c| c.as_array().is_some_and(Vec::is_empty))
        {
            fields.remove("components");
        }
    }
    body.to_string()
}

/// A watch's row: Acknowledge and Mute 24 h, labelled with its id.
fn buttons(watch: i64) -> Option<ActionRow> {
    let button = |action, label: String, style| {
        ButtonAction::Watch { action, id: watch }
            .custom_id()
            .map(|id| Button::new(label, id, style))
    };
    Some(ActionRow::new(vec![
        button(
            WatchButton::Acknowledge,
            format!("Acknowledge #{watch}"),
            ButtonStyle::Primary,
        )?,
        button(
            WatchButton::Mute24h,
            format!("Mute #{watch} 24 h"),
            ButtonStyle::Secondary,
        )?,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch() -> Watch {
        Watch {
            label: Some("outbound relay 2".into()),
            ..Watch::example(3, "blocklists", "192.0.2.7", 1)
        }
    }

    #[test]
    fn a_grouped_message_mentions_only_the_role_and_keeps_every_alert() {
        let change = Change {
            verdict: Verdict::Critical,
            text: "192.0.2.7 is now listed on Spamhaus ZEN.".into(),
            before: None,
            after: None,
        };
        let alerts: Vec<TakenAlert> = (0..2)
            .map(|n| TakenAlert {
                watch_id: Some(3),
                created_ms: n,
                body: change_embed(&watch(), std::slice::from_ref(&change), 1_764_979_200_000),
            })
            .collect();
        let body: Value = serde_json::from_str(&compose(&alerts, Some(42))).unwrap();
        assert_eq!(body["content"], "<@&42> 2 watch alerts");
        assert_eq!(
            body["allowed_mentions"],
            json!({"parse": [], "roles": ["42"]})
        );
        assert_eq!(body["embeds"].as_array().unwrap().len(), 2);
        let embed = &body["embeds"][0];
        assert_eq!(embed["title"], "Changed: #3 outbound relay 2 (192.0.2.7)");
        assert!(embed["footer"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Changed 2025-12-06T00:00:00Z"));
        let buttons = &body["components"][0]["components"];
        assert_eq!(buttons[0]["custom_id"], "v2:watch:ack:3");
        assert_eq!(buttons[1]["custom_id"], "v2:watch:mute:3");
        assert_eq!(
            body["components"].as_array().unwrap().len(),
            1,
            "one row per watch"
        );
        let quiet: Value = serde_json::from_str(&compose(&alerts[..1], None)).unwrap();
        assert_eq!(quiet["content"], "Watch alert");
        assert_eq!(quiet["allowed_mentions"], json!({"parse": [], "roles": []}));
    }
}
