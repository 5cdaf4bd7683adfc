//! The plain-text phase: the greeting, EHLO, and STARTTLS up to the handshake.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::log::Log;
use super::{Halt, Test};
use crate::checks::net::probe::{Dialogue, ReadError};
use crate::checks::net::tls::TlsReport;
use crate::checks::smtp::extensions::Extensions;
use crate::checks::smtp::reply::{Reply, WIRE};
use crate::checks::smtp::StepName;
use crate::values::Verdict;
use crate::wording::seconds;

impl Test<'_> {
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
        let limit = self.limit(step_limit);
        let reply = dialogue
            .read(Reply::reader(), limit, &mut log.transcript)
            .await;
        let port = self.request.port;
        // Every outcome but a 220 is a failure; `halt` says whether QUIT can follow.
        let mut tls = None;
        let (detail, halt) = match reply {
            Ok(reply) if reply.code == 220 => {
                let took = since.elapsed();
                if took > Duration::from_millis(self.catalog.slow_greeting_ms) {
                    let detail = format!(
                        "The server greeted us only after {} ({}); many servers delay the greeting on purpose and mail apps wait, but sending feels slow.",
                        seconds(took),
                        reply.quoted()
                    );
                    log.record(StepName::Greeting, Verdict::Warning, since, detail);
                } else {
                    log.record(StepName::Greeting, Verdict::Ok, since, reply.quoted());
                }
                return Ok(());
            }
            Ok(reply) if reply.class() == 4 => (
                format!("The server is refusing connections right now (temporary): {}. Try again later; if it lasts, the server is overloaded or down.", reply.quoted()),
                Halt::Quit,
            ),
            Ok(reply) if reply.class() == 5 => (
                format!("The server refuses to serve this client (policy): {}.", reply.quoted()),
                Halt::Quit,
            ),
            Ok(reply) => (
                format!("Unexpected greeting {} (an SMTP server greets with 220).", reply.quoted()),
                Halt::Quit,
            ),
            Err(ReadError::Timeout { received: 0 }) => {
                let (detail, found) = self
                    .probe
                    .silent_greeting(log, self, address, since, step_limit, limit)
                    .await;
                tls = found;
                (detail, Halt::Drop)
            }
            Err(err) => {
                // Another protocol's greeting (IMAP's `* OK`, POP3's `+OK`) is named.
                let foreign = match &err {
                    ReadError::Malformed(line) => self.foreign_greeting(line),
                    _ => None,
                };
                let detail = foreign.unwrap_or_else(|| {
                    format!("No usable greeting on port {port}: {}.", err.describe(limit, &WIRE))
                });
                (detail, Halt::Drop)
            }
        };
        log.record(StepName::Greeting, Verdict::Critical, since, detail);
        Err((halt, tls))
    }

    /// Sends EHLO; when refused, tries HELO to say whether the server speaks only old SMTP.
    pub(super) async fn ehlo(
        &self,
        log: &mut Log,
        dialogue: &mut Dialogue,
        step: StepName,
        over_tls: bool,
    ) -> Result<Extensions, Halt> {
        let since = Instant::now();
        let command = format!("EHLO {}", self.catalog.ehlo_name);
        let step_limit = self.catalog.timeouts.command();
        let limit = self.limit(step_limit);
        let reply = match dialogue
            .command(&command, Reply::reader(), limit, &mut log.transcript)
            .await
        {
            Ok(reply) => reply,
            Err(err) => {
                let detail = format!("No usable answer to EHLO: {}.", err.describe(limit, &WIRE));
                log.record(step, Verdict::Critical, since, detail);
                return Err(Halt::Drop);
            }
        };
        if reply.code != 250 {
            let helo = format!("HELO {}", self.catalog.ehlo_name);
            let limit = self.limit(step_limit);
            let helo_works = matches!(
                dialogue
                    .command(&helo, Reply::reader(), limit, &mut log.transcript)
                    .await,
                Ok(Reply { code: 250, .. })
            );
            let detail = if helo_works {
                format!("The server refused EHLO ({}) and speaks only old SMTP (HELO): encryption (STARTTLS) and login (AUTH) cannot work.", reply.quoted())
            } else {
                format!("The server refused EHLO: {}.", reply.quoted())
            };
            log.record(step, Verdict::Critical, since, detail);
            return Err(Halt::Quit);
        }
        let extensions = Extensions::from_reply(&reply);
        let mut detail = extensions.describe();
        if step == StepName::EhloTls && extensions.has_starttls() {
            // RFC 3207 §4.2: harmless for mail apps, but a sign of a confused server.
            detail.push_str(" (STARTTLS is still offered after TLS, which it should not be)");
        }
        let auth = extensions.auth();
        if !over_tls && !auth.is_empty() {
            detail = format!(
                "Login (AUTH {}) is offered without encryption: a mail app could send its password unprotected. The server should offer AUTH only after STARTTLS. Offered: {detail}",
                auth.join(" ")
            );
            log.record(step, Verdict::Warning, since, detail);
        } else {
            log.record(step, Verdict::Ok, since, detail);
        }
        Ok(extensions)
    }

    /// Sends STARTTLS and runs the handshake: the TLS conversation when the test can
    /// go on, and the TLS session when a handshake was tried.
    pub(super) async fn starttls(
        &self,
        log: &mut Log,
        mut plain: Dialogue,
        extensions: &Extensions,
        address: SocketAddr,
    ) -> (Option<Dialogue>, Option<TlsReport>) {
        let since = Instant::now();
        if !extensions.has_starttls() {
            log.record(StepName::Starttls, Verdict::Critical,
                since,
                format!("Encryption is not offered (no STARTTLS after EHLO): mail apps set to STARTTLS on port {} will fail, and passwords would travel unprotected.", self.request.port),
            );
            self.quit(log, &mut plain).await;
            return (None, None);
        }
        let step_limit = self.catalog.timeouts.command();
        let limit = self.limit(step_limit);
        let failure = match plain
            .command("STARTTLS", Reply::reader(), limit, &mut log.transcript)
            .await
        {
            Ok(reply) if reply.code == 220 => None,
            Ok(reply) if reply.code == 454 => Some((
                format!(
                    "Encryption is temporarily unavailable on the server: {}.",
                    reply.quoted()
                ),
                Halt::Quit,
            )),
            Ok(reply) => Some((
                format!("The server refused STARTTLS: {}.", reply.quoted()),
                Halt::Quit,
            )),
            Err(err) => Some((
                format!(
                    "No usable answer to STARTTLS: {}.",
                    err.describe(limit, &WIRE)
                ),
                Halt::Drop,
            )),
        };
        if let Some((detail, halt)) = failure {
            log.record(StepName::Starttls, Verdict::Critical, since, detail);
            self.halt(log, halt, &mut plain).await;
            return (None, None);
        }
        let (io, leftover) = plain.into_io();
        if leftover > 0 {
            log.note(format!(
                "the server sent {leftover} bytes after its STARTTLS answer; they were discarded"
            ));
        }
        log.note("starting TLS");
        let outcome = self.handshake(io, address).await;
        let (secure, tls) = self.handshake_done(log, StepName::Starttls, since, outcome);
        (secure, Some(tls))
    }
}
