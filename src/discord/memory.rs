//! What the bot remembers of its users: each user's rate limit, the `/blacklist`
//! budget, each user's last domains, the interactions already taken, and the staff
//! audit log. In the store when there is one and it answers within its deadline, so
//! every replica sees one limit; in this process when it does not (the fallback,
//! counted in `echoterra_store_fallbacks_total`), so the bot never waits on a store
//! that is down and never lets a check through unlimited.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::rate_limit::RateLimiter;
use super::recent::{self, RecentDomains};
use super::response::Choice;
use crate::catalog::Defaults;
use crate::ops::Metrics;
use crate::store::audit::AuditEntry;
use crate::store::limits::Scope;
use crate::store::{replay, Store, StoreError};

/// Per-user limits, suggestions, the replay guard and the audit log.
pub struct Memory {
    store: Option<Store>,
    metrics: Arc<Metrics>,
    checks_per_window: u32,
    window: Duration,
    blacklist_runs_per_minute: u32,
    /// The fallbacks, and (for suggestions) a copy kept while the store is up.
    rate_limiter: RateLimiter,
    blacklist_budget: RateLimiter,
    recent: RecentDomains,
    seen: SeenHere,
}

impl Memory {
    pub fn new(defaults: &Defaults, store: Option<Store>, metrics: Arc<Metrics>) -> Memory {
        let checks_per_window = defaults.rate_limit.checks_per_window;
        let window = Duration::from_secs(defaults.rate_limit.window_seconds);
        let blacklist_runs_per_minute = defaults.limits.blacklist_runs_per_minute;
        Memory {
            store,
            metrics,
            checks_per_window,
            window,
            blacklist_runs_per_minute,
            rate_limiter: RateLimiter::new(checks_per_window, window),
            blacklist_budget: RateLimiter::new(blacklist_runs_per_minute, MINUTE),
            recent: RecentDomains::default(),
            seen: SeenHere::default(),
        }
    }

    /// The store, when the bot has one.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The longest window a rate-limit row lives for, for pruning.
    pub fn longest_window(&self) -> Duration {
        self.window.max(MINUTE)
    }

    /// Takes one of `user`'s network checks, or says how long until the next.
    pub async fn claim_check(&self, user: u64) -> Result<(), Duration> {
        let shared = match &self.store {
            Some(store) => Some(
                store
                    .claim(Scope::User, user, self.checks_per_window, self.window)
                    .await,
            ),
            None => None,
        };
        match self.shared("rate_limit", shared) {
            Some(outcome) => outcome,
            None => self.rate_limiter.try_start(user),
        }
    }

    /// Takes one `/blacklist` run of everyone's budget, or says how long until the next.
    pub async fn claim_blacklist(&self) -> Result<(), Duration> {
        let shared = match &self.store {
            Some(store) => Some(
                store
                    .claim(
                        Scope::BlacklistBudget,
                        0,
                        self.blacklist_runs_per_minute,
                        MINUTE,
                    )
                    .await,
            ),
            None => None,
        };
        match self.shared("blacklist_budget", shared) {
            Some(outcome) => outcome,
            None => self.blacklist_budget.try_start(0),
        }
    }

    /// Notes that `user` checked `domain`, for their autocomplete.
    pub async fn remember(&self, user: u64, domain: &str) {
        self.recent.remember(user, domain);
        if let Some(store) = &self.store {
            let outcome = store.remember_domain(user, domain).await;
            self.shared("suggestion", Some(outcome));
        }
    }

    /// `user`'s own last domains that contain `typed`, the latest first.
    pub async fn suggest(&self, user: u64, typed: &str) -> Vec<Choice> {
        if let Some(store) = &self.store {
            let outcome = store.recent_domains(user).await;
            if let Some(domains) = self.shared("suggestion", Some(outcome)) {
                return recent::choices(domains.iter(), typed);
            }
        }
        self.recent.suggest(user, typed)
    }

    /// Whether interaction `id` is new (`serve`'s replay guard): the store's answer,
    /// or this process's memory of the last ten minutes while the store is down.
    pub async fn first_sight(&self, id: u64) -> bool {
        let here = self.seen.first_sight(id);
        if let Some(store) = &self.store {
            if let Some(first) = self.shared("replay", Some(store.first_sight(id).await)) {
                return first;
            }
        }
        here
    }

    /// Writes one staff check to the audit log; a failure is logged with the entry,
    /// so what staff ran is never lost in silence.
    pub async fn audit(&self, entry: &AuditEntry) {
        if let Some(store) = &self.store {
            let outcome = store.record_audit(entry).await;
            if let Err(err) = &outcome {
                tracing::warn!(
                    error = %err,
                    user = entry.user_id,
                    guild = entry.guild_id,
                    command = entry.command,
                    target = entry.target,
                    verdict = entry.verdict,
                    "the staff audit entry could not be written to the store"
                );
            }
            self.shared("audit", Some(outcome));
        }
    }

    /// The store's answer, or `None` (and a counted fallback) when it had none.
    fn shared<T>(
        &self,
        operation: &'static str,
        outcome: Option<Result<T, StoreError>>,
    ) -> Option<T> {
        match outcome? {
            Ok(value) => {
                self.metrics.store_worked();
                Some(value)
            }
            Err(_) => {
                self.metrics.store_fallback(operation);
                None
            }
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);

/// Interaction ids this process took in the last [`replay::KEEP`], bounded.
#[derive(Default)]
struct SeenHere {
    ids: Mutex<HashMap<u64, Instant>>,
}

/// Ids kept in this process at most; past it the expired ones go first.
const SEEN_HERE_MAX: usize = 100_000;

impl SeenHere {
    fn first_sight(&self, id: u64) -> bool {
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if ids.len() >= SEEN_HERE_MAX {
            ids.retain(|_, seen| now.duration_since(*seen) < replay::KEEP);
            if ids.len() >= SEEN_HERE_MAX {
                // Still full within ten minutes: a flood; forget the oldest half.
                let mut ages: Vec<Instant> = ids.values().copied().collect();
                ages.sort_unstable();
                let cutoff = ages[ages.len() / 2];
                ids.retain(|_, seen| *seen > cutoff);
            }
        }
        ids.insert(id, now).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn memory() -> Memory {
        Memory::new(
            &Catalog::embedded().unwrap().defaults,
            None,
            Arc::new(Metrics::new()),
        )
    }

    #[tokio::test]
    async fn without_a_store_the_process_remembers() {
        let memory = memory();
        for _ in 0..5 {
            assert_eq!(memory.claim_check(1).await, Ok(()));
        }
        assert!(memory.claim_check(1).await.is_err());
        assert!(memory.first_sight(10).await);
        assert!(!memory.first_sight(10).await);
        memory.remember(1, "example.com").await;
        assert_eq!(memory.suggest(1, "").await.len(), 1);
    }

    #[tokio::test]
    async fn a_store_that_is_down_falls_back_and_is_counted() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::config::Database::Sqlite(dir.path().join("s.sqlite3"));
        let store = crate::store::open(&db, crate::store::testing::SETTINGS)
            .await
            .unwrap();
        store.close().await;
        let metrics = Arc::new(Metrics::new());
        let memory = Memory::new(
            &Catalog::embedded().unwrap().defaults,
            Some(store),
            metrics.clone(),
        );
        assert_eq!(memory.claim_check(1).await, Ok(()));
        assert!(memory.first_sight(10).await);
        assert!(!memory.first_sight(10).await, "this process still guards");
        let text = metrics.render();
        assert!(text.contains("echoterra_store_up 0"), "{text}");
        assert!(
            text.contains("echoterra_store_fallbacks_total{operation=\"rate_limit\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("echoterra_store_fallbacks_total{operation=\"replay\"} 2"),
            "{text}"
        );
    }
}
