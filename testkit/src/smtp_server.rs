//! SMTP servers for tests: real SMTP and real TLS (rustls, certificates made by
//! rcgen) on 127.0.0.1, each following a [`Script`] that says how it misbehaves.
//!
//! ```ignore
//! let pki = TestPki::new();                       // a test CA, written to a PEM file
//! let server = TestSmtp::start(Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current))).await;
//! // point TLS_EXTRA_CA at pki.ca_path() and test 127.0.0.1:server.port()
//! ```
//!
//! The server stops when the `TestSmtp` is dropped. It records every command it
//! receives, so a test can check the bot never sent credentials or mail.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::listener::{Behaviour, CommandLog, TestServer};
pub use crate::pki::{Identity, TestPki, Validity};

/// How long a silent server holds a connection: longer than any test waits.
const HOLD: Duration = Duration::from_secs(60);

/// What the server does before EHLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting {
    /// `220 test.smtp.invalid ESMTP ready` at once.
    Ready,
    /// This reply instead (e.g. `554 5.7.1 No service for you`), then only QUIT works.
    Reply(String),
    /// Accepts the connection and never says anything.
    Silent,
    /// Sends the greeting one byte a second.
    Trickle,
    /// Sends `220 ` and then `a` without end.
    EndlessLine,
    /// `220` after this delay (a greet-pause).
    Delayed(Duration),
}

/// How a test server behaves.
#[derive(Clone)]
pub struct Script {
    pub greeting: Greeting,
    /// TLS from the first byte (and the greeting after the handshake).
    pub implicit_tls: bool,
    /// STARTTLS is offered (plain connections only).
    pub starttls: bool,
    /// AUTH offered before TLS.
    pub auth_before_tls: bool,
    /// AUTH offered after TLS.
    pub auth_after_tls: bool,
    /// The SIZE limit declared in EHLO.
    pub size: Option<u64>,
    /// The certificate; `None` for a server that never gets to TLS.
    pub identity: Option<Arc<Identity>>,
    /// Reads the client's first TLS bytes and hangs up instead of handshaking.
    pub abort_handshake: bool,
    /// More EHLO lines (a hostile server's, say), before the last one.
    pub ehlo_extra: Vec<String>,
    /// The extra lines only over TLS (after STARTTLS), not in plain text.
    pub ehlo_extra_over_tls_only: bool,
}

impl Script {
    /// A healthy submission server on a STARTTLS port: STARTTLS, AUTH after TLS only.
    pub fn starttls(identity: Identity) -> Self {
        Script {
            greeting: Greeting::Ready,
            implicit_tls: false,
            starttls: true,
            auth_before_tls: false,
            auth_after_tls: true,
            size: Some(36_700_160),
            identity: Some(Arc::new(identity)),
            abort_handshake: false,
            ehlo_extra: Vec::new(),
            ehlo_extra_over_tls_only: false,
        }
    }

    /// A healthy submission server with TLS from the first byte (as on 465).
    pub fn implicit(identity: Identity) -> Self {
        Script {
            implicit_tls: true,
            starttls: false,
            ..Script::starttls(identity)
        }
    }

    /// A server that greets this way and never gets further.
    pub fn greeting(greeting: Greeting) -> Self {
        Script {
            greeting,
            implicit_tls: false,
            starttls: false,
            auth_before_tls: false,
            auth_after_tls: false,
            size: None,
            identity: None,
            abort_handshake: false,
            ehlo_extra: Vec::new(),
            ehlo_extra_over_tls_only: false,
        }
    }
}

/// A running test SMTP server; it stops when dropped.
pub type TestSmtp = TestServer<Script>;

impl Behaviour for Script {
    fn identity(&self) -> Option<&Identity> {
        self.identity.as_deref()
    }

    async fn serve(
        stream: TcpStream,
        script: Arc<Script>,
        acceptor: Option<TlsAcceptor>,
        log: CommandLog,
    ) {
        serve(stream, &script, acceptor, &log).await
    }
}

async fn serve(
    mut stream: TcpStream,
    script: &Script,
    acceptor: Option<TlsAcceptor>,
    log: &Mutex<Vec<String>>,
) {
    if script.implicit_tls {
        let Some(acceptor) = acceptor else { return };
        if script.abort_handshake {
            return hang_up_after_hello(stream).await;
        }
        if let Ok(tls) = acceptor.accept(stream).await {
            let mut tls = tls;
            if greet(&mut tls, script).await {
                let _ = commands(tls, script, true, log).await;
            }
        }
        return;
    }
    if !greet(&mut stream, script).await {
        return;
    }
    let Some(stream) = commands(stream, script, false, log).await else {
        return;
    };
    if script.abort_handshake {
        return hang_up_after_hello(stream).await;
    }
    if let Some(acceptor) = acceptor {
        if let Ok(tls) = acceptor.accept(stream).await {
            let _ = commands(tls, script, true, log).await;
        }
    }
}

/// Reads the client's first TLS bytes, then closes the connection.
async fn hang_up_after_hello<S: AsyncRead + Unpin>(mut stream: S) {
    let mut hello = [0u8; 64];
    let _ = stream.read(&mut hello).await;
}

/// Sends the greeting; `false` when the script goes no further.
async fn greet<S: AsyncWrite + Unpin>(stream: &mut S, script: &Script) -> bool {
    match &script.greeting {
        Greeting::Ready => stream
            .write_all(b"220 test.smtp.invalid ESMTP ready\r\n")
            .await
            .is_ok(),
        Greeting::Reply(reply) => stream
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_ok(),
        Greeting::Delayed(delay) => {
            tokio::time::sleep(*delay).await;
            stream
                .write_all(b"220 test.smtp.invalid ESMTP ready\r\n")
                .await
                .is_ok()
        }
        Greeting::Silent => {
            tokio::time::sleep(HOLD).await;
            false
        }
        Greeting::Trickle => {
            for byte in b"220 test.smtp.invalid ESMTP very slowly\r\n" {
                if stream.write_all(&[*byte]).await.is_err() {
                    return false;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            true
        }
        Greeting::EndlessLine => {
            if stream.write_all(b"220 ").await.is_err() {
                return false;
            }
            let chunk = [b'a'; 1024];
            // Stops when the client hangs up (or the test ends).
            while stream.write_all(&chunk).await.is_ok() {}
            false
        }
    }
}

/// Answers commands until QUIT or the connection ends; returns the stream when the
/// client sent STARTTLS and it was accepted.
async fn commands<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    script: &Script,
    tls: bool,
    log: &Mutex<Vec<String>>,
) -> Option<S> {
    let refused_greeting = matches!(script.greeting, Greeting::Reply(_));
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match tokio::time::timeout(HOLD, reader.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return None,
        }
        let line = line.trim_end().to_string();
        log.lock().unwrap().push(line.clone());
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "QUIT" => {
                let _ = reader.get_mut().write_all(b"221 2.0.0 Bye\r\n").await;
                return None;
            }
            _ if refused_greeting => "503 5.5.1 No service\r\n".to_string(),
            "EHLO" => ehlo_reply(script, tls),
            "HELO" => "250 test.smtp.invalid\r\n".to_string(),
            "STARTTLS" if !tls && script.starttls => {
                let _ = reader
                    .get_mut()
                    .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                    .await;
                return Some(reader.into_inner());
            }
            _ => "502 5.5.2 Command not implemented\r\n".to_string(),
        };
        if reader.get_mut().write_all(reply.as_bytes()).await.is_err() {
            return None;
        }
    }
}

fn ehlo_reply(script: &Script, tls: bool) -> String {
    let mut lines = vec![
        "test.smtp.invalid Hello".to_string(),
        "PIPELINING".to_string(),
    ];
    if let Some(size) = script.size {
        lines.push(format!("SIZE {size}"));
    }
    if !tls && script.starttls {
        lines.push("STARTTLS".to_string());
    }
    if (tls && script.auth_after_tls) || (!tls && script.auth_before_tls) {
        lines.push("AUTH PLAIN LOGIN".to_string());
    }
    if tls || !script.ehlo_extra_over_tls_only {
        lines.extend(script.ehlo_extra.iter().cloned());
    }
    lines.push("8BITMIME".to_string());
    let last = lines.len() - 1;
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("250{}{line}\r\n", if i == last { ' ' } else { '-' }))
        .collect()
}
