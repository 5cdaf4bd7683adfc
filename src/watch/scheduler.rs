//! The scheduler: checks the due watches (each by one process, under a lease),
//! writes what each result means (`evaluate`), then hands the alerts to the sender.
//!
//! [`Watcher::pass`] is one pass at a time it is given: `watch run` calls it once
//! with the real time and `flush`; `watch daemon` and the gateway mode call it every
//! [`TICK`] ([`Watcher::run_until`]); library tests call it with the times they
//! choose. Watch checks run at most `max_concurrent_checks` at once, apart from the
//! users' checks and their `/blacklist` budget.

use std::time::Duration;

use futures::stream::{self, StreamExt};

use std::sync::Arc;

use crate::catalog::WatchDefaults;
use crate::checks::{self, Progress, Services};
use crate::ops::Metrics;
use crate::rest::Rest;
use crate::store::watch_runs::{NewAlert, WatchResult, WatchUpdate};
use crate::store::watches::Watch;
use crate::store::{now_ms, Store, StoreError};
use crate::values::Verdict;

use super::evaluate::{evaluate, Rules};
use super::state::State;
use super::{alert, send, WatchKind, WatchTarget};

/// How often the long-running modes look for due watches and waiting alerts.
pub const TICK: Duration = Duration::from_secs(1);
/// How long a claim holds a watch: longer than any check runs.
const LEASE_MS: i64 = 5 * 60_000;
/// How often the long-running watchers prune history, results and sent messages.
const PRUNE_EVERY_MS: i64 = 3_600_000;
/// How often the long-running watchers count the watches for `/metrics`.
const COUNT_EVERY_MS: i64 = 60_000;
/// The flag the blocklist watches raise when the resolver fails every list.
const RESOLVER_FLAG: &str = "resolver";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Watches checked by this process.
    pub checked: u64,
    /// Results that changed the announced state (alerts written or held).
    pub changes: u64,
    /// How late the most overdue watch was taken, in milliseconds.
    pub most_late_ms: i64,
    /// Messages written from waiting alerts.
    pub grouped: u64,
    pub sent: send::Sent,
}

/// A process's watcher: the store, the checks' services, and Discord to post to.
#[derive(Clone)]
pub struct Watcher {
    store: Store,
    services: Services,
    rest: Option<Rest>,
    owner: String,
    metrics: Option<Arc<Metrics>>,
}

impl Watcher {
    /// A watcher posting with `rest` (none: alerts wait in the outbox for a process
    /// that holds the token).
    pub fn new(store: Store, services: Services, rest: Option<Rest>) -> Watcher {
        let host = std::env::var("HOSTNAME").unwrap_or_default();
        Watcher {
            store,
            services,
            rest,
            owner: format!("{host}:{}:{}", std::process::id(), now_ms()),
            metrics: None,
        }
    }

    /// Posts alerts with `rest` (a process that holds the token).
    pub fn posting(mut self, rest: Rest) -> Watcher {
        self.rest = Some(rest);
        self
    }

    /// The store the watches are in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Counts what this watcher does in `metrics` (`/metrics` of its process).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Watcher {
        self.metrics = Some(metrics);
        self
    }

    /// Counts the watches by kind and state for `/metrics`.
    async fn count_watches(&self) -> Result<(), StoreError> {
        let Some(metrics) = &self.metrics else {
            return Ok(());
        };
        let counts = self.store.watch_counts().await?;
        metrics.watching.watches(&counts);
        Ok(())
    }

    fn settings(&self) -> &WatchDefaults {
        &self.services.catalog.defaults.watch
    }

    /// One pass at `now`: check every due watch (confirmation re-checks included),
    /// group the alerts that waited out the window (all of them with `flush`), post
    /// what is waiting. `clock` gives the time of each write after the checks.
    pub async fn pass(
        &self,
        now: i64,
        flush: bool,
        clock: impl Fn() -> i64,
    ) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        let rules = self.rules().await?;
        let limit = i64::try_from(self.settings().max_concurrent_checks.max(1)).unwrap_or(4);
        loop {
            let due = self
                .store
                .claim_due_watches(&self.owner, now, LEASE_MS, limit)
                .await?;
            if due.is_empty() {
                break;
            }
            for watch in &due {
                pass.most_late_ms = pass.most_late_ms.max(now - watch.next_due_ms);
            }
            let results: Vec<Result<bool, StoreError>> = stream::iter(due)
                .map(|watch| self.check(watch, now, &rules))
                .buffer_unordered(usize::try_from(limit).unwrap_or(4))
                .collect()
                .await;
            for result in results {
                pass.checked += 1;
                pass.changes += u64::from(result?);
            }
        }
        pass.grouped = send::group(
            &self.store,
            clock(),
            self.settings().group_window.as_duration(),
            flush,
        )
        .await?;
        if let Some(rest) = &self.rest {
            pass.sent = send::send(&self.store, rest, &self.owner, &clock).await?;
        }
        if let Some(metrics) = &self.metrics {
            metrics
                .watching
                .messages(pass.sent.messages, pass.sent.failed, pass.sent.retried);
            if pass.checked > 0 {
                metrics.watching.late_by(pass.most_late_ms);
            }
        }
        Ok(pass)
    }

    /// Groups every waiting alert now and posts what is waiting (`watch channel`,
    /// `watch test`): the messages written, and how the posting went.
    pub async fn deliver(&self, now: i64) -> Result<(u64, send::Sent), StoreError> {
        let grouped = send::group(&self.store, now, Duration::ZERO, true).await?;
        let sent = match &self.rest {
            Some(rest) => send::send(&self.store, rest, &self.owner, now_ms).await?,
            None => send::Sent::default(),
        };
        Ok((grouped, sent))
    }

    /// Whether this watcher can post (it holds the bot token).
    pub fn can_post(&self) -> bool {
        self.rest.is_some()
    }

    /// Checks one watch at once (a new watch's baseline, for the answer to `add`),
    /// unless another process holds it. The watch as it stands after the check.
    pub async fn check_now(&self, watch_id: i64, now: i64) -> Result<Option<Watch>, StoreError> {
        let Some(watch) = self
            .store
            .claim_watch(watch_id, &self.owner, now, LEASE_MS)
            .await?
        else {
            return self.store.watch(watch_id).await;
        };
        let rules = self.rules().await?;
        self.check(watch, now, &rules).await?;
        self.store.watch(watch_id).await
    }

    async fn rules(&self) -> Result<Rules, StoreError> {
        Ok(Rules {
            confirmations: self.settings().confirmations,
            confirm_after: self.settings().confirm_after.as_duration(),
            reminder: self.settings().reminder.as_duration(),
            default_channel: self.store.default_channel().await?.map(|c| c.channel_id),
        })
    }

    /// Checks one claimed watch and writes its result; `true` when it changed the
    /// announced state.
    async fn check(&self, watch: Watch, now: i64, rules: &Rules) -> Result<bool, StoreError> {
        let catalog = &self.services.catalog;
        let kind = WatchKind::from_name(&watch.kind);
        let target = WatchTarget::parse(
            &watch.target,
            kind,
            catalog,
            self.services.config.allow_private_targets,
        )
        .ok()
        .and_then(|targets| targets.into_iter().next());
        let Some(target) = target else {
            tracing::warn!(watch = watch.id, target = %watch.target, "a watch's target is no longer accepted (the catalogue changed?); it is checked again next interval");
            self.store
                .record_watch_result(&self.owner, &postponed(&watch, now))
                .await?;
            return Ok(false);
        };
        let report = checks::run(&self.services, &target.check_request(), &Progress::none()).await;
        if let Some(metrics) = &self.metrics {
            metrics.watching.checked(&watch.kind);
        }
        let before = watch.state.as_deref().and_then(State::from_json);
        let thresholds = &self.settings().certificate_expiry_days;
        let Some(observed) = State::observe(&report, before.as_ref(), thresholds) else {
            return Ok(false);
        };
        if let State::Blocklists(state) = &observed {
            self.resolver_notice(state.resolver_failed, rules.default_channel, now)
                .await?;
        }
        let result = evaluate(
            &watch,
            observed,
            report.verdict,
            &report.summary,
            now,
            rules,
        );
        let changed = result
            .events
            .iter()
            .any(|event| event.event != "baseline" && event.event != "reminder");
        if !self.store.record_watch_result(&self.owner, &result).await? {
            tracing::warn!(
                watch = watch.id,
                "a watch's lease ran out before its result was written; another process checks it"
            );
            return Ok(false);
        }
        Ok(changed)
    }

    /// One notice when the resolver starts failing every blocklist, one when it
    /// recovers, whichever watch and process sees it first.
    async fn resolver_notice(
        &self,
        failed: bool,
        channel: Option<u64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let alert = channel.map(|channel| NewAlert {
            channel_id: channel,
            watch_id: None,
            body: if failed {
                alert::notice_embed(
                    "Cannot check blocklists: resolver",
                    "Every blocklist failed to answer through this resolver (or failed its self-test). The listings stay as they were last known; nothing is announced until the lists answer again.",
                    Verdict::Unknown,
                    now,
                )
            } else {
                alert::notice_embed(
                    "Blocklists can be checked again",
                    "The resolver answers the blocklists again; watching goes on as before.",
                    Verdict::Ok,
                    now,
                )
            },
        });
        self.store
            .flip_flag(RESOLVER_FLAG, failed, now, alert.as_ref())
            .await?;
        Ok(())
    }

    /// Passes every [`TICK`] until `stop` resolves, pruning every hour. A store that
    /// does not answer is logged and tried again at the next tick.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut last_prune = 0;
        let mut last_count = 0;
        let mut failing = false;
        loop {
            let now = now_ms();
            match self.pass(now, false, now_ms).await {
                Ok(pass) if std::mem::take(&mut failing) => {
                    tracing::info!(checked = pass.checked, "watch passes use the store again");
                }
                Ok(pass) if pass.checked > 0 || pass.sent.messages > 0 => tracing::info!(
                    checked = pass.checked,
                    changes = pass.changes,
                    sent = pass.sent.messages,
                    late_ms = pass.most_late_ms,
                    "watch pass"
                ),
                Ok(_) => {}
                // Said once while it lasts (the store's health logs it too), not every second.
                Err(err) if !failing => {
                    failing = true;
                    tracing::warn!(%err, "a watch pass could not use the store; every tick tries again");
                }
                Err(_) => {}
            }
            if now - last_count >= COUNT_EVERY_MS {
                last_count = now;
                if let Err(err) = self.count_watches().await {
                    tracing::debug!(%err, "the watches could not be counted for /metrics");
                }
            }
            if now - last_prune >= PRUNE_EVERY_MS {
                last_prune = now;
                if let Err(err) = self.prune(now).await {
                    tracing::warn!(%err, "pruning watch history failed; it is tried again in an hour");
                }
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }

    async fn prune(&self, now: i64) -> Result<u64, StoreError> {
        let day = 86_400_000_i64;
        let days = |count: u64| {
            i64::try_from(count)
                .unwrap_or(i64::MAX / day)
                .saturating_mul(day)
        };
        let settings = self.settings();
        self.store
            .prune_watching(
                now - days(settings.history_retention_days),
                now - days(settings.results_retention_days),
                now - days(settings.results_retention_days),
            )
            .await
    }
}

/// The result of a watch whose target is no longer accepted: nothing changes but the
/// time it is due again.
fn postponed(watch: &Watch, now: i64) -> WatchResult {
    WatchResult {
        watch_id: watch.id,
        at_ms: now,
        verdict: "unknown".into(),
        summary: "the target is no longer accepted by this version of the bot or its catalogue"
            .into(),
        observed: "{}".into(),
        update: WatchUpdate {
            next_due_ms: now.saturating_add(watch.interval_ms.max(1)),
            state: watch.state.clone(),
            pending: watch.pending.clone(),
            pending_count: watch.pending_count,
            bad_since_ms: watch.bad_since_ms,
            last_alert_ms: watch.last_alert_ms,
            acknowledged_by: watch.acknowledged_by.clone(),
        },
        events: Vec::new(),
        alerts: Vec::new(),
    }
}
