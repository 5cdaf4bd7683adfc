//! A server that does not greet. On a STARTTLS port a silent server is often one
//! that expects TLS from the first byte (the mail app's setting is the wrong kind
//! of TLS), or another kind of server waiting for its client to speak: a second
//! connection tells them apart. When TLS works there, the greeting over TLS is read
//! like any other, so another protocol's server (an SMTP server on 465 where IMAP
//! was expected) is named for what it is rather than taken for this protocol with
//! the wrong TLS setting. The trying is here, once for every server test; the
//! sentences are the protocol's ([`GreetingWords`]).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::dialogue::{Answer, Dialogue, ReadError, Wire};
use super::kind::ServerKind;
use super::log::Log;
use super::step::StepKind;
use super::target::Security;
use super::tls::SecondTry;
use super::Probe;
use crate::checks::net::tls::{Io, TlsReport};
use crate::wording::shorten;

/// How the greeting over TLS on the second connection is read: one line, as long
/// as an IMAP greeting with its capabilities may be, whatever the protocol.
const FIRST_LINE: Wire = Wire {
    max_line: 8192,
    max_lines: 1,
    max_answer: 8194,
    server: "a mail server",
    protocol: "a mail protocol",
    long_lines_allowed: true,
};

/// An answer that is complete with its first line.
struct FirstLine;

impl Answer for FirstLine {
    type Complete = String;
    fn line(&mut self, line: String) -> Result<Option<String>, ReadError> {
        Ok(Some(line))
    }
}

/// How a protocol words what a silent server turned out to be. `waited` is how
/// long the test waited, as [`Clock::waited`](super::Clock::waited) says it.
pub trait GreetingWords {
    /// The server accepted the connection but did not greet within `waited`.
    fn no_greeting(&self, waited: &str) -> String;

    /// `port` stayed silent for `waited` but completed a TLS handshake on a new
    /// connection: it expects TLS from the first byte.
    fn expects_tls(&self, port: u16, waited: &str) -> String;

    /// The kind of server this test expects.
    fn kind(&self) -> ServerKind;

    /// Another kind of server answered (`kind`, other than [`GreetingWords::kind`]):
    /// what the greeting step says, with `evidence` ("it greeted with …") and where
    /// this protocol is usually found.
    fn another_server(&self, kind: ServerKind, evidence: &str) -> String;

    /// TLS failed on the new connection too, and the server answered with `bytes`:
    /// what they say the server is, when they say anything.
    fn answered_tls(&self, bytes: &[u8]) -> Option<String> {
        let _ = bytes;
        None
    }
}

impl Probe<'_> {
    /// The greeting did not come within `limit` (the step's own `step_limit` cut
    /// to the test's deadline): what the greeting step says, and the TLS session
    /// when a new connection to `address` completed a handshake (its certificate
    /// recorded as the certificate step, timed from `since`). Only a STARTTLS port
    /// with time left is tried again; without an `address` (the greeting came over
    /// TLS already) nothing is.
    pub async fn silent_greeting<N: StepKind>(
        &self,
        log: &mut Log<N>,
        words: &impl GreetingWords,
        address: Option<SocketAddr>,
        since: Instant,
        step_limit: Duration,
        limit: Duration,
    ) -> (String, Option<TlsReport>) {
        let waited = self.clock.waited(step_limit, limit);
        let silent = || (words.no_greeting(&waited), None);
        let retry = address.filter(|_| self.security == Security::Starttls && !limit.is_zero());
        let Some(address) = retry else {
            return silent();
        };
        match self.tls_on_new_connection(log, address, since).await {
            SecondTry::Tls(session, io) => {
                let detail = match self.greeting_over_tls(log, io, step_limit).await {
                    OverTls::Greeted(line) => match ServerKind::recognise(&line) {
                        Some(kind) if kind != words.kind() => {
                            let evidence = format!(
                                "it stayed silent in plain text, then greeted over TLS with {:?}",
                                shorten(&line, 200)
                            );
                            words.another_server(kind, &evidence)
                        }
                        _ => words.expects_tls(self.port, &waited),
                    },
                    OverTls::Silent => format!(
                        "Port {} stayed silent for {waited}, and over TLS on a new connection too: it is not {} (a web server, for one, waits for its client to speak first). Check the host name and port.",
                        self.port,
                        words.kind().describe()
                    ),
                    OverTls::Unread => words.expects_tls(self.port, &waited),
                };
                (detail, Some(*session))
            }
            SecondTry::Failed(bytes) => match words.answered_tls(&bytes) {
                Some(detail) => (detail, None),
                None => silent(),
            },
            SecondTry::NotTried => silent(),
        }
    }

    /// Reads the first line over the TLS connection of the second try, within the
    /// greeting's own limit cut to the test's deadline.
    async fn greeting_over_tls<N: StepKind>(
        &self,
        log: &mut Log<N>,
        io: Box<dyn Io>,
        step_limit: Duration,
    ) -> OverTls {
        let limit = self.clock.limit(step_limit);
        log.note("reading the greeting over TLS");
        let mut dialogue = Dialogue::new(io, FIRST_LINE);
        match dialogue.read(FirstLine, limit, &mut log.transcript).await {
            Ok(line) => OverTls::Greeted(line),
            // Only a server that had the whole greeting time is known to be silent.
            Err(ReadError::Timeout { received: 0 }) if limit >= step_limit => OverTls::Silent,
            Err(_) => OverTls::Unread,
        }
    }
}

/// What came over TLS on the second connection.
enum OverTls {
    /// The first line the server sent.
    Greeted(String),
    /// Nothing, in the whole greeting time.
    Silent,
    /// Nothing usable: closed, garbage, or the test's deadline cut the wait short.
    Unread,
}
