//! The TLS phase: the handshake (after STARTTLS or from the first byte) and the
//! certificate (recorded by the shared [`Probe`](crate::checks::net::probe::Probe)), the
//! AUTH mechanisms offered over TLS, and QUIT.

use std::net::SocketAddr;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::log::Log;
use super::Test;
use crate::checks::net::probe::Dialogue;
use crate::checks::net::tls::{HandshakeOutcome, Io, TlsFailure, TlsReport};
use crate::checks::smtp::extensions::Extensions;
use crate::checks::smtp::reply::{self, Reply, WIRE};
use crate::checks::smtp::{Security, StepName};
use crate::values::Verdict;

impl Test<'_> {
    /// TLS from the first byte on the fresh connection: the `Tls` step and the
    /// certificate; the TLS conversation when it works, and the TLS session.
    pub(super) async fn tls_from_first_byte(
        &self,
        log: &mut Log,
        tcp: TcpStream,
        address: SocketAddr,
    ) -> (Option<Dialogue>, TlsReport) {
        let since = Instant::now();
        log.note("starting TLS (TLS from the first byte)");
        let outcome = self.handshake(Box::new(tcp), address).await;
        self.handshake_done(log, StepName::Tls, since, outcome)
    }

    /// Runs the TLS handshake over `io` (connected to `address`) within the TLS timeout.
    pub(super) async fn handshake(&self, io: Box<dyn Io>, address: SocketAddr) -> HandshakeOutcome {
        self.probe.handshake(io, address).await
    }

    /// Records the handshake (as `step`) and the certificate: the TLS conversation
    /// when it works, and the TLS session as far as it got. A plain SMTP greeting on
    /// an SSL/TLS port is named as the mix-up it is.
    pub(super) fn handshake_done(
        &self,
        log: &mut Log,
        step: StepName,
        since: Instant,
        outcome: HandshakeOutcome,
    ) -> (Option<Dialogue>, TlsReport) {
        let judge = |failure: &TlsFailure, _: &[u8]| match (failure, self.probe.security) {
            (TlsFailure::PlainText(line), Security::Implicit) => {
                Some((Verdict::Critical, self.plain_greeting_on_tls_port(line)))
            }
            _ => None,
        };
        let (secure, session) = self.probe.handshake_done(log, step, since, outcome, &judge);
        (secure.map(reply::dialogue), session)
    }

    /// After TLS, a submission port must offer AUTH: the mechanisms offered.
    pub(super) fn auth(&self, log: &mut Log, extensions: &Extensions) -> Vec<String> {
        let since = Instant::now();
        let mechanisms = extensions.auth().to_vec();
        let port = self.request.port;
        let (verdict, detail) = if !mechanisms.is_empty() {
            (
                Verdict::Ok,
                format!("login offered after TLS: {}", mechanisms.join(", ")),
            )
        } else if self.catalog.submission_ports.contains(&port) {
            (
                Verdict::Critical,
                format!("Mail apps cannot log in to send mail: no login (AUTH) is offered after TLS on port {port}."),
            )
        } else {
            (
                Verdict::Warning,
                format!("No login (AUTH) is offered on port {port}: this port takes mail from other servers, not from mail apps; they should use port 587."),
            )
        };
        log.record(StepName::Auth, verdict, since, detail);
        mechanisms
    }

    /// Says goodbye; a missing 221 is worth a note, never a problem.
    pub(super) async fn quit(&self, log: &mut Log, dialogue: &mut Dialogue) {
        let since = Instant::now();
        let step_limit = self.catalog.timeouts.command();
        let limit = self.limit(step_limit);
        let detail = match dialogue
            .command("QUIT", Reply::reader(), limit, &mut log.transcript)
            .await
        {
            Ok(reply) if reply.code == 221 => reply.quoted(),
            Ok(reply) => format!("answered {} instead of 221 (harmless)", reply.quoted()),
            Err(err) => format!("no 221 to QUIT: {} (harmless)", err.describe(limit, &WIRE)),
        };
        log.record(StepName::Quit, Verdict::Ok, since, detail);
    }
}
