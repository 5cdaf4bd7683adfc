//! The SMTP test as a session: the plan for the port's security (STARTTLS or TLS
//! from the first byte), run phase by phase, then turned into the report.
//!
//! A [`Test`] is what is tested, fixed before the first step (server, port, security,
//! deadline); the [`Log`] is the running record (the step table, the transcript,
//! progress). Each phase records its step and *returns* what it found (addresses, a
//! connection, the EHLO extensions, the TLS session), and the flows below assemble
//! those findings into the report.
//!
//! Each step is timed and bounded by its own timeout and by the deadline of the
//! whole test. Failures are findings: each failing step says what happened and what
//! it means, and names the real cause (a certificate problem is a certificate
//! problem; a silent server that answers TLS is an SSL/TLS port, not a broken
//! STARTTLS one).
//!
//! Resolving, connecting, the TLS steps, the step table and the clock are shared with
//! the other server tests ([`crate::checks::net::probe`]); this module holds the SMTP
//! dialogue and what SMTP's findings mean.
//!
//! - `log`: the step table of SMTP's steps, and timeouts cut to the deadline.
//! - `plain`: greeting, EHLO, STARTTLS.
//! - `secure`: the TLS handshake, the certificate, AUTH, QUIT.
//! - `mixup`: a port set up for the other kind of TLS.

mod log;
mod mixup;
mod plain;
mod secure;

use std::net::SocketAddr;
use std::time::Duration;

use futures::future::Either;
use tokio::net::TcpStream;
use tokio::time::Instant;

use self::log::Log;
use super::extensions::Extensions;
use super::reply;
use super::{Security, SmtpReport, SmtpRequest, StepName};
use crate::catalog::SmtpCatalog;
use crate::checks::net::probe::{Dialogue, Probe, ProbeReport};
use crate::checks::net::resolver::DnsResolver;
use crate::checks::net::reverse_dns::{self, ReverseDns};
use crate::checks::net::tls::TlsReport;
use crate::checks::net::transcript::{Party, TranscriptLine};
use crate::checks::{Progress, Services};

/// How long the reverse DNS lookup may go on after the dialogue has ended.
const REVERSE_DNS_GRACE: Duration = Duration::from_secs(2);

/// Runs every step that can run and builds the report.
pub(super) async fn run(
    services: &Services,
    request: &SmtpRequest,
    progress: &Progress,
) -> SmtpReport {
    let catalog = &services.catalog.smtp;
    // TLS from the first byte on any protocol's SSL/TLS port (465, and the
    // mailbox's 993 and 995: another protocol's server there waits for TLS).
    let security = if services.catalog.implicit_tls_port(request.port) {
        Security::Implicit
    } else {
        Security::Starttls
    };
    let started = Instant::now();
    let test = Test {
        catalog,
        request,
        probe: Probe::new(
            services,
            &request.host,
            request.port,
            security,
            &catalog.timeouts,
            catalog.expiry_warning_days,
            started,
        ),
    };
    let mut log = Log::new(StepName::plan(security), started, progress.clone());
    let found = test.run(&mut log, &services.resolver).await;
    let (steps, transcript) = log.finish();
    let greeting = greeting_host(&transcript);
    SmtpReport {
        probe: ProbeReport::new(
            &test.probe,
            found.address,
            steps,
            found.tls,
            request.is_provider_host(catalog),
        ),
        auth_mechanisms: found.auth_mechanisms,
        size_limit: found.extensions.as_ref().and_then(Extensions::size),
        extensions: found
            .extensions
            .map(|extensions| extensions.keywords)
            .unwrap_or_default(),
        reverse_dns: found
            .reverse_dns
            .map(|rdns| rdns.with_greeting(greeting.as_deref())),
        transcript,
    }
}

/// The host name a server greets with: the first word after `220` of its first line.
fn greeting_host(transcript: &[TranscriptLine]) -> Option<String> {
    let line = transcript.iter().find(|line| line.from == Party::Server)?;
    let rest = line.text.strip_prefix("220")?;
    let rest = rest.strip_prefix(['-', ' '])?;
    rest.split_whitespace().next().map(str::to_string)
}

/// What is tested: fixed before the first step.
struct Test<'a> {
    catalog: &'a SmtpCatalog,
    request: &'a SmtpRequest,
    /// The server, the port's security, the clock: what every server test has.
    probe: Probe<'a>,
}

/// What the test found, besides the steps and the transcript.
#[derive(Default)]
struct Found {
    /// The address connected to.
    address: Option<SocketAddr>,
    tls: Option<TlsReport>,
    /// The extensions of the last EHLO that was answered.
    extensions: Option<Extensions>,
    /// The AUTH mechanisms offered after TLS, or in plain text when TLS never came.
    auth_mechanisms: Vec<String>,
    /// The reverse DNS of the address connected to, looked up during the dialogue.
    reverse_dns: Option<ReverseDns>,
}

/// Why a flow stopped early, and whether the connection can still be closed politely.
enum Halt {
    /// A complete reply was read: send QUIT.
    Quit,
    /// The connection is in an unknown state (timeout, garbage, closed): just drop it.
    Drop,
}

impl Test<'_> {
    /// Resolves, connects, and runs the flow for the port's security.
    async fn run(&self, log: &mut Log, resolver: &DnsResolver) -> Found {
        let Some(reached) = self.probe.reach(log, resolver).await else {
            return Found::default();
        };
        // Held until the session ends: other tests of this server wait meanwhile.
        let (tcp, address, _turn) = (reached.stream, reached.address, reached.turn);
        let flow = async {
            match self.probe.security {
                Security::Starttls => self.starttls_flow(log, tcp, address).await,
                Security::Implicit => self.implicit_flow(log, tcp, address).await,
            }
        };
        // Reverse DNS runs beside the dialogue, never before it: once the dialogue
        // ends it gets a short grace, never the rest of the test's deadline.
        let ip = address.ip();
        let reverse = Box::pin(tokio::time::timeout_at(
            self.probe.clock.deadline(),
            reverse_dns::look_up(resolver, ip),
        ));
        let (found, reverse) = match futures::future::select(Box::pin(flow), reverse).await {
            Either::Left((found, reverse)) => {
                let reverse = tokio::time::timeout(REVERSE_DNS_GRACE, reverse).await;
                (found, reverse.ok().and_then(Result::ok))
            }
            Either::Right((reverse, flow)) => (flow.await, reverse.ok()),
        };
        let reverse = reverse.unwrap_or_else(|| {
            ReverseDns::failed(ip, "it did not answer within the test's time limit")
        });
        Found {
            address: Some(address),
            reverse_dns: Some(reverse),
            ..found
        }
    }

    /// Greeting, EHLO, STARTTLS, certificate, EHLO over TLS, AUTH, QUIT.
    async fn starttls_flow(&self, log: &mut Log, tcp: TcpStream, address: SocketAddr) -> Found {
        let mut plain = reply::dialogue(Box::new(tcp));
        if let Err((halt, tls)) = self.greeting(log, &mut plain, Some(address)).await {
            self.halt(log, halt, &mut plain).await;
            return Found {
                tls,
                ..Found::default()
            };
        }
        let extensions = match self.ehlo(log, &mut plain, StepName::Ehlo, false).await {
            Ok(extensions) => extensions,
            Err(halt) => {
                self.halt(log, halt, &mut plain).await;
                return Found::default();
            }
        };
        // Without TLS these are all we learn, unless STARTTLS works.
        let plain_auth = extensions.auth().to_vec();
        let (secure, tls) = self.starttls(log, plain, &extensions, address).await;
        let after_tls = match secure {
            Some(mut secure) => {
                self.ehlo_auth_quit(log, &mut secure, StepName::EhloTls)
                    .await
            }
            None => None,
        };
        let (extensions, auth_mechanisms) = after_tls.unwrap_or((extensions, plain_auth));
        Found {
            tls,
            extensions: Some(extensions),
            auth_mechanisms,
            ..Found::default()
        }
    }

    /// TLS, certificate, greeting, EHLO, AUTH, QUIT.
    async fn implicit_flow(&self, log: &mut Log, tcp: TcpStream, address: SocketAddr) -> Found {
        let (secure, tls) = self.tls_from_first_byte(log, tcp, address).await;
        let found = Found {
            tls: Some(tls),
            ..Found::default()
        };
        let Some(mut secure) = secure else {
            return found;
        };
        if let Err((halt, _)) = self.greeting(log, &mut secure, None).await {
            self.halt(log, halt, &mut secure).await;
            return found;
        }
        match self.ehlo_auth_quit(log, &mut secure, StepName::Ehlo).await {
            Some((extensions, auth_mechanisms)) => Found {
                extensions: Some(extensions),
                auth_mechanisms,
                ..found
            },
            None => found,
        }
    }

    /// The end of both flows, over TLS: EHLO (as `step`), AUTH, QUIT. The extensions
    /// and the AUTH mechanisms, when EHLO was answered.
    async fn ehlo_auth_quit(
        &self,
        log: &mut Log,
        secure: &mut Dialogue,
        step: StepName,
    ) -> Option<(Extensions, Vec<String>)> {
        let extensions = match self.ehlo(log, secure, step, true).await {
            Ok(extensions) => extensions,
            Err(halt) => {
                self.halt(log, halt, secure).await;
                return None;
            }
        };
        let mechanisms = self.auth(log, &extensions);
        self.quit(log, secure).await;
        Some((extensions, mechanisms))
    }

    /// Ends a flow that stopped early: QUIT when the conversation is still in step.
    async fn halt(&self, log: &mut Log, halt: Halt, dialogue: &mut Dialogue) {
        if let Halt::Quit = halt {
            self.quit(log, dialogue).await;
        }
    }
}
