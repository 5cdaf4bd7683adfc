//! Rate limits every replica shares: a sliding window of each user's check starts
//! (and of everyone's `/blacklist` runs, under [`Scope::BlacklistBudget`] and user 0).
//!
//! A claim reads the user's row, decides in Rust (the same rule as the per-process
//! limiter: at most `limit` starts in any `window`), and writes back only if the row
//! is still the version it read (a compare-and-set, SQL both backends know, no lock
//! held between the two). When another replica wrote in between, it reads again.

use std::time::Duration;

use sqlx::Row;

use super::{id, now_ms, Store, StoreError};

/// Which limit a claim counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A user's network checks.
    User,
    /// The `/blacklist` runs of all users together.
    BlacklistBudget,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::BlacklistBudget => "blacklist_budget",
        }
    }
}

/// How often a claim re-reads a row another replica changed before giving up.
const ATTEMPTS: usize = 8;

impl Store {
    /// Takes one place in `user`'s window, or says how long until one is free.
    pub async fn claim(
        &self,
        scope: Scope,
        user: u64,
        limit: u32,
        window: Duration,
    ) -> Result<Result<(), Duration>, StoreError> {
        self.call(
            "rate limit",
            self.claim_at(scope, user, limit, window, now_ms()),
        )
        .await
    }

    async fn claim_at(
        &self,
        scope: Scope,
        user: u64,
        limit: u32,
        window: Duration,
        now: i64,
    ) -> Result<Result<(), Duration>, sqlx::Error> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let limit = limit.max(1) as usize;
        // One connection for the read and the write: one acquire, not two.
        let mut conn = self.pool().acquire().await?;
        for _ in 0..ATTEMPTS {
            let row = sqlx::query(
                "SELECT starts, version FROM rate_limits WHERE scope = $1 AND user_id = $2",
            )
            .bind(scope.name())
            .bind(id(user))
            .fetch_optional(&mut *conn)
            .await?;
            let (mut starts, version) = match &row {
                Some(row) => (
                    parse(row.try_get::<String, _>(0)?.as_str()),
                    Some(row.try_get::<i64, _>(1)?),
                ),
                None => (Vec::new(), None),
            };
            starts.retain(|&start| now - start < window_ms);
            if starts.len() >= limit {
                let oldest = starts[starts.len() - limit];
                let wait = (oldest + window_ms - now).max(1);
                return Ok(Err(Duration::from_millis(wait.unsigned_abs())));
            }
            starts.push(now);
            let text = format(&starts);
            let written =
                match version {
                    Some(version) => sqlx::query(
                        "UPDATE rate_limits SET starts = $1, last_ms = $2, version = version + 1 \
                     WHERE scope = $3 AND user_id = $4 AND version = $5",
                    )
                    .bind(&text)
                    .bind(now)
                    .bind(scope.name())
                    .bind(id(user))
                    .bind(version)
                    .execute(&mut *conn)
                    .await?,
                    None => {
                        sqlx::query(
                            "INSERT INTO rate_limits (scope, user_id, starts, last_ms, version) \
                     VALUES ($1, $2, $3, $4, 0) ON CONFLICT (scope, user_id) DO NOTHING",
                        )
                        .bind(scope.name())
                        .bind(id(user))
                        .bind(&text)
                        .bind(now)
                        .execute(&mut *conn)
                        .await?
                    }
                };
            if written.rows_affected() == 1 {
                return Ok(Ok(()));
            }
        }
        Err(sqlx::Error::Protocol(
            "the rate-limit row kept changing under this claim".into(),
        ))
    }
}

fn parse(text: &str) -> Vec<i64> {
    text.split(',')
        .filter_map(|start| start.parse().ok())
        .collect()
}

fn format(starts: &[i64]) -> String {
    starts
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;

    const MINUTE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn the_limit_holds_then_the_window_frees_a_place() {
        each_backend(|store| async move {
            let t0 = 1_000_000;
            for i in 0..3 {
                let claimed = store
                    .claim_at(Scope::User, 7, 3, MINUTE, t0 + i)
                    .await
                    .unwrap();
                assert_eq!(claimed, Ok(()), "start {i}");
            }
            let refused = store
                .claim_at(Scope::User, 7, 3, MINUTE, t0 + 10_000)
                .await
                .unwrap();
            assert_eq!(refused, Err(Duration::from_millis(50_000)));
            // Another user and another scope have their own windows.
            assert_eq!(
                store.claim_at(Scope::User, 8, 3, MINUTE, t0).await.unwrap(),
                Ok(())
            );
            assert_eq!(
                store
                    .claim_at(Scope::BlacklistBudget, 7, 3, MINUTE, t0)
                    .await
                    .unwrap(),
                Ok(())
            );
            // A minute after the first start, its place is free again.
            assert_eq!(
                store
                    .claim_at(Scope::User, 7, 3, MINUTE, t0 + 60_000)
                    .await
                    .unwrap(),
                Ok(())
            );
        })
        .await;
    }

    #[tokio::test]
    async fn concurrent_claims_never_take_more_places_than_the_limit() {
        each_backend(|store| async move {
            let claims = (0..20).map(|_| {
                let store = store.clone();
                async move { store.claim_at(Scope::User, 9, 5, MINUTE, 2_000_000).await }
            });
            let outcomes = futures::future::join_all(claims).await;
            let taken = outcomes
                .iter()
                .filter(|outcome| matches!(outcome, Ok(Ok(()))))
                .count();
            assert!(taken <= 5, "{outcomes:?}");
            // A claim that gave up under contention left its place free: exactly
            // five places in all, never a sixth.
            let mut more = 0;
            while let Ok(Ok(())) = store.claim_at(Scope::User, 9, 5, MINUTE, 2_000_001).await {
                more += 1;
            }
            assert_eq!(taken + more, 5, "{outcomes:?}");
        })
        .await;
    }
}
