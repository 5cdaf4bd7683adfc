//! Ports set up for the other kind of TLS, named for what they are: a silent
//! STARTTLS port that completes a TLS handshake expects TLS from the first byte,
//! and an implicit-TLS port that greets in plain text is a STARTTLS port.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::log::Log;
use super::Test;
use crate::checks::probe::SecondTry;
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
        match self.probe.tls_on_new_connection(log, addr, since).await {
            SecondTry::Tls(session) => {
                let detail = format!(
                    "Port {port} expects TLS from the first byte (SSL/TLS, usually 465), not STARTTLS: the server stayed silent for {} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or use port 587 with STARTTLS.",
                    self.waited(step_limit, limit)
                );
                (detail, Some(session))
            }
            SecondTry::NotTried | SecondTry::Failed(..) => silent,
        }
    }

    /// What an implicit-TLS port that greeted in plain text (`line`) is told it is.
    pub(super) fn plain_greeting_on_tls_port(&self, line: &str) -> String {
        let port = self.request.port;
        format!("Port {port} speaks plain SMTP (it greeted with {line:?}), not TLS from the first byte: set the mail app to STARTTLS on this port, or use port 465 with SSL/TLS.")
    }
}
