//! `/watch`: the staff's watches from Discord, on the same store and with the same
//! wording as `echoterra-bot watch` (`watch::plan` reads what is asked,
//! `watch::listing` writes the lines): `channel`, `add`, `list`, `remove`, `pause`,
//! `resume`, `mute`, `history`, `test`; the alerts' **Acknowledge** and **Mute 24 h**
//! buttons; ids suggested as staff type them. Everything here is staff only and
//! written to the staff audit log.
//!
//! - `definition`: the command as Discord registers it.

mod definition;

pub use definition::watch as definition;

use super::gates::staff_gate;
use super::incoming::Incoming;
use super::options::{sentence, Options};
use super::response::{Choice, Response};
use super::Bot;
use crate::render::discord::{limits, verdict_colour, Embed, Message, WatchButton};
use crate::store::audit::AuditEntry;
use crate::store::now_ms;
use crate::store::watch_runs::NewEvent;
use crate::store::watches::Added;
use crate::values::{Span, Verdict};
use crate::watch::alert::time_text;
use crate::watch::budget::budget;
use crate::watch::listing::{budget_lines, channel_lines, history_line, watch_line};
use crate::watch::plan::{plan, Asked};
use crate::watch::{actions, Watcher};

/// Watches on one page of `/watch list`.
const PAGE: usize = 10;
/// How long the alerts' Mute button holds alerts.
const MUTE_BUTTON_MS: i64 = 24 * 3_600_000;

const WHY_STAFF: &str = "Watching is for the provider's staff, in the provider's own servers.";

fn message(title: &str, text: &str, verdict: Verdict) -> Message {
    limits::fit(Message {
        embeds: vec![Embed::new(title)
            .description(text)
            .color(verdict_colour(verdict))],
        ..Message::default()
    })
}

fn reply(title: &str, text: &str) -> Response {
    Response::Reply {
        message: message(title, text, Verdict::Ok),
        ephemeral: false,
    }
}

/// A store that did not answer, said as such.
fn unavailable(err: impl std::fmt::Display) -> Response {
    Response::error(
        "The store did not answer",
        format!(
            "Watching needs the bot's store, which did not answer: {err}. Try again in a minute."
        ),
    )
}

/// `#12` or `12`.
fn watch_id(text: &str) -> Result<i64, String> {
    text.trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            format!(
                "{text:?} is not a watch id: give its number, as /watch list shows it (e.g. 12)"
            )
        })
}

/// `/watch <subcommand>`.
pub async fn command(bot: &Bot, incoming: &Incoming, options: &Options<'_>) -> Response {
    if let Some(refusal) = staff_gate(bot, incoming, WHY_STAFF) {
        return refusal;
    }
    let Some(watcher) = &bot.watcher else {
        return Response::error(
            "Watching is not available here",
            "This bot runs without a store, so it keeps no watches.",
        );
    };
    let Some((name, options)) = options.subcommand() else {
        return Response::error(
            "Unknown command",
            "Use /watch with one of its subcommands, e.g. /watch list.",
        );
    };
    let handler = Handler {
        bot,
        incoming,
        watcher,
        now: now_ms(),
    };
    let answer = match name {
        "channel" => handler.channel(&options).await,
        "add" => handler.add(&options).await,
        "list" => handler.list(&options).await,
        "remove" | "pause" | "resume" | "mute" => handler.change(name, &options).await,
        "history" => handler.history(&options).await,
        "test" => handler.test().await,
        other => Err(format!("/watch {other} is not a /watch subcommand: use channel, add, list, remove, pause, resume, mute, history or test")),
    };
    answer.unwrap_or_else(|problem| Response::error("Watch", sentence(problem)))
}

struct Handler<'a> {
    bot: &'a Bot,
    incoming: &'a Incoming,
    watcher: &'a Watcher,
    now: i64,
}

type Answer = Result<Response, String>;

impl Handler<'_> {
    fn store(&self) -> &crate::store::Store {
        self.watcher.store()
    }

    async fn audit(&self, command: &str, target: &str) {
        let entry = AuditEntry {
            interaction_id: self.incoming.id,
            at_ms: self.now,
            user_id: self.incoming.user_id,
            user_name: self.incoming.user_name.clone(),
            guild_id: self.incoming.guild_id,
            command: command.to_string(),
            target: target.to_string(),
            verdict: "done".to_string(),
        };
        self.bot.memory.audit(&entry).await;
    }

    async fn channel(&self, options: &Options<'_>) -> Answer {
        let channel = options
            .channel("channel")
            .map_err(|e| e.to_string())?
            .ok_or("The option `channel` is missing.")?;
        let role = options.role("role").map_err(|e| e.to_string())?;
        let set = actions::set_alert_channel(
            self.store(),
            channel,
            role,
            &self.incoming.user_name,
            self.now,
        );
        if let Err(err) = set.await {
            return Ok(unavailable(err));
        }
        self.audit("watch channel", &channel.to_string()).await;
        let mention = role
            .map(|role| format!(", mentioning <@&{role}>"))
            .unwrap_or_default();
        let set = format!("Alerts go to <#{channel}>{mention}.");
        Ok(self.deliver("Alert channel set", set))
    }

    async fn test(&self) -> Answer {
        let channel = match actions::queue_sample_alert(self.store(), self.now).await {
            Ok(Some(channel)) => channel,
            Ok(None) => return Err("no alert channel is set: use /watch channel first".into()),
            Err(err) => return Ok(unavailable(err)),
        };
        self.audit("watch test", &channel.to_string()).await;
        Ok(self.deliver(
            "Sample alert",
            format!("A sample alert goes to <#{channel}>."),
        ))
    }

    /// Posts the waiting messages now when this process holds the token (and says
    /// whether Discord took them); otherwise says the watcher will.
    fn deliver(&self, title: &str, done: String) -> Response {
        if !self.watcher.can_post() {
            return reply(title, &format!("{done} A confirmation message is on its way there: the watcher posts it within a minute, and /watch list shows it if Discord refuses it."));
        }
        let watcher = self.watcher.clone();
        let title = title.to_string();
        let now = self.now;
        Response::Deferred {
            ephemeral: false,
            progress: None,
            work: Box::pin(async move {
                match watcher.deliver(now).await {
                    Ok((_, sent)) if !sent.problems.is_empty() => message(
                        "The bot cannot post there",
                        &format!("{done} But Discord refused the message: {}. Give the bot the View Channel, Send Messages and Embed Links permissions in that channel, or pick another one. /watch list shows the problem until a message gets through.", sent.problems.join("; ")),
                        Verdict::Critical,
                    ),
                    Ok(_) => message(&title, &format!("{done} The message is posted."), Verdict::Ok),
                    Err(err) => message(&title, &format!("{done} The message waits in the outbox: {err}."), Verdict::Warning),
                }
            }),
        }
    }

    async fn add(&self, options: &Options<'_>) -> Answer {
        let text = |name| options.string(name).map_err(|e| e.to_string());
        let asked = Asked {
            target: options
                .required_string("target")
                .map_err(|e| e.to_string())?,
            every: text("every")?,
            kind: text("kind")?,
            label: text("label")?,
            channel: options.channel("channel").map_err(|e| e.to_string())?,
        };
        let planned =
            plan(asked, &self.bot.services, &self.incoming.user_name).map_err(|e| e.to_string())?;
        let mut lines = Vec::new();
        let mut new = Vec::new();
        for watch in planned {
            match self.store().add_watch(&watch, self.now).await {
                Ok(Added::New(added)) => {
                    self.audit("watch add", &watch.target).await;
                    new.push(added.id);
                }
                Ok(Added::Exists(existing)) => lines.push(format!(
                    "{} is already watched as #{}.",
                    watch.target, existing.id
                )),
                Err(err) => return Ok(unavailable(err)),
            }
        }
        let watcher = self.watcher.clone();
        let now = self.now;
        Ok(Response::Deferred {
            ephemeral: false,
            progress: None,
            work: Box::pin(async move {
                for id in new {
                    // The first result is the silent baseline, and the answer.
                    match watcher.check_now(id, now).await {
                        Ok(Some(watch)) => lines.push(watch_line(&watch, now)),
                        Ok(None) => lines.push(format!("#{id} was removed meanwhile.")),
                        Err(err) => lines.push(format!(
                            "#{id} is added; its first check waits for the store: {err}"
                        )),
                    }
                }
                message(
                    "Watching",
                    &format!(
                        "{}\nThis is the baseline: alerts come when it changes.",
                        lines.join("\n")
                    ),
                    Verdict::Ok,
                )
            }),
        })
    }

    async fn list(&self, options: &Options<'_>) -> Answer {
        let page = options
            .integer("page")
            .map_err(|e| e.to_string())?
            .unwrap_or(1)
            .max(1);
        let (watches, channels) = match (
            self.store().watches().await,
            self.store().alert_channels().await,
        ) {
            (Ok(watches), Ok(channels)) => (watches, channels),
            (Err(err), _) | (_, Err(err)) => return Ok(unavailable(err)),
        };
        let pages = watches.len().div_ceil(PAGE).max(1);
        let page = usize::try_from(page).unwrap_or(1).min(pages);
        let mut text = channel_lines(&channels);
        if watches.is_empty() {
            text.push_str("Nothing is watched yet: /watch add adds a watch.\n");
        }
        for watch in watches.iter().skip((page - 1) * PAGE).take(PAGE) {
            text.push_str(&watch_line(watch, self.now));
        }
        self.audit("watch list", &format!("page {page}")).await;
        let budget = budget_lines(&budget(&watches, &self.bot.services.catalog));
        let mut embed = Embed::new(format!("Watches ({})", watches.len()))
            .description(text)
            .footer(format!("Page {page} of {pages}"));
        if !budget.is_empty() {
            embed = embed.field("Blocklist queries a day", budget, false);
        }
        Ok(Response::Reply {
            message: limits::fit(Message {
                embeds: vec![embed],
                ..Message::default()
            }),
            ephemeral: false,
        })
    }

    async fn change(&self, action: &str, options: &Options<'_>) -> Answer {
        let id = watch_id(options.required_string("id").map_err(|e| e.to_string())?)?;
        let store = self.store();
        let (done, what) = match action {
            "remove" => (store.remove_watch(id).await, "removed".to_string()),
            "pause" => (
                store.set_paused(id, true, self.now).await,
                "paused".to_string(),
            ),
            "resume" => (
                store.set_paused(id, false, self.now).await,
                "resumed: checked within a minute".to_string(),
            ),
            _ => {
                let span = Span::parse(options.required_string("for").map_err(|e| e.to_string())?)
                    .map_err(|e| format!("for: {e}"))?;
                let until = self
                    .now
                    .saturating_add(i64::try_from(span.millis()).unwrap_or(i64::MAX));
                (
                    store.mute_watch(id, until).await,
                    format!(
                        "muted until {}: checks go on, alerts wait",
                        time_text(until)
                    ),
                )
            }
        };
        match done {
            Ok(true) => {
                self.audit(&format!("watch {action}"), &format!("#{id}"))
                    .await;
                Ok(reply("Watch", &format!("Watch #{id} {what}.")))
            }
            Ok(false) => Err(format!(
                "there is no watch #{id}: /watch list shows the ids"
            )),
            Err(err) => Ok(unavailable(err)),
        }
    }

    async fn history(&self, options: &Options<'_>) -> Answer {
        let id = options
            .string("id")
            .map_err(|e| e.to_string())?
            .map(watch_id)
            .transpose()?;
        let events = match self.store().watch_history(id, 20).await {
            Ok(events) => events,
            Err(err) => return Ok(unavailable(err)),
        };
        let text: String = if events.is_empty() {
            "No changes recorded.".to_string()
        } else {
            events.iter().map(history_line).collect()
        };
        let audited = id.map_or("all".to_string(), |id| format!("#{id}"));
        self.audit("watch history", &audited).await;
        let title = id.map_or("Watch history".to_string(), |id| {
            format!("History of watch #{id}")
        });
        Ok(reply(&title, &text))
    }
}

/// An alert's button: Acknowledge (no reminders until it changes; the answer says
/// who) or Mute 24 h.
pub async fn button(bot: &Bot, incoming: &Incoming, action: WatchButton, id: i64) -> Response {
    if let Some(refusal) = staff_gate(bot, incoming, WHY_STAFF) {
        return refusal;
    }
    let Some(watcher) = &bot.watcher else {
        return Response::error(
            "Watching is not available here",
            "This bot runs without a store, so it keeps no watches.",
        );
    };
    let store = watcher.store();
    let now = now_ms();
    let who = &incoming.user_name;
    let (done, event, said) = match action {
        WatchButton::Acknowledge => (
            store.acknowledge_watch(id, who).await,
            "acknowledged",
            format!("Watch #{id} acknowledged by {who}: no reminders until it changes again."),
        ),
        WatchButton::Mute24h => {
            let until = now + MUTE_BUTTON_MS;
            (
                store.mute_watch(id, until).await,
                "muted",
                format!(
                    "Watch #{id} muted by {who} until {}: checks go on, alerts wait.",
                    time_text(until)
                ),
            )
        }
    };
    match done {
        Ok(true) => {
            let event = NewEvent {
                event: event.into(),
                verdict: "ok".into(),
                text: said.clone(),
                before: None,
                after: None,
            };
            if let Err(err) = store
                .record_watch_event(Some(id), now, Some(&event), &[])
                .await
            {
                tracing::warn!(%err, watch = id, "the history did not take a button's action");
            }
            let entry = AuditEntry {
                interaction_id: incoming.id,
                at_ms: now,
                user_id: incoming.user_id,
                user_name: who.clone(),
                guild_id: incoming.guild_id,
                command: format!("watch {event}", event = event.event),
                target: format!("#{id}"),
                verdict: "done".into(),
            };
            bot.memory.audit(&entry).await;
            reply("Watch", &said)
        }
        Ok(false) => Response::error(
            "Watch",
            format!("There is no watch #{id} any more: /watch list shows the ids."),
        ),
        Err(err) => unavailable(err),
    }
}

/// Watch ids suggested while staff type `id:`: by number, label or target.
pub async fn suggest(bot: &Bot, incoming: &Incoming, typed: &str) -> Vec<Choice> {
    if staff_gate(bot, incoming, WHY_STAFF).is_some() {
        return Vec::new();
    }
    let Some(watcher) = &bot.watcher else {
        return Vec::new();
    };
    let Ok(watches) = watcher.store().watches().await else {
        return Vec::new();
    };
    let typed = typed.trim().trim_start_matches('#').to_lowercase();
    watches
        .iter()
        .filter(|watch| {
            typed.is_empty()
                || watch.id.to_string().starts_with(&typed)
                || watch.target.to_lowercase().contains(&typed)
                || watch
                    .label
                    .as_deref()
                    .is_some_and(|label| label.to_lowercase().contains(&typed))
        })
        .take(limits::CHOICES)
        .map(|watch| Choice {
            name: crate::wording::shorten(&crate::watch::alert::watch_name(watch), limits::CHOICE),
            value: watch.id.to_string(),
        })
        .collect()
}
