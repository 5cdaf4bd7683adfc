//! The staff audit log: every staff check (who, which server, which command,
//! against what, when, and the verdict), for `echoterra-bot audit`. Kept for the
//! catalogue's `audit_retention_days` (see [`super::prune`]).

use serde::Serialize;
use sqlx::Row;

use super::{id, Store, StoreError};

/// One staff check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// The interaction (unique: a retried write changes nothing).
    pub interaction_id: u64,
    /// When it was run, in milliseconds since the epoch.
    pub at_ms: i64,
    pub user_id: u64,
    pub user_name: String,
    /// The server it was run in; `None` in a DM.
    pub guild_id: Option<u64>,
    /// The command, as in the table of checks (`blacklist`, `smtp`).
    pub command: String,
    /// What it was run against, as the user gave it.
    pub target: String,
    /// The report's verdict (`ok`, `warning`, `problem`, `error`).
    pub verdict: String,
}

impl Store {
    /// Writes one entry (once: the interaction id is the key).
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.call("audit", async {
            // The durable pool: on PostgreSQL this commit waits for the disk.
            sqlx::query(
                "INSERT INTO audit_log (interaction_id, at_ms, user_id, user_name, guild_id, command, target, verdict) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (interaction_id) DO NOTHING",
            )
            .bind(id(entry.interaction_id))
            .bind(entry.at_ms)
            .bind(id(entry.user_id))
            .bind(&entry.user_name)
            .bind(entry.guild_id.map(id))
            .bind(&entry.command)
            .bind(&entry.target)
            .bind(&entry.verdict)
            .execute(self.durable())
            .await?;
            Ok(())
        })
        .await
    }

    /// Every entry since `since_ms`, the newest first.
    pub async fn audit_since(&self, since_ms: i64) -> Result<Vec<AuditEntry>, StoreError> {
        self.call("audit", async {
            let rows = sqlx::query(
                "SELECT interaction_id, at_ms, user_id, user_name, guild_id, command, target, verdict \
                 FROM audit_log WHERE at_ms >= $1 ORDER BY at_ms DESC, interaction_id DESC",
            )
            .bind(since_ms)
            .fetch_all(self.pool())
            .await?;
            rows.iter()
                .map(|row| {
                    Ok(AuditEntry {
                        interaction_id: row.try_get::<i64, _>(0)?.unsigned_abs(),
                        at_ms: row.try_get(1)?,
                        user_id: row.try_get::<i64, _>(2)?.unsigned_abs(),
                        user_name: row.try_get(3)?,
                        guild_id: row.try_get::<Option<i64>, _>(4)?.map(i64::unsigned_abs),
                        command: row.try_get(5)?,
                        target: row.try_get(6)?,
                        verdict: row.try_get(7)?,
                    })
                })
                .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;

    pub fn entry(interaction_id: u64, at_ms: i64, guild_id: Option<u64>) -> AuditEntry {
        AuditEntry {
            interaction_id,
            at_ms,
            user_id: 1_100_000_000_000_000_001,
            user_name: "alice".into(),
            guild_id,
            command: "blacklist".into(),
            target: "192.0.2.7".into(),
            verdict: "problem".into(),
        }
    }

    #[tokio::test]
    async fn entries_come_back_newest_first_from_a_time_on() {
        each_backend(|store| async move {
            let old = entry(1, 1_000, Some(42));
            let new = entry(2, 5_000, None);
            store.record_audit(&old).await.unwrap();
            store.record_audit(&new).await.unwrap();
            // The same interaction twice is one entry.
            store.record_audit(&new).await.unwrap();
            assert_eq!(store.audit_since(0).await.unwrap(), [new.clone(), old]);
            assert_eq!(store.audit_since(2_000).await.unwrap(), [new]);
        })
        .await;
    }
}
