//! The SMTP test as a session: the plan for the port's security (STARTTLS or TLS
//! from the first byte), run step by step, then turned into the report.
//!
//! Each step is timed and bounded by its own timeout and by the deadline of the
//! whole test. Failures are findings: each failing step says what happened and what
//! it means, and names the real cause (a certificate problem is a certificate
//! problem; a silent server that answers TLS is an SSL/TLS port, not a broken
//! STARTTLS one).
//!
//! - `steps`: the step table, timing, and timeouts cut to the deadline.
//! - `connect`: resolve, address policy, TCP connect.
//! - `plain`: greeting, EHLO, STARTTLS.
//! - `secure`: the TLS handshake, the certificate, AUTH, QUIT.
//! - `mixup`: a port set up for the other kind of TLS.

mod connect;
mod mixup;
mod plain;
mod secure;
mod steps;

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::RootCertStore;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::dialogue::{Dialogue, Transcript};
use super::verdict::{self, Context};
use super::{Security, SmtpReport, SmtpRequest, Step, StepName, TlsReport};
use crate::catalog::SmtpCatalog;
use crate::checks::resolver::DnsResolver;
use crate::checks::ProgressSender;
use crate::report::{Details, Report};
use crate::services::Services;

/// Runs every step that can run and builds the report.
pub(super) async fn run(
    services: &Services,
    request: &SmtpRequest,
    progress: ProgressSender,
) -> Report {
    let catalog = &services.catalog.smtp;
    let security = if catalog.implicit_tls_ports.contains(&request.port) {
        Security::Implicit
    } else {
        Security::Starttls
    };
    let started = Instant::now();
    let mut session = Session {
        catalog,
        request,
        roots: services.tls_roots.clone(),
        allow_private: services.config.allow_private_targets,
        security,
        deadline: started + catalog.timeouts.total(),
        steps: steps::planned(security),
        transcript: Transcript::new(started),
        tls: None,
        auth_mechanisms: Vec::new(),
        extensions: Vec::new(),
        size_limit: None,
        address: None,
        progress,
    };
    session.test(&services.resolver).await;
    session.into_report()
}

/// Why a flow stopped early, and whether the connection can still be closed politely.
enum Halt {
    /// A complete reply was read: send QUIT.
    Quit,
    /// The connection is in an unknown state (timeout, garbage, closed): just drop it.
    Drop,
}

struct Session<'a> {
    catalog: &'a SmtpCatalog,
    request: &'a SmtpRequest,
    roots: Arc<RootCertStore>,
    allow_private: bool,
    security: Security,
    deadline: Instant,
    steps: Vec<Step>,
    transcript: Transcript,
    tls: Option<TlsReport>,
    auth_mechanisms: Vec<String>,
    extensions: Vec<String>,
    size_limit: Option<u64>,
    address: Option<SocketAddr>,
    progress: ProgressSender,
}

impl Session<'_> {
    /// Resolves, connects, and runs the flow for the port's security.
    async fn test(&mut self, resolver: &DnsResolver) {
        let Some(addresses) = self.resolve(resolver).await else {
            return;
        };
        let Some(tcp) = self.connect(&addresses).await else {
            return;
        };
        match self.security {
            Security::Starttls => self.starttls_flow(tcp).await,
            Security::Implicit => self.implicit_flow(tcp).await,
        }
    }

    /// Greeting, EHLO, STARTTLS, certificate, EHLO over TLS, AUTH, QUIT.
    async fn starttls_flow(&mut self, tcp: TcpStream) {
        let mut plain = Dialogue::new(Box::new(tcp));
        if let Err(halt) = self.greeting(&mut plain).await {
            return self.halt(halt, &mut plain).await;
        }
        let extensions = match self.ehlo(&mut plain, StepName::Ehlo, false).await {
            Ok(extensions) => extensions,
            Err(halt) => return self.halt(halt, &mut plain).await,
        };
        let Some(mut secure) = self.starttls(plain, &extensions).await else {
            return;
        };
        self.ehlo_auth_quit(&mut secure, StepName::EhloTls).await;
    }

    /// TLS, certificate, greeting, EHLO, AUTH, QUIT.
    async fn implicit_flow(&mut self, tcp: TcpStream) {
        let Some(mut secure) = self.tls_from_first_byte(tcp).await else {
            return;
        };
        if let Err(halt) = self.greeting(&mut secure).await {
            return self.halt(halt, &mut secure).await;
        }
        self.ehlo_auth_quit(&mut secure, StepName::Ehlo).await;
    }

    /// The end of both flows, over TLS: EHLO (as `step`), AUTH, QUIT.
    async fn ehlo_auth_quit(&mut self, secure: &mut Dialogue, step: StepName) {
        let extensions = match self.ehlo(secure, step, true).await {
            Ok(extensions) => extensions,
            Err(halt) => return self.halt(halt, secure).await,
        };
        self.auth(&extensions);
        self.quit(secure).await;
    }

    /// Ends a flow that stopped early: QUIT when the conversation is still in step.
    async fn halt(&mut self, halt: Halt, dialogue: &mut Dialogue) {
        if let Halt::Quit = halt {
            self.quit(dialogue).await;
        }
    }

    /// The verdict on the steps, and everything found, as the report.
    fn into_report(self) -> Report {
        let target = self.request.target();
        let conclusion = verdict::conclude(
            &self.steps,
            &Context {
                target: &target,
                port: self.request.port,
                security: self.security,
                provider_host: self.request.is_provider_host(self.catalog),
                auth_mechanisms: &self.auth_mechanisms,
            },
        );
        Report {
            target,
            verdict: conclusion.verdict,
            summary: conclusion.summary.clone(),
            details: Details::Smtp(Box::new(SmtpReport {
                host: self.request.host.to_string(),
                port: self.request.port,
                security: self.security,
                address: self.address.map(|addr| addr.to_string()),
                steps: self.steps,
                tls: self.tls,
                auth_mechanisms: self.auth_mechanisms,
                extensions: self.extensions,
                size_limit: self.size_limit,
                advice: conclusion.summary,
                transcript: self.transcript.into_lines(),
            })),
        }
    }
}
