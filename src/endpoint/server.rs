//! The HTTP server of `serve`'s public listener: an accept loop of its own over
//! hyper, so that slow or hostile clients cannot hold it.
//!
//! `axum::serve` gives hyper no timer, so no timeout applies to a client: partial
//! headers or a partial body were held for as long as the client liked, and SIGTERM
//! waited for every open connection. Here:
//!
//! - every connection must send its whole head within [`HEADER_TIMEOUT`] (hyper's
//!   header read timeout, on a tokio timer), and a head over [`MAX_HEAD`] is refused
//!   (431); the body's own deadline and size bound are the handler's
//!   (`endpoint::read_body`);
//! - one request per connection (no keep-alive): a connection's life is one
//!   request, so it is bounded by the timeouts above, the handler's wait for its
//!   first response and [`CONNECTION_DEADLINE`] over all of it;
//! - at most [`MAX_CONNECTIONS`] connections are served at once; one more is
//!   answered 503 at once and closed (load shedding), so memory stays bounded by
//!   about `MAX_CONNECTIONS` × (the body limit + [`MAX_HEAD`]);
//! - on shutdown the listener closes, every connection is asked to finish its
//!   request, and whatever is still open after the grace period is dropped
//!   ([`Draining::finish`]), whatever the clients do.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{service_fn, Service};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::ops::Metrics;

/// How long a client has to send a request's whole head (request line and
/// headers) once the connection is open. Discord, or the reverse proxy in front of
/// the bot, sends a request in one go; a few seconds is generous. It also closes a
/// connection that sends nothing at all.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest request head (and hyper's read buffer). Discord's headers are a few
/// hundred bytes; a proxy adds a few more.
pub const MAX_HEAD: usize = 64 * 1024;

/// Connections served at once. One interaction holds its connection for at most
/// the head, the body and the 2.8 s wait for its first response, so 64 connections
/// take well over 20 interactions a second (far above what a support server sends,
/// and above the 50 concurrent requests of `benches/serve_throughput.rs`), while
/// 64 × (256 KiB body + 64 KiB head) keeps the worst case near 20 MiB.
pub const MAX_CONNECTIONS: usize = 64;

/// Connections being refused at once (each answered 503 and closed within
/// [`SHED_LINGER`], a few KiB each); past this, a connection is closed without an
/// answer. A burst of 400 clients still gets its 503s.
const MAX_SHEDDING: usize = 1024;

/// How long a refused connection is kept open to let the client read its 503
/// (closing a socket with unread input resets it, and the answer with it).
const SHED_LINGER: Duration = Duration::from_secs(1);

/// Served connections closing politely at once ([`linger`]); past it a served
/// socket is closed at once. Each holds a socket for at most [`SHED_LINGER`].
const MAX_LINGERING: usize = 1024;

/// The most a connection may live, whatever it is doing: the head and the body
/// (5 s each), the first response (2.8 s) and writing the answer, with room to
/// spare. A client that stops reading its answer is cut here.
const CONNECTION_DEADLINE: Duration = Duration::from_secs(20);

/// The answer to a connection over [`MAX_CONNECTIONS`].
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 41\r\n\
\r\n\
too many requests at once; try again soon\n";

/// Serves `app` on `listener` until `stop` completes; then stops accepting and
/// returns the connections still open, to be drained ([`Draining::finish`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    metrics: Arc<Metrics>,
    stop: impl Future<Output = ()>,
) -> Draining {
    let app = TowerToHyperService::new(app);
    let (stopping, _) = watch::channel(false);
    let mut connections = JoinSet::new();
    let shedding = Arc::new(Semaphore::new(MAX_SHEDDING));
    // A served connection leaves the count of connections as soon as its answer is
    // sent; its lingering close runs apart, bounded, so a burst of short requests
    // never fills MAX_CONNECTIONS with sockets that are only being closed.
    let lingering = Arc::new(Semaphore::new(MAX_LINGERING));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .keep_alive(false);
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            Some(_) = connections.join_next() => continue,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors, most likely: let some close.
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= MAX_CONNECTIONS {
            metrics.request_rejected("busy");
            if let Ok(permit) = shedding.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(permit);
                });
            }
            continue;
        }
        let app = app.clone();
        let connection = builder.serve_connection(
            TokioIo::new(stream),
            service_fn(move |request: hyper::Request<Incoming>| {
                // Boxed, so that the connection can be polled without shutting
                // its socket (which needs an `Unpin` future).
                let answer: Pin<Box<dyn Future<Output = _> + Send>> = Box::pin(app.call(request));
                answer
            }),
        );
        let stopping = stopping.subscribe();
        let metrics = metrics.clone();
        let lingering = lingering.clone();
        connections.spawn(async move {
            match tokio::time::timeout(CONNECTION_DEADLINE, run(connection, stopping)).await {
                Ok(Ok(stream)) => {
                    // Past the bound the socket is simply closed.
                    if let Ok(permit) = lingering.try_acquire_owned() {
                        tokio::spawn(async move {
                            linger(stream).await;
                            drop(permit);
                        });
                    }
                }
                Ok(Err(err)) if err.is_timeout() => {
                    metrics.request_rejected("header_timeout");
                    tracing::debug!("connection closed: no whole request head in time");
                }
                Ok(Err(err)) => tracing::debug!(error = %err, "connection failed"),
                Err(_) => {
                    metrics.request_rejected("connection_deadline");
                    tracing::debug!("connection closed: open too long");
                }
            }
        });
    }
    Draining {
        connections,
        stopping,
    }
}

/// Serves one connection's request; asked to stop, it finishes that request and
/// takes no other. The socket is handed back, not shut.
async fn run<S>(
    mut connection: http1::Connection<TokioIo<TcpStream>, S>,
    mut stopping: watch::Receiver<bool>,
) -> Result<TcpStream, hyper::Error>
where
    S: hyper::service::HttpService<Incoming> + Unpin,
    S::Future: Unpin,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut asked = false;
    loop {
        tokio::select! {
            done = poll_fn(|cx| connection.poll_without_shutdown(cx)) => {
                done?;
                break;
            }
            changed = stopping.changed(), if !asked => {
                asked = true;
                if changed.is_ok() {
                    Pin::new(&mut connection).graceful_shutdown();
                }
            }
        }
    }
    Ok(connection.into_parts().io.into_inner())
}

/// Closes a served connection the polite way: the answer is sent, then the write
/// side is shut and what the client still sends is read and dropped for a moment
/// (an answer given before a body was read whole, such as a 413, would otherwise
/// be lost to the reset that closing unread input sends).
async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(SHED_LINGER, async {
        while let Ok(read) = stream.read(&mut sink).await {
            if read == 0 {
                break;
            }
        }
    })
    .await;
}

/// Answers a connection over the limit 503 and closes it, without reading its
/// request beyond what [`linger`] drops.
async fn refuse(mut stream: TcpStream) {
    if tokio::time::timeout(SHED_LINGER, stream.write_all(BUSY))
        .await
        .is_ok_and(|written| written.is_ok())
    {
        linger(stream).await;
    }
}

/// The connections still open when the listener closed.
pub struct Draining {
    connections: JoinSet<()>,
    stopping: watch::Sender<bool>,
}

impl Draining {
    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.connections.len()
    }

    /// Whether none is open.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    /// Asks every connection to finish its request and take no other, waits up to
    /// `grace` for them, and drops whatever is still open then.
    pub async fn finish(mut self, grace: Duration) {
        let _ = self.stopping.send(true);
        let all_closed = async { while self.connections.join_next().await.is_some() {} };
        if tokio::time::timeout(grace, all_closed).await.is_err() {
            tracing::info!(
                open = self.connections.len(),
                "grace period over: closing the connections still open"
            );
            self.connections.shutdown().await;
        }
    }
}
