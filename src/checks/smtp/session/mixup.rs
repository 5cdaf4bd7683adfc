//! Ports set up for the other kind of TLS, named for what they are: a silent
//! STARTTLS port that completes a TLS handshake expects TLS from the first byte,
//! and an implicit-TLS port that greets in plain text is a STARTTLS port.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::log::Log;
use super::Test;
use crate::checks::tls::TlsReport;

impl Test<'_> {
    /// The greeting never came: does the port speak TLS from the first byte? What
    /// the greeting step says, and the TLS session when a new connection to `address`
    /// completed a handshake.
    pub(super) async fn silent_greeting(
        &self,
        log: &mut Log,
        address: Option<SocketAddr>,
        since: Instant,
        step_limit: Duration,
        limit: Duration,
    ) -> (String, Option<TlsReport>) {
        let port = self.request.port;
        let silent = (self.no_greeting(step_limit, limit), None);
        let Some(addr) = address else {
            return silent;
        };
        let connect_limit = self.limit(self.catalog.timeouts.connect());
        if connect_limit.is_zero() {
            return silent;
        }
        log.note(format!(
            "no greeting: trying TLS on a new connection to {addr}, in case this port expects TLS from the first byte"
        ));
        let Ok(Ok(tcp)) = tokio::time::timeout(connect_limit, TcpStream::connect(addr)).await
        else {
            return silent;
        };
        let outcome = self.handshake(Box::new(tcp), addr).await;
        match outcome.result {
            Ok(established) => {
                log.note(format!(
                    "TLS from the first byte works: {}, {}",
                    established.version, established.cipher
                ));
                let certificate = outcome
                    .certificate
                    .map(|check| self.certificate(log, &check, since));
                let session = TlsReport {
                    version: Some(established.version),
                    cipher: Some(established.cipher),
                    certificate,
                };
                let detail = format!(
                    "Port {port} expects TLS from the first byte (SSL/TLS, usually 465), not STARTTLS: the server stayed silent for {} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or use port 587 with STARTTLS.",
                    self.waited(step_limit, limit)
                );
                (detail, Some(session))
            }
            Err(failure) => {
                log.note(format!(
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
