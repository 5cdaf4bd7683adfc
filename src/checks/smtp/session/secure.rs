//! The TLS phase: the handshake (after STARTTLS or from the first byte), the TLS
//! session and certificate, the AUTH mechanisms offered over TLS, and QUIT.

use std::net::SocketAddr;

use rustls::pki_types::ServerName;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::log::Log;
use super::Test;
use crate::checks::smtp::dialogue::Dialogue;
use crate::checks::smtp::extensions::Extensions;
use crate::checks::smtp::{Security, SmtpHost, StepName};
use crate::checks::tls::{
    self, certificate, CertificateCheck, CertificateReport, HandshakeOutcome, Io, TlsFailure,
    TlsReport,
};
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
        let limit = self.limit(self.catalog.timeouts.tls());
        tls::handshake(io, self.server_name(address), self.roots.clone(), limit).await
    }

    /// Records the handshake (as `step`) and the certificate: the TLS conversation
    /// when it works, and the TLS session as far as it got.
    pub(super) fn handshake_done(
        &self,
        log: &mut Log,
        step: StepName,
        since: Instant,
        outcome: HandshakeOutcome,
    ) -> (Option<Dialogue>, TlsReport) {
        let (secure, mut session) = match outcome.result {
            Ok(established) => {
                let detail = format!("{}, {}", established.version, established.cipher);
                log.note(format!("TLS established: {detail}"));
                log.record(step, Verdict::Ok, since, detail);
                let session = TlsReport {
                    version: Some(established.version),
                    cipher: Some(established.cipher),
                    certificate: None,
                };
                (Some(Dialogue::new(established.io)), session)
            }
            Err(failure) => {
                log.note(format!("TLS failed: {failure}"));
                let (verdict, detail) = match (&failure, self.security) {
                    (TlsFailure::PlainText(line), Security::Implicit) => {
                        (Verdict::Critical, self.plain_greeting_on_tls_port(line))
                    }
                    (TlsFailure::OldVersion, _) => (
                        Verdict::Warning,
                        format!("Old TLS version: {failure}; modern mail apps may refuse it. The certificate and login could not be checked."),
                    ),
                    _ => (
                        Verdict::Critical,
                        format!("A secure connection could not be set up (TLS configuration problem): {failure}."),
                    ),
                };
                log.record(step, verdict, since, detail);
                (None, TlsReport::default())
            }
        };
        if let Some(check) = outcome.certificate {
            session.certificate = Some(self.certificate(log, &check, since));
        }
        (secure, session)
    }

    /// Judges the certificate the handshake recorded, as the `Certificate` step.
    pub(super) fn certificate(
        &self,
        log: &mut Log,
        check: &CertificateCheck,
        since: Instant,
    ) -> CertificateReport {
        let host = self.request.host.to_string();
        let report = certificate::assess(check, &host, OffsetDateTime::now_utc());
        // RFC 3339 starts with the date.
        let until = report
            .not_after
            .get(..10)
            .unwrap_or(&report.not_after)
            .to_string();
        let (verdict, detail) = if let Some(problem) = &report.problem {
            (Verdict::Critical, problem.clone())
        } else if report.days_left <= self.catalog.expiry_warning_days {
            (
                Verdict::Warning,
                format!(
                    "The certificate expires in {} days (on {until}): renew it soon, or mail apps will refuse the connection.",
                    report.days_left
                ),
            )
        } else {
            (
                Verdict::Ok,
                format!(
                    "valid for {host} until {until} ({} days left), issued by {}",
                    report.days_left, report.issuer
                ),
            )
        };
        log.note(format!("certificate: {}", report.subject));
        log.record(StepName::Certificate, verdict, since, detail);
        report
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
        let detail = match dialogue.command("QUIT", limit, &mut log.transcript).await {
            Ok(reply) if reply.code == 221 => reply.quoted(),
            Ok(reply) => format!("answered {} instead of 221 (harmless)", reply.quoted()),
            Err(err) => format!("no 221 to QUIT: {} (harmless)", err.describe(limit)),
        };
        log.record(StepName::Quit, Verdict::Ok, since, detail);
    }

    /// The name the certificate must match: the host as typed (or its IP address).
    fn server_name(&self, address: SocketAddr) -> ServerName<'static> {
        match &self.request.host {
            SmtpHost::Address(ip) => ServerName::IpAddress((*ip).into()),
            SmtpHost::Name(name) => {
                ServerName::try_from(name.as_str().to_string()).unwrap_or_else(|_| {
                    // A DNS name rustls cannot take (an underscore label): match the
                    // address instead, which fails the name check visibly.
                    ServerName::IpAddress(address.ip().into())
                })
            }
        }
    }
}
