//! What operators look at, in every long-running mode, on `HTTP_LISTEN`:
//! `GET /healthz` (the process is alive: 200), `GET /readyz` (200 when it can do its
//! job, 503 with a one-line reason otherwise) and `GET /metrics` (Prometheus).
//!
//! - `readiness`: ready, or not with a reason.
//! - `metrics`: the metrics and their names.

pub mod metrics;
pub mod readiness;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

pub use metrics::Metrics;
pub use readiness::Readiness;

/// What the operator endpoints report on.
#[derive(Clone, Debug)]
pub struct Ops {
    pub readiness: Arc<Readiness>,
    pub metrics: Arc<Metrics>,
}

/// `HTTP_LISTEN` could not be listened on.
#[derive(Debug, thiserror::Error)]
#[error("HTTP_LISTEN: cannot listen on {addr}: {reason}; free the port or set HTTP_LISTEN to another host:port")]
pub struct ListenError {
    pub addr: SocketAddr,
    pub reason: String,
}

/// Binds `addr`, with a message naming the variable when it cannot.
pub async fn listen(addr: SocketAddr) -> Result<TcpListener, ListenError> {
    TcpListener::bind(addr).await.map_err(|err| ListenError {
        addr,
        reason: err.to_string(),
    })
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
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
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
