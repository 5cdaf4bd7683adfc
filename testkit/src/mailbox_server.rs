//! IMAP and POP3 servers for tests: real IMAP (tagged commands, untagged answers) and
//! real POP3 (`+OK`, `CAPA` lists ending in `.`), with real TLS from the test PKI, on
//! 127.0.0.1, each following a [`Script`] that says how it misbehaves.
//!
//! ```ignore
//! let pki = TestPki::new();
//! // Protocol is echoterra_bot::values::Protocol, Imap or Pop3.
//! let server = TestMailbox::start(Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current))).await;
//! // point TLS_EXTRA_CA at pki.ca_path() and test 127.0.0.1:server.port()
//! ```
//!
//! The server stops when the `TestMailbox` is dropped. It records every command it
//! receives, so a test can check the bot never tried to log in.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use echoterra_bot::values::Protocol;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::listener::{Behaviour, CommandLog, TestServer};
use crate::pki::Identity;

/// How long a silent server holds a connection: longer than any test waits.
const HOLD: Duration = Duration::from_secs(60);

/// `protocol`, if this server speaks it: the bot's own `values::Protocol`, `Imap` or
/// `Pop3` (`Smtp` is [`crate::smtp_server`]'s).
fn mailbox(protocol: Protocol) -> Protocol {
    assert_ne!(
        protocol,
        Protocol::Smtp,
        "the mailbox server speaks IMAP or POP3; smtp_server::TestSmtp speaks SMTP"
    );
    protocol
}

/// What the server does first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Greeting {
    /// `* OK …` or `+OK …` at once.
    Ready,
    /// IMAP `* PREAUTH …`: logged in already.
    Preauth,
    /// `* BYE …` or `-ERR …`, then the connection is closed.
    Refused,
    /// Accepts the connection and never says anything.
    Silent,
    /// This line instead of a greeting (an SMTP `220 …`), then only logout works.
    Line(String),
    /// A greeting of this many bytes in one line.
    Long(usize),
    /// The greeting after this delay.
    Delayed(Duration),
    /// A web server: silent until the client sends something, then
    /// `HTTP/1.1 400 Bad Request` and the connection is closed.
    Http,
}

/// How a test server behaves.
#[derive(Clone)]
pub struct Script {
    pub protocol: Protocol,
    pub greeting: Greeting,
    /// TLS from the first byte (and the greeting after the handshake).
    pub implicit_tls: bool,
    /// STARTTLS (IMAP) or STLS (POP3) is offered on plain connections.
    pub starttls: bool,
    /// Login with a password is offered before TLS: IMAP without LOGINDISABLED and
    /// with the mechanisms, POP3 with USER and the mechanisms.
    pub login_before_tls: bool,
    /// Login with a password (LOGIN, USER) is offered after TLS.
    pub login_after_tls: bool,
    /// SASL mechanisms offered where login is.
    pub mechanisms: Vec<String>,
    /// POP3: CAPA is answered (otherwise `-ERR`).
    pub capa: bool,
    /// Lines added to every capability answer, as written: IMAP untagged lines
    /// (`* CAPABILITY X1 X2 …`) before the tagged OK, POP3 lines before the `.`
    /// (a hostile server's endless list).
    pub capability_extra: Vec<String>,
    /// The certificate; `None` for a server that never gets to TLS.
    pub identity: Option<Arc<Identity>>,
}

impl Script {
    /// A healthy server on a STARTTLS port (143, 110): STARTTLS, login only after it
    /// (IMAP announces LOGINDISABLED before).
    pub fn starttls(protocol: Protocol, identity: Identity) -> Self {
        Script {
            protocol: mailbox(protocol),
            greeting: Greeting::Ready,
            implicit_tls: false,
            starttls: true,
            login_before_tls: false,
            login_after_tls: true,
            mechanisms: vec!["PLAIN".into()],
            capa: true,
            capability_extra: Vec::new(),
            identity: Some(Arc::new(identity)),
        }
    }

    /// A healthy server with TLS from the first byte (993, 995).
    pub fn implicit(protocol: Protocol, identity: Identity) -> Self {
        Script {
            implicit_tls: true,
            starttls: false,
            ..Script::starttls(protocol, identity)
        }
    }

    /// A plain-text server that greets this way and offers no TLS.
    pub fn greeting(protocol: Protocol, greeting: Greeting) -> Self {
        Script {
            protocol: mailbox(protocol),
            greeting,
            implicit_tls: false,
            starttls: false,
            login_before_tls: false,
            login_after_tls: false,
            mechanisms: Vec::new(),
            capa: true,
            capability_extra: Vec::new(),
            identity: None,
        }
    }
}

/// A running test IMAP or POP3 server; it stops when dropped.
pub type TestMailbox = TestServer<Script>;

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
        if let Ok(mut tls) = acceptor.accept(stream).await {
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
    if let Some(acceptor) = acceptor {
        if let Ok(tls) = acceptor.accept(stream).await {
            let _ = commands(tls, script, true, log).await;
        }
    }
}

/// Sends the greeting; `false` when the script goes no further.
async fn greet<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, script: &Script) -> bool {
    let imap = script.protocol == Protocol::Imap;
    let line = match &script.greeting {
        Greeting::Ready if imap => "* OK test.imap.invalid IMAP4rev1 ready".to_string(),
        Greeting::Ready => "+OK test.pop3.invalid ready".to_string(),
        Greeting::Preauth => "* PREAUTH test.imap.invalid: logged in as tester".to_string(),
        Greeting::Refused => {
            let line: &[u8] = if imap {
                b"* BYE Too many connections, try later\r\n"
            } else {
                b"-ERR Too many connections, try later\r\n"
            };
            let _ = stream.write_all(line).await;
            return false;
        }
        Greeting::Silent => {
            tokio::time::sleep(HOLD).await;
            return false;
        }
        Greeting::Line(line) => line.clone(),
        Greeting::Long(bytes) => format!("* OK {}", "a".repeat(*bytes)),
        Greeting::Delayed(delay) => {
            tokio::time::sleep(*delay).await;
            return Box::pin(greet(
                stream,
                &Script {
                    greeting: Greeting::Ready,
                    ..script.clone()
                },
            ))
            .await;
        }
        Greeting::Http => {
            let mut request = [0u8; 512];
            let _ = tokio::time::timeout(HOLD, stream.read(&mut request)).await;
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
            return false;
        }
    };
    stream
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .is_ok()
}

/// Answers commands until logout or the connection ends; returns the stream when the
/// client asked for STARTTLS/STLS and it was accepted.
async fn commands<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    script: &Script,
    tls: bool,
    log: &Mutex<Vec<String>>,
) -> Option<S> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match tokio::time::timeout(HOLD, reader.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return None,
        }
        let line = line.trim_end().to_string();
        log.lock().unwrap().push(line.clone());
        let answer = match script.protocol {
            Protocol::Imap => imap_answer(&line, script, tls),
            Protocol::Pop3 => pop3_answer(&line, script, tls),
            Protocol::Smtp => unreachable!("a mailbox script speaks IMAP or POP3"),
        };
        if reader
            .get_mut()
            .write_all(answer.text.as_bytes())
            .await
            .is_err()
        {
            return None;
        }
        match answer.then {
            Then::Continue => {}
            Then::Close => return None,
            Then::StartTls => return Some(reader.into_inner()),
        }
    }
}

/// What the server sends, and what it does next.
struct Answer {
    text: String,
    then: Then,
}

enum Then {
    Continue,
    Close,
    StartTls,
}

fn answer(text: String, then: Then) -> Answer {
    Answer { text, then }
}

/// Login is offered on this connection.
fn login_offered(script: &Script, tls: bool) -> bool {
    (tls && script.login_after_tls) || (!tls && script.login_before_tls)
}

fn imap_answer(line: &str, script: &Script, tls: bool) -> Answer {
    let (tag, command) = line.split_once(' ').unwrap_or((line, ""));
    let foreign = matches!(script.greeting, Greeting::Line(_));
    match command.to_ascii_uppercase().as_str() {
        "LOGOUT" => answer(
            format!("* BYE test.imap.invalid logging out\r\n{tag} OK LOGOUT completed\r\n"),
            Then::Close,
        ),
        _ if foreign => answer(format!("{tag} BAD no\r\n"), Then::Continue),
        "CAPABILITY" => {
            let mut capabilities = vec!["IMAP4rev1".to_string(), "IDLE".to_string()];
            if !tls && script.starttls {
                capabilities.push("STARTTLS".into());
            }
            if login_offered(script, tls) {
                capabilities.extend(script.mechanisms.iter().map(|m| format!("AUTH={m}")));
            } else {
                capabilities.push("LOGINDISABLED".into());
            }
            let extra: String = script
                .capability_extra
                .iter()
                .map(|line| format!("{line}\r\n"))
                .collect();
            answer(
                format!(
                    "* CAPABILITY {}\r\n{extra}{tag} OK CAPABILITY completed\r\n",
                    capabilities.join(" ")
                ),
                Then::Continue,
            )
        }
        "STARTTLS" if !tls && script.starttls && script.greeting != Greeting::Preauth => answer(
            format!("{tag} OK Begin TLS negotiation now\r\n"),
            Then::StartTls,
        ),
        _ => answer(
            format!("{tag} BAD command unknown or not allowed now\r\n"),
            Then::Continue,
        ),
    }
}

fn pop3_answer(line: &str, script: &Script, tls: bool) -> Answer {
    let foreign = matches!(script.greeting, Greeting::Line(_));
    match line.to_ascii_uppercase().as_str() {
        "QUIT" => answer("+OK test.pop3.invalid signing off\r\n".into(), Then::Close),
        "CAPA" if script.capa && !foreign => {
            let mut capabilities = vec!["TOP".to_string(), "UIDL".to_string()];
            if login_offered(script, tls) {
                capabilities.push("USER".into());
                if !script.mechanisms.is_empty() {
                    capabilities.push(format!("SASL {}", script.mechanisms.join(" ")));
                }
            }
            if !tls && script.starttls {
                capabilities.push("STLS".into());
            }
            capabilities.extend(script.capability_extra.iter().cloned());
            let lines: String = capabilities.iter().map(|c| format!("{c}\r\n")).collect();
            answer(
                format!("+OK Capability list follows\r\n{lines}.\r\n"),
                Then::Continue,
            )
        }
        "STLS" if !tls && script.starttls => {
            answer("+OK Begin TLS negotiation\r\n".into(), Then::StartTls)
        }
        _ => answer("-ERR unknown command\r\n".into(), Then::Continue),
    }
}
