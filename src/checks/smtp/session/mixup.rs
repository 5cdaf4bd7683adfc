//! Ports set up for the other kind of TLS, named for what they are: a silent
//! STARTTLS port that completes a TLS handshake expects TLS from the first byte
//! (the trying is [`Probe::silent_greeting`](crate::checks::net::probe::Probe)'s; the
//! words are SMTP's), and an implicit-TLS port that greets in plain text is a
//! STARTTLS port.

use super::Test;
use crate::checks::net::probe::GreetingWords;

impl GreetingWords for Test<'_> {
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
    /// What an implicit-TLS port that greeted in plain text (`line`) is told it is.
    pub(super) fn plain_greeting_on_tls_port(&self, line: &str) -> String {
        let port = self.request.port;
        format!("Port {port} speaks plain SMTP (it greeted with {line:?}), not TLS from the first byte: set the mail app to STARTTLS on this port, or use port 465 with SSL/TLS.")
    }
}
