//! Each user's last checked domains, for autocomplete: their own, never anyone
//! else's, the latest first. Bounded: [`PER_USER`] per user; users unseen for
//! [`FORGET_AFTER`] are forgotten, and past [`MAX_USERS`] the least recently seen go
//! first (both in [`super::prune`]).

use std::time::Duration;

use sqlx::Row;

use super::{id, now_ms, Store, StoreError};

/// Domains kept per user.
pub const PER_USER: i64 = 5;
/// Users kept; past this the least recently seen are forgotten.
pub const MAX_USERS: i64 = 100_000;
/// A user's suggestions are forgotten this long after their last check.
pub const FORGET_AFTER: Duration = Duration::from_secs(30 * 86_400);

impl Store {
    /// Notes that `user` checked `domain` (as they wrote it).
    pub async fn remember_domain(&self, user: u64, domain: &str) -> Result<(), StoreError> {
        self.call("suggestion", self.remember_at(user, domain, now_ms()))
            .await
    }

    async fn remember_at(&self, user: u64, domain: &str, now: i64) -> Result<(), sqlx::Error> {
        // Two statements on one connection, each its own commit: a failure between
        // them leaves a sixth domain, which the read never shows and the user's next
        // check removes. (A transaction would cost two more round trips.)
        let mut conn = self.pool().acquire().await?;
        sqlx::query(
            "INSERT INTO suggestions (user_id, domain_key, domain, used_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, domain_key) DO UPDATE SET domain = $3, used_ms = $4",
        )
        .bind(id(user))
        .bind(domain.to_lowercase())
        .bind(domain)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "DELETE FROM suggestions WHERE user_id = $1 AND domain_key NOT IN \
             (SELECT domain_key FROM suggestions WHERE user_id = $1 ORDER BY used_ms DESC, domain_key LIMIT $2)",
        )
        .bind(id(user))
        .bind(PER_USER)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// `user`'s last domains, the latest first.
    pub async fn recent_domains(&self, user: u64) -> Result<Vec<String>, StoreError> {
        self.call("suggestion", async {
            let rows = sqlx::query(
                "SELECT domain FROM suggestions WHERE user_id = $1 ORDER BY used_ms DESC, domain_key LIMIT $2",
            )
            .bind(id(user))
            .bind(PER_USER)
            .fetch_all(self.pool())
            .await?;
            rows.iter().map(|row| row.try_get(0)).collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::store::testing::each_backend;

    #[tokio::test]
    async fn the_latest_five_per_user_latest_first_case_folded() {
        each_backend(|store| async move {
            for (i, domain) in [
                "a.example",
                "b.example",
                "c.example",
                "d.example",
                "e.example",
                "f.example",
            ]
            .iter()
            .enumerate()
            {
                store
                    .remember_at(1, domain, 1_000 + i as i64)
                    .await
                    .unwrap();
            }
            store.remember_at(1, "C.Example", 2_000).await.unwrap();
            store.remember_at(2, "other.example", 3_000).await.unwrap();
            let domains = store.recent_domains(1).await.unwrap();
            assert_eq!(
                domains,
                [
                    "C.Example",
                    "f.example",
                    "e.example",
                    "d.example",
                    "b.example"
                ]
            );
            assert_eq!(store.recent_domains(2).await.unwrap(), ["other.example"]);
            assert!(store.recent_domains(3).await.unwrap().is_empty());
        })
        .await;
    }
}
