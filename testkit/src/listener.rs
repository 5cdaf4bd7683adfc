//! What every test server shares: the accept loop on an ephemeral port of 127.0.0.1,
//! each connection served in its own task, everything stopped when the server is
//! dropped (the accept loop and every connection still open); and, for the mail
//! servers, a [`TestServer`] that follows a script and records every command line.

use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::pki::Identity;

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

    /// The most connections that were ever open at once.
    pub fn most_at_once(&self) -> usize {
        self.listener.most_at_once()
    }
}

/// A running accept loop.
pub struct Listener {
    addr: SocketAddr,
    connections: Arc<Connections>,
    task: JoinHandle<()>,
}

/// How many connections are open, and the most that ever were at once.
#[derive(Default)]
struct Connections {
    open: AtomicUsize,
    most: AtomicUsize,
}

/// Counts one connection while it lives.
struct Open(Arc<Connections>);

impl Open {
    fn new(connections: Arc<Connections>) -> Open {
        let now = connections.open.fetch_add(1, Ordering::SeqCst) + 1;
        connections.most.fetch_max(now, Ordering::SeqCst);
        Open(connections)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
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
        let connections = Arc::new(Connections::default());
        let counts = connections.clone();
        let task = tokio::spawn(async move {
            let mut tasks = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                // Mail servers write small lines; Nagle's algorithm would hold them back.
                let _ = stream.set_nodelay(true);
                let open = Open::new(counts.clone());
                let served = serve(stream);
                tasks.push(AbortOnDrop(tokio::spawn(async move {
                    served.await;
                    drop(open);
                })));
            }
        });
        Listener {
            addr,
            connections,
            task,
        }
    }

    /// The most connections that were ever open at once.
    pub fn most_at_once(&self) -> usize {
        self.connections.most.load(Ordering::SeqCst)
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
