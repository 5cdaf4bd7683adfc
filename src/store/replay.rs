//! The replay guard of `serve`: an interaction id is taken once, on whichever
//! replica it arrives. A signed request captured between the load balancer and a
//! pod and sent again within the signature's five minutes is refused (409) without
//! running anything. Ids are kept [`KEEP`], twice the signature window.
//!
//! Every interaction `serve` answers writes one row, so the writes are grouped: the
//! ids that arrive while one INSERT runs go together in the next (one statement, one
//! commit, one round trip for up to [`BATCH`] interactions). Under load that is what
//! keeps SQLite's single writer and PostgreSQL's round trips off the critical path;
//! alone, an id is written at once. (sqlx has no group commit of its own, and its
//! query builder writes `?` placeholders, which PostgreSQL refuses through the `Any`
//! driver: the statement is written here.)

use std::collections::HashSet;
use std::time::Duration;

use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

use super::{id, now_ms, Store, StoreError};

/// How long an interaction id is remembered: twice Discord's five-minute window.
pub const KEEP: Duration = Duration::from_secs(600);

/// At most this many ids in one INSERT (two parameters each: far below SQLite's
/// 32,766 and PostgreSQL's 65,535).
pub const BATCH: usize = 256;

/// Ids waiting for the next INSERT; past this, callers wait for room (within their
/// deadline).
const QUEUE: usize = 4096;

/// One caller's id and where its answer goes.
type Waiter = (i64, oneshot::Sender<Result<bool, String>>);

/// The queue in front of the one task that writes interaction ids. The task ends
/// when the store is dropped.
pub(super) struct Batcher {
    queue: mpsc::Sender<Waiter>,
}

impl Batcher {
    /// Starts the writing task on the current runtime.
    pub(super) fn start(pool: AnyPool) -> Batcher {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(pool, waiting));
        Batcher { queue }
    }
}

impl Store {
    /// Takes interaction `interaction`: `true` the first time, `false` for a replay.
    pub async fn first_sight(&self, interaction: u64) -> Result<bool, StoreError> {
        let queue = &self.inner.replay.queue;
        self.call("replay", async {
            let (answer, answered) = oneshot::channel();
            let closed = || sqlx::Error::PoolClosed;
            queue
                .send((id(interaction), answer))
                .await
                .map_err(|_| closed())?;
            answered
                .await
                .map_err(|_| closed())?
                .map_err(sqlx::Error::Protocol)
        })
        .await
    }
}

/// Writes what is waiting, up to [`BATCH`] ids at a time, until the store is gone.
async fn write_batches(pool: AnyPool, mut waiting: mpsc::Receiver<Waiter>) {
    let mut batch = Vec::with_capacity(BATCH);
    while waiting.recv_many(&mut batch, BATCH).await > 0 {
        // Under load, one turn of the scheduler lets the requests being read right now
        // add their ids to this INSERT instead of the next: fewer, larger commits,
        // less CPU per interaction. Alone, an id waits one turn (microseconds).
        if batch.len() < BATCH {
            tokio::task::yield_now().await;
            while batch.len() < BATCH {
                match waiting.try_recv() {
                    Ok(waiter) => batch.push(waiter),
                    Err(_) => break,
                }
            }
        }
        let ids: Vec<i64> = {
            let mut seen = HashSet::new();
            batch
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| seen.insert(*id))
                .collect()
        };
        match insert(&pool, &ids).await {
            Ok(mut taken) => {
                // The first caller with an id gets it; the same id twice in one
                // batch is a replay like any other.
                for (id, answer) in batch.drain(..) {
                    let _ = answer.send(Ok(taken.remove(&id)));
                }
            }
            Err(err) => {
                let cause = err.to_string();
                for (_, answer) in batch.drain(..) {
                    let _ = answer.send(Err(cause.clone()));
                }
            }
        }
    }
}

/// Inserts `ids` (distinct); those inserted now, not seen before.
async fn insert(pool: &AnyPool, ids: &[i64]) -> Result<HashSet<i64>, sqlx::Error> {
    let values: Vec<String> = (0..ids.len())
        .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
        .collect();
    let sql = format!(
        "INSERT INTO seen_interactions (id, seen_ms) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
        values.join(", ")
    );
    let now = now_ms();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id).bind(now);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter().map(|row| row.try_get::<i64, _>(0)).collect()
}

#[cfg(test)]
mod tests {
    use crate::store::testing::each_backend;

    #[tokio::test]
    async fn an_id_is_taken_once() {
        each_backend(|store| async move {
            assert!(store.first_sight(1_234_567_890_123_456_789).await.unwrap());
            assert!(!store.first_sight(1_234_567_890_123_456_789).await.unwrap());
            assert!(store.first_sight(1_234_567_890_123_456_790).await.unwrap());
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ids_arriving_together_are_written_together_and_each_taken_once() {
        each_backend(|store| async move {
            // 600 callers at once: more than one batch, every id twice.
            let calls: Vec<_> = (0..600u64)
                .map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        (i % 300, store.first_sight(9_000 + i % 300).await.unwrap())
                    })
                })
                .collect();
            let mut firsts = vec![0; 300];
            for call in calls {
                let (id, first) = call.await.unwrap();
                firsts[id as usize] += usize::from(first);
            }
            assert!(firsts.iter().all(|&count| count == 1), "{firsts:?}");
            assert!(!store.first_sight(9_000).await.unwrap());
        })
        .await;
    }
}
