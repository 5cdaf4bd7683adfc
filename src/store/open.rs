//! Opening the store: SQLite's folder and pragmas, PostgreSQL's connection (retried
//! by the long-running modes while it is unreachable), and the migrations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

use super::{schema, Store, StoreSettings};
use crate::config::Database;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The SQLite file or its folder cannot be created, opened or migrated: waiting
    /// will not fix it.
    #[error("the SQLite store {} cannot be used: {cause}", path.display())]
    Sqlite { path: PathBuf, cause: String },
    /// PostgreSQL did not answer or refused the connection: it may pass.
    #[error("{database} is unreachable: {cause}")]
    Unreachable { database: String, cause: String },
    /// PostgreSQL answered, but the schema cannot be brought up to date.
    #[error("{database} cannot be migrated: {cause}")]
    Migrate { database: String, cause: String },
}

impl OpenError {
    /// Whether trying again later may work.
    pub fn may_pass(&self) -> bool {
        matches!(self, OpenError::Unreachable { .. })
    }
}

/// How long one connection attempt may take before it counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to the store and brings its schema up to date (under PostgreSQL's
/// advisory lock, so replicas starting together take turns).
pub async fn open(database: &Database, settings: StoreSettings) -> Result<Store, OpenError> {
    let store = connect(database, settings).await?;
    // Two processes sharing one SQLite file may start together: SQLite has no
    // migration lock, so the one that lost the race finds the work done on a
    // second try. (PostgreSQL's advisory lock makes them take turns anyway.)
    let migrated = match schema::migrate(&store).await {
        Err(_) => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            schema::migrate(&store).await
        }
        done => done,
    };
    migrated.map_err(|cause| match database {
        Database::Sqlite(path) => OpenError::Sqlite {
            path: path.clone(),
            cause,
        },
        Database::Postgres(_) => OpenError::Migrate {
            database: database.to_string(),
            cause,
        },
    })?;
    Ok(store)
}

/// Connects without migrating, for `db status` and `db migrate`.
pub async fn open_for_status(
    database: &Database,
    settings: StoreSettings,
) -> Result<Store, OpenError> {
    connect(database, settings).await
}

/// [`open`], trying again with a growing pause (1 s doubling to 30 s) while the
/// store is unreachable: the long-running modes wait for a database that is still
/// starting instead of exiting. Other failures return at once.
pub async fn open_with_retry(
    database: &Database,
    settings: StoreSettings,
) -> Result<Store, OpenError> {
    let mut pause = Duration::from_secs(1);
    loop {
        match open(database, settings).await {
            Err(err) if err.may_pass() => {
                tracing::warn!(error = %err, retry_in_s = pause.as_secs(), "the store is unreachable at start; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
            outcome => return outcome,
        }
    }
}

async fn connect(database: &Database, settings: StoreSettings) -> Result<Store, OpenError> {
    sqlx::any::install_default_drivers();
    let (pool, durable) = match database {
        Database::Sqlite(path) => {
            let pool = sqlite(path).await?;
            (pool.clone(), pool)
        }
        Database::Postgres(url) => {
            let unreachable = |cause: String| OpenError::Unreachable {
                database: database.to_string(),
                cause,
            };
            let options: AnyConnectOptions = url
                .expose()
                .parse()
                .map_err(|_| unreachable("the URL cannot be read".into()))?;
            // One connection first, for its own error ("connection refused",
            // "password authentication failed"): a pool would only say it timed out.
            match tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(&options)).await
            {
                Ok(Ok(first)) => {
                    let _ = first.close().await;
                }
                Ok(Err(err)) => return Err(unreachable(err.to_string())),
                Err(_) => {
                    return Err(unreachable(format!(
                        "no answer within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    )))
                }
            }
            // Rate-limit windows, replay ids and suggestions are lost harmlessly in
            // a server crash: their commits do not wait for the disk. The audit log's
            // do: it has a small pool of its own at the server's default.
            let pool = postgres_pool(16)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("SET synchronous_commit = off").await?;
                        Ok(())
                    })
                })
                .connect_lazy_with(options.clone());
            let durable = postgres_pool(4).connect_lazy_with(options);
            (pool, durable)
        }
    };
    Ok(Store::new(pool, durable, database.clone(), settings))
}

/// A connection idle longer than this is tested (a round trip) before it is used.
const TEST_WHEN_IDLE: Duration = Duration::from_secs(1);

/// Options of a PostgreSQL pool of `size` connections. sqlx tests every connection
/// with a round trip before lending it; that round trip is a third of what a store
/// call costs on loopback. Here only a connection idle for [`TEST_WHEN_IDLE`] is
/// tested: one in steady use has just answered, while one that sat through a
/// database restart or a network cut is found dead and replaced, not lent.
fn postgres_pool(size: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(CONNECT_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= TEST_WHEN_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// A pool over one SQLite file, created with its folder (0700) when missing. WAL
/// with `synchronous = NORMAL`: a commit does not wait for the disk, and a crash
/// loses at most the last commits (rate-limit windows, replay ids, suggestions:
/// nothing whose loss harms), never the file. One connection: writes to one file
/// are one at a time anyway, and the pool's queue is fairer and faster than
/// SQLite's busy-wait; other processes on the host wait up to 5 s (busy timeout).
async fn sqlite(path: &Path) -> Result<AnyPool, OpenError> {
    let failed = |cause: String| OpenError::Sqlite {
        path: path.to_path_buf(),
        cause,
    };
    let absolute = std::path::absolute(path).map_err(|err| failed(err.to_string()))?;
    if let Some(dir) = absolute.parent() {
        create_private_dir(dir)
            .map_err(|err| failed(format!("its folder {}: {err}", dir.display())))?;
    }
    let url = url::Url::from_file_path(&absolute)
        .map_err(|()| failed("not a file path".into()))?
        .as_str()
        .replacen("file://", "sqlite://", 1)
        + "?mode=rwc";
    let options: AnyConnectOptions = url
        .parse()
        .map_err(|err: sqlx::Error| failed(err.to_string()))?;
    AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(CONNECT_TIMEOUT)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|err| failed(err.to_string()))
}

/// Creates `dir` (and its parents) if missing, readable by its owner alone.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
