//! The store: what the bot remembers across restarts and shares between replicas.
//!
//! One code path over two backends (sqlx's `Any` driver, SQL both understand):
//! SQLite by default, a file in `DATA_DIR` (one host; several processes there may
//! share it), and PostgreSQL when `DATABASE_URL` says so (several replicas, several
//! hosts). It holds the per-user rate limits and the `/blacklist` budget
//! ([`limits`]), each user's last domains for autocomplete ([`suggestions`]), the
//! interaction ids `serve` has taken ([`replay`]) and the staff audit log
//! ([`audit`]); [`open`] connects and migrates, [`schema`] holds the embedded,
//! expand-only migrations, [`prune`] forgets what has expired.
//!
//! Every call has a deadline ([`StoreSettings::deadline`]); past it, or on any
//! error, the call fails with [`StoreError`] and the caller goes on without the
//! store. [`Health`] remembers whether the last call worked, logs the change once
//! each way, and tells `/readyz` and `/metrics`.
//!
//! The checks never use the store (`layers.py` refuses it): it belongs to the
//! modes that serve Discord and to the operators' commands.

pub mod audit;
mod health;
pub mod limits;
pub mod open;
pub mod outbox;
pub mod prune;
pub mod replay;
pub mod schema;
pub mod suggestions;
#[cfg(test)]
pub(crate) mod testing;
pub mod watch_runs;
pub mod watches;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;

pub use health::Health;
pub use open::{open, open_for_status, open_with_retry, OpenError};
pub use prune::spawn_pruning;

use crate::config::Database;

/// How long a watching call may take: several statements in one transaction, on a
/// store other watchers share; no user's interaction waits on it.
pub const WATCH_DEADLINE: Duration = Duration::from_secs(10);

/// What the catalogue says about the store (`[store]` in `defaults.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSettings {
    /// Every store call's deadline.
    pub deadline: Duration,
    /// How long the audit log keeps a row.
    pub audit_retention: Duration,
}

impl From<&crate::catalog::StoreDefaults> for StoreSettings {
    fn from(defaults: &crate::catalog::StoreDefaults) -> Self {
        StoreSettings {
            deadline: Duration::from_millis(defaults.deadline_ms),
            audit_retention: Duration::from_secs(defaults.audit_retention_days * 86_400),
        }
    }
}

/// A store call that did not work: the caller goes on without the store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("the store did not answer within {} ms", .0.as_millis())]
    Deadline(Duration),
    #[error("the store failed: {0}")]
    Failed(String),
}

/// The store, cheap to clone: one pool shared by every task.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    pool: AnyPool,
    /// The audit log's: on PostgreSQL, connections whose commits wait for the disk
    /// (the main pool's do not); on SQLite, the same pool.
    durable: AnyPool,
    replay: replay::Batcher,
    database: Database,
    settings: StoreSettings,
    health: Health,
}

impl Store {
    /// A store over `pool` (and `durable` for the audit log); starts the replay
    /// guard's writer, so it must run within the runtime.
    fn new(pool: AnyPool, durable: AnyPool, database: Database, settings: StoreSettings) -> Store {
        Store {
            inner: Arc::new(Inner {
                replay: replay::Batcher::start(pool.clone()),
                pool,
                durable,
                database,
                settings,
                health: Health::default(),
            }),
        }
    }

    /// Where the store is, safe to log.
    pub fn database(&self) -> &Database {
        &self.inner.database
    }

    pub fn settings(&self) -> StoreSettings {
        self.inner.settings
    }

    /// Whether the last call worked, and why not.
    pub fn health(&self) -> &Health {
        &self.inner.health
    }

    fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    fn durable(&self) -> &AnyPool {
        &self.inner.durable
    }

    /// Runs one store call within the deadline, and notes in [`Health`] whether it
    /// worked.
    async fn call<T>(
        &self,
        what: &'static str,
        work: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        self.call_for(what, self.inner.settings.deadline, work)
            .await
    }

    /// The deadline of watching's calls: staff commands and the scheduler's
    /// transactions, which nobody's interaction waits on ([`WATCH_DEADLINE`]).
    fn admin_deadline(&self) -> Duration {
        WATCH_DEADLINE.max(self.inner.settings.deadline)
    }

    /// [`Store::call`] with a deadline of its own.
    async fn call_for<T>(
        &self,
        what: &'static str,
        deadline: Duration,
        work: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        let outcome = match tokio::time::timeout(deadline, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(StoreError::Failed(err.to_string())),
            Err(_) => Err(StoreError::Deadline(deadline)),
        };
        match &outcome {
            Ok(_) => self.inner.health.worked(),
            Err(err) => self.inner.health.failed(what, err),
        }
        outcome
    }

    /// Closes the pool: running statements finish, then every connection closes.
    pub async fn close(&self) {
        self.inner.pool.close().await;
        self.inner.durable.close().await;
    }
}

/// Now, in milliseconds since the epoch: the store's one clock, shared by replicas
/// (their clocks agree to well under a rate-limit window).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// A Discord id (a snowflake, below 2^63) as the store's BIGINT.
fn id(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A fresh row id for history, alerts and messages: 63 random bits, so processes
/// sharing the store never pick the same one (std's randomly keyed SipHash over the
/// time and a counter; no id is guessed from another, and no crate is needed).
pub(crate) fn random_id() -> i64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_i64(now_ms());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    i64::try_from(hasher.finish() >> 1)
        .unwrap_or(i64::MAX)
        .max(1)
}

/// `FOR UPDATE SKIP LOCKED` on PostgreSQL, where claimants run side by side and
/// skip the rows another one is taking; nothing on SQLite, whose writes take turns.
fn skip_locked(database: &Database) -> &'static str {
    match database {
        Database::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Database::Sqlite(_) => "",
    }
}
