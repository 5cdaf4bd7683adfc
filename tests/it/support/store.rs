//! The store's side of the end-to-end tests: a PostgreSQL schema of its own for a
//! test (in `TEST_DATABASE_URL`'s database), and a TCP proxy in front of PostgreSQL
//! that a test can cut, to take the store away from a running bot.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Executor;
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// `TEST_DATABASE_URL`, or `None` (the test is skipped, saying so) unless `CI=true`,
/// where the PostgreSQL tests never skip.
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
            eprintln!("TEST_DATABASE_URL is not set: this PostgreSQL test is skipped");
            None
        }
    }
}

/// A schema of its own in the test database, dropped by [`Schema::drop_now`].
pub struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    pub async fn create(admin_url: &str) -> Schema {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "it_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(admin_url)
            .await
            .expect("TEST_DATABASE_URL answers");
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            )))
            .await
            .expect("a test schema");
        admin.close().await;
        Schema {
            admin_url: admin_url.to_string(),
            name,
        }
    }

    /// The `DATABASE_URL` of this schema, on `host:port` instead of the server's own
    /// address when given (a [`Proxy`]).
    pub fn url(&self, via: Option<SocketAddr>) -> String {
        let mut url = url::Url::parse(&self.admin_url).expect("TEST_DATABASE_URL is a URL");
        if let Some(addr) = via {
            url.set_host(Some(&addr.ip().to_string())).unwrap();
            url.set_port(Some(addr.port())).unwrap();
        }
        url.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={}", self.name));
        url.to_string()
    }

    pub async fn drop_now(self) {
        if let Ok(admin) = sqlx::AnyPool::connect(&self.admin_url).await {
            let _ = admin
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA {} CASCADE",
                    self.name
                )))
                .await;
            admin.close().await;
        }
    }
}

/// A TCP proxy to PostgreSQL on 127.0.0.1; [`Proxy::cut`] closes it and every
/// connection through it, as a database that went away.
pub struct Proxy {
    pub addr: SocketAddr,
    tasks: JoinSet<()>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Proxy { addr, tasks }
    }

    /// Stops listening and drops every connection (the accept loop owns them).
    pub async fn cut(mut self) {
        self.tasks.shutdown().await;
    }
}

/// The address of `TEST_DATABASE_URL`'s server.
pub fn server_addr(url: &str) -> SocketAddr {
    let url = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    let host = url.host_str().unwrap_or("127.0.0.1");
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{}", url.port().unwrap_or(5432))
        .parse()
        .expect("TEST_DATABASE_URL names a server by address")
}
