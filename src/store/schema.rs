//! The schema: migrations embedded in the binary from `migrations/` (one set of
//! files for SQLite and PostgreSQL alike), applied at start and by `db migrate`.
//!
//! Expand-only: a migration adds tables, nullable or defaulted columns and indexes,
//! never drops, renames or narrows (a test reads every file). So a binary works
//! against a schema newer than it knows, and is started against one: migrations it
//! does not know are left alone (`ignore_missing`), and a rolling update or a
//! rollback never stops an older replica.

use sqlx::migrate::Migrator;
use sqlx::Row;

use super::Store;

/// The embedded migrations.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The migrator as the bot runs it: newer schemas are fine, and PostgreSQL's
/// advisory lock serialises replicas that start together.
fn migrator() -> Migrator {
    let mut migrator = Migrator {
        migrations: MIGRATOR.migrations.clone(),
        ..Migrator::DEFAULT
    };
    migrator.set_ignore_missing(true).set_locking(true);
    migrator
}

/// Applies the migrations the store lacks.
pub async fn migrate(store: &Store) -> Result<(), String> {
    migrator()
        .run(store.pool())
        .await
        .map_err(|err| err.to_string())
}

/// One migration, as the binary knows it and as the store has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationState {
    pub version: i64,
    pub description: String,
    /// Whether this binary carries it.
    pub known: bool,
    /// Whether the store has applied it.
    pub applied: bool,
}

/// The schema's state: every migration either side knows, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaStatus {
    pub migrations: Vec<MigrationState>,
}

impl SchemaStatus {
    /// Migrations this binary carries that the store lacks.
    pub fn pending(&self) -> usize {
        self.migrations
            .iter()
            .filter(|m| m.known && !m.applied)
            .count()
    }

    /// Migrations the store has that this binary does not know (a newer binary
    /// migrated it): fine, and worth saying.
    pub fn newer(&self) -> usize {
        self.migrations
            .iter()
            .filter(|m| !m.known && m.applied)
            .count()
    }
}

/// Reads which migrations the store has applied.
pub async fn status(store: &Store) -> Result<SchemaStatus, String> {
    let applied: Vec<(i64, String)> = match sqlx::query(
        "SELECT version, description FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
    )
    .fetch_all(store.pool())
    .await
    {
        Ok(rows) => rows
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|err| err.to_string())?,
        // A store never migrated has no table yet: nothing applied.
        Err(err) if is_missing_table(&err) => Vec::new(),
        Err(err) => return Err(err.to_string()),
    };
    let mut migrations: Vec<MigrationState> = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| MigrationState {
            version: m.version,
            description: m.description.to_string(),
            known: true,
            applied: applied.iter().any(|(version, _)| *version == m.version),
        })
        .collect();
    for (version, description) in applied {
        if !migrations.iter().any(|m| m.version == version) {
            migrations.push(MigrationState {
                version,
                description,
                known: false,
                applied: true,
            });
        }
    }
    migrations.sort_by_key(|m| m.version);
    Ok(SchemaStatus { migrations })
}

fn is_missing_table(err: &sqlx::Error) -> bool {
    let text = err.to_string();
    text.contains("no such table") || text.contains("does not exist")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::each_backend;

    #[tokio::test]
    async fn a_schema_newer_than_the_binary_is_accepted_and_said() {
        each_backend(|store| async move {
            // A newer binary applied a migration this one does not carry.
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                 VALUES ($1, $2, TRUE, $3, 0)",
            )
            .bind(99_991_231_000_000_i64)
            .bind("from a newer binary")
            .bind(vec![0_u8; 48])
            .execute(store.pool())
            .await
            .unwrap();
            migrate(&store).await.expect("an older binary starts against a newer schema");
            let status = status(&store).await.unwrap();
            assert_eq!((status.pending(), status.newer()), (0, 1), "{status:?}");
            assert!(status.migrations.iter().any(|m| !m.known && m.description == "from a newer binary"));
        })
        .await;
    }

    #[test]
    fn every_migration_only_adds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Comments say what a migration must not do; only statements count.
            let statements: String = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
                .to_uppercase();
            for forbidden in [
                "DROP ",
                "RENAME ",
                "ALTER COLUMN",
                "TRUNCATE ",
                "DELETE ",
                "UPDATE ",
            ] {
                assert!(
                    !statements.contains(forbidden),
                    "{} contains {forbidden:?}: migrations are expand-only",
                    path.display()
                );
            }
            count += 1;
        }
        assert_eq!(count, MIGRATOR.iter().count(), "every file is embedded");
    }
}
