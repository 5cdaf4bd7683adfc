//! What answered instead of the expected server, named for what it is: a port set up
//! for the other kind of TLS (a plain-text greeting on 993, a TLS server on 143), or
//! another kind of server altogether (an SMTP server's `220`, a web server's
//! `HTTP/1.1`), recognised by its first line, whether it came in plain text or over
//! TLS (from the first byte, or on the second try of a silent port).

use super::plain::quoted;
use super::Test;
use crate::checks::net::mailbox::dialect::{text_line, Dialect, Greeting, ServerKind};
use crate::checks::net::probe::GreetingWords;
use crate::checks::net::tls::TlsFailure;
use crate::values::Verdict;
use crate::wording::capitalise;

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

    /// "An SMTP server answers on port 465 (…), not an IMAP server", with where
    /// the protocol usually is.
    fn foreign_server(&self, kind: ServerKind, evidence: &str) -> String {
        format!(
            "{} answers on port {} ({evidence}), not {}: mail apps set to {} here will fail. Use port {} with SSL/TLS (or {} with STARTTLS) for {}, and check the host name.",
            capitalise(kind.describe()),
            self.request.port,
            D::KIND.describe(),
            D::NAME,
            D::TLS_PORT,
            D::STARTTLS_PORT,
            D::NAME
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
}

/// The greeting never came on a STARTTLS port: a port that speaks TLS from the
/// first byte, or another kind of server waiting for its client to speak.
impl<D: Dialect> GreetingWords for Test<'_, D> {
    fn kind(&self) -> ServerKind {
        D::KIND
    }

    fn another_server(&self, kind: ServerKind, evidence: &str) -> String {
        self.foreign_server(kind, evidence)
    }

    fn no_greeting(&self, waited: &str) -> String {
        format!(
            "The server accepted the connection but did not greet us within {waited} (overloaded, deliberately delaying, or not {}).",
            D::KIND.describe()
        )
    }

    fn expects_tls(&self, port: u16, waited: &str) -> String {
        format!(
            "Port {port} expects TLS from the first byte (SSL/TLS, usually {}), not STARTTLS: the server stayed silent for {waited} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or to port {} with SSL/TLS as the settings page says.",
            D::TLS_PORT,
            D::TLS_PORT
        )
    }

    fn answered_tls(&self, bytes: &[u8]) -> Option<String> {
        let line = text_line(bytes)?;
        match ServerKind::recognise(&line) {
            Some(kind) if kind != D::KIND => {
                let evidence = format!(
                    "it stayed silent, then answered our TLS attempt with {}",
                    quoted(&line)
                );
                Some(self.foreign_server(kind, &evidence))
            }
            _ => None,
        }
    }
}
