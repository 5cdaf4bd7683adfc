//! The TLS phase: TLS from the first byte (the handshake and certificate steps are
//! the shared [`Probe`](crate::checks::net::probe::Probe)'s), whether a mail app can log
//! in after TLS, and LOGOUT/QUIT.

use std::net::SocketAddr;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::plain::quoted;
use super::{Log, Test};
use crate::checks::net::mailbox::answer;
use crate::checks::net::mailbox::capabilities::Capabilities;
use crate::checks::net::mailbox::dialect::Dialect;
use crate::checks::net::mailbox::step::StepName;
use crate::checks::net::probe::Dialogue;
use crate::checks::net::tls::TlsReport;
use crate::values::Verdict;
use crate::wording::shorten;

impl<D: Dialect> Test<'_, D> {
    /// TLS from the first byte on the fresh connection: the `Tls` step and the
    /// certificate; the TLS conversation when it works, and the TLS session. A
    /// plain-text answer is named for what it is.
    pub(super) async fn tls_from_first_byte(
        &self,
        log: &mut Log,
        tcp: TcpStream,
        address: SocketAddr,
    ) -> (Option<Dialogue>, TlsReport) {
        let since = Instant::now();
        log.note("starting TLS (TLS from the first byte)");
        let outcome = self.probe.handshake(Box::new(tcp), address).await;
        let judge = |failure: &_, bytes: &[u8]| self.plain_text_on_tls_port(failure, bytes);
        let (secure, tls) = self
            .probe
            .handshake_done(log, StepName::Tls, since, outcome, &judge);
        (secure.map(answer::dialogue::<D>), tls)
    }

    /// Whether a mail app can log in after TLS, from the capabilities offered there.
    /// Nothing is sent: the test never logs in.
    pub(super) fn login(&self, log: &mut Log, capabilities: Option<&Capabilities>) {
        let since = Instant::now();
        let command = D::PASSWORD_COMMAND;
        let (verdict, detail) = match capabilities {
            None => (
                Verdict::Warning,
                format!("The server does not say how mail apps may log in; most try {command}."),
            ),
            Some(offered) => {
                let logins = offered.password_logins(command);
                if logins.is_empty() {
                    let others = if offered.mechanisms.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (it offers only {}, which need more than a password)",
                            offered.mechanisms.join(", ")
                        )
                    };
                    (
                        Verdict::Critical,
                        format!("Mail apps cannot log in: after TLS the server offers no login with a password, neither {command} nor an AUTH mechanism such as PLAIN{others}."),
                    )
                } else if !offered.mechanisms.is_empty() && !offered.has_password_mechanism() {
                    (
                        Verdict::Warning,
                        format!(
                            "No AUTH mechanism a mail app can use: the server offers only {}, which need more than a password, so mail apps must fall back to {command}.",
                            offered.mechanisms.join(", ")
                        ),
                    )
                } else {
                    (
                        Verdict::Ok,
                        format!("mail apps can log in after TLS: {}", logins.join(", ")),
                    )
                }
            }
        };
        log.record(StepName::Login, verdict, since, detail);
    }

    /// Says goodbye; a missing or odd answer is worth a note, never a problem.
    pub(super) async fn logout(&self, log: &mut Log, dialogue: &mut Dialogue) {
        let since = Instant::now();
        let tag = self.tag();
        let limit = self.probe.clock.limit(self.catalog.timeouts.command());
        let label = D::LOGOUT.label();
        let detail =
            match answer::send(dialogue, &D::logout(&tag), limit, &mut log.transcript).await {
                Ok(answer) => match D::completed(&answer, &tag) {
                    // IMAP's `* BYE` comes first; the tagged `OK` says it is done.
                    Ok(()) => shorten(answer.last().map(String::as_str).unwrap_or_default(), 200),
                    Err(refusal) => format!("answered {} (harmless)", quoted(&refusal)),
                },
                Err(err) => format!(
                    "no answer to {label}: {} (harmless)",
                    err.describe(limit, &answer::wire::<D>())
                ),
            };
        log.record(D::LOGOUT, Verdict::Ok, since, detail);
    }
}
