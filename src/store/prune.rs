//! Forgetting what has expired: rate-limit rows past their window, suggestions of
//! users unseen for 30 days (and the least recently seen past 100,000 users),
//! interaction ids past the replay window, audit entries past their retention. The
//! long-running modes run it every minute ([`PRUNE_EVERY`]); it is idempotent, so
//! replicas pruning together do no harm.

use std::time::Duration;

use super::{now_ms, replay, suggestions, Store, StoreError};

/// How often the long-running modes prune.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Rows each prune removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub rate_limits: u64,
    pub suggestions: u64,
    pub seen_interactions: u64,
    pub audit_log: u64,
}

impl Store {
    /// Removes every expired row; `longest_window` is the longest rate-limit window.
    pub async fn prune(&self, longest_window: Duration) -> Result<Pruned, StoreError> {
        let now = now_ms();
        let retention = self.settings().audit_retention;
        self.call("prune", self.prune_at(now, longest_window, retention))
            .await
    }

    async fn prune_at(
        &self,
        now: i64,
        longest_window: Duration,
        retention: Duration,
    ) -> Result<Pruned, sqlx::Error> {
        let before = |age: Duration| now - i64::try_from(age.as_millis()).unwrap_or(i64::MAX / 2);
        let delete = |sql: &'static str, cutoff: i64| {
            let pool = self.pool().clone();
            async move {
                Ok::<u64, sqlx::Error>(
                    sqlx::query(sql)
                        .bind(cutoff)
                        .execute(&pool)
                        .await?
                        .rows_affected(),
                )
            }
        };
        let mut pruned = Pruned {
            rate_limits: delete(
                "DELETE FROM rate_limits WHERE last_ms < $1",
                before(longest_window),
            )
            .await?,
            suggestions: delete(
                "DELETE FROM suggestions WHERE used_ms < $1",
                before(suggestions::FORGET_AFTER),
            )
            .await?,
            seen_interactions: delete(
                "DELETE FROM seen_interactions WHERE seen_ms < $1",
                before(replay::KEEP),
            )
            .await?,
            audit_log: delete("DELETE FROM audit_log WHERE at_ms < $1", before(retention)).await?,
        };
        // Past MAX_USERS, the least recently seen users go. `LIMIT` before `OFFSET`,
        // with a limit larger than any table, is how both backends skip rows.
        pruned.suggestions += sqlx::query(
            "DELETE FROM suggestions WHERE user_id IN (SELECT user_id FROM suggestions \
             GROUP BY user_id ORDER BY MAX(used_ms) DESC, user_id LIMIT 9223372036854775807 OFFSET $1)",
        )
        .bind(suggestions::MAX_USERS)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(pruned)
    }
}

/// Prunes every [`PRUNE_EVERY`] until the task is aborted; a failed prune is noted
/// in the store's health and tried again next time.
pub fn spawn_pruning(store: Store, longest_window: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(PRUNE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.prune(longest_window).await {
                Ok(pruned) if pruned != Pruned::default() => {
                    tracing::debug!(?pruned, "expired rows pruned from the store");
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::debug!(error = %err, "pruning the store failed; trying again later")
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::limits::Scope;
    use crate::store::testing::each_backend;

    const DAY: i64 = 86_400_000;

    #[tokio::test]
    async fn what_has_expired_goes_and_the_rest_stays() {
        each_backend(|store| async move {
            let now = now_ms();
            store
                .claim(Scope::User, 1, 5, Duration::from_secs(60))
                .await
                .unwrap()
                .unwrap();
            store.remember_domain(1, "kept.example").await.unwrap();
            store.first_sight(77).await.unwrap();
            store
                .record_audit(&crate::store::audit::AuditEntry {
                    interaction_id: 5,
                    at_ms: now - 91 * DAY,
                    user_id: 1,
                    user_name: "alice".into(),
                    guild_id: None,
                    command: "blacklist".into(),
                    target: "192.0.2.1".into(),
                    verdict: "ok".into(),
                })
                .await
                .unwrap();
            // Nothing fresh goes.
            let fresh = store
                .prune_at(
                    now,
                    Duration::from_secs(60),
                    Duration::from_secs(90 * 86_400),
                )
                .await
                .unwrap();
            assert_eq!(
                fresh,
                Pruned {
                    audit_log: 1,
                    ..Pruned::default()
                }
            );
            // An hour on: the window and the replay ids have passed; suggestions stay.
            let later = store
                .prune_at(
                    now + DAY / 24,
                    Duration::from_secs(60),
                    Duration::from_secs(90 * 86_400),
                )
                .await
                .unwrap();
            assert_eq!(
                later,
                Pruned {
                    rate_limits: 1,
                    seen_interactions: 1,
                    ..Pruned::default()
                }
            );
            assert_eq!(store.recent_domains(1).await.unwrap(), ["kept.example"]);
        })
        .await;
    }
}
