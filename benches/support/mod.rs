//! What the benches that measure the store share: a PostgreSQL database of their own
//! on the server `TEST_DATABASE_URL` names, made at the start and dropped at the end.

use sqlx::Executor;

/// `TEST_DATABASE_URL`, when set and not empty.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Makes database `name` on the server `url` names; its URL.
pub async fn fresh_database(url: &str, name: &str) -> String {
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(url)
        .await
        .expect("TEST_DATABASE_URL answers");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("a database for the bench");
    admin.close().await;
    let mut own = url::Url::parse(url).expect("a URL");
    own.set_path(name);
    own.to_string()
}

/// Drops database `name`, connections and all.
pub async fn drop_database(url: &str, name: &str) {
    if let Ok(admin) = sqlx::AnyPool::connect(url).await {
        let _ = admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .await;
        admin.close().await;
    }
}
