//! The IMAP or POP3 test as a session, written once over the protocol's [`Dialect`]:
//! the plan for the port's security (STARTTLS/STLS or TLS from the first byte), run
//! phase by phase, then turned into the report.
//!
//! As in `/smtp`, a [`Test`] is what is tested, fixed before the first step, and the
//! [`Log`] the running record; each phase records its step and *returns* what it
//! found (addresses, a connection, the capabilities, the TLS session), and the flows
//! below assemble those findings into the report. Resolving, connecting, the TLS
//! steps and the clock are the shared [`Probe`]'s.
//!
//! The test never logs in: it reads what the server offers and says what a mail app
//! would be able to do. It never sends LOGIN, AUTHENTICATE, USER or PASS.
//!
//! - `plain`: greeting, capabilities, STARTTLS/STLS.
//! - `secure`: TLS from the first byte, the login judgement, LOGOUT/QUIT.
//! - `mixup`: what answered instead of the expected server, named.

mod mixup;
mod plain;
mod secure;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::answer;
use super::capabilities::Capabilities;
use super::dialect::Dialect;
use super::report::MailboxReport;
use super::request::MailboxRequest;
use super::step::StepName;
use crate::catalog::MailboxCatalog;
use crate::checks::net::probe::{self, Dialogue, Probe, ProbeReport, Security};
use crate::checks::net::resolver::DnsResolver;
use crate::checks::net::tls::TlsReport;
use crate::checks::{Progress, Services};

/// The step table over the mailbox steps.
type Log = probe::Log<StepName>;

/// Runs every step that can run and builds the report.
pub(super) async fn run<D: Dialect>(
    services: &Services,
    request: &MailboxRequest<D>,
    progress: &Progress,
) -> MailboxReport<D> {
    let catalog = &services.catalog.mailbox;
    let security = request.security(&services.catalog);
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
        tags: AtomicU32::new(0),
        loopback: AtomicBool::new(false),
    };
    let mut log = Log::new(&D::plan(security), started, progress.clone());
    let found = test.run(&mut log, &services.resolver).await;
    let (steps, transcript) = log.finish();
    let capabilities = found.capabilities.unwrap_or_default();
    MailboxReport {
        probe: ProbeReport::new(
            &test.probe,
            found.address,
            steps,
            found.tls,
            request.is_provider_host(catalog),
        ),
        login: capabilities.password_logins(D::PASSWORD_COMMAND),
        auth_mechanisms: capabilities.mechanisms,
        capabilities: capabilities.items,
        transcript,
        protocol: D::default(),
    }
}

/// What is tested: fixed before the first step.
struct Test<'a, D> {
    catalog: &'a MailboxCatalog,
    request: &'a MailboxRequest<D>,
    /// The server, the port's security, the clock: what every server test has.
    probe: Probe<'a>,
    /// The last IMAP tag used (`a1`, `a2`, …).
    tags: AtomicU32,
    /// Whether the address connected to is a loopback address, where servers often
    /// trust the client more than they would a remote one.
    loopback: AtomicBool,
}

/// What the test found, besides the steps and the transcript.
#[derive(Default)]
struct Found {
    /// The address connected to.
    address: Option<SocketAddr>,
    tls: Option<TlsReport>,
    /// The capabilities offered after TLS, or in plain text when TLS never came.
    capabilities: Option<Capabilities>,
}

/// Why a flow stopped early, and whether the connection can still be closed politely.
enum Halt {
    /// A complete answer was read: log out.
    Logout,
    /// The connection is in an unknown state (timeout, garbage, closed): just drop it.
    Drop,
}

impl<D: Dialect> Test<'_, D> {
    /// Resolves, connects, and runs the flow for the port's security.
    async fn run(&self, log: &mut Log, resolver: &DnsResolver) -> Found {
        let Some(reached) = self.probe.reach(log, resolver).await else {
            return Found::default();
        };
        // Held until the session ends: other tests of this server wait meanwhile.
        let (tcp, address, _turn) = (reached.stream, reached.address, reached.turn);
        self.loopback
            .store(address.ip().is_loopback(), Ordering::Relaxed);
        let found = match self.probe.security {
            Security::Starttls => self.starttls_flow(log, tcp, address).await,
            Security::Implicit => self.implicit_flow(log, tcp, address).await,
        };
        Found {
            address: Some(address),
            ..found
        }
    }

    /// Greeting, capabilities, STARTTLS, certificate, capabilities over TLS, login,
    /// logout.
    async fn starttls_flow(&self, log: &mut Log, tcp: TcpStream, address: SocketAddr) -> Found {
        let mut plain = answer::dialogue::<D>(Box::new(tcp));
        if let Err((halt, tls)) = self.greeting(log, &mut plain, Some(address)).await {
            self.halt(log, halt, &mut plain).await;
            return Found {
                tls,
                ..Found::default()
            };
        }
        let before_tls = match self
            .capabilities(log, &mut plain, D::CAPABILITY, false)
            .await
        {
            Ok(capabilities) => capabilities,
            Err(halt) => {
                self.halt(log, halt, &mut plain).await;
                return Found::default();
            }
        };
        let (secure, tls) = self
            .starttls(log, plain, before_tls.as_ref(), address)
            .await;
        let after_tls = match secure {
            Some(mut secure) => {
                self.capabilities_login_logout(log, &mut secure, D::CAPABILITY_TLS)
                    .await
            }
            None => None,
        };
        Found {
            address: None,
            tls,
            // Without TLS, what was offered in plain text is all we learnt.
            capabilities: after_tls.or(before_tls),
        }
    }

    /// TLS, certificate, greeting, capabilities, login, logout.
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
        Found {
            capabilities: self
                .capabilities_login_logout(log, &mut secure, D::CAPABILITY)
                .await,
            ..found
        }
    }

    /// The end of both flows, over TLS: the capabilities (as `step`), the login
    /// judgement, logout. The capabilities, when the server listed them.
    async fn capabilities_login_logout(
        &self,
        log: &mut Log,
        secure: &mut Dialogue,
        step: StepName,
    ) -> Option<Capabilities> {
        let capabilities = match self.capabilities(log, secure, step, true).await {
            Ok(capabilities) => capabilities,
            Err(halt) => {
                self.halt(log, halt, secure).await;
                return None;
            }
        };
        self.login(log, capabilities.as_ref());
        self.logout(log, secure).await;
        capabilities
    }

    /// Ends a flow that stopped early: log out when the conversation is still in step.
    async fn halt(&self, log: &mut Log, halt: Halt, dialogue: &mut Dialogue) {
        if let Halt::Logout = halt {
            self.logout(log, dialogue).await;
        }
    }

    /// The next IMAP tag: `a1`, `a2`, … (POP3 ignores it).
    fn tag(&self) -> String {
        let number = self.tags.fetch_add(1, Ordering::Relaxed) + 1;
        format!("a{number}")
    }

    /// What a finding about login before TLS or PREAUTH adds when the server was
    /// reached over loopback (see mail-auth notes: servers often trust localhost).
    fn loopback_note(&self) -> &'static str {
        if self.loopback.load(Ordering::Relaxed) {
            " (Tested over a loopback address: many servers trust their own machine and offer more there than to a remote mail app. The finding counts as it would for a remote client; test the server's public address to see what mail apps see.)"
        } else {
            ""
        }
    }
}
