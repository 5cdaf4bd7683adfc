//! The DNS lookups of one SPF run: one `/domain` SPF part (its linter and all its
//! evaluations together) or one `/spf` check. This is the bot's own cost limit, not
//! RFC 7208's: anyone may run `/domain` on a domain they control, and its SPF tree
//! decides what the bot asks, and of whom. A tree of 40 records of 3,000 `a:` terms
//! under someone else's zone once made one check send 240,118 queries to that zone's
//! nameservers. A [`Lookups`] handle makes that impossible:
//!
//! - **One budget**: at most [`MAX_LOOKUPS`] queries sent per run, whatever asks them
//!   (the linter, an evaluation, the evaluator's prefetch). A question past it is not
//!   sent: it gets [`DnsFailure::OverBudget`], and the run is marked cut off
//!   ([`Lookups::cut_off`]) so that the report can say so. A `TXT` question is charged
//!   [`TXT_COST`]: an answer too large for a UDP datagram (SPF records often are) is
//!   asked again over TCP, so the budget bounds what nameservers receive, not only
//!   what the bot asks.
//! - **Asked once**: answers are kept by name and type for the run, and a question
//!   already in flight is waited for rather than asked again, so the eight evaluations
//!   and the linter of `/domain` share every record they have in common.
//! - **A few at a time**: at most [`MAX_IN_FLIGHT`] of the run's queries are in flight
//!   at once, below the resolver's own bound for all checks together.
//!
//! The budget never counts toward RFC 7208's limits (10 DNS-querying terms and 2 void
//! lookups per evaluation, §4.6.4): the evaluator counts those itself, as the RFC
//! says, and they keep their exact meaning.
//!
//! Why these numbers: a tree a receiver can evaluate has at most 11 records (the
//! domain's and 10 includes or redirects) and 10 DNS-querying terms, each an `a`
//! (A or AAAA), an `mx` (MX, then a few hosts' addresses) or an `exists` (A). The
//! linter reads such a tree for 22 (11 TXT) plus 20 (the names, A and AAAA), and the
//! evaluations for our eight addresses (IPv4 and IPv6) mostly find the same names in
//! the cache: about 50 for the largest sound tree with a few MX hosts. 80 leaves room
//! for more, and keeps a whole `/domain` (about 20 queries for its other parts) under
//! 100 queries whatever the tree. Eight in flight is enough to read one level of a
//! sound tree in one round trip.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OnceCell, Semaphore};

use crate::checks::net::resolver::{DnsAnswer, DnsFailure, DnsResolver, MxData};

/// Queries one run may send, all its parts together.
pub const MAX_LOOKUPS: usize = 80;

/// Queries of one run in flight at once.
pub const MAX_IN_FLIGHT: usize = 8;

/// What a `TXT` question costs: its worst case, a truncated UDP answer, then TCP.
pub const TXT_COST: usize = 2;

/// Answers of one type, by name; a cell is filled once, by the first to ask.
type Cache<T> = Mutex<HashMap<String, Arc<OnceCell<DnsAnswer<T>>>>>;

/// The lookups of one run: the budget, the answers so far, the bound on concurrency.
/// Built at the start of a run and dropped at its end (the shared resolver keeps its
/// own short-lived cache across runs).
#[derive(Debug)]
pub struct Lookups {
    resolver: DnsResolver,
    cap: usize,
    /// Queries sent (or being sent) so far.
    sent: AtomicUsize,
    /// A question went unasked because the budget was spent.
    cut_off: AtomicBool,
    in_flight: Semaphore,
    txt: Cache<String>,
    ipv4: Cache<Ipv4Addr>,
    ipv6: Cache<Ipv6Addr>,
    mx: Cache<MxData>,
    ptr: Cache<String>,
}

impl Lookups {
    /// A run with the default budget, [`MAX_LOOKUPS`].
    pub fn new(resolver: &DnsResolver) -> Lookups {
        Lookups::with_budget(resolver, MAX_LOOKUPS)
    }

    /// A run that may send at most `cap` queries.
    pub fn with_budget(resolver: &DnsResolver, cap: usize) -> Lookups {
        Lookups {
            resolver: resolver.clone(),
            cap,
            sent: AtomicUsize::new(0),
            cut_off: AtomicBool::new(false),
            in_flight: Semaphore::new(MAX_IN_FLIGHT),
            txt: Cache::default(),
            ipv4: Cache::default(),
            ipv6: Cache::default(),
            mx: Cache::default(),
            ptr: Cache::default(),
        }
    }

    /// The budget of the run.
    pub fn budget(&self) -> usize {
        self.cap
    }

    /// Queries sent so far.
    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::SeqCst).min(self.cap)
    }

    /// Whether some question went unasked because the budget was spent: what was
    /// found is then incomplete.
    pub fn cut_off(&self) -> bool {
        self.cut_off.load(Ordering::SeqCst)
    }

    /// The `TXT` records of a name, as [`DnsResolver::txt`].
    pub async fn txt(&self, name: &str) -> DnsAnswer<String> {
        self.ask(&self.txt, name, TXT_COST, || self.resolver.txt(name))
            .await
    }

    /// The `A` records of a name, as [`DnsResolver::ipv4`].
    pub async fn ipv4(&self, name: &str) -> DnsAnswer<Ipv4Addr> {
        self.ask(&self.ipv4, name, 1, || self.resolver.ipv4(name))
            .await
    }

    /// The `AAAA` records of a name, as [`DnsResolver::ipv6`].
    pub async fn ipv6(&self, name: &str) -> DnsAnswer<Ipv6Addr> {
        self.ask(&self.ipv6, name, 1, || self.resolver.ipv6(name))
            .await
    }

    /// The `MX` records of a name, as [`DnsResolver::mx`].
    pub async fn mx(&self, name: &str) -> DnsAnswer<MxData> {
        self.ask(&self.mx, name, 1, || self.resolver.mx(name)).await
    }

    /// The `PTR` names of an address, as [`DnsResolver::ptr`].
    pub async fn ptr(&self, ip: IpAddr) -> DnsAnswer<String> {
        self.ask(&self.ptr, &ip.to_string(), 1, || self.resolver.ptr(ip))
            .await
    }

    /// The answer from the run's cache, or from one question charged `cost` queries.
    async fn ask<T, F, Q>(
        &self,
        cache: &Cache<T>,
        name: &str,
        cost: usize,
        query: Q,
    ) -> DnsAnswer<T>
    where
        T: Clone,
        F: Future<Output = DnsAnswer<T>>,
        Q: FnOnce() -> F,
    {
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let cell = {
            // Never held across an await: the lock only finds or adds the cell.
            let mut cache = cache
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            cache.entry(key).or_default().clone()
        };
        cell.get_or_init(|| async {
            if !self.charge(cost) {
                self.cut_off.store(true, Ordering::SeqCst);
                return DnsAnswer::Failed(DnsFailure::OverBudget(self.cap));
            }
            // The semaphore is never closed, so a permit always comes.
            let _permit = self.in_flight.acquire().await;
            query().await
        })
        .await
        .clone()
    }

    /// Takes `cost` queries from the budget; false when fewer are left.
    fn charge(&self, cost: usize) -> bool {
        self.sent
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |sent| {
                (sent + cost <= self.cap).then_some(sent + cost)
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::net::resolver::ResolverSettings;
    use std::time::Duration;

    /// A resolver whose one nameserver never answers: every query sent is a timeout,
    /// so what the budget lets through is what these tests count.
    async fn silent_resolver() -> (DnsResolver, tokio::net::UdpSocket) {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let settings = ResolverSettings {
            servers: Some(vec![socket.local_addr().unwrap()]),
            timeout: Duration::from_millis(50),
            attempts: 1,
            max_in_flight: 64,
            cache_max_age: crate::checks::net::resolver::MAX_CACHE_AGE,
        };
        (DnsResolver::new(&settings).unwrap(), socket)
    }

    #[tokio::test]
    async fn a_name_is_asked_once_per_type_whatever_its_case() {
        let (resolver, _server) = silent_resolver().await;
        let lookups = Lookups::with_budget(&resolver, 10);
        let (first, second) = futures::join!(
            lookups.txt("spf.example.com"),
            lookups.txt("SPF.Example.com.")
        );
        assert_eq!(first, second);
        assert_eq!(lookups.sent(), TXT_COST);
        let _ = lookups.ipv4("spf.example.com").await;
        assert_eq!(lookups.sent(), TXT_COST + 1);
        assert!(!lookups.cut_off());
    }

    #[tokio::test]
    async fn past_the_budget_nothing_is_sent_and_the_run_is_cut_off() {
        let (resolver, _server) = silent_resolver().await;
        let lookups = Lookups::with_budget(&resolver, 4);
        let _ = lookups.txt("a.example.com").await;
        let _ = lookups.mx("b.example.com").await;
        assert!(!lookups.cut_off());
        // One query is left, and a TXT question may cost two: not sent.
        let refused = Some(&DnsFailure::OverBudget(4));
        assert_eq!(lookups.txt("c.example.com").await.failure(), refused);
        assert!(lookups.cut_off());
        // The last one goes to a smaller question.
        assert_ne!(lookups.ipv6("d.example.com").await.failure(), refused);
        assert_eq!(lookups.ipv6("e.example.com").await.failure(), refused);
        assert_eq!(lookups.sent(), 4);
        // What was asked before stays answered from the cache.
        assert_ne!(lookups.txt("a.example.com").await.failure(), refused);
    }
}
