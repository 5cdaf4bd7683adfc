//! Test stores: every store test runs against SQLite (a fresh file) and, when
//! `TEST_DATABASE_URL` names a PostgreSQL server, against a fresh schema there.
//! With `CI=true` a missing `TEST_DATABASE_URL` fails the test instead of skipping.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::Executor;

use super::{open, Store, StoreSettings};
use crate::config::Database;
use crate::values::Secret;

pub const SETTINGS: StoreSettings = StoreSettings {
    deadline: Duration::from_secs(10),
    audit_retention: Duration::from_secs(90 * 86_400),
};

/// Runs `test` against each backend in turn.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sqlite = Database::Sqlite(dir.path().join("store.sqlite3"));
    test(open(&sqlite, SETTINGS).await.expect("a SQLite store")).await;
    if let Some(url) = postgres_url() {
        let (store, schema) = fresh_postgres(&url).await;
        test(store.clone()).await;
        store.close().await;
        drop_schema(&url, &schema).await;
    }
}

/// `TEST_DATABASE_URL`, or `None` (the PostgreSQL half skips, saying so) unless
/// `CI=true`, where it must be set.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
    {
        Some(url) => Some(url),
        None if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL tests must run in CI")
        }
        None => {
            eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL half of this test is skipped");
            None
        }
    }
}

/// A store in a schema of its own, so tests run in parallel.
pub async fn fresh_postgres(url: &str) -> (Store, String) {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos())
    );
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(url)
        .await
        .expect("TEST_DATABASE_URL answers");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .expect("a test schema");
    admin.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    let store = open(&Database::Postgres(Secret::new(scoped)), SETTINGS)
        .await
        .expect("a PostgreSQL store");
    (store, schema)
}

async fn drop_schema(url: &str, schema: &str) {
    if let Ok(admin) = sqlx::AnyPool::connect(url).await {
        let _ = admin
            .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .await;
        admin.close().await;
    }
}
