//! The accept loop every test server shares: an ephemeral port of 127.0.0.1, each
//! connection served in its own task, and everything stopped when the [`Listener`]
//! is dropped (the accept loop and every connection still open).

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A running accept loop.
pub struct Listener {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    /// Listens on an ephemeral port of 127.0.0.1 and runs `serve` for every connection.
    pub async fn start<F, Fut>(serve: F) -> Listener
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let mut connections = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                // Mail servers write small lines; Nagle's algorithm would hold them back.
                let _ = stream.set_nodelay(true);
                connections.push(AbortOnDrop(tokio::spawn(serve(stream))));
            }
        });
        Listener { addr, task }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// Stops a connection's task when the server (and its accept loop) stops.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
