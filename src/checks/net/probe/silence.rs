//! A server that does not greet. On a STARTTLS port a silent server is often one
//! that expects TLS from the first byte (the mail app's setting is the wrong kind
//! of TLS), or another kind of server waiting for its client to speak: a second
//! connection tells them apart. The trying is here, once for every server test;
//! the sentences are the protocol's ([`GreetingWords`]).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::log::Log;
use super::step::StepKind;
use super::target::Security;
use super::tls::SecondTry;
use super::Probe;
use crate::checks::net::tls::TlsReport;

/// How a protocol words what a silent server turned out to be. `waited` is how
/// long the test waited, as [`Clock::waited`](super::Clock::waited) says it.
pub trait GreetingWords {
    /// The server accepted the connection but did not greet within `waited`.
    fn no_greeting(&self, waited: &str) -> String;

    /// `port` stayed silent for `waited` but completed a TLS handshake on a new
    /// connection: it expects TLS from the first byte.
    fn expects_tls(&self, port: u16, waited: &str) -> String;

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
            SecondTry::Tls(session) => (words.expects_tls(self.port, &waited), Some(*session)),
            SecondTry::Failed(bytes) => match words.answered_tls(&bytes) {
                Some(detail) => (detail, None),
                None => silent(),
            },
            SecondTry::NotTried => silent(),
        }
    }
}
