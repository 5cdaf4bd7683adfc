//! The TLS phase: the handshake (after STARTTLS or from the first byte), the TLS
//! session and certificate, the AUTH mechanisms offered over TLS, and QUIT.

use std::net::IpAddr;

use rustls::pki_types::ServerName;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::Session;
use crate::checks::smtp::certificate;
use crate::checks::smtp::dialogue::{Dialogue, Io};
use crate::checks::smtp::extensions::Extensions;
use crate::checks::smtp::tls::{self, CertificateCheck, HandshakeOutcome, TlsFailure};
use crate::checks::smtp::{Security, SmtpHost, StepName, StepStatus, TlsReport};
use crate::report::Verdict;

impl Session<'_> {
    /// TLS from the first byte on the fresh connection: the `Tls` step and the
    /// certificate; the TLS connection when it works.
    pub(super) async fn tls_from_first_byte(&mut self, tcp: TcpStream) -> Option<Dialogue> {
        let since = Instant::now();
        self.transcript
            .note("starting TLS (TLS from the first byte)");
        let outcome = self.handshake(Box::new(tcp)).await;
        self.handshake_done(StepName::Tls, since, outcome)
    }

    /// Runs the TLS handshake over `io` within the TLS timeout.
    pub(super) async fn handshake(&self, io: Box<dyn Io>) -> HandshakeOutcome {
        let limit = self.limit(self.catalog.timeouts.tls());
        tls::handshake(io, self.server_name(), self.roots.clone(), limit).await
    }

    /// Keeps the version and cipher of a finished handshake for the report.
    pub(super) fn keep_session(&mut self, version: String, cipher: String) {
        self.tls = Some(TlsReport {
            version: Some(version),
            cipher: Some(cipher),
            certificate: None,
        });
    }

    /// Records the handshake and the certificate; the TLS connection when it works.
    pub(super) fn handshake_done(
        &mut self,
        step: StepName,
        since: Instant,
        outcome: HandshakeOutcome,
    ) -> Option<Dialogue> {
        let secure = match outcome.result {
            Ok(established) => {
                let detail = format!("{}, {}", established.version, established.cipher);
                self.transcript.note(format!("TLS established: {detail}"));
                self.record(step, StepStatus::Ok, Verdict::Ok, since, detail);
                self.keep_session(established.version, established.cipher);
                Some(Dialogue::new(established.io))
            }
            Err(failure) => {
                self.transcript.note(format!("TLS failed: {failure}"));
                let (status, impact, detail) = match (&failure, self.security) {
                    (TlsFailure::PlainText(line), Security::Implicit) => (
                        StepStatus::Failed,
                        Verdict::Critical,
                        self.plain_greeting_on_tls_port(line),
                    ),
                    (TlsFailure::OldVersion, _) => (
                        StepStatus::Warning,
                        Verdict::Warning,
                        format!("Old TLS version: {failure}; modern mail apps may refuse it. The certificate and login could not be checked."),
                    ),
                    _ => (
                        StepStatus::Failed,
                        Verdict::Critical,
                        format!("A secure connection could not be set up (TLS configuration problem): {failure}."),
                    ),
                };
                self.record(step, status, impact, since, detail);
                self.tls = Some(TlsReport::default());
                None
            }
        };
        if let Some(check) = outcome.certificate {
            self.certificate(&check, since);
        }
        secure
    }

    /// Judges the certificate the handshake recorded.
    pub(super) fn certificate(&mut self, check: &CertificateCheck, since: Instant) {
        let host = self.request.host.to_string();
        let report = certificate::assess(check, &host, OffsetDateTime::now_utc());
        // RFC 3339 starts with the date.
        let until = report
            .not_after
            .get(..10)
            .unwrap_or(&report.not_after)
            .to_string();
        let (status, impact, detail) = if let Some(problem) = &report.problem {
            (StepStatus::Failed, Verdict::Critical, problem.clone())
        } else if report.days_left <= self.catalog.expiry_warning_days {
            (
                StepStatus::Warning,
                Verdict::Warning,
                format!(
                    "The certificate expires in {} days (on {until}): renew it soon, or mail apps will refuse the connection.",
                    report.days_left
                ),
            )
        } else {
            (
                StepStatus::Ok,
                Verdict::Ok,
                format!(
                    "valid for {host} until {until} ({} days left), issued by {}",
                    report.days_left, report.issuer
                ),
            )
        };
        self.transcript
            .note(format!("certificate: {}", report.subject));
        self.record(StepName::Certificate, status, impact, since, detail);
        self.tls.get_or_insert_with(TlsReport::default).certificate = Some(report);
    }

    /// After TLS, a submission port must offer AUTH.
    pub(super) fn auth(&mut self, extensions: &Extensions) {
        let since = Instant::now();
        let mechanisms = extensions.auth();
        let port = self.request.port;
        let (status, impact, detail) = if !mechanisms.is_empty() {
            (
                StepStatus::Ok,
                Verdict::Ok,
                format!("login offered after TLS: {}", mechanisms.join(", ")),
            )
        } else if self.catalog.submission_ports.contains(&port) {
            (
                StepStatus::Failed,
                Verdict::Critical,
                format!("Mail apps cannot log in to send mail: no login (AUTH) is offered after TLS on port {port}."),
            )
        } else {
            (
                StepStatus::Warning,
                Verdict::Warning,
                format!("No login (AUTH) is offered on port {port}: this port takes mail from other servers, not from mail apps; they should use port 587."),
            )
        };
        self.auth_mechanisms = mechanisms;
        self.record(StepName::Auth, status, impact, since, detail);
    }

    /// Says goodbye; a missing 221 is worth a note, never a problem.
    pub(super) async fn quit(&mut self, dialogue: &mut Dialogue) {
        let since = Instant::now();
        let step_limit = self.catalog.timeouts.command();
        let limit = self.limit(step_limit);
        let detail = match dialogue.command("QUIT", limit, &mut self.transcript).await {
            Ok(reply) if reply.code == 221 => reply.quoted(),
            Ok(reply) => format!("answered {} instead of 221 (harmless)", reply.quoted()),
            Err(err) => format!("no 221 to QUIT: {} (harmless)", err.describe(limit)),
        };
        self.record(StepName::Quit, StepStatus::Ok, Verdict::Ok, since, detail);
    }

    /// The name the certificate must match: the host as typed (or its IP address).
    fn server_name(&self) -> ServerName<'static> {
        match &self.request.host {
            SmtpHost::Address(ip) => ServerName::IpAddress((*ip).into()),
            SmtpHost::Name(name) => {
                ServerName::try_from(name.as_str().to_string()).unwrap_or_else(|_| {
                    // A DNS name rustls cannot take (an underscore label): match the
                    // address instead, which fails the name check visibly.
                    let ip = self
                        .address
                        .map(|addr| addr.ip())
                        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
                    ServerName::IpAddress(ip.into())
                })
            }
        }
    }
}
