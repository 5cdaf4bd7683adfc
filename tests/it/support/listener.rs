//! What every test server shares: the accept loop on an ephemeral port of 127.0.0.1,
//! each connection served in its own task, everything stopped when the server is
//! dropped (the accept loop and every connection still open); and, for the mail
//! servers, a [`TestServer`] that follows a script and records every command line.

use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::pki::Identity;

/// The command lines a server received, on every connection, in order.
pub type CommandLog = Arc<Mutex<Vec<String>>>;

/// How a scripted mail server serves one connection.
pub trait Behaviour: Send + Sync + Sized + 'static {
    /// The certificate, when the script gets to TLS.
    fn identity(&self) -> Option<&Identity>;

    /// Serves one connection as the script says, noting every command line in `log`.
    fn serve(
        stream: TcpStream,
        script: Arc<Self>,
        acceptor: Option<TlsAcceptor>,
        log: CommandLog,
    ) -> impl Future<Output = ()> + Send;
}

/// A running scripted server; it stops when dropped.
pub struct TestServer<S> {
    listener: Listener,
    commands: CommandLog,
    script: PhantomData<S>,
}

impl<S: Behaviour> TestServer<S> {
    /// Listens on an ephemeral port of 127.0.0.1 and serves every connection.
    pub async fn start(script: S) -> TestServer<S> {
        let commands = CommandLog::default();
        let acceptor = script.identity().map(Identity::acceptor);
        let script = Arc::new(script);
        let log = commands.clone();
        let listener = Listener::start(move |stream| {
            S::serve(stream, script.clone(), acceptor.clone(), log.clone())
        })
        .await;
        TestServer {
            listener,
            commands,
            script: PhantomData,
        }
    }

    pub fn port(&self) -> u16 {
        self.listener.port()
    }

    /// Every command line received, in order, on every connection.
    pub fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}

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
