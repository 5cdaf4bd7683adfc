//! What answered instead of the expected server, named for what it is: a port set up
//! for the other kind of TLS (a plain-text greeting on 993, a TLS server on 143), or
//! another kind of server altogether (an SMTP server's `220`, a web server's
//! `HTTP/1.1`), recognised by its first line.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::plain::quoted;
use super::{Log, Test};
use crate::checks::mailbox::dialect::{text_line, Dialect, Greeting, ServerKind};
use crate::checks::probe::SecondTry;
use crate::checks::tls::{TlsFailure, TlsReport};
use crate::values::Verdict;

impl<D: Dialect> Test<'_, D> {
    /// What a greeting that is not this protocol's is told it is.
    pub(super) fn unexpected_greeting(&self, line: &str) -> String {
        match ServerKind::recognise(line) {
            Some(kind) if kind != D::KIND => {
                self.foreign_server(kind, &format!("it greeted with {}", quoted(line)))
            }
            _ => format!(
                "Unexpected greeting {} ({} greets with {:?}).",
                quoted(line),
                D::KIND.describe(),
                D::GREETING
            ),
        }
    }

    /// "This is an SMTP server (…), not an IMAP server", with where the protocol
    /// usually is.
    fn foreign_server(&self, kind: ServerKind, evidence: &str) -> String {
        format!(
            "This is {} ({evidence}), not {}: mail apps set to {} here will fail. Check the host name and port: {} is usually on port {} (SSL/TLS) or {} (STARTTLS).",
            kind.describe(),
            D::KIND.describe(),
            D::NAME,
            D::NAME,
            D::TLS_PORT,
            D::STARTTLS_PORT
        )
    }

    /// A port that expects TLS from the first byte answered in plain text: what the
    /// TLS step says, when the text tells what the server is.
    pub(super) fn plain_text_on_tls_port(
        &self,
        failure: &TlsFailure,
        bytes: &[u8],
    ) -> Option<(Verdict, String)> {
        let line = match failure {
            TlsFailure::PlainText(line) => line.clone(),
            _ => text_line(bytes)?,
        };
        let port = self.request.port;
        let own = D::greeting(&line) != Greeting::Unexpected;
        let detail = match ServerKind::recognise(&line) {
            _ if own => format!(
                "Port {port} expects TLS from the first byte (SSL/TLS), but the server speaks plain text (it greeted with {}): mail apps set to SSL/TLS cannot connect. Either SSL/TLS is not set up on this port, or it is a STARTTLS port (usually {}): set the mail app to match, or fix the server.",
                quoted(&line),
                D::STARTTLS_PORT
            ),
            Some(kind) => format!(
                "Port {port} expects TLS from the first byte (SSL/TLS), but the server speaks plain text. {}",
                self.foreign_server(kind, &format!("it answered {}", quoted(&line)))
            ),
            None => format!(
                "Port {port} expects TLS from the first byte (SSL/TLS), but the server answered in plain text ({}): this is not {} with SSL/TLS.",
                quoted(&line),
                D::KIND.describe()
            ),
        };
        Some((Verdict::Critical, detail))
    }

    /// The greeting never came on a STARTTLS port: does the port speak TLS from the
    /// first byte, or is it another kind of server waiting for its client to speak?
    /// What the greeting step says, and the TLS session when a new connection to
    /// `address` completed a handshake.
    pub(super) async fn silent_greeting(
        &self,
        log: &mut Log,
        address: Option<SocketAddr>,
        since: Instant,
        step_limit: Duration,
        limit: Duration,
    ) -> (String, Option<TlsReport>) {
        let silent = (self.no_greeting(step_limit, limit), None);
        let Some(addr) = address else {
            return silent;
        };
        match self.probe.tls_on_new_connection(log, addr, since).await {
            SecondTry::Tls(session) => {
                let detail = format!(
                    "Port {} expects TLS from the first byte (SSL/TLS, usually {}), not STARTTLS: the server stayed silent for {} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or to port {} with SSL/TLS as the settings page says.",
                    self.request.port,
                    D::TLS_PORT,
                    self.probe.clock.waited(step_limit, limit),
                    D::TLS_PORT
                );
                (detail, Some(session))
            }
            SecondTry::Failed(_, bytes) => {
                let answer = text_line(&bytes);
                match answer
                    .as_deref()
                    .and_then(|line| Some((line, ServerKind::recognise(line)?)))
                {
                    Some((line, kind)) if kind != D::KIND => {
                        let evidence = format!(
                            "it stayed silent, then answered our TLS attempt with {}",
                            quoted(line)
                        );
                        (self.foreign_server(kind, &evidence), None)
                    }
                    _ => silent,
                }
            }
            SecondTry::NotTried => silent,
        }
    }

    /// What a server that never greeted is told it did.
    pub(super) fn no_greeting(&self, step_limit: Duration, limit: Duration) -> String {
        format!(
            "The server accepted the connection but did not greet us within {} (overloaded, deliberately delaying, or not {}).",
            self.probe.clock.waited(step_limit, limit),
            D::KIND.describe()
        )
    }
}
