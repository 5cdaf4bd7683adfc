//! What operators look at, in every long-running mode, on `OPS_LISTEN` (never on the
//! public interactions listener of `serve`):
//! `GET /healthz` (the process is alive: 200), `GET /readyz` (200 when it can do its
//! job, 503 with a one-line reason otherwise; a store that does not answer is said
//! on a second line, `store degraded: ...`, and keeps the 200) and `GET /metrics` (Prometheus).
//!
//! - `readiness`: ready, or not with a reason.
//! - `metrics`: the metrics and their names; `watching`: the watcher's; `process`:
//!   the standard `process_*` metrics, read from `/proc/self` at each scrape.
//! - `settings`: the one start-up line of the settings in effect.

pub mod metrics;
pub mod process;
pub mod readiness;
pub mod settings;
pub mod watching;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

pub use metrics::Metrics;

use crate::config::{Config, Mode};
pub use readiness::Readiness;

/// What the operator endpoints report on.
#[derive(Clone, Debug)]
pub struct Ops {
    pub readiness: Arc<Readiness>,
    pub metrics: Arc<Metrics>,
}

/// A listener's address could not be listened on.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: cannot listen on {addr}: {reason}; free the port or set {variable} to another host:port")]
pub struct ListenError {
    /// The variable that gave the address (`HTTP_LISTEN`, `OPS_LISTEN`).
    pub variable: &'static str,
    pub addr: SocketAddr,
    pub reason: String,
}

/// Binds `addr`, with a message naming `variable` when it cannot.
pub async fn listen(variable: &'static str, addr: SocketAddr) -> Result<TcpListener, ListenError> {
    TcpListener::bind(addr).await.map_err(|err| ListenError {
        variable,
        addr,
        reason: err.to_string(),
    })
}

/// Serves `/healthz`, `/readyz` and `/metrics` on `listener` in a task of its own,
/// until the task is aborted.
pub fn spawn(listener: TcpListener, ops: Ops) -> tokio::task::JoinHandle<()> {
    let address = listener
        .local_addr()
        .map(|addr| addr.to_string())
        .unwrap_or_else(|_| "?".to_string());
    tracing::info!(address, "serving /healthz, /readyz and /metrics");
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router(ops)).await {
            tracing::error!(error = %err, "the operator endpoints stopped");
        }
    })
}

/// Binds the operators' listener of `mode` (`OPS_LISTEN`), warning once when it
/// still comes from `HTTP_LISTEN`.
pub async fn listen_for(config: &Config, mode: Mode) -> Result<TcpListener, ListenError> {
    let (addr, deprecated) = config.ops_listen_for(mode);
    if deprecated {
        tracing::warn!(
            address = %addr,
            "HTTP_LISTEN is deprecated for /healthz, /readyz and /metrics in gateway mode: set OPS_LISTEN instead (taken from HTTP_LISTEN for now)"
        );
        return listen("HTTP_LISTEN", addr).await;
    }
    listen("OPS_LISTEN", addr).await
}

/// The routes `/healthz`, `/readyz` and `/metrics`.
pub fn router(ops: Ops) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(ops)
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    match ops.readiness.check() {
        Ok(()) => match ops.readiness.store_degraded() {
            None => (StatusCode::OK, "ready\n".to_string()),
            Some(cause) => (StatusCode::OK, format!("ready\nstore degraded: {cause}\n")),
        },
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}\n"),
        ),
    }
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        ops.metrics.render(),
    )
}
