//! `echoterra-bot serve` against 400 slow, unsigned clients at once, each sending a
//! head announcing a body at the limit (256 KiB), all of the body but its last byte,
//! and then nothing: the bot's resident memory (VmRSS) while they hold on, and what
//! each client got.
//!
//! Before the bot had its own accept loop, 400 such clients with 1 MiB each took the
//! release binary from 13 MB to 415 MB and held it there. Now at most 64 connections
//! are served (each cut by the body timeout), the rest are answered 503 at once.
//!
//! Run: `cargo bench --bench serve_slow_clients`.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Clients at once.
const CLIENTS: usize = 400;
/// `endpoint::MAX_BODY`: the body each announces.
const BODY: usize = 256 * 1024;
/// Waves of clients, one after the other: memory must not grow wave after wave.
const WAVES: usize = 5;

/// The bot's resident memory in KiB (VmRSS of /proc/<pid>/status).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// One slow client: the head, all of the body but one byte, then it waits for
/// whatever the bot answers (or for the bot to close); the answer's status line.
async fn slow_client(address: String) -> String {
    let Ok(mut stream) = TcpStream::connect(&address).await else {
        return "connect failed".into();
    };
    let head = format!(
        "POST /interactions HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\ncontent-length: {BODY}\r\n\r\n"
    );
    let body = vec![b' '; BODY - 1];
    // A refused client's writes may fail once the bot has answered and closed.
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    match answer.lines().next() {
        Some(line) if !line.is_empty() => line.to_string(),
        _ => "closed without an answer".into(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::temp_dir().join(format!("serve-slow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("bot.log");
    let mut bot = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .arg("serve")
        .current_dir(&dir)
        .env_clear()
        // Any valid key: no client here signs.
        .env(
            "DISCORD_PUBLIC_KEY",
            hex::encode(SigningKey::from_bytes(&[42; 32]).verifying_key().to_bytes()),
        )
        .env("HTTP_LISTEN", "127.0.0.1:0")
        .env("OPS_LISTEN", "127.0.0.1:0")
        .env("DISCORD_API_BASE", "http://127.0.0.1:9")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let address = (0..100)
        .find_map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            std::fs::read_to_string(&log)
                .ok()?
                .lines()
                .filter(|line| line.contains("serving Discord interactions"))
                .find_map(|line| {
                    line.split("address=")
                        .nth(1)?
                        .split_whitespace()
                        .next()
                        .map(|a| a.trim_matches('"').to_string())
                })
        })
        .unwrap_or_else(|| {
            panic!(
                "the bot says where it listens:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
    let pid = bot.id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib(pid);
    println!("RSS idle: {:.1} MiB", idle as f64 / 1024.0);
    println!();
    println!("| wave | clients | peak RSS (MiB) | answers | took (s) |");
    println!("|---:|---:|---:|---|---:|");
    for wave in 1..=WAVES {
        let started = Instant::now();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| tokio::spawn(slow_client(address.clone())))
            .collect();
        let peak = Arc::new(AtomicU64::new(0));
        let sampler = {
            let peak = peak.clone();
            tokio::spawn(async move {
                loop {
                    peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let mut answers = std::collections::BTreeMap::<String, usize>::new();
        for client in clients {
            *answers.entry(client.await.unwrap()).or_default() += 1;
        }
        let took = started.elapsed();
        sampler.abort();
        let peak = peak.load(Ordering::Relaxed).max(rss_kib(pid));
        let answers = answers
            .iter()
            .map(|(line, count)| format!("{count} × {line}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "| {wave} | {CLIENTS} | {:.1} | {answers} | {:.1} |",
            peak as f64 / 1024.0,
            took.as_secs_f64()
        );
    }
    println!();
    println!(
        "RSS after the last wave: {:.1} MiB",
        rss_kib(pid) as f64 / 1024.0
    );
    let _ = bot.kill();
    let _ = bot.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
