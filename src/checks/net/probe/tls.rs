//! The TLS steps of a server test: the handshake (after STARTTLS or from the first
//! byte) recorded as a step, the certificate judged as its own step, and TLS tried on
//! a new connection when a plain-text port stays silent. The handshake and the
//! certificate judgement themselves are [`crate::checks::net::tls`]'s.

use std::net::SocketAddr;

use rustls::pki_types::ServerName;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::log::Log;
use super::step::StepKind;
use super::target::ServerHost;
use super::Probe;
use crate::checks::net::tls::{
    self, certificate, CertificateCheck, CertificateReport, HandshakeOutcome, Io, TlsFailure,
    TlsReport,
};
use crate::values::Verdict;

/// What a check says about a failed handshake before the general judgement: the
/// failure, the first bytes the server sent; `None` to leave it to the general rules.
pub type FailureJudge<'a> = &'a dyn Fn(&TlsFailure, &[u8]) -> Option<(Verdict, String)>;

/// TLS tried on a new connection to a port that stayed silent.
pub(super) enum SecondTry {
    /// No connection could be made (or no time was left).
    NotTried,
    /// The port speaks TLS from the first byte: the session (and its certificate,
    /// recorded as the certificate step), and the TLS connection, to read what
    /// greets over it. Boxed: far larger than the bytes of a failure.
    Tls(Box<TlsReport>, Box<dyn Io>),
    /// TLS failed too: the first bytes the server sent instead.
    Failed(Vec<u8>),
}

impl Probe<'_> {
    /// Runs the TLS handshake over `io` (connected to `address`) within the TLS timeout.
    pub async fn handshake(&self, io: Box<dyn Io>, address: SocketAddr) -> HandshakeOutcome {
        let limit = self.clock.limit(self.timeouts.tls());
        tls::handshake(io, self.server_name(address), self.roots.clone(), limit).await
    }

    /// Records the handshake (as `step`) and the certificate: the TLS connection
    /// when it works, and the TLS session as far as it got. A failure is judged by
    /// `judge` first (a check names its own protocol mix-ups), then by the general
    /// rules: an old TLS version is a warning, anything else critical.
    pub fn handshake_done<N: StepKind>(
        &self,
        log: &mut Log<N>,
        step: N,
        since: Instant,
        outcome: HandshakeOutcome,
        judge: FailureJudge<'_>,
    ) -> (Option<Box<dyn Io>>, TlsReport) {
        let HandshakeOutcome {
            result,
            certificate,
            server_bytes,
        } = outcome;
        let (secure, mut session) = match result {
            Ok(established) => {
                let detail = format!("{}, {}", established.version, established.cipher);
                log.note(format!("TLS established: {detail}"));
                log.record(step, Verdict::Ok, since, detail);
                let session = TlsReport {
                    version: Some(established.version),
                    cipher: Some(established.cipher),
                    certificate: None,
                };
                (Some(established.io), session)
            }
            Err(failure) => {
                log.note(format!("TLS failed: {failure}"));
                let (verdict, detail) = judge(&failure, &server_bytes).unwrap_or_else(|| match &failure {
                    TlsFailure::OldVersion => (
                        Verdict::Warning,
                        format!("Old TLS version: {failure}; modern mail apps may refuse it. The certificate and login could not be checked."),
                    ),
                    _ => (
                        Verdict::Critical,
                        format!("A secure connection could not be set up (TLS configuration problem): {failure}."),
                    ),
                });
                log.record(step, verdict, since, detail);
                (None, TlsReport::default())
            }
        };
        if let Some(check) = certificate {
            session.certificate = Some(self.certificate(log, &check, since));
        }
        (secure, session)
    }

    /// Judges the certificate the handshake recorded, as the certificate step.
    pub fn certificate<N: StepKind>(
        &self,
        log: &mut Log<N>,
        check: &CertificateCheck,
        since: Instant,
    ) -> CertificateReport {
        let host = self.host.to_string();
        let report = certificate::assess(check, &host, OffsetDateTime::now_utc());
        // RFC 3339 starts with the date.
        let until = report
            .not_after
            .get(..10)
            .unwrap_or(&report.not_after)
            .to_string();
        let (verdict, detail) = if let Some(problem) = &report.problem {
            (Verdict::Critical, problem.clone())
        } else if report.days_left <= self.expiry_warning_days {
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
        log.record(N::CERTIFICATE, verdict, since, detail);
        report
    }

    /// A plain-text port that never greeted: does it speak TLS from the first byte?
    /// Tries a handshake on a new connection to `addr`; when it works the certificate
    /// is judged (as the certificate step, timed from `since`).
    pub(super) async fn tls_on_new_connection<N: StepKind>(
        &self,
        log: &mut Log<N>,
        addr: SocketAddr,
        since: Instant,
    ) -> SecondTry {
        let connect_limit = self.clock.limit(self.timeouts.connect());
        if connect_limit.is_zero() {
            return SecondTry::NotTried;
        }
        log.note(format!(
            "no greeting: trying TLS on a new connection to {addr}, in case this port expects TLS from the first byte"
        ));
        let Ok(Ok(tcp)) = self.dial(addr, connect_limit).await else {
            return SecondTry::NotTried;
        };
        let outcome = self.handshake(Box::new(tcp), addr).await;
        match outcome.result {
            Ok(established) => {
                log.note(format!(
                    "TLS from the first byte works: {}, {}",
                    established.version, established.cipher
                ));
                let certificate = outcome
                    .certificate
                    .map(|check| self.certificate(log, &check, since));
                let session = TlsReport {
                    version: Some(established.version),
                    cipher: Some(established.cipher),
                    certificate,
                };
                SecondTry::Tls(Box::new(session), established.io)
            }
            Err(failure) => {
                log.note(format!(
                    "TLS from the first byte does not work either: {failure}"
                ));
                SecondTry::Failed(outcome.server_bytes)
            }
        }
    }

    /// The name the certificate must match: the host as typed (or its IP address).
    fn server_name(&self, address: SocketAddr) -> ServerName<'static> {
        match self.host {
            ServerHost::Address(ip) => ServerName::IpAddress((*ip).into()),
            ServerHost::Name(name) => {
                ServerName::try_from(name.as_str().to_string()).unwrap_or_else(|_| {
                    // A DNS name rustls cannot take (an underscore label): match the
                    // address instead, which fails the name check visibly.
                    ServerName::IpAddress(address.ip().into())
                })
            }
        }
    }
}
