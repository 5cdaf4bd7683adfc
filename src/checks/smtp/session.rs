//! The steps of the SMTP test, in order, each timed and bounded by its own timeout
//! and by the deadline of the whole test.
//!
//! Failures are findings: each failing step says what happened and what it means,
//! and names the real cause (a certificate problem is a certificate problem; a
//! silent server that answers TLS is an SSL/TLS port, not a broken STARTTLS one).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::RootCertStore;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::certificate;
use super::dialogue::{seconds, Dialogue, ReadError, Reply, Transcript};
use super::tls::{self, CertificateCheck, HandshakeOutcome, TlsFailure};
use super::verdict::{self, Context};
use super::{
    megabytes, Security, SmtpHost, SmtpReport, SmtpRequest, Step, StepName, StepStatus, TlsReport,
};
use crate::catalog::SmtpCatalog;
use crate::checks::address_policy;
use crate::checks::resolver::{DnsAnswer, DnsResolver};
use crate::checks::{Progress, ProgressSender};
use crate::report::{Details, Report, Verdict};
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
        steps: StepName::plan(security)
            .iter()
            .map(|&name| Step {
                name,
                status: StepStatus::Skipped,
                millis: 0,
                detail: "not run: an earlier step failed".to_string(),
                impact: Verdict::Ok,
            })
            .collect(),
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

/// What EHLO told us.
struct Extensions {
    /// The keyword lines (everything after the first line of the reply).
    keywords: Vec<String>,
}

impl Extensions {
    fn from_reply(reply: &Reply) -> Self {
        Extensions {
            keywords: reply
                .lines
                .iter()
                .skip(1)
                .map(|l| l.trim().to_string())
                .collect(),
        }
    }

    fn keyword(&self, name: &str) -> Option<&str> {
        self.keywords.iter().find_map(|line| {
            let mut words = line.splitn(2, [' ', '=']);
            let first = words.next()?;
            first
                .eq_ignore_ascii_case(name)
                .then(|| words.next().unwrap_or("").trim())
        })
    }

    fn has(&self, name: &str) -> bool {
        self.keyword(name).is_some()
    }

    /// The mechanisms of `AUTH PLAIN LOGIN` (or the old `AUTH=PLAIN LOGIN`), upper case.
    fn auth(&self) -> Vec<String> {
        let mut mechanisms: Vec<String> = Vec::new();
        for line in &self.keywords {
            let upper = line.to_ascii_uppercase();
            let Some(rest) = upper
                .strip_prefix("AUTH ")
                .or_else(|| upper.strip_prefix("AUTH="))
            else {
                continue;
            };
            for mechanism in rest.split_whitespace() {
                if !mechanisms.iter().any(|m| m == mechanism) {
                    mechanisms.push(mechanism.to_string());
                }
            }
        }
        mechanisms
    }

    /// `SIZE 36700160` in bytes; `None` without a limit (absent, or `SIZE 0`).
    fn size(&self) -> Option<u64> {
        self.keyword("SIZE")?
            .parse()
            .ok()
            .filter(|&bytes| bytes > 0)
    }

    /// The keywords for people: `STARTTLS, SIZE 36.7 MB, AUTH PLAIN LOGIN`.
    fn describe(&self) -> String {
        if self.keywords.is_empty() {
            return "no extensions offered".to_string();
        }
        self.keywords
            .iter()
            .map(|line| match self.size() {
                Some(bytes) if line.to_ascii_uppercase().starts_with("SIZE") => {
                    format!("SIZE {}", megabytes(bytes))
                }
                _ => line.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
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
        let extensions = match self.ehlo(&mut secure, StepName::EhloTls, true).await {
            Ok(extensions) => extensions,
            Err(halt) => return self.halt(halt, &mut secure).await,
        };
        self.auth(&extensions);
        self.quit(&mut secure).await;
    }

    /// TLS, certificate, greeting, EHLO, AUTH, QUIT.
    async fn implicit_flow(&mut self, tcp: TcpStream) {
        let since = Instant::now();
        self.transcript
            .note("starting TLS (TLS from the first byte)");
        let limit = self.limit(self.catalog.timeouts.tls());
        let outcome =
            tls::handshake(Box::new(tcp), self.server_name(), self.roots.clone(), limit).await;
        let Some(mut secure) = self.handshake_done(StepName::Tls, since, outcome) else {
            return;
        };
        if let Err(halt) = self.greeting(&mut secure).await {
            return self.halt(halt, &mut secure).await;
        }
        let extensions = match self.ehlo(&mut secure, StepName::Ehlo, true).await {
            Ok(extensions) => extensions,
            Err(halt) => return self.halt(halt, &mut secure).await,
        };
        self.auth(&extensions);
        self.quit(&mut secure).await;
    }

    async fn halt(&mut self, halt: Halt, dialogue: &mut Dialogue) {
        if let Halt::Quit = halt {
            self.quit(dialogue).await;
        }
    }

    /// The A and AAAA addresses of the host, every one of them checked by the address
    /// policy; an IP address typed by the user is used as it is (and checked too).
    async fn resolve(&mut self, resolver: &DnsResolver) -> Option<Vec<IpAddr>> {
        let since = Instant::now();
        let name = match &self.request.host {
            SmtpHost::Address(ip) => {
                let ip = *ip;
                if !self.allowed(ip, since) {
                    return None;
                }
                self.record(
                    StepName::Resolve,
                    StepStatus::Ok,
                    Verdict::Ok,
                    since,
                    format!("{ip} is an IP address: nothing to look up"),
                );
                return Some(vec![ip]);
            }
            SmtpHost::Name(name) => name.as_str().to_string(),
        };
        self.transcript
            .note(format!("looking up {name} (A and AAAA)"));
        let step_limit = self.catalog.timeouts.resolve();
        let limit = self.limit(step_limit);
        let lookups = async { tokio::join!(resolver.ipv4(&name), resolver.ipv6(&name)) };
        let Ok((v4, v6)) = tokio::time::timeout(limit, lookups).await else {
            let waited = self.waited(step_limit, limit);
            self.record(
                StepName::Resolve,
                StepStatus::Failed,
                Verdict::Unknown,
                since,
                format!("{name} could not be looked up within {waited}: this is a DNS problem, not the mail app's setup. Try again in a few minutes."),
            );
            return None;
        };
        let mut addresses: Vec<IpAddr> = Vec::new();
        if let Some(found) = v4.records() {
            addresses.extend(found.iter().map(|&ip| IpAddr::V4(ip)));
        }
        if let Some(found) = v6.records() {
            addresses.extend(found.iter().map(|&ip| IpAddr::V6(ip)));
        }
        if addresses.is_empty() {
            let why = match (&v4, &v6) {
                (DnsAnswer::NxDomain, _) | (_, DnsAnswer::NxDomain) => {
                    "the name does not exist (NXDOMAIN)".to_string()
                }
                (DnsAnswer::Failed(failure), _) | (_, DnsAnswer::Failed(failure)) => {
                    failure.to_string()
                }
                _ => "it has no address (no A or AAAA record)".to_string(),
            };
            self.record(
                StepName::Resolve,
                StepStatus::Failed,
                Verdict::Unknown,
                since,
                format!("{name} could not be looked up: {why}. This is a DNS problem, not the mail app's setup."),
            );
            return None;
        }
        for &ip in &addresses {
            if !self.allowed(ip, since) {
                return None;
            }
        }
        let shown: Vec<String> = addresses.iter().take(4).map(IpAddr::to_string).collect();
        let more = addresses.len().saturating_sub(shown.len());
        let mut detail = format!("{name} → {}", shown.join(", "));
        if more > 0 {
            detail.push_str(&format!(" and {more} more"));
        }
        self.transcript.note(detail.clone());
        self.record(
            StepName::Resolve,
            StepStatus::Ok,
            Verdict::Ok,
            since,
            detail,
        );
        Some(addresses)
    }

    /// Whether the address policy lets the test connect to `ip`; records the refusal.
    fn allowed(&mut self, ip: IpAddr, since: Instant) -> bool {
        if self.allow_private {
            return true;
        }
        match address_policy::classify(ip) {
            Ok(()) => true,
            Err(kind) => {
                let host = self.request.host.to_string();
                let detail = if host == ip.to_string() {
                    format!(
                        "{ip} is {}: the bot tests only public mail servers.",
                        kind.describe()
                    )
                } else {
                    format!(
                        "{host} resolves to {ip}, {}: the bot tests only public mail servers, and mail apps outside that network could not reach it either.",
                        kind.describe()
                    )
                };
                self.record(
                    StepName::Resolve,
                    StepStatus::Failed,
                    Verdict::Unknown,
                    since,
                    detail,
                );
                false
            }
        }
    }

    /// Connects to the checked addresses in turn until one answers.
    async fn connect(&mut self, addresses: &[IpAddr]) -> Option<TcpStream> {
        let since = Instant::now();
        let port = self.request.port;
        let step_limit = self.catalog.timeouts.connect();
        let mut first_problem = None;
        for &ip in addresses {
            let limit = self.limit(step_limit);
            if limit.is_zero() {
                break;
            }
            // The exact address the policy checked: no second resolution.
            let addr = SocketAddr::new(ip, port);
            self.transcript.note(format!("connecting to {addr}"));
            let problem = match tokio::time::timeout(limit, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    // SMTP is a conversation of small writes: don't let Nagle's
                    // algorithm hold them back.
                    let _ = stream.set_nodelay(true);
                    self.address = Some(addr);
                    self.transcript.note(format!("connected to {addr}"));
                    self.record(
                        StepName::Connect,
                        StepStatus::Ok,
                        Verdict::Ok,
                        since,
                        format!("connected to {addr}"),
                    );
                    return Some(stream);
                }
                Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => format!(
                    "The server answered but nothing is listening on port {port} (service down or blocked)."
                ),
                Ok(Err(err)) => format!("Could not connect to {addr}: {err}."),
                Err(_) => format!(
                    "No answer on port {port} within {} (firewall, routing or outage).",
                    self.waited(step_limit, limit)
                ),
            };
            self.transcript.note(problem.clone());
            first_problem.get_or_insert(problem);
        }
        let mut detail = first_problem.unwrap_or_else(|| {
            "The test's time limit ran out before a connection could be tried.".to_string()
        });
        if addresses.len() > 1 {
            detail.push_str(&format!(" ({} addresses tried)", addresses.len()));
        }
        self.record(
            StepName::Connect,
            StepStatus::Failed,
            Verdict::Critical,
            since,
            detail,
        );
        None
    }

    /// Reads the greeting. On a STARTTLS port a silent server is tried with TLS, to
    /// tell "expects TLS from the first byte" from "does not greet".
    async fn greeting(&mut self, dialogue: &mut Dialogue) -> Result<(), Halt> {
        let since = Instant::now();
        let step_limit = self.catalog.timeouts.greeting();
        let limit = self.limit(step_limit);
        let reply = dialogue.read_reply(limit, &mut self.transcript).await;
        let port = self.request.port;
        let (status, impact, detail, halt) = match reply {
            Ok(reply) if reply.code == 220 => {
                let took = since.elapsed();
                if took > Duration::from_millis(self.catalog.slow_greeting_ms) {
                    let detail = format!(
                        "The server greeted us only after {} ({}); many servers delay the greeting on purpose and mail apps wait, but sending feels slow.",
                        seconds(took),
                        reply.quoted()
                    );
                    self.record(StepName::Greeting, StepStatus::Warning, Verdict::Warning, since, detail);
                } else {
                    self.record(StepName::Greeting, StepStatus::Ok, Verdict::Ok, since, reply.quoted());
                }
                return Ok(());
            }
            Ok(reply) if reply.class() == 4 => (
                StepStatus::Failed,
                Verdict::Critical,
                format!("The server is refusing connections right now (temporary): {}. Try again later; if it lasts, the server is overloaded or down.", reply.quoted()),
                Halt::Quit,
            ),
            Ok(reply) if reply.class() == 5 => (
                StepStatus::Failed,
                Verdict::Critical,
                format!("The server refuses to serve this client (policy): {}.", reply.quoted()),
                Halt::Quit,
            ),
            Ok(reply) => (
                StepStatus::Failed,
                Verdict::Critical,
                format!("Unexpected greeting {} (an SMTP server greets with 220).", reply.quoted()),
                Halt::Quit,
            ),
            Err(ReadError::Timeout { received: 0 }) if self.security == Security::Starttls && !limit.is_zero() => {
                let detail = self.silent_greeting(since, step_limit, limit).await;
                (StepStatus::Failed, Verdict::Critical, detail, Halt::Drop)
            }
            Err(ReadError::Timeout { received: 0 }) => (
                StepStatus::Failed,
                Verdict::Critical,
                format!("The server accepted the connection but did not greet us within {} (overloaded or deliberately delaying).", self.waited(step_limit, limit)),
                Halt::Drop,
            ),
            Err(err) => (
                StepStatus::Failed,
                Verdict::Critical,
                format!("No usable greeting on port {port}: {}.", err.describe(limit)),
                Halt::Drop,
            ),
        };
        self.record(StepName::Greeting, status, impact, since, detail);
        Err(halt)
    }

    /// The greeting never came: does the port speak TLS from the first byte?
    async fn silent_greeting(
        &mut self,
        since: Instant,
        step_limit: Duration,
        limit: Duration,
    ) -> String {
        let port = self.request.port;
        let silent = format!(
            "The server accepted the connection but did not greet us within {} (overloaded or deliberately delaying).",
            self.waited(step_limit, limit)
        );
        let Some(addr) = self.address else {
            return silent;
        };
        let connect_limit = self.limit(self.catalog.timeouts.connect());
        if connect_limit.is_zero() {
            return silent;
        }
        self.transcript.note(format!(
            "no greeting: trying TLS on a new connection to {addr}, in case this port expects TLS from the first byte"
        ));
        let Ok(Ok(tcp)) = tokio::time::timeout(connect_limit, TcpStream::connect(addr)).await
        else {
            return silent;
        };
        let tls_limit = self.limit(self.catalog.timeouts.tls());
        let outcome = tls::handshake(
            Box::new(tcp),
            self.server_name(),
            self.roots.clone(),
            tls_limit,
        )
        .await;
        match outcome.result {
            Ok(established) => {
                self.transcript.note(format!(
                    "TLS from the first byte works: {}, {}",
                    established.version, established.cipher
                ));
                self.tls = Some(TlsReport {
                    version: Some(established.version),
                    cipher: Some(established.cipher),
                    certificate: None,
                });
                if let Some(check) = outcome.certificate {
                    self.certificate(&check, since);
                }
                format!(
                    "Port {port} expects TLS from the first byte (SSL/TLS, usually 465), not STARTTLS: the server stayed silent for {} but completed a TLS handshake when we tried. Set the mail app to SSL/TLS on this port, or use port 587 with STARTTLS.",
                    self.waited(step_limit, limit)
                )
            }
            Err(failure) => {
                self.transcript.note(format!(
                    "TLS from the first byte does not work either: {failure}"
                ));
                silent
            }
        }
    }

    /// Sends EHLO; when refused, tries HELO to say whether the server speaks only old SMTP.
    async fn ehlo(
        &mut self,
        dialogue: &mut Dialogue,
        step: StepName,
        over_tls: bool,
    ) -> Result<Extensions, Halt> {
        let since = Instant::now();
        let command = format!("EHLO {}", self.catalog.ehlo_name);
        let step_limit = self.catalog.timeouts.command();
        let limit = self.limit(step_limit);
        let reply = match dialogue
            .command(&command, limit, &mut self.transcript)
            .await
        {
            Ok(reply) => reply,
            Err(err) => {
                let detail = format!("No usable answer to EHLO: {}.", err.describe(limit));
                self.record(step, StepStatus::Failed, Verdict::Critical, since, detail);
                return Err(Halt::Drop);
            }
        };
        if reply.code != 250 {
            let helo = format!("HELO {}", self.catalog.ehlo_name);
            let limit = self.limit(step_limit);
            let helo_works = matches!(
                dialogue.command(&helo, limit, &mut self.transcript).await,
                Ok(Reply { code: 250, .. })
            );
            let detail = if helo_works {
                format!("The server refused EHLO ({}) and speaks only old SMTP (HELO): encryption (STARTTLS) and login (AUTH) cannot work.", reply.quoted())
            } else {
                format!("The server refused EHLO: {}.", reply.quoted())
            };
            self.record(step, StepStatus::Failed, Verdict::Critical, since, detail);
            return Err(Halt::Quit);
        }
        let extensions = Extensions::from_reply(&reply);
        self.extensions = extensions.keywords.clone();
        self.size_limit = extensions.size();
        let mut detail = extensions.describe();
        if step == StepName::EhloTls && extensions.has("STARTTLS") {
            // RFC 3207 §4.2: harmless for mail apps, but a sign of a confused server.
            detail.push_str(" (STARTTLS is still offered after TLS, which it should not be)");
        }
        let auth = extensions.auth();
        if !over_tls && !auth.is_empty() {
            detail = format!(
                "Login (AUTH {}) is offered without encryption: a mail app could send its password unprotected. The server should offer AUTH only after STARTTLS. Offered: {detail}",
                auth.join(" ")
            );
            self.record(step, StepStatus::Warning, Verdict::Warning, since, detail);
        } else {
            self.record(step, StepStatus::Ok, Verdict::Ok, since, detail);
        }
        if !over_tls {
            // Without TLS these are all we will learn, unless STARTTLS works.
            self.auth_mechanisms = auth;
        }
        Ok(extensions)
    }

    /// Sends STARTTLS and runs the handshake; `None` when the test cannot go on.
    async fn starttls(&mut self, mut plain: Dialogue, extensions: &Extensions) -> Option<Dialogue> {
        let since = Instant::now();
        if !extensions.has("STARTTLS") {
            self.record(
                StepName::Starttls,
                StepStatus::Failed,
                Verdict::Critical,
                since,
                format!("Encryption is not offered (no STARTTLS after EHLO): mail apps set to STARTTLS on port {} will fail, and passwords would travel unprotected.", self.request.port),
            );
            self.quit(&mut plain).await;
            return None;
        }
        let step_limit = self.catalog.timeouts.command();
        let limit = self.limit(step_limit);
        let failure = match plain.command("STARTTLS", limit, &mut self.transcript).await {
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
                format!("No usable answer to STARTTLS: {}.", err.describe(limit)),
                Halt::Drop,
            )),
        };
        if let Some((detail, halt)) = failure {
            self.record(
                StepName::Starttls,
                StepStatus::Failed,
                Verdict::Critical,
                since,
                detail,
            );
            self.halt(halt, &mut plain).await;
            return None;
        }
        let (io, leftover) = plain.into_io();
        if leftover > 0 {
            self.transcript.note(format!(
                "the server sent {leftover} bytes after its STARTTLS answer; they were discarded"
            ));
        }
        self.transcript.note("starting TLS");
        let limit = self.limit(self.catalog.timeouts.tls());
        let outcome = tls::handshake(io, self.server_name(), self.roots.clone(), limit).await;
        self.handshake_done(StepName::Starttls, since, outcome)
    }

    /// Records the handshake and the certificate; the TLS connection when it works.
    fn handshake_done(
        &mut self,
        step: StepName,
        since: Instant,
        outcome: HandshakeOutcome,
    ) -> Option<Dialogue> {
        let port = self.request.port;
        let secure = match outcome.result {
            Ok(established) => {
                let detail = format!("{}, {}", established.version, established.cipher);
                self.transcript.note(format!("TLS established: {detail}"));
                self.record(step, StepStatus::Ok, Verdict::Ok, since, detail);
                self.tls = Some(TlsReport {
                    version: Some(established.version),
                    cipher: Some(established.cipher),
                    certificate: None,
                });
                Some(Dialogue::new(established.io))
            }
            Err(failure) => {
                self.transcript.note(format!("TLS failed: {failure}"));
                let (status, impact, detail) = match (&failure, self.security) {
                    (TlsFailure::PlainText(line), Security::Implicit) => (
                        StepStatus::Failed,
                        Verdict::Critical,
                        format!("Port {port} speaks plain SMTP (it greeted with {line:?}), not TLS from the first byte: set the mail app to STARTTLS on this port, or use port 465 with SSL/TLS."),
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
    fn certificate(&mut self, check: &CertificateCheck, since: Instant) {
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
    fn auth(&mut self, extensions: &Extensions) {
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
    async fn quit(&mut self, dialogue: &mut Dialogue) {
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

    /// A step's own timeout, cut to what is left of the test's deadline.
    fn limit(&self, step_limit: Duration) -> Duration {
        step_limit.min(self.deadline.saturating_duration_since(Instant::now()))
    }

    /// How long we waited, and whether the whole test's deadline was the reason.
    fn waited(&self, step_limit: Duration, limit: Duration) -> String {
        if limit < step_limit {
            format!(
                "{} (the whole test's limit of {} was reached)",
                seconds(limit),
                seconds(self.catalog.timeouts.total())
            )
        } else {
            seconds(limit)
        }
    }

    fn record(
        &mut self,
        name: StepName,
        status: StepStatus,
        impact: Verdict,
        since: Instant,
        detail: String,
    ) {
        let total = self.steps.len();
        let Some(index) = self.steps.iter().position(|step| step.name == name) else {
            return;
        };
        self.steps[index] = Step {
            name,
            status,
            millis: since.elapsed().as_millis() as u64,
            detail,
            impact,
        };
        if let Some(sender) = &self.progress {
            let _ = sender.try_send(Progress {
                done: index + 1,
                total,
                line: format!(
                    "{} {} · {} ms",
                    status.emoji(),
                    name.label(),
                    self.steps[index].millis
                ),
            });
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(lines: &[&str]) -> Extensions {
        Extensions::from_reply(&Reply {
            code: 250,
            lines: lines.iter().map(|l| l.to_string()).collect(),
        })
    }

    #[test]
    fn ehlo_keywords_give_auth_size_and_starttls() {
        let ext = extensions(&[
            "mail.example.com Hello",
            "PIPELINING",
            "SIZE 36700160",
            "STARTTLS",
            "AUTH PLAIN LOGIN",
            "AUTH=LOGIN",
        ]);
        assert!(ext.has("starttls"));
        assert_eq!(ext.auth(), ["PLAIN", "LOGIN"]);
        assert_eq!(ext.size(), Some(36_700_160));
        assert_eq!(
            ext.describe(),
            "PIPELINING, SIZE 36.7 MB, STARTTLS, AUTH PLAIN LOGIN, AUTH=LOGIN"
        );
    }

    #[test]
    fn no_size_or_size_zero_means_no_declared_limit() {
        assert_eq!(extensions(&["x", "SIZE"]).size(), None);
        assert_eq!(extensions(&["x", "SIZE 0"]).size(), None);
        assert_eq!(extensions(&["x"]).auth(), Vec::<String>::new());
        assert!(!extensions(&["x", "STARTTLSX"]).has("STARTTLS"));
    }
}
