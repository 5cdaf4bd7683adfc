//! Every (address, zone) query at once: the whole check costs about one round trip
//! to the slowest list, not the sum of them.
//!
//! Each query asks `A` and `TXT` together, so a listed zone (whose reason is in TXT)
//! costs one round trip too; a zone that does not list the address does not wait
//! for its TXT. Each query has the per-query timeout, the whole fan-out one overall
//! deadline, and progress goes out as zones answer.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::pin;
use std::time::Duration;

use futures::future::{select, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::time::{timeout, timeout_at, Instant};

use super::classify::{self, Status};
use super::query::QueryName;
use super::report::ZoneResult;
use crate::catalog::Zone;
use crate::checks::resolver::{DnsAnswer, DnsFailure, DnsResolver};
use crate::checks::{Progress, ProgressSender};
use crate::config::Secret;

/// One query to make: an address on a zone.
pub struct Job<'a> {
    pub address: IpAddr,
    pub zone: &'a Zone,
    pub name: QueryName,
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
    dqs_key: Option<&Secret>,
    progress: &ProgressSender,
) -> Vec<ZoneResult> {
    let total = jobs.len();
    let mut results: Vec<Option<ZoneResult>> = vec![None; total];
    let mut counts = Counts::default();
    report_progress(progress, &counts, total);
    let mut pending: FuturesUnordered<_> = jobs
        .iter()
        .enumerate()
        .map(|(index, job)| async move {
            let result = query_one(resolver, job, limits.query_timeout, dqs_key).await;
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

/// One zone for one address: `A` and `TXT` sent together.
async fn query_one(
    resolver: &DnsResolver,
    job: &Job<'_>,
    query_timeout: Duration,
    dqs_key: Option<&Secret>,
) -> ZoneResult {
    let started = Instant::now();
    let name = job.name.to_send();
    let a = bounded(query_timeout, resolver.ipv4(name));
    let txt = bounded(query_timeout, resolver.txt(name));
    let (a, txt) = match select(pin!(a), pin!(txt)).await {
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
    };
    let mut outcome = classify::classify(job.zone, &a, query_timeout);
    // A resolver error's text may quote the name asked, which holds the DQS key.
    if let (Some(key), Some(meaning)) = (dqs_key, &mut outcome.meaning) {
        if !key.expose().is_empty() {
            *meaning = meaning.replace(key.expose(), "***");
        }
    }
    let reason = match outcome.status {
        Status::Clean => None,
        _ => classify::reason(&txt, dqs_key.map(Secret::expose)),
    };
    let elapsed = started.elapsed();
    tracing::debug!(
        zone = %job.name.shown_zone(),
        address = %job.address,
        status = ?outcome.status,
        elapsed_ms = elapsed.as_millis() as u64,
        "blocklist answered"
    );
    result(job, outcome, reason, elapsed)
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
        delist_url: job.zone.delist_url.clone(),
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
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
    result(job, outcome, None, deadline)
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

/// Sends "12/18 checked, listed on 1". Progress is advisory: when the watcher is
/// behind, an update is dropped rather than slowing the check.
fn report_progress(progress: &ProgressSender, counts: &Counts, total: usize) {
    let Some(sender) = progress else { return };
    let mut line = format!(
        "{}/{total} checked, listed on {}",
        counts.done, counts.listed
    );
    if counts.errors > 0 {
        line.push_str(&format!(", {} could not be checked", counts.errors));
    }
    let _ = sender.try_send(Progress {
        done: counts.done,
        total,
        line,
    });
}
