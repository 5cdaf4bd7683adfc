//! What the store adds to one check: the calls a staff `/domain` check makes (take a
//! place in the user's rate limit, remember the domain for autocomplete, write the
//! audit entry), one after another as the bot makes them, on SQLite and, when
//! `TEST_DATABASE_URL` names one, PostgreSQL on loopback. Target (issue 19): under
//! 1 ms p50 for the three together, on either backend.
//!
//! Also the replay guard alone (`serve` writes one id per interaction) at
//! concurrency 1 and 50, which shows the grouped writes at work.
//!
//! Run: `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench store_calls`
//! (without it, SQLite only). The PostgreSQL half makes a database of its own and
//! drops it at the end.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use echoterra_bot::config::Database;
use echoterra_bot::store::audit::AuditEntry;
use echoterra_bot::store::limits::Scope;
use echoterra_bot::store::{self, Store, StoreSettings};
use echoterra_bot::values::Secret;

/// Checks measured per backend (after 200 to warm up).
const CHECKS: usize = 2_000;
/// Replay ids written per concurrency level.
const IDS: usize = 20_000;

const SETTINGS: StoreSettings = StoreSettings {
    deadline: Duration::from_secs(10),
    audit_retention: Duration::from_secs(90 * 86_400),
};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

/// `CHECKS` checks, each by another user (so none is refused): the time of each
/// call and of the three together.
async fn checks(store: &Store, first_id: u64) -> [Vec<Duration>; 4] {
    let mut times: [Vec<Duration>; 4] = Default::default();
    for i in 0..200 + CHECKS {
        let user = first_id + i as u64;
        let started = Instant::now();
        store
            .claim(Scope::User, user, 5, Duration::from_secs(60))
            .await
            .expect("a claim")
            .expect("a free place");
        let claimed = Instant::now();
        store
            .remember_domain(user, "customer.example")
            .await
            .expect("a suggestion");
        let remembered = Instant::now();
        store
            .record_audit(&AuditEntry {
                interaction_id: first_id + i as u64,
                at_ms: store::now_ms(),
                user_id: user,
                user_name: "staff".into(),
                guild_id: Some(1_200_000_000_000_000_002),
                command: "domain".into(),
                target: "customer.example".into(),
                verdict: "ok".into(),
            })
            .await
            .expect("an audit entry");
        let audited = Instant::now();
        if i >= 200 {
            times[0].push(claimed - started);
            times[1].push(remembered - claimed);
            times[2].push(audited - remembered);
            times[3].push(audited - started);
        }
    }
    for list in &mut times {
        list.sort();
    }
    times
}

/// `IDS` replay ids taken by `concurrency` tasks: ids a second and p99 (ms).
async fn replay(store: &Store, first_id: u64, concurrency: usize) -> (f64, f64) {
    let next = Arc::new(std::sync::atomic::AtomicU64::new(first_id));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (store, next) = (store.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let id = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if id >= first_id + IDS as u64 {
                        return latencies;
                    }
                    let sent = Instant::now();
                    assert!(store.first_sight(id).await.expect("an id taken"));
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let took = started.elapsed();
    latencies.sort();
    (
        IDS as f64 / took.as_secs_f64(),
        percentile(&latencies, 0.99),
    )
}

async fn measure(name: &str, store: &Store) {
    let times = checks(store, 1_000_000).await;
    for (call, list) in ["rate limit", "suggestion", "audit entry", "all three"]
        .iter()
        .zip(&times)
    {
        println!(
            "| {name} | {call} | {:.3} | {:.3} |",
            percentile(list, 0.5),
            percentile(list, 0.99)
        );
    }
    for (round, concurrency) in [1, 50].into_iter().enumerate() {
        let first = 2_000_000 + (round * IDS) as u64;
        let (rate, p99) = replay(store, first, concurrency).await;
        println!(
            "| {name} | replay id, concurrency {concurrency} | {rate:.0} ids/s | p99 {p99:.3} |"
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("| backend | call | p50 (ms) | p99 (ms) |");
    println!("|---|---|---:|---:|");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let sqlite = Database::Sqlite(dir.path().join("bench.sqlite3"));
    let store = store::open(&sqlite, SETTINGS)
        .await
        .expect("a SQLite store");
    measure("SQLite", &store).await;
    store.close().await;

    let Some(url) = support::postgres_url() else {
        println!("\nTEST_DATABASE_URL is not set: PostgreSQL not measured");
        return;
    };
    let name = format!("bench_store_{}", std::process::id());
    let own = support::fresh_database(&url, &name).await;
    let database = Database::Postgres(Secret::new(own));
    let store = store::open(&database, SETTINGS)
        .await
        .expect("a PostgreSQL store");
    measure("PostgreSQL", &store).await;
    store.close().await;
    support::drop_database(&url, &name).await;
}
