//! `echoterra-bot serve` under load: signed `/settings` interactions POSTed to the
//! real release binary on 127.0.0.1, at a few concurrency levels; throughput and
//! latency percentiles, for each store in one run: the default SQLite file, then
//! PostgreSQL when `TEST_DATABASE_URL` names a server (a database of its own, dropped
//! at the end), and first, when `BASELINE_BIN` names one, another binary (one from
//! before the store, another build profile) with its own default store, for the ratio.
//!
//! The requests are built and signed before the clock starts (each a distinct
//! interaction, as Discord sends them, so the replay guard writes one row each), so
//! the load generator spends its time sending, not signing. Each request has a
//! connection of its own, for every binary alike: `serve` answers one request per
//! connection. The load generator runs on the same two cores as the bot: the figures
//! are a floor for what the bot alone can do.
//!
//! Run: `BASELINE_BIN=/path/to/old/echoterra-bot TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench serve_throughput`
//! (both optional).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod support;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;

const CONCURRENCY: [usize; 3] = [1, 10, 50];
/// Requests per concurrency level, after [`WARMUP`].
const REQUESTS: usize = 20_000;
const WARMUP: usize = 500;

/// One signed request: body, signature, timestamp.
type Signed = (Vec<u8>, String, String);

fn requests(key: &SigningKey, count: usize) -> Vec<Signed> {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    (0..count)
        .map(|i| {
            let body = serde_json::to_vec(&json!({
                "id": (1_500_000_000_000_000_000u64 + i as u64).to_string(),
                "application_id": "1100000000000000001",
                "type": 2,
                "token": format!("bench-token-{i}"),
                "version": 1,
                "locale": "en-US",
                "guild_locale": "en-US",
                "app_permissions": "0",
                "entitlements": [],
                "attachment_size_limit": 26214400,
                "guild_id": "1200000000000000002",
                "channel_id": "1300000000000000003",
                "authorizing_integration_owners": {"0": "1200000000000000002"},
                "context": 0,
                "member": {
                    "user": {"id": "1600000000000000004", "username": "customer", "discriminator": "0", "global_name": null, "avatar": null},
                    "roles": [], "joined_at": "2025-01-01T00:00:00.000000+00:00",
                    "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": "0"
                },
                "data": {"id": "1", "name": "settings", "type": 1,
                         "options": [{"name": "protocol", "type": 3, "value": "imap"}]}
            }))
            .unwrap();
            let mut message = timestamp.as_bytes().to_vec();
            message.extend_from_slice(&body);
            let signature = hex::encode(key.sign(&message).to_bytes());
            (body, signature, timestamp.clone())
        })
        .collect()
}

/// Sends `requests` over `concurrency` connections; each request's latency.
async fn load(
    url: &str,
    requests: Arc<Vec<Signed>>,
    concurrency: usize,
) -> (Duration, Vec<Duration>) {
    // A connection per request, for every binary alike: `serve` answers one
    // request per connection (issue 22), so reuse would only favour the baseline.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, requests, next, url) = (
                client.clone(),
                requests.clone(),
                next.clone(),
                url.to_string(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((body, signature, timestamp)) = requests.get(i) else {
                        return latencies;
                    };
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-signature-ed25519", signature)
                        .header("x-signature-timestamp", timestamp)
                        .body(body.clone())
                        .send()
                        .await
                        .expect("the bot answers");
                    assert_eq!(response.status(), 200);
                    let body = response.bytes().await.expect("a body");
                    assert!(body.starts_with(br#"{"type":4,"#), "a reply, not an error");
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

/// A running `echoterra-bot serve` and where it takes interactions.
struct Bot {
    child: std::process::Child,
    url: String,
    log: std::path::PathBuf,
}

/// Starts `binary` in `dir` with the bench's key and `extra` settings.
fn start(binary: &str, dir: &std::path::Path, key: &SigningKey, extra: &[(&str, &str)]) -> Bot {
    std::fs::create_dir_all(dir).unwrap();
    let log = dir.join("bot.log");
    let child = Command::new(binary)
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env(
            "DISCORD_PUBLIC_KEY",
            hex::encode(key.verifying_key().to_bytes()),
        )
        .env("HTTP_LISTEN", "127.0.0.1:0")
        // Its own free port too: the default 9180 may be taken on a shared machine.
        .env("OPS_LISTEN", "127.0.0.1:0")
        .env("DISCORD_API_BASE", "http://127.0.0.1:9")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let address = (0..300)
        .find_map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            std::fs::read_to_string(&log)
                .ok()?
                .lines()
                // The interactions listener, not the operators' (logged first).
                .filter(|line| line.contains("serving Discord interactions"))
                .find_map(|line| {
                    line.split("address=")
                        .nth(1)?
                        .split_whitespace()
                        .next()
                        .map(|a| a.trim_matches('"').to_string())
                })
        })
        .unwrap_or_else(|| panic!("{binary} says where it listens (see {})", log.display()));
    Bot {
        child,
        url: format!("http://{address}/interactions"),
        log,
    }
}

/// One configuration's rounds: a warm-up, then each concurrency level, each
/// request a fresh interaction; prints a table row per level.
async fn rounds(name: &str, bot: &mut Bot, all: &[Signed]) {
    let warmup = Arc::new(all[..WARMUP].to_vec());
    load(&bot.url, warmup, 10).await;
    for (round, concurrency) in CONCURRENCY.into_iter().enumerate() {
        let start = WARMUP + round * REQUESTS;
        let batch = Arc::new(all[start..start + REQUESTS].to_vec());
        let (took, mut latencies) = load(&bot.url, batch, concurrency).await;
        latencies.sort();
        println!(
            "| {name} | {concurrency} | {REQUESTS} | {:.0} | {:.2} | {:.2} |",
            REQUESTS as f64 / took.as_secs_f64(),
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99)
        );
    }
    let _ = bot.child.kill();
    let _ = bot.child.wait();
    // Every request was a real /settings answer, logged as such.
    let logs = std::fs::read_to_string(&bot.log).unwrap_or_default();
    let answered = logs
        .lines()
        .filter(|line| line.contains("interaction answered") && line.contains("/settings"))
        .count();
    let total = WARMUP + REQUESTS * CONCURRENCY.len();
    assert_eq!(
        answered, total,
        "{name}: every interaction logged as answered"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let key = SigningKey::from_bytes(&[42; 32]);
    let dir = std::env::temp_dir().join(format!("serve-bench-{}", std::process::id()));
    let total = WARMUP + REQUESTS * CONCURRENCY.len();
    let all = requests(&key, total);
    let this = env!("CARGO_BIN_EXE_echoterra-bot");
    println!(
        "| store | concurrency | requests | throughput (interactions/s) | p50 (ms) | p99 (ms) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    if let Ok(baseline) = std::env::var("BASELINE_BIN") {
        let mut bot = start(&baseline, &dir.join("baseline"), &key, &[]);
        rounds("BASELINE_BIN (its default store)", &mut bot, &all).await;
    }
    // No DATABASE_URL: the default SQLite file in ./data of the bot's folder.
    let mut bot = start(this, &dir.join("sqlite"), &key, &[]);
    rounds("SQLite", &mut bot, &all).await;
    if let Some(url) = support::postgres_url() {
        let name = format!("bench_serve_{}", std::process::id());
        let own = support::fresh_database(&url, &name).await;
        let mut bot = start(this, &dir.join("postgres"), &key, &[("DATABASE_URL", &own)]);
        rounds("PostgreSQL", &mut bot, &all).await;
        support::drop_database(&url, &name).await;
    }
    println!("\n{total} interactions per store, each logged as answered (/settings, a full embed reply each)");
    let _ = std::fs::remove_dir_all(&dir);
}
