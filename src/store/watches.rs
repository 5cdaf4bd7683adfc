//! The watches themselves: added, listed, removed, paused, muted, and where their
//! alerts go. What a watch's target means, and when it is due, is decided above
//! (`crate::watch`); this file keeps the rows.
//!
//! Watch ids are small numbers staff type (`/watch remove 12`): the next one is one
//! more than the largest, and two replicas adding at once retry on the clash.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{id, Store, StoreError};

/// How often an add retries when another process took the same id.
const ADD_ATTEMPTS: usize = 5;

/// Every column of a watch, in [`Watch::from_row`]'s order.
pub(super) const WATCH_COLUMNS: &str = "id, target_key, target, kind, label, channel_id, interval_ms, paused, \
     muted_until_ms, created_ms, created_by, next_due_ms, last_checked_ms, verdict, summary, state, \
     pending, pending_count, bad_since_ms, last_alert_ms, acknowledged_by";

/// A watch as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Watch {
    pub id: i64,
    /// The one written form of the target (unique).
    #[serde(skip)]
    pub target_key: String,
    /// The target as it reads again (with `kind`).
    pub target: String,
    /// `blocklists`, `domain` or `server`.
    pub kind: String,
    pub label: Option<String>,
    /// This watch's own channel, instead of the default one.
    pub channel_id: Option<u64>,
    pub interval_ms: i64,
    pub paused: bool,
    pub muted_until_ms: Option<i64>,
    pub created_ms: i64,
    pub created_by: String,
    pub next_due_ms: i64,
    pub last_checked_ms: Option<i64>,
    /// The last result's verdict and summary.
    pub verdict: Option<String>,
    pub summary: Option<String>,
    /// The announced state (JSON; `None` before the first result).
    #[serde(skip)]
    pub state: Option<String>,
    /// A change seen, not yet confirmed, and how many results in a row showed it.
    #[serde(skip)]
    pub pending: Option<String>,
    #[serde(skip)]
    pub pending_count: i64,
    /// Since when the announced state is bad.
    pub bad_since_ms: Option<i64>,
    /// When an alert last went out for it (reminders count from here).
    pub last_alert_ms: Option<i64>,
    /// Who acknowledged the current trouble: no reminders until it changes.
    pub acknowledged_by: Option<String>,
}

impl Watch {
    pub(super) fn from_row(row: &AnyRow) -> Result<Watch, sqlx::Error> {
        Ok(Watch {
            id: row.try_get(0)?,
            target_key: row.try_get(1)?,
            target: row.try_get(2)?,
            kind: row.try_get(3)?,
            label: row.try_get(4)?,
            channel_id: row.try_get::<Option<i64>, _>(5)?.map(i64::unsigned_abs),
            interval_ms: row.try_get(6)?,
            paused: row.try_get::<i64, _>(7)? != 0,
            muted_until_ms: row.try_get(8)?,
            created_ms: row.try_get(9)?,
            created_by: row.try_get(10)?,
            next_due_ms: row.try_get(11)?,
            last_checked_ms: row.try_get(12)?,
            verdict: row.try_get(13)?,
            summary: row.try_get(14)?,
            state: row.try_get(15)?,
            pending: row.try_get(16)?,
            pending_count: row.try_get(17)?,
            bad_since_ms: row.try_get(18)?,
            last_alert_ms: row.try_get(19)?,
            acknowledged_by: row.try_get(20)?,
        })
    }
}

#[cfg(test)]
impl Watch {
    /// A fresh, never checked watch of `kind` on `target`, for the tests of the
    /// layers above.
    pub(crate) fn example(id: i64, kind: &str, target: &str, interval_ms: i64) -> Watch {
        Watch {
            id,
            target_key: format!("{kind}:{target}"),
            target: target.to_string(),
            kind: kind.to_string(),
            label: None,
            channel_id: None,
            interval_ms,
            paused: false,
            muted_until_ms: None,
            created_ms: 0,
            created_by: "alice".into(),
            next_due_ms: 0,
            last_checked_ms: None,
            verdict: None,
            summary: None,
            state: None,
            pending: None,
            pending_count: 0,
            bad_since_ms: None,
            last_alert_ms: None,
            acknowledged_by: None,
        }
    }
}

/// A watch to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWatch {
    pub target_key: String,
    pub target: String,
    pub kind: String,
    pub label: Option<String>,
    pub channel_id: Option<u64>,
    pub interval_ms: i64,
    pub created_by: String,
}

/// What an add did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A new watch, due at once.
    New(Watch),
    /// The target was already watched: that watch, unchanged.
    Exists(Watch),
}

/// Where alerts go by default, and the role they mention.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AlertChannel {
    pub channel_id: u64,
    pub is_default: bool,
    pub role_id: Option<u64>,
    pub set_ms: i64,
    pub set_by: String,
    /// What Discord said when it last refused a message there.
    pub problem: Option<String>,
    pub problem_ms: Option<i64>,
}

impl Store {
    /// Adds a watch, due at `now` (its first result is the silent baseline).
    pub async fn add_watch(&self, watch: &NewWatch, now: i64) -> Result<Added, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            for _ in 0..ADD_ATTEMPTS {
                if let Some(existing) = self.watch_by_key(&watch.target_key).await? {
                    return Ok(Added::Exists(existing));
                }
                let inserted = sqlx::query(
                    "INSERT INTO watches (id, target_key, target, kind, label, channel_id, interval_ms, \
                     created_ms, created_by, next_due_ms) \
                     SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8, $7 FROM watches \
                     WHERE true ON CONFLICT DO NOTHING",
                )
                .bind(&watch.target_key)
                .bind(&watch.target)
                .bind(&watch.kind)
                .bind(&watch.label)
                .bind(watch.channel_id.map(id))
                .bind(watch.interval_ms)
                .bind(now)
                .bind(&watch.created_by)
                .execute(self.pool())
                .await?;
                if inserted.rows_affected() == 1 {
                    if let Some(added) = self.watch_by_key(&watch.target_key).await? {
                        return Ok(Added::New(added));
                    }
                }
            }
            Err(sqlx::Error::Protocol(
                "another process kept taking the next watch id".into(),
            ))
        })
        .await
    }

    async fn watch_by_key(&self, key: &str) -> Result<Option<Watch>, sqlx::Error> {
        let sql = format!("SELECT {WATCH_COLUMNS} FROM watches WHERE target_key = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(self.pool())
            .await?
            .map(|row| Watch::from_row(&row))
            .transpose()
    }

    /// One watch by its id.
    pub async fn watch(&self, watch_id: i64) -> Result<Option<Watch>, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let sql = format!("SELECT {WATCH_COLUMNS} FROM watches WHERE id = $1");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(watch_id)
                .fetch_optional(self.pool())
                .await?
                .map(|row| Watch::from_row(&row))
                .transpose()
        })
        .await
    }

    /// Every watch, by id.
    pub async fn watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let sql = format!("SELECT {WATCH_COLUMNS} FROM watches ORDER BY id");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(Watch::from_row)
                .collect()
        })
        .await
    }

    /// Removes a watch and its waiting alerts (its history stays until it expires).
    /// `false` when there was no such watch.
    pub async fn remove_watch(&self, watch_id: i64) -> Result<bool, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let mut tx = self.pool().begin().await?;
            let removed = sqlx::query("DELETE FROM watches WHERE id = $1")
                .bind(watch_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM watch_alerts WHERE watch_id = $1 AND outbox_id IS NULL")
                .bind(watch_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(removed == 1)
        })
        .await
    }

    /// Pauses (no checks) or resumes (due at once) a watch. `false` when there was
    /// no such watch.
    pub async fn set_paused(
        &self,
        watch_id: i64,
        paused: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let changed = sqlx::query(
                "UPDATE watches SET paused = $1, next_due_ms = CASE WHEN $1 = 0 THEN $2 ELSE next_due_ms END \
                 WHERE id = $3",
            )
            .bind(i64::from(paused))
            .bind(now)
            .bind(watch_id)
            .execute(self.pool())
            .await?
            .rows_affected();
            Ok(changed == 1)
        })
        .await
    }

    /// Holds a watch's alerts until `until` (checks go on). `false` when there was
    /// no such watch.
    pub async fn mute_watch(&self, watch_id: i64, until: i64) -> Result<bool, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let changed = sqlx::query("UPDATE watches SET muted_until_ms = $1 WHERE id = $2")
                .bind(until)
                .bind(watch_id)
                .execute(self.pool())
                .await?
                .rows_affected();
            Ok(changed == 1)
        })
        .await
    }

    /// No reminders for the current trouble, said by `who`. `false` when there was
    /// no such watch.
    pub async fn acknowledge_watch(&self, watch_id: i64, who: &str) -> Result<bool, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let changed = sqlx::query("UPDATE watches SET acknowledged_by = $1 WHERE id = $2")
                .bind(who)
                .bind(watch_id)
                .execute(self.pool())
                .await?
                .rows_affected();
            Ok(changed == 1)
        })
        .await
    }

    /// Makes `channel_id` the default alert channel (mentioning `role_id`), the one
    /// default: any earlier default stays known as a plain channel.
    pub async fn set_default_channel(
        &self,
        channel_id: u64,
        role_id: Option<u64>,
        set_by: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            let mut tx = self.pool().begin().await?;
            sqlx::query("UPDATE watch_channels SET is_default = 0 WHERE channel_id <> $1")
                .bind(id(channel_id))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO watch_channels (channel_id, is_default, role_id, set_ms, set_by) \
                 VALUES ($1, 1, $2, $3, $4) ON CONFLICT (channel_id) DO UPDATE SET \
                 is_default = 1, role_id = $2, set_ms = $3, set_by = $4, problem = NULL, problem_ms = NULL",
            )
            .bind(id(channel_id))
            .bind(role_id.map(id))
            .bind(now)
            .bind(set_by)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Every channel alerts went or go to, the default first.
    pub async fn alert_channels(&self) -> Result<Vec<AlertChannel>, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            sqlx::query(
                "SELECT channel_id, is_default, role_id, set_ms, set_by, problem, problem_ms \
                 FROM watch_channels ORDER BY is_default DESC, channel_id",
            )
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| {
                Ok(AlertChannel {
                    channel_id: row.try_get::<i64, _>(0)?.unsigned_abs(),
                    is_default: row.try_get::<i64, _>(1)? != 0,
                    role_id: row.try_get::<Option<i64>, _>(2)?.map(i64::unsigned_abs),
                    set_ms: row.try_get(3)?,
                    set_by: row.try_get(4)?,
                    problem: row.try_get(5)?,
                    problem_ms: row.try_get(6)?,
                })
            })
            .collect()
        })
        .await
    }

    /// The watches counted by kind and state (`paused`, the last verdict, or
    /// `unchecked`), for `/metrics`: counted by the database, no row read.
    pub async fn watch_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.call_for("watch", self.admin_deadline(), async {
            sqlx::query(
                "SELECT kind, CASE WHEN paused <> 0 THEN 'paused' ELSE COALESCE(verdict, 'unchecked') END AS state, \
                 COUNT(*) FROM watches GROUP BY 1, 2 ORDER BY 1, 2",
            )
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
            .collect()
        })
        .await
    }

    /// The default alert channel, if one was set.
    pub async fn default_channel(&self) -> Result<Option<AlertChannel>, StoreError> {
        Ok(self
            .alert_channels()
            .await?
            .into_iter()
            .find(|channel| channel.is_default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;

    pub fn new_watch(key: &str) -> NewWatch {
        NewWatch {
            target_key: format!("blocklists:{key}"),
            target: key.to_string(),
            kind: "blocklists".into(),
            label: Some("relay".into()),
            channel_id: None,
            interval_ms: 3_600_000,
            created_by: "alice".into(),
        }
    }

    #[tokio::test]
    async fn watches_get_small_ids_and_a_target_is_watched_once() {
        each_backend(|store| async move {
            let Added::New(first) = store
                .add_watch(&new_watch("192.0.2.1"), 1_000)
                .await
                .unwrap()
            else {
                panic!("a new watch")
            };
            let Added::New(second) = store
                .add_watch(&new_watch("192.0.2.2"), 1_000)
                .await
                .unwrap()
            else {
                panic!("a new watch")
            };
            assert_eq!((first.id, second.id), (1, 2));
            assert_eq!(first.next_due_ms, 1_000);
            assert!(first.state.is_none());
            let again = store
                .add_watch(&new_watch("192.0.2.1"), 9_000)
                .await
                .unwrap();
            assert_eq!(again, Added::Exists(first.clone()));
            assert_eq!(store.watches().await.unwrap().len(), 2);
            assert!(store.remove_watch(1).await.unwrap());
            assert!(!store.remove_watch(1).await.unwrap());
            // Ids are never given twice while a larger one lives.
            let Added::New(third) = store
                .add_watch(&new_watch("192.0.2.3"), 1_000)
                .await
                .unwrap()
            else {
                panic!("a new watch")
            };
            assert_eq!(third.id, 3);
        })
        .await;
    }

    #[tokio::test]
    async fn pause_resume_mute_and_acknowledge_change_only_their_watch() {
        each_backend(|store| async move {
            store
                .add_watch(&new_watch("192.0.2.1"), 1_000)
                .await
                .unwrap();
            assert!(store.set_paused(1, true, 5_000).await.unwrap());
            let paused = store.watch(1).await.unwrap().unwrap();
            assert!(paused.paused);
            assert_eq!(paused.next_due_ms, 1_000);
            assert!(store.set_paused(1, false, 7_000).await.unwrap());
            let resumed = store.watch(1).await.unwrap().unwrap();
            assert!(!resumed.paused);
            assert_eq!(resumed.next_due_ms, 7_000, "a resumed watch is due at once");
            assert!(store.mute_watch(1, 99_000).await.unwrap());
            assert!(store.acknowledge_watch(1, "bob").await.unwrap());
            let watch = store.watch(1).await.unwrap().unwrap();
            assert_eq!(watch.muted_until_ms, Some(99_000));
            assert_eq!(watch.acknowledged_by.as_deref(), Some("bob"));
            assert!(!store.set_paused(42, true, 0).await.unwrap());
            store
                .add_watch(&new_watch("192.0.2.2"), 1_000)
                .await
                .unwrap();
            store.set_paused(1, true, 8_000).await.unwrap();
            assert_eq!(
                store.watch_counts().await.unwrap(),
                [
                    ("blocklists".to_string(), "paused".to_string(), 1),
                    ("blocklists".to_string(), "unchecked".to_string(), 1)
                ]
            );
            assert!(!store.mute_watch(42, 0).await.unwrap());
        })
        .await;
    }

    #[tokio::test]
    async fn one_default_channel_at_a_time() {
        each_backend(|store| async move {
            assert_eq!(store.default_channel().await.unwrap(), None);
            store
                .set_default_channel(1_000_000_000_000_000_001, Some(7), "alice", 10)
                .await
                .unwrap();
            store
                .set_default_channel(1_000_000_000_000_000_002, None, "bob", 20)
                .await
                .unwrap();
            let channels = store.alert_channels().await.unwrap();
            assert_eq!(channels.len(), 2);
            assert_eq!(channels[0].channel_id, 1_000_000_000_000_000_002);
            assert!(channels[0].is_default);
            assert_eq!(channels[0].role_id, None);
            assert!(!channels[1].is_default);
            let default = store.default_channel().await.unwrap().unwrap();
            assert_eq!(default.set_by, "bob");
        })
        .await;
    }
}
