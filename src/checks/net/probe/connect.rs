//! Getting a connection: resolve the host (A and AAAA), check every address against
//! the address policy, and connect to the checked addresses in turn.
//!
//! [`Probe::reach`] is how a test gets its connection; [`Probe::dial`] is the one
//! place a server test opens a TCP connection (the first one, and a second one to try
//! TLS on a silent port), so a limit on concurrent connections per host and port
//! wraps that one call.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::log::Log;
use super::step::StepKind;
use super::target::ServerHost;
use super::Probe;
use crate::checks::net::address_policy;
use crate::checks::net::resolver::{DnsAnswer, DnsResolver};
use crate::checks::net::slots::Turn;
use crate::values::Verdict;

/// A server reached: the connection, the address, and the turn at the server.
pub struct Reached {
    pub stream: TcpStream,
    pub address: SocketAddr,
    /// Held until the session ends: other tests of this server wait meanwhile.
    pub turn: Turn,
}

impl Probe<'_> {
    /// `host:port`, an IPv6 address in brackets: the server whose turns are counted.
    fn target(&self) -> String {
        match self.host {
            ServerHost::Address(IpAddr::V6(ip)) => format!("[{ip}]:{}", self.port),
            host => format!("{host}:{}", self.port),
        }
    }

    /// Resolves the host, waits for a turn at the server, and connects to the first
    /// checked address that answers: the connection, the address it went to, and the
    /// turn (hold it until the session ends). The resolve and connect steps are
    /// recorded either way.
    pub async fn reach<N: StepKind>(
        &self,
        log: &mut Log<N>,
        resolver: &DnsResolver,
    ) -> Option<Reached> {
        let addresses = self.resolve(log, resolver).await?;
        let turn = self.wait_for_turn(log).await?;
        let (stream, address) = self.connect(log, &addresses).await?;
        Some(Reached {
            stream,
            address,
            turn,
        })
    }

    /// The A and AAAA addresses of the host, every one of them checked by the address
    /// policy; an IP address typed by the user is used as it is (and checked too).
    async fn resolve<N: StepKind>(
        &self,
        log: &mut Log<N>,
        resolver: &DnsResolver,
    ) -> Option<Vec<IpAddr>> {
        let since = Instant::now();
        let name = match self.host {
            ServerHost::Address(ip) => {
                let ip = *ip;
                if !self.allowed(log, ip, since) {
                    return None;
                }
                log.record(
                    N::RESOLVE,
                    Verdict::Ok,
                    since,
                    format!("{ip} is an IP address: nothing to look up"),
                );
                return Some(vec![ip]);
            }
            ServerHost::Name(name) => name.as_str().to_string(),
        };
        log.note(format!("looking up {name} (A and AAAA)"));
        let step_limit = self.timeouts.resolve();
        let limit = self.clock.limit(step_limit);
        let lookups = async { tokio::join!(resolver.ipv4(&name), resolver.ipv6(&name)) };
        let Ok((v4, v6)) = tokio::time::timeout(limit, lookups).await else {
            let waited = self.clock.waited(step_limit, limit);
            log.record(N::RESOLVE, Verdict::Unknown,
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
            log.record(N::RESOLVE, Verdict::Unknown,
                since,
                format!("{name} could not be looked up: {why}. This is a DNS problem, not the mail app's setup."),
            );
            return None;
        }
        for &ip in &addresses {
            if !self.allowed(log, ip, since) {
                return None;
            }
        }
        let shown: Vec<String> = addresses.iter().take(4).map(IpAddr::to_string).collect();
        let more = addresses.len().saturating_sub(shown.len());
        let mut detail = format!("{name} → {}", shown.join(", "));
        if more > 0 {
            detail.push_str(&format!(" and {more} more"));
        }
        log.note(detail.clone());
        log.record(N::RESOLVE, Verdict::Ok, since, detail);
        Some(addresses)
    }

    /// Whether the address policy lets the test connect to `ip`; records the refusal.
    fn allowed<N: StepKind>(&self, log: &mut Log<N>, ip: IpAddr, since: Instant) -> bool {
        if self.allow_private {
            return true;
        }
        match address_policy::classify(ip) {
            Ok(()) => true,
            Err(kind) => {
                let host = self.host.to_string();
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
                log.record(N::RESOLVE, Verdict::Unknown, since, detail);
                false
            }
        }
    }

    /// Waits, within the test's deadline, until fewer than `max_sessions_per_server`
    /// other tests talk to this server; the turn, or `None` (recorded as the connect
    /// step) when the deadline passed first.
    async fn wait_for_turn<N: StepKind>(&self, log: &mut Log<N>) -> Option<Turn> {
        let since = Instant::now();
        let server = self.target();
        if !self.slots.is_free(&server) {
            log.note(format!(
                "other tests of {server} are running: waiting for our turn"
            ));
        }
        let turn = self.slots.turn(&server, self.clock.deadline()).await;
        if turn.is_none() {
            log.record(
                N::CONNECT,
                Verdict::Unknown,
                since,
                format!("Other tests of {server} were running for the whole time limit, and the bot opens only a few connections to one server at a time: try again in a minute."),
            );
        }
        turn
    }

    /// Connects to the checked addresses in turn until one answers; the connection
    /// and the address it went to.
    async fn connect<N: StepKind>(
        &self,
        log: &mut Log<N>,
        addresses: &[IpAddr],
    ) -> Option<(TcpStream, SocketAddr)> {
        let since = Instant::now();
        let port = self.port;
        let step_limit = self.timeouts.connect();
        let mut first_problem = None;
        for &ip in addresses {
            let limit = self.clock.limit(step_limit);
            if limit.is_zero() {
                break;
            }
            // The exact address the policy checked: no second resolution.
            let addr = SocketAddr::new(ip, port);
            log.note(format!("connecting to {addr}"));
            let problem = match self.dial(addr, limit).await {
                Ok(Ok(stream)) => {
                    log.note(format!("connected to {addr}"));
                    log.record(
                        N::CONNECT,
                        Verdict::Ok,
                        since,
                        format!("connected to {addr}"),
                    );
                    return Some((stream, addr));
                }
                Ok(Err(err)) if err.kind() == std::io::ErrorKind::ConnectionRefused => format!(
                    "The server answered but nothing is listening on port {port} (service down or blocked)."
                ),
                Ok(Err(err)) => format!("Could not connect to {addr}: {err}."),
                Err(_) => no_answer(port, &self.clock.waited(step_limit, limit)),
            };
            log.note(problem.clone());
            first_problem.get_or_insert(problem);
        }
        let mut detail = first_problem.unwrap_or_else(|| {
            "The test's time limit ran out before a connection could be tried.".to_string()
        });
        if addresses.len() > 1 {
            detail.push_str(&format!(" ({} addresses tried)", addresses.len()));
        }
        log.record(N::CONNECT, Verdict::Critical, since, detail);
        None
    }

    /// Opens a TCP connection to `addr` (an address the policy checked) within
    /// `limit`: `Err` when time ran out. Every connection of a test goes through here.
    pub async fn dial(
        &self,
        addr: SocketAddr,
        limit: Duration,
    ) -> Result<std::io::Result<TcpStream>, tokio::time::error::Elapsed> {
        let connected = tokio::time::timeout(limit, TcpStream::connect(addr)).await;
        if let Ok(Ok(stream)) = &connected {
            // Mail protocols are conversations of small writes: don't let Nagle's
            // algorithm hold them back.
            let _ = stream.set_nodelay(true);
        }
        connected
    }
}

/// The sentence for a connection that got no answer in time. On port 25 it says that
/// many cloud and residential networks block outgoing port 25, so the network the
/// test runs from (the bot's own host) may be the cause rather than the server.
fn no_answer(port: u16, waited: &str) -> String {
    let mut sentence =
        format!("No answer on port {port} within {waited} (firewall, routing or outage).");
    if port == 25 {
        sentence.push_str(
            " Many cloud and residential networks block outgoing port 25, so the bot's own network may be the cause rather than this server.",
        );
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::no_answer;

    #[test]
    fn a_silent_port_25_says_the_bots_own_network_may_block_it() {
        let on_25 = no_answer(25, "10 s");
        assert!(
            on_25.starts_with("No answer on port 25 within 10 s"),
            "{on_25}"
        );
        assert!(on_25.contains("block outgoing port 25"), "{on_25}");
        assert!(on_25.contains("bot's own network"), "{on_25}");
        let on_587 = no_answer(587, "10 s");
        assert_eq!(
            on_587,
            "No answer on port 587 within 10 s (firewall, routing or outage)."
        );
    }
}
