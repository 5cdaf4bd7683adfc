//! Ports set up for the other kind of TLS, named for what they are: a silent
//! STARTTLS port that completes a TLS handshake expects TLS from the first byte
//! (the trying is [`Probe::silent_greeting`](crate::checks::net::probe::Probe)'s; the
//! words are SMTP's), and an implicit-TLS port that greets in plain text is a
//! STARTTLS port; and another protocol's server (IMAP on 993, POP3 on 995), named
//! from its first line.

use super::Test;
use crate::checks::net::probe::{GreetingWords, ServerKind};
use crate::wording::{capitalise, shorten};

impl GreetingWords for Test<'_> {
    fn kind(&self) -> ServerKind {
        ServerKind::Smtp
    }

    fn another_server(&self, kind: ServerKind, evidence: &str) -> String {
        format!(
            "{} answers on port {} ({evidence}), not an SMTP server: mail apps set to send mail here will fail. Use port 465 with SSL/TLS or 587 with STARTTLS for SMTP, and check the host name.",
            capitalise(kind.describe()),
            self.request.port
        )
    }

    fn no_greeting(&self, waited: &str) -> String {
        format!(
            "The server accepted the connection but did not greet us within {waited} (overloaded or deliberately delaying)."
        )
    }

    fn expects_tls(&self, port: u16, waited: &str) -> String {
        format!(
            "Port {port} expects TLS from the first byte (SSL/TLS, usually 465), not STARTTLS: the server stayed silent for {waited} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or use port 587 with STARTTLS."
        )
    }
}

impl Test<'_> {
    /// What a greeting that is not SMTP (`line`) is told it is, when its first line
    /// says what kind of server it is.
    pub(super) fn foreign_greeting(&self, line: &str) -> Option<String> {
        let kind = ServerKind::recognise(line).filter(|&kind| kind != ServerKind::Smtp)?;
        let evidence = format!("it greeted with {:?}", shorten(line, 200));
        Some(self.another_server(kind, &evidence))
    }

    /// What an implicit-TLS port that greeted in plain text (`line`) is told it is.
    pub(super) fn plain_greeting_on_tls_port(&self, line: &str) -> String {
        if let Some(foreign) = self.foreign_greeting(line) {
            return format!(
                "Port {} expects TLS from the first byte (SSL/TLS), but the server speaks plain text. {foreign}",
                self.request.port
            );
        }
        let port = self.request.port;
        format!("Port {port} speaks plain SMTP (it greeted with {line:?}), not TLS from the first byte: set the mail app to STARTTLS on this port, or use port 465 with SSL/TLS.")
    }
}
