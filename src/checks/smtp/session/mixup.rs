//! Ports set up for the other kind of TLS, named for what they are: a silent
//! STARTTLS port that completes a TLS handshake expects TLS from the first byte,
//! and an implicit-TLS port that greets in plain text is a STARTTLS port.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::Session;

impl Session<'_> {
    /// The greeting never came: does the port speak TLS from the first byte?
    pub(super) async fn silent_greeting(
        &mut self,
        since: Instant,
        step_limit: Duration,
        limit: Duration,
    ) -> String {
        let port = self.request.port;
        let silent = self.no_greeting(step_limit, limit);
        let Some(addr) = self.address else {
            return silent;
        };
        let connect_limit = self.limit(self.catalog.timeouts.connect());
        if connect_limit.is_zero() {
            return silent;
        }
        self.transcript.note(format!(
            "no greeting: trying TLS on a new connection to {addr}, in case this port expects TLS from the first byte"
        ));
        let Ok(Ok(tcp)) = tokio::time::timeout(connect_limit, TcpStream::connect(addr)).await
        else {
            return silent;
        };
        let outcome = self.handshake(Box::new(tcp)).await;
        match outcome.result {
            Ok(established) => {
                self.transcript.note(format!(
                    "TLS from the first byte works: {}, {}",
                    established.version, established.cipher
                ));
                self.keep_session(established.version, established.cipher);
                if let Some(check) = outcome.certificate {
                    self.certificate(&check, since);
                }
                format!(
                    "Port {port} expects TLS from the first byte (SSL/TLS, usually 465), not STARTTLS: the server stayed silent for {} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or use port 587 with STARTTLS.",
                    self.waited(step_limit, limit)
                )
            }
            Err(failure) => {
                self.transcript.note(format!(
                    "TLS from the first byte does not work either: {failure}"
                ));
                silent
            }
        }
    }

    /// What an implicit-TLS port that greeted in plain text (`line`) is told it is.
    pub(super) fn plain_greeting_on_tls_port(&self, line: &str) -> String {
        let port = self.request.port;
        format!("Port {port} speaks plain SMTP (it greeted with {line:?}), not TLS from the first byte: set the mail app to STARTTLS on this port, or use port 465 with SSL/TLS.")
    }
}
