//! The replay guard of `serve`: an interaction id is taken once, on whichever
//! replica it arrives. A signed request captured between the load balancer and a
//! pod and sent again within the signature's five minutes is refused (409) without
//! running anything. Ids are kept [`KEEP`], twice the signature window.

use std::time::Duration;

use super::{id, now_ms, Store, StoreError};

/// How long an interaction id is remembered: twice Discord's five-minute window.
pub const KEEP: Duration = Duration::from_secs(600);

impl Store {
    /// Takes interaction `interaction`: `true` the first time, `false` for a replay.
    pub async fn first_sight(&self, interaction: u64) -> Result<bool, StoreError> {
        self.call("replay", async {
            let taken = sqlx::query(
                "INSERT INTO seen_interactions (id, seen_ms) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id(interaction))
            .bind(now_ms())
            .execute(self.pool())
            .await?;
            Ok(taken.rows_affected() == 1)
        })
        .await
    }
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
}
