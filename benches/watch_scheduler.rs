//! The watcher with 10,000 watches, on SQLite and, when `TEST_DATABASE_URL` names
//! one, PostgreSQL on loopback (issue 20): the CPU and wall time of a scheduler tick,
//! the process's memory, and how late a due watch is checked.
//!
//! 10,000 blocklist watches of distinct addresses (10.0.0.1 onwards, private:
//! `allow_private_targets` is set) are added through the store, every 6 h, against a
//! catalogue of two test zones served by the in-process test DNS server on
//! 127.0.0.1 (with their RFC 5782 test points, self-tested), so a check costs DNS on
//! loopback. The watcher is `Watcher::new(store, services, None)`: nothing is posted,
//! alerts (none here: every first result is the silent baseline) would wait.
//!
//! In order, per backend:
//!
//! 1. a burst: 1,000 of the watches due at the same moment, one `pass`: how long it
//!    took, its CPU, and how late each watch was checked (a second connection counts
//!    the checked watches every 20 ms);
//! 2. every watch due at once (10,000 added together, or an outage longer than the
//!    interval), the same way; after it every watch has a state, as in steady use;
//! 3. the idle tick's store calls, each 500 times back to back, and a whole idle
//!    pass back to back;
//! 4. steady use: the 10,000 due one every 2.16 s (6 h spread evenly), `WATCH_BENCH_TICKS`
//!    ticks (default 300) a second apart as `Watcher::run_until` makes them: per tick
//!    CPU and wall time, the ticks that found nothing due apart from the others;
//! 5. what `/metrics` reads every minute (`Store::watches`, every row);
//! 6. the grouping query again with 30,000 alerts already sent (90 days of history).
//!
//! CPU is the process's (`CLOCK_PROCESS_CPUTIME_ID`) less the thread that runs the
//! test DNS server and the counting connection (on SQLite the counts run on a
//! thread of sqlx's: their cost, measured alone, is taken out); on PostgreSQL the
//! server's client backends serving the bench's database are read from
//! `/proc/<pid>/schedstat` too. Memory is VmRSS, the DNS server included.
//!
//! Run: `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench watch_scheduler`
//! (without it, SQLite only). The PostgreSQL half makes a database of its own and
//! drops it at the end.

mod support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::Services;
use echoterra_bot::config::{Config, Database};
use echoterra_bot::store::watches::{Added, NewWatch};
use echoterra_bot::store::{self, Store, StoreSettings};
use echoterra_bot::values::Secret;
use echoterra_bot::watch::scheduler::TICK;
use echoterra_bot::watch::{WatchKind, WatchTarget, Watcher};
use sqlx::{AnyPool, Row};
use testkit::dns_server::{TestDns, Zone};

const WATCHES: i64 = 10_000;
const BURST: i64 = 1_000;
/// Every watch's interval: 6 h, the blocklists' default.
const INTERVAL_MS: i64 = 6 * 3_600_000;
/// Alerts already sent, for the grouping query with history.
const SENT_ALERTS: i64 = 30_000;
/// Back-to-back calls per store call of the idle tick.
const CALLS: usize = 500;
/// What the scheduler's lease is (`scheduler::LEASE_MS`, private).
const LEASE_MS: i64 = 5 * 60_000;
const DAY_MS: i64 = 86_400_000;
const CHANNEL: u64 = 1_100_000_000_000_000_111;

const SETTINGS: StoreSettings = StoreSettings {
    deadline: Duration::from_secs(10),
    audit_retention: Duration::from_secs(90 * 86_400),
};

const ZONES: [&str; 2] = ["wb1.bl.test", "wb2.bl.test"];

fn ticks() -> usize {
    std::env::var("WATCH_BENCH_TICKS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(300)
}

/// The i-th address watched (1-based): 10.0.0.1, 10.0.0.2, …
fn address(index: i64) -> String {
    format!(
        "10.{}.{}.{}",
        (index >> 16) & 0xff,
        (index >> 8) & 0xff,
        index & 0xff
    )
}

// ---------------------------------------------------------------------------
// The bench's side: the DNS server and the counting connection, on a thread of
// their own whose CPU time is left out of the watcher's.

struct Side {
    handle: tokio::runtime::Handle,
    dns: std::net::SocketAddr,
    /// `/proc/<pid>/task/<tid>/schedstat` of the side thread.
    schedstat: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Side {
    fn start() -> Side {
        let (ready, told) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the side runtime");
            let mut builder = TestDns::builder().zone(Zone::new("10.in-addr.arpa"));
            for zone in ZONES {
                // The RFC 5782 test point, listed: the self-test passes.
                builder = builder.zone(
                    Zone::new(zone)
                        .a(&format!("2.0.0.127.{zone}"), "127.0.0.2")
                        .txt(&format!("2.0.0.127.{zone}"), "test point"),
                );
            }
            let dns = runtime.block_on(builder.start());
            let thread = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
            ready
                .send((runtime.handle().clone(), dns.addr(), thread))
                .expect("the main thread waits");
            runtime.block_on(async {
                let _ = stopped.await;
            });
            drop(dns);
        });
        let (handle, dns, thread_path) = told.recv().expect("the side thread starts");
        Side {
            handle,
            dns,
            schedstat: PathBuf::from("/proc").join(thread_path).join("schedstat"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// CPU time the side thread has used.
    fn cpu(&self) -> Duration {
        schedstat(&self.schedstat).unwrap_or_default()
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The first field of a schedstat file: nanoseconds on a CPU.
fn schedstat(path: &std::path::Path) -> Option<Duration> {
    let text = std::fs::read_to_string(path).ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn process_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec we own.
    #[allow(unsafe_code)]
    let result = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(result, 0, "clock_gettime");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// VmRSS of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS");
    kib / 1024.0
}

// ---------------------------------------------------------------------------
// A backend under test.

struct Backend {
    name: &'static str,
    store: Store,
    /// A connection of the bench's own: setting due times, counting checked
    /// watches, reading the server's backends.
    admin: AnyPool,
    /// PostgreSQL's database name (its backends' CPU is read), or none.
    postgres: Option<String>,
    /// Where the bench's own connections go.
    url: String,
}

impl Backend {
    /// CPU time of the PostgreSQL client backends serving the bench's database, by
    /// pid (the bench's own connections left out; autovacuum too: it runs on its own
    /// schedule, and a worker that exits takes its count with it). Empty on SQLite.
    async fn server_cpu(&self, except: i64) -> HashMap<i64, Duration> {
        let Some(database) = &self.postgres else {
            return HashMap::new();
        };
        let rows = sqlx::query(
            "SELECT CAST(pid AS BIGINT) FROM pg_stat_activity \
             WHERE datname = $1 AND backend_type = 'client backend' \
             AND pid <> pg_backend_pid() AND pid <> $2",
        )
        .bind(database)
        .bind(except)
        .fetch_all(&self.admin)
        .await
        .expect("pg_stat_activity");
        rows.iter()
            .filter_map(|row| {
                let pid: i64 = row.try_get(0).ok()?;
                let cpu = schedstat(&PathBuf::from(format!("/proc/{pid}/schedstat")))?;
                Some((pid, cpu))
            })
            .collect()
    }
}

/// The server's CPU between two readings (backends that appeared count from zero).
fn server_delta(before: &HashMap<i64, Duration>, after: &HashMap<i64, Duration>) -> Duration {
    after
        .iter()
        .map(|(pid, cpu)| cpu.saturating_sub(before.get(pid).copied().unwrap_or_default()))
        .sum()
}

/// The watcher's CPU clock: the process's less the side thread's.
struct Clock<'a> {
    side: &'a Side,
}

impl Clock<'_> {
    fn now(&self) -> Duration {
        process_cpu().saturating_sub(self.side.cpu())
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// p50 and p99 of wall and CPU times, as a table row.
fn row(backend: &str, what: &str, wall: &mut [Duration], cpu: &mut [Duration]) -> String {
    wall.sort();
    cpu.sort();
    format!(
        "| {backend} | {what} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
        wall.len(),
        ms(percentile(wall, 0.5)),
        ms(percentile(wall, 0.99)),
        ms(percentile(cpu, 0.5)),
        ms(percentile(cpu, 0.99)),
    )
}

/// Adds the 10,000 watches through the store, as `watch add` does, then puts them
/// out of reach (due in a day).
async fn add_watches(backend: &Backend, catalog: &Catalog) {
    let started = Instant::now();
    let now = store::now_ms();
    for index in 1..=WATCHES {
        let text = address(index);
        let target = WatchTarget::parse(&text, Some(WatchKind::Blocklists), catalog, true)
            .expect("a blocklist target")
            .remove(0);
        let new = NewWatch {
            target_key: target.key(),
            target: target.to_string(),
            kind: target.kind().as_str().to_string(),
            label: None,
            channel_id: None,
            interval_ms: INTERVAL_MS,
            created_by: "bench".into(),
        };
        match backend.store.add_watch(&new, now).await.expect("a watch") {
            Added::New(watch) => assert_eq!(watch.id, index),
            Added::Exists(_) => panic!("{text} added twice"),
        }
    }
    schedule(backend, "next_due_ms = $1", &[now + DAY_MS]).await;
    eprintln!(
        "{}: {WATCHES} watches added in {:.1} s",
        backend.name,
        started.elapsed().as_secs_f64()
    );
}

/// Sets the due time of every watch (`set`, with `binds` as `$1`, `$2`, …) and
/// frees every lease.
async fn schedule(backend: &Backend, set: &str, binds: &[i64]) {
    let sql = format!("UPDATE watches SET {set}, lease_owner = NULL, lease_until_ms = 0");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(&backend.admin).await.expect("due times set");
}

struct Burst {
    checked: u64,
    took: Duration,
    cpu: Duration,
    server_cpu: Duration,
    /// When each 1% of the watches had been checked, from their due time.
    late: Vec<Duration>,
}

/// The count of checked watches among the first `count`, every 50 ms from `due`
/// on, by a connection of its own on the side thread; its PostgreSQL backend's pid
/// is sent on `ready` (0 on SQLite).
async fn count_checked(
    url: String,
    postgres: bool,
    count: i64,
    ready: tokio::sync::oneshot::Sender<i64>,
    start: tokio::sync::oneshot::Receiver<i64>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> (Vec<(i64, Duration)>, usize) {
    use sqlx::Connection;
    let mut connection = sqlx::AnyConnection::connect(&url)
        .await
        .expect("a counting connection");
    let pid = if postgres {
        sqlx::query_scalar::<_, i64>("SELECT CAST(pg_backend_pid() AS BIGINT)")
            .fetch_one(&mut connection)
            .await
            .expect("a pid")
    } else {
        0
    };
    ready.send(pid).expect("the burst waits");
    let due = start.await.expect("the burst starts");
    let started = Instant::now();
    let (mut seen, mut done, mut polls) = (Vec::new(), 0_i64, 0);
    loop {
        let checked: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM watches WHERE id <= $1 AND next_due_ms > $2")
                .bind(count)
                .bind(due)
                .fetch_one(&mut connection)
                .await
                .expect("a count");
        polls += 1;
        if checked > done {
            seen.push((checked, started.elapsed()));
            done = checked;
        }
        if checked >= count {
            break;
        }
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    let _ = connection.close().await;
    (seen, polls)
}

/// The first `count` watches due at once; one pass takes them all.
async fn burst(backend: &Backend, watcher: &Watcher, side: &Side, count: i64) -> Burst {
    let clock = Clock { side };
    let (ready, readied) = tokio::sync::oneshot::channel();
    let (begin, start) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let counting = side.handle.spawn(count_checked(
        backend.url.clone(),
        backend.postgres.is_some(),
        count,
        ready,
        start,
        stopped,
    ));
    let counter_pid = readied.await.expect("a counting connection");
    let due = store::now_ms();
    sqlx::query("UPDATE watches SET next_due_ms = $1 WHERE id <= $2")
        .bind(due)
        .bind(count)
        .execute(&backend.admin)
        .await
        .expect("a burst due");
    let _ = begin.send(due);
    let server_before = backend.server_cpu(counter_pid).await;
    let cpu_before = clock.now();
    let started = Instant::now();
    let pass = watcher
        .pass(due, false, store::now_ms)
        .await
        .expect("a pass");
    let took = started.elapsed();
    let mut cpu = clock.now() - cpu_before;
    let server_cpu = server_delta(&server_before, &backend.server_cpu(counter_pid).await);
    let _ = stop.send(());
    let (seen, polls) = counting.await.expect("the count");
    // On SQLite the counting connection's queries run on a thread of sqlx's, in the
    // watcher's CPU: what they cost, measured alone, is taken out.
    if backend.postgres.is_none() {
        let each = count_cost(backend, side, count, due).await;
        cpu = cpu.saturating_sub(each * u32::try_from(polls).unwrap_or(u32::MAX));
    }
    // The pass started at `due` (within a millisecond): lateness is time since.
    let late = (1..=100)
        .map(|percent| {
            let needed = (count * percent + 99) / 100;
            seen.iter()
                .find(|(checked, _)| *checked >= needed)
                .map_or(took, |(_, at)| (*at).min(took))
        })
        .collect();
    Burst {
        checked: pass.checked,
        took,
        cpu,
        server_cpu,
        late,
    }
}

/// The CPU one count of checked watches costs (SQLite), over 20.
async fn count_cost(backend: &Backend, side: &Side, count: i64, due: i64) -> Duration {
    let clock = Clock { side };
    let before = clock.now();
    for _ in 0..20 {
        let _: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM watches WHERE id <= $1 AND next_due_ms > $2")
                .bind(count)
                .bind(due)
                .fetch_one(&backend.admin)
                .await
                .expect("a count");
    }
    (clock.now() - before) / 20
}

fn burst_row(name: &str, what: &str, burst: &Burst) -> String {
    format!(
        "| {name} | {what} | {} | {:.2} | {:.0} | {:.2} | {} | {:.2} / {:.2} / {:.2} |",
        burst.checked,
        burst.took.as_secs_f64(),
        burst.checked as f64 / burst.took.as_secs_f64(),
        burst.cpu.as_secs_f64(),
        if burst.server_cpu.is_zero() {
            "–".to_string()
        } else {
            format!("{:.2}", burst.server_cpu.as_secs_f64())
        },
        burst.late[49].as_secs_f64(),
        burst.late[98].as_secs_f64(),
        burst.late[99].as_secs_f64().max(burst.took.as_secs_f64()),
    )
}

/// `CALLS` back-to-back runs of `call`: wall and CPU of each.
async fn repeat<F, Fut>(side: &Side, mut call: F) -> (Vec<Duration>, Vec<Duration>)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let clock = Clock { side };
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for i in 0..CALLS + 50 {
        let cpu_before = clock.now();
        let started = Instant::now();
        call().await;
        let took = started.elapsed();
        let used = clock.now() - cpu_before;
        if i >= 50 {
            wall.push(took);
            cpu.push(used);
        }
    }
    (wall, cpu)
}

/// The store calls of an idle tick, each back to back, and a whole idle pass.
async fn idle_calls(backend: &Backend, watcher: &Watcher, side: &Side, rows: &mut Vec<String>) {
    let store = &backend.store;
    let name = backend.name;
    // Nothing is due before the first watch's time.
    let idle_now = || store::now_ms() - DAY_MS;
    let (mut wall, mut cpu) = repeat(side, move || async move {
        store.alert_channels().await.expect("channels");
    })
    .await;
    rows.push(row(
        name,
        "call: alert channels (twice a tick)",
        &mut wall,
        &mut cpu,
    ));
    let (mut wall, mut cpu) = repeat(side, move || async move {
        let claimed = store
            .claim_due_watches("bench", idle_now(), LEASE_MS, 4)
            .await
            .expect("a claim");
        assert!(claimed.is_empty());
    })
    .await;
    rows.push(row(name, "call: claim, none due", &mut wall, &mut cpu));
    let (mut wall, mut cpu) = repeat(side, move || async move {
        store
            .channels_ready(store::now_ms() - 30_000)
            .await
            .expect("channels ready");
    })
    .await;
    rows.push(row(
        name,
        "call: channels ready, no alert",
        &mut wall,
        &mut cpu,
    ));
    let (mut wall, mut cpu) = repeat(side, move || async move {
        let pass = watcher
            .pass(idle_now(), false, store::now_ms)
            .await
            .expect("a pass");
        assert_eq!(pass.checked, 0);
    })
    .await;
    rows.push(row(name, "idle pass, back to back", &mut wall, &mut cpu));
}

struct Steady {
    ticks: usize,
    checked: u64,
    most_late: i64,
    /// The watcher's CPU over the whole window, sleeps included, and its length.
    cpu: Duration,
    server_cpu: Duration,
    window: Duration,
}

/// Steady use: every watch due once in 6 h, one every 2.16 s; ticks a second apart.
async fn steady(
    backend: &Backend,
    watcher: &Watcher,
    side: &Side,
    rows: &mut Vec<String>,
) -> Steady {
    let clock = Clock { side };
    let spacing = INTERVAL_MS / WATCHES;
    let first = store::now_ms() + 1_500;
    schedule(
        backend,
        "next_due_ms = $1 + (id - 1) * $2",
        &[first, spacing],
    )
    .await;
    let ticks = ticks();
    let (mut idle_wall, mut idle_cpu) = (Vec::new(), Vec::new());
    let (mut busy_wall, mut busy_cpu) = (Vec::new(), Vec::new());
    let mut result = Steady {
        ticks,
        checked: 0,
        most_late: 0,
        cpu: Duration::ZERO,
        server_cpu: Duration::ZERO,
        window: Duration::ZERO,
    };
    let server_before = backend.server_cpu(0).await;
    let window_cpu = clock.now();
    let window = Instant::now();
    for _ in 0..ticks {
        let now = store::now_ms();
        let cpu_before = clock.now();
        let started = Instant::now();
        let pass = watcher
            .pass(now, false, store::now_ms)
            .await
            .expect("a pass");
        let took = started.elapsed();
        let used = clock.now() - cpu_before;
        result.checked += pass.checked;
        if pass.checked == 0 {
            idle_wall.push(took);
            idle_cpu.push(used);
        } else {
            result.most_late = result.most_late.max(pass.most_late_ms);
            busy_wall.push(took);
            busy_cpu.push(used);
        }
        tokio::time::sleep(TICK).await;
    }
    result.window = window.elapsed();
    result.cpu = clock.now() - window_cpu;
    result.server_cpu = server_delta(&server_before, &backend.server_cpu(0).await);
    let name = backend.name;
    rows.push(row(
        name,
        "**idle tick** (nothing due), 1 s apart",
        &mut idle_wall,
        &mut idle_cpu,
    ));
    rows.push(row(
        name,
        "tick that checks (1 due), 1 s apart",
        &mut busy_wall,
        &mut busy_cpu,
    ));
    result
}

/// Adds `SENT_ALERTS` alerts already taken into sent messages (90 days of them).
async fn sent_history(backend: &Backend) {
    let mut tx = backend.admin.begin().await.expect("a transaction");
    let now = store::now_ms();
    for chunk in 0..SENT_ALERTS / 500 {
        let values: Vec<String> = (0..500)
            .map(|i| {
                let id = chunk * 500 + i + 1;
                format!(
                    "({id}, {}, {}, {}, '{{}}', {})",
                    CHANNEL,
                    id % WATCHES + 1,
                    now - (id * 90 * DAY_MS) / SENT_ALERTS,
                    id / 5 + 1
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO watch_alerts (id, channel_id, watch_id, created_ms, body, outbox_id) VALUES {}",
            values.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .expect("sent alerts");
    }
    tx.commit().await.expect("sent alerts committed");
    if backend.postgres.is_some() {
        sqlx::query("ANALYZE watch_alerts")
            .execute(&backend.admin)
            .await
            .expect("ANALYZE");
    }
}

async fn measure(backend: Backend, side: &Side, tables: &mut Tables) {
    let name = backend.name;
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("blacklist.toml"),
        ZONES
            .iter()
            .enumerate()
            .map(|(index, zone)| {
                format!(
                    "[[zones]]\nzone = \"{zone}\"\nname = \"Bench {index}\"\nlists = \"bench\"\ntier = \"major\"\n\
                     delist_url = \"https://bench.example/\"\nself_test = true\n\
                     codes = [{{ code = \"127.0.0.2\", meaning = \"listed\" }}]\n"
                )
            })
            .fold(
                "query_timeout_ms = 2000\ndeadline_ms = 5000\nmax_addresses = 4\n".to_string(),
                |text, zone| text + &zone,
            ),
    )
    .expect("the catalogue");
    let mut catalog = Catalog::load(Some(dir.path())).expect("the bench catalogue");
    catalog.defaults.dns.timeout_ms = 2000;
    catalog.defaults.dns.attempts = 1;
    let config = Config {
        dns_servers: Some(vec![side.dns]),
        allow_private_targets: true,
        ..Config::default()
    };
    let services = Services::from_parts(catalog.clone(), config).expect("services");
    let concurrency = catalog.defaults.watch.max_concurrent_checks;
    backend
        .store
        .set_default_channel(CHANNEL, None, "bench", store::now_ms())
        .await
        .expect("a default channel");
    let watcher = Watcher::new(backend.store.clone(), services, None);
    let watcher = &watcher;
    tables.memory.push(format!(
        "| {name} | store open, no watch | {:.1} |",
        rss_mib()
    ));

    add_watches(&backend, &catalog).await;
    for _ in 0..5 {
        watcher
            .pass(store::now_ms(), false, store::now_ms)
            .await
            .expect("a warm-up pass");
    }
    tables.memory.push(format!(
        "| {name} | 10,000 watches added | {:.1} |",
        rss_mib()
    ));

    let first = burst(&backend, watcher, side, BURST).await;
    assert_eq!(first.checked, BURST as u64);
    tables.bursts.push(burst_row(
        name,
        &format!("1,000 due at once (first results), {concurrency} at a time"),
        &first,
    ));
    tables.memory.push(format!(
        "| {name} | after the burst of 1,000 | {:.1} |",
        rss_mib()
    ));
    let all = burst(&backend, watcher, side, WATCHES).await;
    assert_eq!(all.checked, WATCHES as u64);
    tables.bursts.push(burst_row(
        name,
        &format!("all 10,000 due at once, {concurrency} at a time"),
        &all,
    ));
    tables.memory.push(format!(
        "| {name} | after all 10,000 checked | {:.1} |",
        rss_mib()
    ));

    idle_calls(&backend, watcher, side, &mut tables.ticks).await;
    let steady = steady(&backend, watcher, side, &mut tables.ticks).await;
    tables.memory.push(format!(
        "| {name} | after {} ticks of steady use | {:.1} |",
        steady.ticks,
        rss_mib()
    ));
    let per_second = |cpu: Duration| ms(cpu) / steady.window.as_secs_f64();
    tables.steady.push(format!(
        "| {name} | {} | {:.0} | {} | {} | {:.3} | {:.0} | {} |",
        steady.ticks,
        steady.window.as_secs_f64(),
        steady.checked,
        steady.most_late,
        per_second(steady.cpu),
        per_second(steady.cpu) * 86.4,
        if steady.server_cpu.is_zero() {
            "–".to_string()
        } else {
            format!(
                "{:.3} ms/s ({:.0} s/day)",
                per_second(steady.server_cpu),
                per_second(steady.server_cpu) * 86.4
            )
        },
    ));

    // What `/metrics` reads every minute.
    let clock = Clock { side };
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        let cpu_before = clock.now();
        let started = Instant::now();
        let counts = backend
            .store
            .watch_counts()
            .await
            .expect("the watches counted");
        let counted: i64 = counts.iter().map(|(_, _, count)| count).sum();
        assert_eq!(counted, WATCHES);
        wall.push(started.elapsed());
        cpu.push(clock.now() - cpu_before);
    }
    tables.ticks.push(row(
        name,
        "the watches counted (`/metrics`, once a minute)",
        &mut wall,
        &mut cpu,
    ));
    tables.memory.push(format!(
        "| {name} | after counting the watches | {:.1} |",
        rss_mib()
    ));

    sent_history(&backend).await;
    let store = &backend.store;
    let (mut wall, mut cpu) = repeat(side, move || async move {
        store
            .channels_ready(store::now_ms() - 30_000)
            .await
            .expect("channels ready");
    })
    .await;
    tables.ticks.push(row(
        name,
        "call: channels ready, 30,000 alerts sent",
        &mut wall,
        &mut cpu,
    ));
    let (mut wall, mut cpu) = repeat(side, move || async move {
        let pass = watcher
            .pass(store::now_ms() - DAY_MS, false, store::now_ms)
            .await
            .expect("a pass");
        assert_eq!(pass.checked, 0);
    })
    .await;
    tables.ticks.push(row(
        name,
        "idle pass back to back, 30,000 alerts sent",
        &mut wall,
        &mut cpu,
    ));
    backend.admin.close().await;
    backend.store.close().await;
}

/// The rows of the four tables, each backend's measured in a process of its own
/// (a fresh heap, so its memory is its own) and collected by the first.
#[derive(Default)]
struct Tables {
    bursts: Vec<String>,
    ticks: Vec<String>,
    steady: Vec<String>,
    memory: Vec<String>,
}

impl Tables {
    fn parts(&mut self) -> [(&'static str, &mut Vec<String>); 4] {
        [
            ("bursts", &mut self.bursts),
            ("ticks", &mut self.ticks),
            ("steady", &mut self.steady),
            ("memory", &mut self.memory),
        ]
    }

    /// Every row, tagged with its table, for the parent process.
    fn send(&mut self) {
        for (tag, rows) in self.parts() {
            for row in rows.iter() {
                println!("{tag}\t{row}");
            }
        }
    }

    /// A child's rows, read back.
    fn receive(&mut self, output: &str) {
        for line in output.lines() {
            let Some((tag, row)) = line.split_once('\t') else {
                println!("{line}");
                continue;
            };
            for (name, rows) in self.parts() {
                if name == tag {
                    rows.push(row.to_string());
                }
            }
        }
    }

    fn print(&self) {
        println!("\n| backend | burst | checked | took (s) | checks/s | watcher CPU (s) | PostgreSQL CPU (s) | late p50 / p99 / last (s) |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        for line in &self.bursts {
            println!("{line}");
        }
        println!(
            "\n| backend | what | samples | wall p50 (ms) | wall p99 (ms) | CPU p50 (ms) | CPU p99 (ms) |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|");
        for line in &self.ticks {
            println!("{line}");
        }
        println!("\n| backend | ticks | window (s) | checked | most late (ms) | watcher CPU (ms/s) | watcher CPU (s/day) | PostgreSQL CPU |");
        println!("|---|---:|---:|---:|---:|---:|---:|---|");
        for line in &self.steady {
            println!("{line}");
        }
        println!("\n| backend | when | VmRSS (MiB) |");
        println!("|---|---|---:|");
        for line in &self.memory {
            println!("{line}");
        }
    }
}

/// Which backend this process measures, when it is a child.
const BACKEND_VAR: &str = "WATCH_BENCH_BACKEND";

fn main() {
    if let Ok(backend) = std::env::var(BACKEND_VAR) {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(child(&backend));
        return;
    }
    let mut backends = vec!["sqlite"];
    if support::postgres_url().is_some() {
        backends.push("postgres");
    }
    let mut tables = Tables::default();
    for backend in backends {
        let output = std::process::Command::new(std::env::current_exe().expect("this bench"))
            .env(BACKEND_VAR, backend)
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("a child bench");
        assert!(output.status.success(), "the {backend} half failed");
        tables.receive(&String::from_utf8_lossy(&output.stdout));
    }
    if support::postgres_url().is_none() {
        println!("TEST_DATABASE_URL is not set: PostgreSQL not measured");
    }
    tables.print();
}

/// Measures one backend, `sqlite` or `postgres`, and sends its rows.
async fn child(backend: &str) {
    sqlx::any::install_default_drivers();
    let side = Side::start();
    let mut tables = Tables::default();
    if backend == "sqlite" {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("bench.sqlite3");
        let store = store::open(&Database::Sqlite(path.clone()), SETTINGS)
            .await
            .expect("a SQLite store");
        let url = format!("sqlite://{}?mode=rw", path.display());
        let admin = sqlx::AnyPool::connect(&url)
            .await
            .expect("a second SQLite connection");
        let sqlite = Backend {
            name: "SQLite",
            store,
            admin,
            postgres: None,
            url,
        };
        measure(sqlite, &side, &mut tables).await;
    } else {
        let url = support::postgres_url().expect("TEST_DATABASE_URL");
        let name = format!("bench_watch_{}", std::process::id());
        let own = support::fresh_database(&url, &name).await;
        let store = store::open(&Database::Postgres(Secret::new(own.clone())), SETTINGS)
            .await
            .expect("a PostgreSQL store");
        let admin = sqlx::AnyPool::connect(&own)
            .await
            .expect("a second PostgreSQL connection");
        let postgres = Backend {
            name: "PostgreSQL",
            store,
            admin,
            postgres: Some(name.clone()),
            url: own,
        };
        measure(postgres, &side, &mut tables).await;
        support::drop_database(&url, &name).await;
    }
    tables.send();
}
