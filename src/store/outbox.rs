//! Watching's outbox: alerts grouped into messages, and messages on their way to
//! Discord.
//!
//! An alert waits in `watch_alerts` until its channel's grouping window has passed;
//! then one transaction takes the channel's waiting alerts (a few at a time), writes
//! the message they make as an outbox row with its own nonce, and marks them taken.
//! A sender claims outbox rows with a lease (as the scheduler claims watches), posts
//! them, and marks each sent, to retry, or failed. A sender killed after posting and
//! before marking leaves the row to be posted again with the same nonce, which
//! Discord (`enforce_nonce`) answers with the first message instead of a second.

use sqlx::Row;

use super::{id, random_id, skip_locked, Store, StoreError};

/// An alert taken into a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenAlert {
    pub watch_id: Option<i64>,
    pub created_ms: i64,
    pub body: String,
}

/// A message to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel_id: u64,
    pub nonce: String,
    /// The message's JSON body, as posted.
    pub body: String,
    /// Earlier tries (429s and faults that may pass).
    pub attempts: i64,
}

/// A history event, as `/watch history` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WatchEvent {
    pub watch_id: i64,
    pub at_ms: i64,
    pub event: String,
    pub verdict: String,
    pub text: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What the outbox holds, for `/metrics` and `watch list`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub waiting_alerts: i64,
    pub unsent_messages: i64,
    pub failed_messages: i64,
}

impl Store {
    /// The channels with an alert that has waited since `ready_before` or longer.
    pub async fn channels_ready(&self, ready_before: i64) -> Result<Vec<u64>, StoreError> {
        self.call_for("watch outbox", self.admin_deadline(), async {
            let rows = sqlx::query(
                "SELECT channel_id FROM watch_alerts WHERE outbox_id IS NULL \
                 GROUP BY channel_id HAVING MIN(created_ms) <= $1 ORDER BY MIN(created_ms)",
            )
            .bind(ready_before)
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|row| Ok(row.try_get::<i64, _>(0)?.unsigned_abs()))
                .collect()
        })
        .await
    }

    /// Takes up to `max` waiting alerts of `channel` (the oldest first) into one
    /// message, whose body `compose` writes; the message and the taking commit
    /// together. `None` when another process took them first.
    pub async fn group_alerts(
        &self,
        channel: u64,
        max: i64,
        now: i64,
        compose: impl FnOnce(&[TakenAlert]) -> String,
    ) -> Result<Option<OutboxMessage>, StoreError> {
        let sql = format!(
            "UPDATE watch_alerts SET outbox_id = $1 WHERE outbox_id IS NULL AND id IN \
             (SELECT id FROM watch_alerts WHERE channel_id = $2 AND outbox_id IS NULL \
              ORDER BY created_ms, id LIMIT $3{}) \
             RETURNING watch_id, created_ms, body",
            skip_locked(self.database())
        );
        self.call_for("watch outbox", self.admin_deadline(), async {
            let message_id = random_id();
            let mut tx = self.pool().begin().await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(message_id)
                .bind(id(channel))
                .bind(max)
                .fetch_all(&mut *tx)
                .await?;
            let mut taken = rows
                .iter()
                .map(|row| {
                    Ok(TakenAlert {
                        watch_id: row.try_get(0)?,
                        created_ms: row.try_get(1)?,
                        body: row.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            if taken.is_empty() {
                tx.rollback().await?;
                return Ok(None);
            }
            taken.sort_by_key(|alert| alert.created_ms);
            let message = OutboxMessage {
                id: message_id,
                channel_id: channel,
                // Discord takes a nonce of at most 25 characters (here 17 at most); a
                // letter first, so it never reads as a snowflake.
                nonce: format!("w{message_id:x}"),
                body: compose(&taken),
                attempts: 0,
            };
            sqlx::query(
                "INSERT INTO watch_outbox (id, channel_id, nonce, body, created_ms, next_attempt_ms) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(message.id)
            .bind(id(channel))
            .bind(&message.nonce)
            .bind(&message.body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(message))
        })
        .await
    }

    /// Claims up to `limit` messages due to be posted at `now`, for `lease_ms`.
    pub async fn claim_outbox(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "UPDATE watch_outbox SET lease_owner = $1, lease_until_ms = $2 \
             WHERE sent_ms IS NULL AND failed_ms IS NULL AND next_attempt_ms <= $3 AND lease_until_ms <= $3 \
             AND id IN (SELECT id FROM watch_outbox WHERE sent_ms IS NULL AND failed_ms IS NULL \
              AND next_attempt_ms <= $3 AND lease_until_ms <= $3 ORDER BY created_ms, id LIMIT $4{}) \
             RETURNING id, channel_id, nonce, body, attempts, created_ms",
            skip_locked(self.database())
        );
        self.call_for("watch outbox", self.admin_deadline(), async {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(now.saturating_add(lease_ms))
                .bind(now)
                .bind(limit)
                .fetch_all(self.pool())
                .await?;
            let mut claimed = rows
                .iter()
                .map(|row| {
                    Ok((
                        row.try_get::<i64, _>(5)?,
                        OutboxMessage {
                            id: row.try_get(0)?,
                            channel_id: row.try_get::<i64, _>(1)?.unsigned_abs(),
                            nonce: row.try_get(2)?,
                            body: row.try_get(3)?,
                            attempts: row.try_get(4)?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            claimed.sort_by_key(|(created, message)| (*created, message.id));
            Ok(claimed.into_iter().map(|(_, message)| message).collect())
        })
        .await
    }

    /// Marks a message posted (as Discord's message `message_id`), and clears its
    /// channel's delivery problem.
    pub async fn outbox_sent(
        &self,
        message: &OutboxMessage,
        message_id: Option<u64>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.call_for("watch outbox", self.admin_deadline(), async {
            let mut tx = self.pool().begin().await?;
            sqlx::query(
                "UPDATE watch_outbox SET sent_ms = $1, message_id = $2, attempts = attempts + 1, \
                 lease_owner = NULL, lease_until_ms = 0, error = NULL WHERE id = $3",
            )
            .bind(now)
            .bind(message_id.map(id))
            .bind(message.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE watch_channels SET problem = NULL, problem_ms = NULL WHERE channel_id = $1",
            )
            .bind(id(message.channel_id))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Leaves a message to be tried again at `next_attempt_ms`, saying why.
    pub async fn outbox_retry(
        &self,
        message: &OutboxMessage,
        next_attempt_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.call_for("watch outbox", self.admin_deadline(), async {
            sqlx::query(
                "UPDATE watch_outbox SET next_attempt_ms = $1, attempts = attempts + 1, error = $2, \
                 lease_owner = NULL, lease_until_ms = 0 WHERE id = $3 AND sent_ms IS NULL",
            )
            .bind(next_attempt_ms)
            .bind(error)
            .bind(message.id)
            .execute(self.pool())
            .await?;
            Ok(())
        })
        .await
    }

    /// Gives a message up (Discord refused it for good: no access, no channel),
    /// and notes the refusal on its channel, for `/watch list`.
    pub async fn outbox_failed(
        &self,
        message: &OutboxMessage,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.call_for("watch outbox", self.admin_deadline(), async {
            let mut tx = self.pool().begin().await?;
            // Never over a send: another sender may have posted it while this one's
            // answer was late (the nonce made both posts one message).
            let failed = sqlx::query(
                "UPDATE watch_outbox SET failed_ms = $1, attempts = attempts + 1, error = $2, \
                 lease_owner = NULL, lease_until_ms = 0 WHERE id = $3 AND sent_ms IS NULL",
            )
            .bind(now)
            .bind(error)
            .bind(message.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if failed == 0 {
                tx.rollback().await?;
                return Ok(());
            }
            sqlx::query(
                "INSERT INTO watch_channels (channel_id, is_default, set_ms, set_by, problem, problem_ms) \
                 VALUES ($1, 0, $2, 'watch', $3, $2) \
                 ON CONFLICT (channel_id) DO UPDATE SET problem = $3, problem_ms = $2",
            )
            .bind(id(message.channel_id))
            .bind(now)
            .bind(error)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// How many alerts wait to be grouped (for tests and `/metrics`).
    pub async fn waiting_alert_count(&self) -> Result<i64, StoreError> {
        Ok(self.outbox_counts().await?.waiting_alerts)
    }

    /// What waits in the outbox, and what it gave up.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.call_for("watch outbox", self.admin_deadline(), async {
            let count = |sql: &'static str| async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(self.pool())
                    .await
            };
            Ok(OutboxCounts {
                waiting_alerts: count("SELECT COUNT(*) FROM watch_alerts WHERE outbox_id IS NULL")
                    .await?,
                unsent_messages: count(
                    "SELECT COUNT(*) FROM watch_outbox WHERE sent_ms IS NULL AND failed_ms IS NULL",
                )
                .await?,
                failed_messages: count(
                    "SELECT COUNT(*) FROM watch_outbox WHERE failed_ms IS NOT NULL",
                )
                .await?,
            })
        })
        .await
    }

    /// The last `limit` history events, of one watch or of all, the newest first.
    pub async fn watch_history(
        &self,
        watch_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WatchEvent>, StoreError> {
        self.call_for("watch history", self.admin_deadline(), async {
            let rows = sqlx::query(
                "SELECT watch_id, at_ms, event, verdict, text, before_text, after_text FROM watch_events \
                 WHERE ($1 = 0 OR watch_id = $1) ORDER BY at_ms DESC, id DESC LIMIT $2",
            )
            .bind(watch_id.unwrap_or(0))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(WatchEvent {
                        watch_id: row.try_get(0)?,
                        at_ms: row.try_get(1)?,
                        event: row.try_get(2)?,
                        verdict: row.try_get(3)?,
                        text: row.try_get(4)?,
                        before: row.try_get(5)?,
                        after: row.try_get(6)?,
                    })
                })
                .collect()
        })
        .await
    }

    /// Forgets history older than `events_before`, raw results older than
    /// `results_before`, and posted or failed messages (and their alerts) older than
    /// `messages_before`. Idempotent: watchers prune side by side.
    pub async fn prune_watching(
        &self,
        events_before: i64,
        results_before: i64,
        messages_before: i64,
    ) -> Result<u64, StoreError> {
        self.call_for("watch prune", self.admin_deadline(), async {
            let mut removed = 0;
            for (sql, cutoff) in [
                ("DELETE FROM watch_events WHERE at_ms < $1", events_before),
                ("DELETE FROM watch_results WHERE at_ms < $1", results_before),
                (
                    "DELETE FROM watch_alerts WHERE outbox_id IN (SELECT id FROM watch_outbox \
                     WHERE created_ms < $1 AND (sent_ms IS NOT NULL OR failed_ms IS NOT NULL))",
                    messages_before,
                ),
                (
                    "DELETE FROM watch_outbox WHERE created_ms < $1 AND (sent_ms IS NOT NULL OR failed_ms IS NOT NULL)",
                    messages_before,
                ),
            ] {
                removed += sqlx::query(sql)
                    .bind(cutoff)
                    .execute(self.pool())
                    .await?
                    .rows_affected();
            }
            Ok(removed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;
    use crate::store::watch_runs::NewAlert;

    async fn alert(store: &Store, channel: u64, body: &str, at: i64) {
        let alert = NewAlert {
            channel_id: channel,
            watch_id: Some(1),
            body: body.into(),
        };
        store
            .record_watch_event(None, at, None, &[alert])
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn alerts_of_a_channel_wait_out_the_window_then_go_as_one_message() {
        each_backend(|store| async move {
            alert(&store, 7, "a", 1_000).await;
            alert(&store, 7, "b", 2_000).await;
            alert(&store, 8, "c", 20_000).await;
            // At 25 s with a 30 s window, nothing is ready; at 31 s channel 7 is.
            assert!(store
                .channels_ready(25_000 - 30_000)
                .await
                .unwrap()
                .is_empty());
            assert_eq!(store.channels_ready(31_000 - 30_000).await.unwrap(), [7]);
            let message = store
                .group_alerts(7, 5, 31_000, |taken| {
                    taken
                        .iter()
                        .map(|t| t.body.as_str())
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .await
                .unwrap()
                .unwrap();
            assert_eq!(message.body, "a+b");
            assert_eq!(message.nonce, format!("w{:x}", message.id));
            assert!(message.nonce.len() <= 25);
            // Taken once: a second grouping finds nothing.
            assert!(store
                .group_alerts(7, 5, 31_000, |_| String::new())
                .await
                .unwrap()
                .is_none());
            assert_eq!(store.waiting_alert_count().await.unwrap(), 1);
        })
        .await;
    }

    #[tokio::test]
    async fn a_message_is_claimed_once_retried_and_marked_sent_or_failed() {
        each_backend(|store| async move {
            alert(&store, 7, "a", 1_000).await;
            alert(&store, 8, "b", 1_000).await;
            let first = store
                .group_alerts(7, 5, 2_000, |_| "m7".into())
                .await
                .unwrap()
                .unwrap();
            let second = store
                .group_alerts(8, 5, 2_000, |_| "m8".into())
                .await
                .unwrap()
                .unwrap();
            let claimed = store.claim_outbox("a", 3_000, 30_000, 10).await.unwrap();
            assert_eq!(claimed.len(), 2);
            assert!(store
                .claim_outbox("b", 3_000, 30_000, 10)
                .await
                .unwrap()
                .is_empty());
            store.outbox_retry(&first, 10_000, "429").await.unwrap();
            store
                .outbox_failed(&second, "Missing Access", 3_500)
                .await
                .unwrap();
            assert!(store
                .claim_outbox("b", 5_000, 30_000, 10)
                .await
                .unwrap()
                .is_empty());
            let again = store.claim_outbox("b", 10_000, 30_000, 10).await.unwrap();
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].attempts, 1);
            store
                .outbox_sent(&again[0], Some(99), 11_000)
                .await
                .unwrap();
            // A late refusal or retry from a sender whose lease ran out changes nothing.
            store
                .outbox_failed(&again[0], "late", 12_000)
                .await
                .unwrap();
            store.outbox_retry(&again[0], 13_000, "late").await.unwrap();
            let counts = store.outbox_counts().await.unwrap();
            assert_eq!((counts.unsent_messages, counts.failed_messages), (0, 1));
            let channels = store.alert_channels().await.unwrap();
            assert_eq!(channels[0].channel_id, 8);
            assert_eq!(channels[0].problem.as_deref(), Some("Missing Access"));
            assert_eq!(store.prune_watching(0, 0, 20_000).await.unwrap(), 4);
        })
        .await;
    }

    #[tokio::test]
    async fn history_comes_back_newest_first_per_watch_or_for_all() {
        use crate::store::watch_runs::NewEvent;
        each_backend(|store| async move {
            for (watch, at, text) in [(1, 10, "one"), (2, 20, "two"), (1, 30, "three")] {
                let event = NewEvent {
                    event: "change".into(),
                    verdict: "problem".into(),
                    text: text.into(),
                    before: None,
                    after: None,
                };
                store
                    .record_watch_event(Some(watch), at, Some(&event), &[])
                    .await
                    .unwrap();
            }
            let all = store.watch_history(None, 20).await.unwrap();
            assert_eq!(
                all.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
                ["three", "two", "one"]
            );
            let one = store.watch_history(Some(1), 1).await.unwrap();
            assert_eq!(one[0].text, "three");
            assert_eq!(one.len(), 1);
        })
        .await;
    }
}
