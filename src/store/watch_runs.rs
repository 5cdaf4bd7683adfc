//! The scheduler's side of the watches: claiming the due ones, and writing a result
//! with everything it causes in one transaction.
//!
//! A claim is a lease: one UPDATE takes up to `limit` due watches whose lease has
//! run out and stamps them with the claimant and a time. On PostgreSQL the inner
//! SELECT skips rows another claimant is taking (`FOR UPDATE SKIP LOCKED`) and the
//! outer WHERE is checked again on the row it updates, so two watchers never take
//! the same watch; SQLite runs one write at a time. A claimant that dies leaves its
//! lease to run out, and the next pass takes the watch over.
//!
//! A result is written only by the lease's holder: the watch's new state, its raw
//! result, the history events and the alerts to send commit together (the outbox),
//! so a change is never announced without being recorded, nor recorded without
//! being announced.

use sqlx::{Any, Transaction};

use super::watches::{Watch, WATCH_COLUMNS};
use super::{id, random_id, skip_locked, Store, StoreError};

/// What a checked watch becomes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatchUpdate {
    pub next_due_ms: i64,
    pub state: Option<String>,
    pub pending: Option<String>,
    pub pending_count: i64,
    pub bad_since_ms: Option<i64>,
    pub last_alert_ms: Option<i64>,
    pub acknowledged_by: Option<String>,
}

/// One entry of a watch's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// `change`, `recovery`, `reminder`, `baseline`, …
    pub event: String,
    pub verdict: String,
    pub text: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An alert to group into a message for a channel: the embed (JSON) it adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub channel_id: u64,
    pub watch_id: Option<i64>,
    pub body: String,
}

/// One check of one watch, and what it causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchResult {
    pub watch_id: i64,
    pub at_ms: i64,
    pub verdict: String,
    pub summary: String,
    /// What this check saw (JSON), kept as the raw result.
    pub observed: String,
    pub update: WatchUpdate,
    pub events: Vec<NewEvent>,
    pub alerts: Vec<NewAlert>,
}

impl Store {
    /// Takes up to `limit` watches due at `now`, for `lease_ms`, as `owner`; the
    /// most overdue first.
    pub async fn claim_due_watches(
        &self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<Watch>, StoreError> {
        let sql = format!(
            "UPDATE watches SET lease_owner = $1, lease_until_ms = $2 \
             WHERE paused = 0 AND next_due_ms <= $3 AND lease_until_ms <= $3 AND id IN \
             (SELECT id FROM watches WHERE paused = 0 AND next_due_ms <= $3 AND lease_until_ms <= $3 \
              ORDER BY next_due_ms, id LIMIT $4{}) \
             RETURNING {WATCH_COLUMNS}",
            skip_locked(self.database())
        );
        self.call_for("watch claim", self.admin_deadline(), async {
            let mut claimed = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(now.saturating_add(lease_ms))
                .bind(now)
                .bind(limit)
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(Watch::from_row)
                .collect::<Result<Vec<_>, _>>()?;
            claimed.sort_by_key(|watch| (watch.next_due_ms, watch.id));
            Ok(claimed)
        })
        .await
    }

    /// Takes one watch now, due or not (its first check, when staff add it), unless
    /// another process holds it.
    pub async fn claim_watch(
        &self,
        watch_id: i64,
        owner: &str,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<Watch>, StoreError> {
        let sql = format!(
            "UPDATE watches SET lease_owner = $1, lease_until_ms = $2 \
             WHERE id = $3 AND lease_until_ms <= $4 RETURNING {WATCH_COLUMNS}"
        );
        self.call_for("watch claim", self.admin_deadline(), async {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(now.saturating_add(lease_ms))
                .bind(watch_id)
                .bind(now)
                .fetch_optional(self.pool())
                .await?
                .map(|row| Watch::from_row(&row))
                .transpose()
        })
        .await
    }

    /// Writes `result` if `owner` still holds the watch's lease, and lets the lease
    /// go. `false` when it does not (the watch was removed, or the lease ran out and
    /// another process took it): nothing is written.
    pub async fn record_watch_result(
        &self,
        owner: &str,
        result: &WatchResult,
    ) -> Result<bool, StoreError> {
        self.call_for("watch result", self.admin_deadline(), async {
            // The first statement writes, so SQLite takes its write lock at once
            // (waiting out the busy timeout) instead of failing on an upgrade.
            let mut tx = self.pool().begin().await?;
            let update = &result.update;
            let held = sqlx::query(
                "UPDATE watches SET next_due_ms = $1, state = $2, pending = $3, pending_count = $4, \
                 bad_since_ms = $5, last_alert_ms = $6, acknowledged_by = $7, last_checked_ms = $8, \
                 verdict = $9, summary = $10, lease_owner = NULL, lease_until_ms = 0 \
                 WHERE id = $11 AND lease_owner = $12",
            )
            .bind(update.next_due_ms)
            .bind(&update.state)
            .bind(&update.pending)
            .bind(update.pending_count)
            .bind(update.bad_since_ms)
            .bind(update.last_alert_ms)
            .bind(&update.acknowledged_by)
            .bind(result.at_ms)
            .bind(&result.verdict)
            .bind(&result.summary)
            .bind(result.watch_id)
            .bind(owner)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if held != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO watch_results (watch_id, at_ms, verdict, summary, state) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (watch_id, at_ms) DO NOTHING",
            )
            .bind(result.watch_id)
            .bind(result.at_ms)
            .bind(&result.verdict)
            .bind(&result.summary)
            .bind(&result.observed)
            .execute(&mut *tx)
            .await?;
            for event in &result.events {
                insert_event(&mut tx, result.watch_id, result.at_ms, event).await?;
            }
            for alert in &result.alerts {
                insert_alert(&mut tx, alert, result.at_ms).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    /// Raises (`down`) or clears a flag shared by every watcher (`resolver`: the
    /// blocklists cannot be checked), writing `alert` only when this call changed
    /// it: one notice each way, however many watches and processes see it.
    pub async fn flip_flag(
        &self,
        scope: &str,
        down: bool,
        now: i64,
        alert: Option<&NewAlert>,
    ) -> Result<bool, StoreError> {
        self.call_for("watch flag", self.admin_deadline(), async {
            let mut tx = self.pool().begin().await?;
            let changed = if down {
                sqlx::query(
                    "INSERT INTO watch_flags (scope, since_ms) VALUES ($1, $2) ON CONFLICT (scope) DO NOTHING",
                )
                .bind(scope)
                .bind(now)
                .execute(&mut *tx)
                .await?
            } else {
                sqlx::query("DELETE FROM watch_flags WHERE scope = $1")
                    .bind(scope)
                    .execute(&mut *tx)
                    .await?
            }
            .rows_affected()
                == 1;
            if let (true, Some(alert)) = (changed, alert) {
                insert_alert(&mut tx, alert, now).await?;
            }
            tx.commit().await?;
            Ok(changed)
        })
        .await
    }

    /// Whether a flag is raised, and since when.
    pub async fn flag(&self, scope: &str) -> Result<Option<i64>, StoreError> {
        self.call_for("watch flag", self.admin_deadline(), async {
            sqlx::query_scalar("SELECT since_ms FROM watch_flags WHERE scope = $1")
                .bind(scope)
                .fetch_optional(self.pool())
                .await
        })
        .await
    }

    /// Writes a history event and alerts outside a check (an acknowledgement, a
    /// mute, a channel's confirmation message), together.
    pub async fn record_watch_event(
        &self,
        watch_id: Option<i64>,
        now: i64,
        event: Option<&NewEvent>,
        alerts: &[NewAlert],
    ) -> Result<(), StoreError> {
        self.call_for("watch event", self.admin_deadline(), async {
            let mut tx = self.pool().begin().await?;
            if let (Some(watch_id), Some(event)) = (watch_id, event) {
                insert_event(&mut tx, watch_id, now, event).await?;
            }
            for alert in alerts {
                insert_alert(&mut tx, alert, now).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

async fn insert_event(
    tx: &mut Transaction<'static, Any>,
    watch_id: i64,
    at_ms: i64,
    event: &NewEvent,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO watch_events (id, watch_id, at_ms, event, verdict, text, before_text, after_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(random_id())
    .bind(watch_id)
    .bind(at_ms)
    .bind(&event.event)
    .bind(&event.verdict)
    .bind(&event.text)
    .bind(&event.before)
    .bind(&event.after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_alert(
    tx: &mut Transaction<'static, Any>,
    alert: &NewAlert,
    at_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO watch_alerts (id, channel_id, watch_id, created_ms, body) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(random_id())
    .bind(id(alert.channel_id))
    .bind(alert.watch_id)
    .bind(at_ms)
    .bind(&alert.body)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;
    use crate::store::watches::{Added, NewWatch};

    async fn add(store: &Store, address: &str, now: i64) -> i64 {
        let watch = NewWatch {
            target_key: format!("blocklists:{address}"),
            target: address.into(),
            kind: "blocklists".into(),
            label: None,
            channel_id: None,
            interval_ms: 60_000,
            created_by: "alice".into(),
        };
        match store.add_watch(&watch, now).await.unwrap() {
            Added::New(watch) => watch.id,
            Added::Exists(_) => panic!("a new watch"),
        }
    }

    fn result(watch_id: i64, at_ms: i64, alerts: Vec<NewAlert>) -> WatchResult {
        WatchResult {
            watch_id,
            at_ms,
            verdict: "ok".into(),
            summary: "clean".into(),
            observed: "{}".into(),
            update: WatchUpdate {
                next_due_ms: at_ms + 60_000,
                state: Some("{}".into()),
                ..WatchUpdate::default()
            },
            events: vec![NewEvent {
                event: "change".into(),
                verdict: "ok".into(),
                text: "delisted".into(),
                before: Some("listed".into()),
                after: None,
            }],
            alerts,
        }
    }

    #[tokio::test]
    async fn a_due_watch_is_claimed_once_until_its_lease_runs_out() {
        each_backend(|store| async move {
            let first = add(&store, "192.0.2.1", 1_000).await;
            add(&store, "192.0.2.2", 50_000).await;
            // Only the first is due at 2 s.
            let claimed = store
                .claim_due_watches("a", 2_000, 30_000, 10)
                .await
                .unwrap();
            assert_eq!(claimed.iter().map(|w| w.id).collect::<Vec<_>>(), [first]);
            assert!(store
                .claim_due_watches("b", 3_000, 30_000, 10)
                .await
                .unwrap()
                .is_empty());
            // a died: at 40 s its lease is over, b takes both.
            let claimed = store
                .claim_due_watches("b", 60_000, 30_000, 10)
                .await
                .unwrap();
            assert_eq!(claimed.len(), 2);
            // a's late result is refused; b's is written and frees the watch.
            assert!(!store
                .record_watch_result("a", &result(first, 61_000, vec![]))
                .await
                .unwrap());
            assert!(store
                .record_watch_result("b", &result(first, 62_000, vec![]))
                .await
                .unwrap());
            let watch = store.watch(first).await.unwrap().unwrap();
            assert_eq!(watch.next_due_ms, 122_000);
            assert_eq!(watch.last_checked_ms, Some(62_000));
            assert!(store
                .claim_due_watches("c", 85_000, 30_000, 10)
                .await
                .unwrap()
                .is_empty());
        })
        .await;
    }

    #[tokio::test]
    async fn paused_watches_are_never_claimed() {
        each_backend(|store| async move {
            let watch = add(&store, "192.0.2.1", 1_000).await;
            store.set_paused(watch, true, 1_000).await.unwrap();
            assert!(store
                .claim_due_watches("a", 9_000, 1_000, 10)
                .await
                .unwrap()
                .is_empty());
        })
        .await;
    }

    #[tokio::test]
    async fn a_flag_flips_once_each_way_and_writes_its_notice_once() {
        each_backend(|store| async move {
            let notice = NewAlert {
                channel_id: 5,
                watch_id: None,
                body: "{}".into(),
            };
            assert!(store
                .flip_flag("resolver", true, 10, Some(&notice))
                .await
                .unwrap());
            assert!(!store
                .flip_flag("resolver", true, 20, Some(&notice))
                .await
                .unwrap());
            assert_eq!(store.flag("resolver").await.unwrap(), Some(10));
            assert!(store
                .flip_flag("resolver", false, 30, Some(&notice))
                .await
                .unwrap());
            assert!(!store
                .flip_flag("resolver", false, 40, Some(&notice))
                .await
                .unwrap());
            assert_eq!(store.flag("resolver").await.unwrap(), None);
            assert_eq!(store.waiting_alert_count().await.unwrap(), 2);
        })
        .await;
    }
}
