//! `echoterra-bot serve`: Discord's interactions endpoint. Discord POSTs every
//! interaction to `/interactions` on `HTTP_LISTEN` (behind a reverse proxy or an
//! ingress that terminates TLS); the answer to the POST is the interaction's first
//! response, and edits go through the webhook endpoints as in gateway mode.
//!
//! No session, no gateway: any replica can answer any interaction, so `serve` scales
//! out behind an ordinary load balancer. Each request is verified (`signature`)
//! before anything else is read, bodies over [`MAX_BODY`] are refused without being
//! read (at once when `Content-Length` says so) and a body must arrive within
//! [`BODY_TIMEOUT`]; everything after that is the same code as the gateway bot: the
//! same handlers, gates and dispatcher (`crate::discord`). `/healthz`, `/readyz` and
//! `/metrics` are served on their own listener, `OPS_LISTEN`, never on this public
//! one.
//!
//! - `server`: the accept loop: the header timeout, one request per connection, the
//!   cap on connections with 503 past it, and a drain bounded by the grace period.
//! - `signature`: Ed25519 over timestamp and body, and the replay window; within it,
//!   an interaction id is taken once across replicas (the store's replay guard), a
//!   second sight answered 409.
//! - `scanners`: badly signed requests (internet scanners) logged at most once a
//!   minute, with the count since the last line; the metric counts each.

mod scanners;
pub mod server;
pub mod signature;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use ed25519_dalek::VerifyingKey;
use futures::StreamExt;
use serde::Deserialize;
use serenity::all::Interaction;
use tokio::sync::oneshot;

use crate::checks::{Services, StartupError};
use crate::config::{Config, ConfigError, Mode};
use crate::discord::{self, Bot, CallbackBody, FirstResponse, Incoming};
use crate::ops::{self, ListenError, Metrics, Ops, Readiness};
use crate::render::discord::error_message;
use crate::store::{self, OpenError, StoreSettings};

/// The largest request body read.
///
/// The largest interaction Discord sends the bot is a button press: it carries the
/// whole message pressed (`message`), and the bot's buttons sit only on the bot's
/// own messages, which Discord caps at 2,000 characters of content and 6,000 of
/// embed text, 10 embeds, 25 components with ids of 100 and labels of 80 characters
/// (`../shared/reference/discord.md`, and the `RichEmbed` and message schemas of
/// `discord-openapi`). Written as JSON, with every character a six-byte `\uXXXX`
/// escape at worst, that text is under 48 KiB; 25 buttons (ids of 100, labels of
/// 80, link URLs of 512 characters, the bot's own ASCII: about 17 KiB) and the
/// member, the user and the guild (a few KiB) add about 20 KiB, and the bot's
/// embeds carry no image or link URLs. So a button press stays under 70 KiB. A
/// slash command's `resolved` data (a channel, for `/watch channel`) and an
/// autocomplete are smaller still. 256 KiB is over three times that worst case:
/// room for fields Discord adds, not for a client that wants to make the bot hold
/// memory (1 MiB before).
pub const MAX_BODY: usize = 256 * 1024;

/// How long the body may take once the head has arrived. Discord (or the proxy in
/// front of the bot) sends it in one go; with the head's own timeout
/// (`server::HEADER_TIMEOUT`) a request is read within 10 s or refused.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a request waits for its first response: Discord gives up at 3 s.
const FIRST_RESPONSE_WAIT: Duration = Duration::from_millis(2800);

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error(transparent)]
    Store(#[from] OpenError),
}

/// What the interactions route needs.
#[derive(Clone)]
struct Endpoint {
    bot: Bot,
    key: VerifyingKey,
    metrics: Arc<Metrics>,
    /// The badly signed requests' log, at most one line a minute.
    unsigned: Arc<scanners::UnsignedLog>,
}

/// Serves the interactions endpoint until SIGTERM or Ctrl-C; then stops accepting,
/// lets running checks finish within the grace period, and returns.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let key = *config.public_key()?;
    let listen = config.http_listen;
    let (ops_listen, _) = config.ops_listen_for(Mode::Serve);
    if ops_listen == listen && listen.port() != 0 {
        return Err(ConfigError {
            variable: "OPS_LISTEN",
            problem: format!(
                "is {listen}, the same as HTTP_LISTEN: the operators' endpoints never share the public interactions listener; give it another port"
            ),
        }
        .into());
    }
    let grace = config.shutdown_grace;
    let database = config.database.clone();
    let services = Services::new(config)?;
    let metrics = Arc::new(Metrics::new());
    ops::settings::EffectiveSettings::new(Mode::Serve, &services).log();
    let readiness = Arc::new(Readiness::starting(format!(
        "waiting for the store ({database})"
    )));
    let listener = ops::listen("HTTP_LISTEN", listen).await?;
    let ops_server = ops::spawn(
        ops::listen("OPS_LISTEN", ops_listen).await?,
        Ops {
            readiness: readiness.clone(),
            metrics: metrics.clone(),
        },
    );
    let settings = StoreSettings::from(&services.catalog.defaults.store);
    let store = tokio::select! {
        store = store::open_with_retry(&database, settings) => store?,
        () = discord::shutdown_signal() => {
            tracing::info!("stopped before the store answered");
            ops_server.abort();
            return Ok(());
        }
    };
    tracing::info!(store = %database, "store opened");
    readiness.watch_store(store.clone());
    let bot = Bot::with_store(services, metrics.clone(), Some(store.clone()));
    discord::warn_if_no_staff(&bot);
    let pruning = store::spawn_pruning(store.clone(), bot.memory.longest_window());
    let address = listener
        .local_addr()
        .map(|addr| addr.to_string())
        .unwrap_or_default();
    let app = router(Endpoint {
        bot: bot.clone(),
        key,
        metrics: metrics.clone(),
        unsigned: Arc::default(),
    });
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        address,
        "serving Discord interactions at /interactions"
    );
    readiness.set_ready();
    let stopping = {
        let readiness = readiness.clone();
        async move {
            discord::shutdown_signal().await;
            tracing::info!("shutting down: no new requests");
            readiness.set_not_ready("shutting down");
        }
    };
    let draining = server::serve(listener, app, metrics, stopping).await;
    // The connections drain while the running checks are given the same grace:
    // neither waits for the other, and no client can hold the stop past it.
    tokio::join!(draining.finish(grace), discord::shutdown(&bot, grace));
    ops_server.abort();
    pruning.abort();
    // Writes in flight finish; then every connection closes.
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `/interactions`, and nothing else: the operators' endpoints have their own
/// listener. The body is read by [`read_body`], within its own bounds.
fn router(endpoint: Endpoint) -> Router {
    Router::new()
        .route("/interactions", post(interactions))
        .with_state(endpoint)
}

/// Just the `type` of an interaction, to answer PING without reading the rest.
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: u8,
}

/// One interaction: verified, then answered by the same dispatcher as the gateway
/// bot, its first response becoming this request's response.
async fn interactions(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match read_body(&headers, body).await {
        Ok(body) => body,
        Err(refusal) => {
            endpoint.metrics.request_rejected(refusal.reason());
            tracing::warn!(reason = %refusal, "interaction request refused");
            return (refusal.status(), format!("{refusal}\n")).into_response();
        }
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Err(refusal) = signature::verify(
        &endpoint.key,
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
        SystemTime::now(),
    ) {
        endpoint.metrics.request_rejected(refusal.reason());
        match refusal {
            // Scanners: counted each, logged at most once a minute.
            signature::Refusal::Unsigned | signature::Refusal::BadSignature => {
                if let Some(count) = endpoint.unsigned.note(Instant::now()) {
                    tracing::warn!(
                        count,
                        last = %refusal,
                        "interaction requests refused for their signature: {count} since the last such line (at most one a minute; internet scanners, or a wrong DISCORD_PUBLIC_KEY if Discord's own requests fail)"
                    );
                }
            }
            signature::Refusal::Stale => {
                tracing::warn!(reason = %refusal, "interaction request refused");
            }
        }
        return (StatusCode::UNAUTHORIZED, format!("{refusal}\n")).into_response();
    }
    let malformed = |why: String| {
        endpoint.metrics.request_rejected("malformed");
        tracing::warn!(why, "interaction request not understood");
        (StatusCode::BAD_REQUEST, format!("{why}\n")).into_response()
    };
    match serde_json::from_slice::<Kind>(&body) {
        Ok(Kind { kind: 1 }) => return reply(CallbackBody::pong()),
        Ok(_) => {}
        Err(err) => return malformed(format!("not an interaction: {err}")),
    }
    let incoming = match serde_json::from_slice::<Interaction>(&body) {
        Ok(interaction) => match Incoming::from_interaction(&interaction) {
            Some(incoming) => incoming,
            None => return malformed("an interaction of a kind the bot does not take".into()),
        },
        Err(err) => return malformed(format!("not an interaction: {err}")),
    };
    // The replay guard: a signed request is good for five minutes, so one captured
    // on its way to a replica could be sent again; every replica shares the ids it
    // has taken (the store), and a second sight runs nothing.
    if !endpoint.bot.memory.first_sight(incoming.id).await {
        endpoint.metrics.request_rejected("replay");
        tracing::warn!(
            interaction = incoming.id,
            "interaction request refused: this interaction was already taken (a replay)"
        );
        return (
            StatusCode::CONFLICT,
            "this interaction was already taken: a replayed request runs nothing\n",
        )
            .into_response();
    }
    let (first, response) = oneshot::channel();
    tokio::spawn(discord::handle_via(
        endpoint.bot.clone(),
        incoming,
        FirstResponse::Reply(first),
    ));
    match tokio::time::timeout(FIRST_RESPONSE_WAIT, response).await {
        Ok(Ok(body)) => reply(body),
        // The handler failed before answering; the user still gets an answer.
        _ => {
            let message = error_message(
                "Something went wrong",
                "Something went wrong on our side while answering. It has been logged; please try again in a moment.",
            );
            reply(CallbackBody::new(
                discord::CallbackType::Message,
                Some(&message),
                true,
            ))
        }
    }
}

fn reply(body: CallbackBody) -> Response {
    let (content_type, bytes) = body.into_http();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response()
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
enum BodyRefusal {
    #[error("the body is over the limit of {} KiB", MAX_BODY / 1024)]
    TooLarge,
    #[error("the body did not arrive within {} s", BODY_TIMEOUT.as_secs())]
    Timeout,
    #[error("the body could not be read: {0}")]
    Broken(axum::Error),
}

impl BodyRefusal {
    fn status(&self) -> StatusCode {
        match self {
            BodyRefusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRefusal::Timeout => StatusCode::REQUEST_TIMEOUT,
            BodyRefusal::Broken(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The `reason` label of the rejected-requests metric.
    fn reason(&self) -> &'static str {
        match self {
            BodyRefusal::TooLarge => "too_large",
            BodyRefusal::Timeout => "body_timeout",
            BodyRefusal::Broken(_) => "malformed",
        }
    }
}

/// Reads a request body of at most [`MAX_BODY`] bytes within [`BODY_TIMEOUT`]. A
/// `Content-Length` over the limit is refused before a byte of the body is read; a
/// body without one (chunked) is cut as soon as it passes the limit.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, BodyRefusal> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(BodyRefusal::TooLarge);
    }
    let read = async {
        let mut chunks = body.into_data_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(BodyRefusal::Broken)?;
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(BodyRefusal::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    };
    tokio::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(BodyRefusal::Timeout))
}
