//! Answers one interaction from start to end: route it, catch panics, send the
//! response (deferring, live progress edits, deadline), and log the outcome.
//!
//! This is the only place that sends interaction responses, so "every interaction
//! gets an answer" is kept here: a panic, a timeout or a shutdown becomes a message.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::time::sleep_until;

use super::incoming::{Incoming, IncomingKind};
use super::responder::{CallbackBody, CallbackType, SendError};
use super::response::{Live, Response, Work};
use super::route::route;
use super::shutdown::Ticket;
use super::Bot;
use crate::checks::ProgressUpdate;
use crate::render::discord::{error_message, progress_message, Message};

const INTERNAL_ERROR: &str =
    "Something went wrong on our side while answering. It has been logged; please try again in a moment.";

/// Said to an interaction that arrives while the bot is stopping.
const RESTARTING: &str =
    "The bot is restarting right now. Please run the command again in a minute.";

/// Said to an interaction the bot was still answering when it stopped.
const RESTARTED: &str = "The bot restarted before this was finished. Please run the command again.";

/// Where an interaction's first response goes: the gateway bot POSTs it to the
/// interaction's callback endpoint; `serve` hands it back as the body of the HTTP
/// request that brought the interaction. Everything after it (edits) goes through
/// the webhook endpoints either way.
pub enum FirstResponse {
    Callback,
    Reply(oneshot::Sender<CallbackBody>),
}

/// The first response's way out, used once.
struct FirstWay(Mutex<Option<FirstResponse>>);

impl FirstWay {
    fn new(first: FirstResponse) -> FirstWay {
        FirstWay(Mutex::new(Some(first)))
    }

    /// Sends `body` as the first response.
    async fn send(
        &self,
        bot: &Bot,
        incoming: &Incoming,
        body: CallbackBody,
    ) -> Result<(), SendError> {
        match self.0.lock().await.take() {
            Some(FirstResponse::Reply(reply)) => reply.send(body).map_err(|_| SendError::Gone),
            // The callback endpoint: the first response of the gateway bot, and any
            // later attempt (which Discord refuses if one was given).
            Some(FirstResponse::Callback) | None => {
                bot.responder
                    .callback(incoming.id, &incoming.token, &body)
                    .await
            }
        }
    }
}

/// Handles one interaction to the end; never panics, always answers, always logs.
pub async fn handle(bot: Bot, incoming: Incoming) {
    handle_via(bot, incoming, FirstResponse::Callback).await;
}

/// [`handle`], with the first response going `first`.
pub async fn handle_via(bot: Bot, incoming: Incoming, first: FirstResponse) {
    let started = Instant::now();
    let first = Arc::new(FirstWay::new(first));
    let Some(ticket) = bot.in_flight.admit(&incoming) else {
        let response = Response::error("Restarting", RESTARTING);
        return respond(&bot, &incoming, response, started, None, &first).await;
    };
    let ticket = Arc::new(ticket);
    // The whole handling runs as its own task: a panic anywhere in it (routing,
    // rendering, sending) is caught here, and the shutdown can stop it.
    let task = tokio::spawn({
        let (bot, incoming, ticket, first) =
            (bot.clone(), incoming.clone(), ticket.clone(), first.clone());
        async move {
            let response = match AssertUnwindSafe(route(&bot, &incoming))
                .catch_unwind()
                .await
            {
                Ok(response) => response,
                Err(panic) => {
                    tracing::error!(
                        interaction = incoming.id,
                        panic = panic_text(&panic),
                        "handler panicked"
                    );
                    Response::error("Something went wrong", INTERNAL_ERROR)
                }
            };
            respond(&bot, &incoming, response, started, Some(&ticket), &first).await;
        }
    });
    ticket.set_abort(task.abort_handle());
    if let Err(err) = task.await {
        if err.is_panic() {
            tracing::error!(
                interaction = incoming.id,
                panic = panic_text(&err.into_panic()),
                "answering panicked"
            );
            let message = error_message("Something went wrong", INTERNAL_ERROR);
            let sent = if ticket.has_responded() {
                bot.responder
                    .edit_original(incoming.application_id, &incoming.token, &message)
                    .await
            } else if matches!(incoming.kind, IncomingKind::Autocomplete { .. }) {
                // An autocomplete takes only suggestions: none, rather than an error
                // message Discord would refuse.
                first
                    .send(&bot, &incoming, CallbackBody::autocomplete(&[]))
                    .await
            } else {
                let body = CallbackBody::new(CallbackType::Message, Some(&message), true);
                first.send(&bot, &incoming, body).await
            };
            if let Err(err) = sent {
                tracing::error!(interaction = incoming.id, error = %err, "the error message could not be sent");
            }
        }
    }
}

/// On shutdown: takes no new interactions, lets the running ones finish within
/// `grace`, and answers what is left "the bot restarted".
pub async fn shutdown(bot: &Bot, grace: Duration) {
    let running = bot.in_flight.len();
    if running > 0 {
        tracing::info!(
            running,
            grace_seconds = grace.as_secs(),
            "letting running interactions finish"
        );
    }
    for leftover in bot.in_flight.stop(grace).await {
        let message = error_message("Bot restarted", RESTARTED);
        let sent = if leftover.responded {
            bot.responder
                .edit_original(leftover.application_id, &leftover.token, &message)
                .await
        } else {
            // Stopped before its first response (only the gateway bot gets here: a
            // first response of `serve` is the HTTP reply, answered by its handler).
            let body = CallbackBody::new(CallbackType::Message, Some(&message), true);
            bot.responder
                .callback(leftover.id, &leftover.token, &body)
                .await
        };
        match sent {
            Ok(()) => tracing::info!(interaction = leftover.id, "answered: the bot restarted"),
            Err(err) => {
                tracing::error!(interaction = leftover.id, error = %err, "could not say the bot restarted")
            }
        }
    }
}

/// Sends a decided response (the first through the callback endpoint) and logs the
/// outcome; `started` is when the interaction arrived, for the logged duration.
pub async fn answer(bot: &Bot, incoming: &Incoming, response: Response, started: Instant) {
    let first = FirstWay::new(FirstResponse::Callback);
    respond(bot, incoming, response, started, None, &first).await;
}

/// [`answer`] through `first`, noting on the interaction's ticket when its first
/// response is sent, and counting the outcome.
async fn respond(
    bot: &Bot,
    incoming: &Incoming,
    response: Response,
    started: Instant,
    ticket: Option<&Ticket>,
    first: &FirstWay,
) {
    let kind = response.kind();
    let outcome = deliver(bot, incoming, response, ticket, first).await;
    bot.metrics.interaction(
        incoming.metric_label(),
        match &outcome {
            Ok(outcome) => outcome,
            Err(_) => "failed",
        },
    );
    let duration_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(outcome) => tracing::info!(
            interaction = incoming.id,
            command = %incoming.label(),
            user = incoming.user_id,
            duration_ms,
            response = kind,
            outcome,
            "interaction answered"
        ),
        Err(err) => tracing::error!(
            interaction = incoming.id,
            command = %incoming.label(),
            user = incoming.user_id,
            duration_ms,
            response = kind,
            error = %err,
            "interaction could not be answered"
        ),
    }
}

/// Sends the response; returns a word for the log ("ok", "timed out", "panicked").
async fn deliver(
    bot: &Bot,
    incoming: &Incoming,
    response: Response,
    ticket: Option<&Ticket>,
    first: &FirstWay,
) -> Result<&'static str, SendError> {
    let responder = &bot.responder;
    // The three immediate answers differ only in callback type, flag and log word.
    let (kind, message, ephemeral, outcome) = match response.suited_to(incoming) {
        Response::Autocomplete(choices) => {
            first
                .send(bot, incoming, CallbackBody::autocomplete(&choices))
                .await?;
            if let Some(ticket) = ticket {
                ticket.responded();
            }
            return Ok("ok");
        }
        Response::Reply { message, ephemeral } => (CallbackType::Message, message, ephemeral, "ok"),
        Response::Update(message) => (CallbackType::Update, message, false, "ok"),
        Response::Error(message) => (CallbackType::Message, message, true, "refused"),
        Response::Deferred {
            ephemeral,
            work,
            progress,
        } => {
            let body = CallbackBody::new(CallbackType::Deferred, None, ephemeral);
            first.send(bot, incoming, body).await?;
            if let Some(ticket) = ticket {
                ticket.responded();
            }
            let (message, outcome) = finish(bot, incoming, work, progress).await;
            responder
                .edit_original(incoming.application_id, &incoming.token, &message)
                .await?;
            return Ok(outcome);
        }
    };
    first
        .send(
            bot,
            incoming,
            CallbackBody::new(kind, Some(&message), ephemeral),
        )
        .await?;
    if let Some(ticket) = ticket {
        ticket.responded();
    }
    Ok(outcome)
}

/// Runs deferred work to its message, editing the reply with progress meanwhile
/// (at most once per `progress_interval_ms`) and giving up at the deadline.
async fn finish(
    bot: &Bot,
    incoming: &Incoming,
    work: Work,
    progress: Option<Live>,
) -> (Message, &'static str) {
    let defaults = &bot.services.catalog.defaults.discord;
    let deadline = Duration::from_secs(defaults.check_deadline_seconds);
    let interval = Duration::from_millis(defaults.progress_interval_ms);
    let mut task = tokio::spawn(work);
    let timeout = tokio::time::sleep(deadline);
    tokio::pin!(timeout);
    let (title, mut progress) = match progress {
        Some(live) => (live.title, Some(live.updates)),
        None => (String::new(), None),
    };
    let mut latest: Option<ProgressUpdate> = None;
    let mut next_edit = tokio::time::Instant::now() + interval;
    loop {
        tokio::select! {
            result = &mut task => {
                return match result {
                    Ok(message) => (message, "ok"),
                    Err(err) => {
                        let text = if err.is_panic() { panic_text(&err.into_panic()) } else { "cancelled".to_string() };
                        tracing::error!(interaction = incoming.id, panic = text, "check panicked");
                        (error_message("Something went wrong", INTERNAL_ERROR), "panicked")
                    }
                };
            }
            update = recv(&mut progress) => match update {
                Some(update) => latest = Some(update),
                None => progress = None,
            },
            _ = sleep_until(next_edit), if latest.is_some() => {
                let update = latest.take().expect("guarded by is_some");
                if let Err(err) = bot
                    .responder
                    .edit_original(incoming.application_id, &incoming.token, &progress_message(&title, &update))
                    .await
                {
                    tracing::warn!(interaction = incoming.id, error = %err, "progress edit failed");
                }
                next_edit = tokio::time::Instant::now() + interval;
            }
            _ = &mut timeout => {
                task.abort();
                let text = format!(
                    "The check did not finish within {} s, so it was stopped. This is usually a slow or unreachable server; please try again later.",
                    deadline.as_secs()
                );
                return (error_message("Check timed out", &text), "timed out");
            }
        }
    }
}

/// The next progress update, or never when there is no channel (so `select!` ignores it).
async fn recv(progress: &mut Option<mpsc::Receiver<ProgressUpdate>>) -> Option<ProgressUpdate> {
    match progress {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
