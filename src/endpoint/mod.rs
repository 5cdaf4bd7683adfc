//! `echoterra-bot serve`: Discord's interactions endpoint. Discord POSTs every
//! interaction to `/interactions` on `HTTP_LISTEN` (behind a reverse proxy or an
//! ingress that terminates TLS); the answer to the POST is the interaction's first
//! response, and edits go through the webhook endpoints as in gateway mode.
//!
//! No session, no gateway: any replica can answer any interaction, so `serve` scales
//! out behind an ordinary load balancer. Each request is verified (`signature`)
//! before anything else is read, bodies over 1 MiB are refused without being read
//! whole, and everything after that is the same code as the gateway bot: the same
//! handlers, gates and dispatcher (`crate::discord`). `/healthz`, `/readyz` and
//! `/metrics` are served on their own listener, `OPS_LISTEN`, never on this public
//! one.
//!
//! - `signature`: Ed25519 over timestamp and body, and the replay window; within it,
//!   an interaction id is taken once across replicas (the store's replay guard), a
//!   second sight answered 409.

pub mod signature;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use serenity::all::Interaction;
use tokio::sync::oneshot;

use crate::checks::{Services, StartupError};
use crate::config::{Config, ConfigError, Mode};
use crate::discord::{self, Bot, CallbackBody, FirstResponse, Incoming};
use crate::ops::{self, ListenError, Metrics, Ops, Readiness};
use crate::render::discord::error_message;
use crate::store::{self, OpenError, StoreSettings};

/// The largest request body read; Discord's interactions are a few kilobytes.
pub const MAX_BODY: usize = 1024 * 1024;

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
    #[error("the HTTP server failed: {0}")]
    Server(#[from] std::io::Error),
}

/// What the interactions route needs.
#[derive(Clone)]
struct Endpoint {
    bot: Bot,
    key: VerifyingKey,
    metrics: Arc<Metrics>,
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
    tracing::info!(catalogue = %services.catalog.source, "catalogue loaded");
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
    let pruning = store::spawn_pruning(store.clone(), bot.memory.longest_window());
    let address = listener
        .local_addr()
        .map(|addr| addr.to_string())
        .unwrap_or_default();
    let app = router(Endpoint {
        bot: bot.clone(),
        key,
        metrics,
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
    axum::serve(listener, app)
        .with_graceful_shutdown(stopping)
        .await?;
    discord::shutdown(&bot, grace).await;
    ops_server.abort();
    pruning.abort();
    // Writes in flight finish; then every connection closes.
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// `/interactions`, and nothing else: the operators' endpoints have their own
/// listener.
fn router(endpoint: Endpoint) -> Router {
    Router::new()
        .route("/interactions", post(interactions))
        .layer(DefaultBodyLimit::max(MAX_BODY))
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
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                endpoint.metrics.request_rejected("too_large");
            }
            return (status, rejection.body_text()).into_response();
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
        tracing::warn!(reason = %refusal, "interaction request refused");
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
