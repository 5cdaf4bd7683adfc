//! The plain-text phase (and, on an SSL/TLS port, the same commands over TLS): the
//! greeting, the capabilities and what they mean, and STARTTLS/STLS up to the
//! handshake.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::{Halt, Log, Test};
use crate::checks::net::mailbox::answer;
use crate::checks::net::mailbox::capabilities::Capabilities;
use crate::checks::net::mailbox::dialect::{Dialect, Framing, Greeting};
use crate::checks::net::mailbox::step::StepName;
use crate::checks::net::probe::Security;
use crate::checks::net::probe::{Dialogue, ReadError};
use crate::checks::net::tls::TlsReport;
use crate::values::Verdict;
use crate::wording::{seconds, shorten};

/// A server line as quoted in a finding.
pub(super) fn quoted(line: &str) -> String {
    format!("{:?}", shorten(line, 200))
}

impl<D: Dialect> Test<'_, D> {
    /// Reads the greeting. On a STARTTLS port a silent server is tried with TLS on a
    /// new connection to `address`, to tell "expects TLS from the first byte" from
    /// "does not greet"; the TLS session that try found comes back with the failure.
    pub(super) async fn greeting(
        &self,
        log: &mut Log,
        dialogue: &mut Dialogue,
        address: Option<SocketAddr>,
    ) -> Result<(), (Halt, Option<TlsReport>)> {
        let since = Instant::now();
        let step_limit = self.catalog.timeouts.greeting();
        let limit = self.probe.clock.limit(step_limit);
        let answer = dialogue
            .read(Framing::Line.reader(), limit, &mut log.transcript)
            .await;
        let port = self.request.port;
        let mut tls = None;
        let detail = match answer {
            Ok(lines) => {
                let line = lines.first().map(String::as_str).unwrap_or_default();
                match D::greeting(line) {
                    Greeting::Ready => {
                        self.ready(log, line, since);
                        return Ok(());
                    }
                    Greeting::Preauth => {
                        let detail = format!(
                            "The server greeted with PREAUTH ({}): it treats this connection as logged in already, without a password. Mail apps expect to log in, and after PREAUTH encryption can no longer be started with STARTTLS.{}",
                            quoted(line),
                            self.loopback_note()
                        );
                        log.record(StepName::Greeting, Verdict::Warning, since, detail);
                        return Ok(());
                    }
                    Greeting::Refused => format!(
                        "The server refuses this connection: it greeted with {}. Try again later; if it lasts, the server is overloaded or blocks this address.",
                        quoted(line)
                    ),
                    Greeting::Unexpected => self.unexpected_greeting(line),
                }
            }
            Err(ReadError::Timeout { received: 0 }) => {
                let (detail, found) = self
                    .probe
                    .silent_greeting(log, self, address, since, step_limit, limit)
                    .await;
                tls = found;
                detail
            }
            Err(err) => format!(
                "No usable greeting on port {port}: {}.",
                err.describe(limit, &answer::wire::<D>())
            ),
        };
        log.record(StepName::Greeting, Verdict::Critical, since, detail);
        // After a refusal, a foreign server or garbage the conversation is not one
        // to log out of.
        Err((Halt::Drop, tls))
    }

    /// Records a ready greeting: a warning when it came only after the slow-greeting
    /// threshold.
    fn ready(&self, log: &mut Log, line: &str, since: Instant) {
        let took = since.elapsed();
        if took > Duration::from_millis(self.catalog.slow_greeting_ms) {
            let detail = format!(
                "The server greeted us only after {} ({}); mail apps wait, but checking mail feels slow.",
                seconds(took),
                quoted(line)
            );
            log.record(StepName::Greeting, Verdict::Warning, since, detail);
        } else {
            log.record(StepName::Greeting, Verdict::Ok, since, shorten(line, 200));
        }
    }

    /// Asks for the capabilities and judges them, as `step`: before TLS, a login
    /// that would show the password is critical. `Ok(None)` when the server does not
    /// list them but the test can go on (POP3 without CAPA).
    pub(super) async fn capabilities(
        &self,
        log: &mut Log,
        dialogue: &mut Dialogue,
        step: StepName,
        over_tls: bool,
    ) -> Result<Option<Capabilities>, Halt> {
        let since = Instant::now();
        let tag = self.tag();
        let command = D::capability(&tag);
        let limit = self.probe.clock.limit(self.catalog.timeouts.command());
        let label = D::CAPABILITY.label();
        let answer = match answer::send(dialogue, &command, limit, &mut log.transcript).await {
            Ok(answer) => answer,
            Err(err) => {
                let detail = format!(
                    "No usable answer to {label}: {}.",
                    err.describe(limit, &answer::wire::<D>())
                );
                log.record(step, Verdict::Critical, since, detail);
                return Err(Halt::Drop);
            }
        };
        let capabilities = match D::capabilities(&answer, &tag) {
            Ok(capabilities) => capabilities,
            Err(refusal) if D::CAPABILITY_REQUIRED => {
                let detail = format!(
                    "The server refused {label} ({}): mail apps cannot see whether it offers encryption and login.",
                    quoted(&refusal)
                );
                log.record(step, Verdict::Critical, since, detail);
                return Err(Halt::Logout);
            }
            Err(refusal) => {
                let detail = format!(
                    "The server does not answer {label} ({}), so mail apps cannot see what it offers (RFC 2449) and have to guess.",
                    quoted(&refusal)
                );
                log.record(step, Verdict::Warning, since, detail);
                return Ok(None);
            }
        };
        let mut detail = capabilities.describe();
        let clear_text = capabilities.clear_text_logins(D::PASSWORD_COMMAND);
        let verdict = if !over_tls && !clear_text.is_empty() {
            detail = format!(
                "Login is offered before encryption ({}): a mail app could send its password unprotected. {} Offered: {detail}{}",
                clear_text.join(", "),
                D::CLEAR_TEXT_FIX,
                self.loopback_note()
            );
            Verdict::Critical
        } else if let Some(problem) = D::capability_problem(&capabilities) {
            detail = format!("{problem} Offered: {detail}");
            Verdict::Warning
        } else {
            if over_tls && capabilities.starttls && self.probe.security == Security::Starttls {
                detail.push_str(&format!(
                    " ({} is still offered after TLS, which it should not be)",
                    D::STARTTLS.label()
                ));
            }
            Verdict::Ok
        };
        log.record(step, verdict, since, detail);
        Ok(Some(capabilities))
    }

    /// Sends STARTTLS (POP3: STLS) and runs the handshake: the TLS conversation when
    /// the test can go on, and the TLS session when a handshake was tried.
    pub(super) async fn starttls(
        &self,
        log: &mut Log,
        mut plain: Dialogue,
        capabilities: Option<&Capabilities>,
        address: SocketAddr,
    ) -> (Option<Dialogue>, Option<TlsReport>) {
        let since = Instant::now();
        let step = D::STARTTLS;
        if capabilities.is_some_and(|offered| !offered.starttls) {
            let detail = format!(
                "Encryption is not offered (no {} in the {} answer): mail apps set to STARTTLS on port {} will fail, and passwords would travel unprotected.",
                step.label(),
                D::CAPABILITY.label(),
                self.request.port
            );
            log.record(step, Verdict::Critical, since, detail);
            self.logout(log, &mut plain).await;
            return (None, None);
        }
        let tag = self.tag();
        let limit = self.probe.clock.limit(self.catalog.timeouts.command());
        let failure =
            match answer::send(&mut plain, &D::starttls(&tag), limit, &mut log.transcript).await {
                Ok(answer) => D::completed(&answer, &tag).err().map(|refusal| {
                    (
                        format!("The server refused {}: {}.", step.label(), quoted(&refusal)),
                        Halt::Logout,
                    )
                }),
                Err(err) => Some((
                    format!(
                        "No usable answer to {}: {}.",
                        step.label(),
                        err.describe(limit, &answer::wire::<D>())
                    ),
                    Halt::Drop,
                )),
            };
        if let Some((detail, halt)) = failure {
            log.record(step, Verdict::Critical, since, detail);
            self.halt(log, halt, &mut plain).await;
            return (None, None);
        }
        let (io, leftover) = plain.into_io();
        if leftover > 0 {
            log.note(format!(
                "the server sent {leftover} bytes after its {} answer; they were discarded",
                step.label()
            ));
        }
        log.note("starting TLS");
        let outcome = self.probe.handshake(io, address).await;
        let (secure, tls) = self
            .probe
            .handshake_done(log, step, since, outcome, &|_, _| None);
        (secure.map(answer::dialogue::<D>), Some(tls))
    }
}
