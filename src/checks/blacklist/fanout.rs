//! Every (address, zone) query at once: the whole check costs about one round trip
//! to the slowest list, not the sum of them.
//!
//! Each query asks `A` and `TXT` together, so a listed zone (whose reason is in TXT)
//! costs one round trip too; a zone that does not list the address does not wait
//! for its TXT. A zone with `self_test` has its two test points asked in the same
//! round trip (see [`super::self_test`]), and its result waits only for the one
//! that can disprove its answer. Each query has the per-query timeout, the whole
//! fan-out one overall deadline, and progress goes out as zones answer.

use std::future::{poll_fn, Future};
use std::net::{IpAddr, Ipv4Addr};
use std::pin::pin;
use std::time::Duration;

use futures::future::{maybe_done, select, Either, OptionFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::time::{timeout, timeout_at, Instant};

use super::classify::{self, Status};
use super::query::{Keys, QueryName};
use super::report::ZoneResult;
use super::self_test::{self, Point, SelfTest, TestPoints};
use crate::catalog::Zone;
use crate::checks::net::resolver::{DnsAnswer, DnsFailure, DnsResolver};
use crate::checks::Progress;

/// One query to make: an address on a zone.
pub struct Job<'a> {
    pub address: IpAddr,
    pub zone: &'a Zone,
    pub name: QueryName,
    /// The zone's RFC 5782 test points, when it is self-tested for the address's
    /// family.
    pub test_points: Option<TestPoints>,
}

/// How the check is bounded: each query, and the whole check from its start.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub query_timeout: Duration,
    pub deadline: Duration,
    /// When the whole check must end: its start plus `deadline`.
    pub ends_at: Instant,
}

impl Limits {
    /// Limits for a check starting now.
    pub fn new(query_timeout: Duration, deadline: Duration) -> Limits {
        Limits {
            query_timeout,
            deadline,
            ends_at: Instant::now() + deadline,
        }
    }
}

/// Runs every job concurrently and returns one result per job, in job order.
pub async fn query_all(
    resolver: &DnsResolver,
    jobs: &[Job<'_>],
    limits: Limits,
    keys: &Keys<'_>,
    progress: &Progress,
) -> Vec<ZoneResult> {
    let total = jobs.len();
    let mut results: Vec<Option<ZoneResult>> = vec![None; total];
    let mut counts = Counts::default();
    report_progress(progress, &counts, total);
    let mut pending: FuturesUnordered<_> = jobs
        .iter()
        .enumerate()
        .map(|(index, job)| async move {
            let result = query_one(resolver, job, limits.query_timeout, keys).await;
            (index, result)
        })
        .collect();
    // Results arrive in the order zones answer; the deadline ends the wait for all.
    while let Ok(Some((index, result))) = timeout_at(limits.ends_at, pending.next()).await {
        counts.add(&result);
        results[index] = Some(result);
        report_progress(progress, &counts, total);
    }
    drop(pending);
    results
        .into_iter()
        .zip(jobs)
        .map(|(result, job)| result.unwrap_or_else(|| past_deadline(job, limits.deadline)))
        .collect()
}

/// One zone for one address: `A` and `TXT` sent together, with the zone's test
/// points when it has them.
async fn query_one(
    resolver: &DnsResolver,
    job: &Job<'_>,
    query_timeout: Duration,
    keys: &Keys<'_>,
) -> ZoneResult {
    let started = Instant::now();
    // A test point's `A` lookup, or nothing for a zone not self-tested.
    let point = |point: Point| {
        maybe_done(OptionFuture::from(job.test_points.as_ref().map(|points| {
            bounded(query_timeout, resolver.ipv4(points.name(point).to_send()))
        })))
    };
    let mut must_be_listed = pin!(point(Point::MustBeListed));
    let mut must_not_be_listed = pin!(point(Point::MustNotBeListed));
    let mut real = pin!(ask(resolver, job.name.to_send(), query_timeout));
    // The test points are polled with the real query, so all go out at once; the
    // real answer is not held back by them.
    let (a, txt) = poll_fn(|cx| {
        let _ = must_be_listed.as_mut().poll(cx);
        let _ = must_not_be_listed.as_mut().poll(cx);
        real.as_mut().poll(cx)
    })
    .await;
    let mut outcome = classify::classify(job.zone, &a, query_timeout);
    // Only the point that can disprove the answer is waited for (it started with
    // the real query, so within the same timeout); a failed point changes nothing.
    let points = job.test_points.as_ref();
    let mut self_test = match points {
        Some(_) => SelfTest::Inconclusive,
        None => SelfTest::None,
    };
    if let Some((point, points)) = Point::for_status(outcome.status).zip(points) {
        let mut lookup = match point {
            Point::MustBeListed => must_be_listed,
            Point::MustNotBeListed => must_not_be_listed,
        };
        lookup.as_mut().await;
        if let Some(Some(answer)) = lookup.as_mut().take_output() {
            let before = outcome.status;
            outcome = self_test::judge(job.zone, outcome, point, points.address(point), &answer);
            self_test = SelfTest::settle(before, outcome.status, Some(&answer));
            if outcome.status != before {
                tracing::debug!(
                    zone = %job.name.shown_zone(),
                    address = %job.address,
                    ?point,
                    "blocklist self-test failed"
                );
            }
        }
    }
    // A resolver error's text may quote the name asked, which may hold a key.
    if let Some(meaning) = &mut outcome.meaning {
        *meaning = keys.mask(meaning);
    }
    let reason = match outcome.status {
        Status::Clean => None,
        _ => classify::reason(&txt, keys),
    };
    let elapsed = started.elapsed();
    tracing::debug!(
        zone = %job.name.shown_zone(),
        address = %job.address,
        status = ?outcome.status,
        elapsed_ms = elapsed.as_millis() as u64,
        "blocklist answered"
    );
    result(job, outcome, reason, elapsed, self_test)
}

/// `A` and `TXT` for one name, sent together.
async fn ask(
    resolver: &DnsResolver,
    name: &str,
    query_timeout: Duration,
) -> (DnsAnswer<Ipv4Addr>, DnsAnswer<String>) {
    let a = bounded(query_timeout, resolver.ipv4(name));
    let txt = bounded(query_timeout, resolver.txt(name));
    match select(pin!(a), pin!(txt)).await {
        Either::Left((a, txt)) => {
            // Only an answer with addresses (a listing, or an error code with its
            // explanation) needs the TXT; for NXDOMAIN it is not waited for.
            let txt = match a {
                DnsAnswer::Records(_) => txt.await,
                _ => DnsAnswer::NxDomain,
            };
            (a, txt)
        }
        Either::Right((txt, a)) => (a.await, txt),
    }
}

/// A lookup cut at the per-query timeout.
pub async fn bounded<T>(
    limit: Duration,
    lookup: impl Future<Output = DnsAnswer<T>>,
) -> DnsAnswer<T> {
    timeout(limit, lookup)
        .await
        .unwrap_or(DnsAnswer::Failed(DnsFailure::Timeout))
}

fn result(
    job: &Job<'_>,
    outcome: classify::Outcome,
    reason: Option<String>,
    elapsed: Duration,
    self_test: SelfTest,
) -> ZoneResult {
    ZoneResult {
        address: job.address,
        zone: job.name.shown_zone().to_string(),
        name: job.zone.name.clone(),
        tier: job.zone.tier,
        status: outcome.status,
        codes: outcome.codes,
        meaning: outcome.meaning,
        policy: outcome.policy_only,
        reason,
        // The operator's word on what a listing means, with every listing.
        note: match outcome.status {
            Status::Listed => job.zone.note.clone(),
            _ => None,
        },
        delist_url: job.zone.delist_url.clone(),
        lookup_url: job.zone.lookup_url_for(job.address),
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        self_test,
    }
}

/// A zone still unanswered when the overall deadline passed.
fn past_deadline(job: &Job<'_>, deadline: Duration) -> ZoneResult {
    let outcome = classify::Outcome {
        status: Status::Error,
        codes: Vec::<Ipv4Addr>::new(),
        meaning: Some(format!(
            "the check's overall deadline ({} ms) passed before this list answered",
            deadline.as_millis()
        )),
        policy_only: false,
    };
    let self_test = match job.test_points {
        Some(_) => SelfTest::Inconclusive,
        None => SelfTest::None,
    };
    result(job, outcome, None, deadline, self_test)
}

/// Running totals for the progress line.
#[derive(Default)]
struct Counts {
    done: usize,
    listed: usize,
    errors: usize,
}

impl Counts {
    fn add(&mut self, result: &ZoneResult) {
        self.done += 1;
        match result.status {
            Status::Listed => self.listed += 1,
            Status::Error => self.errors += 1,
            Status::Clean => {}
        }
    }
}

/// Sends "12/18 checked, listed on 1".
fn report_progress(progress: &Progress, counts: &Counts, total: usize) {
    let mut line = format!(
        "{}/{total} checked, listed on {}",
        counts.done, counts.listed
    );
    if counts.errors > 0 {
        line.push_str(&format!(", {} could not be checked", counts.errors));
    }
    progress.report(counts.done, total, line);
}
