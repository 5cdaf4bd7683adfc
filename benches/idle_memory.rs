//! The gateway bot (`echoterra-bot run`) at rest: its resident memory once it has
//! identified to the fake Discord the tests use (a real websocket, heartbeats every
//! 1.5 s), registered its commands, opened its SQLite store and then sat idle.
//!
//! Each configuration starts the release binary [`RUNS`] times from an empty folder
//! (the store made fresh in it), waits for READY, lets it idle [`IDLE`], and reads
//! `/proc/<pid>/status` and `/proc/<pid>/smaps_rollup`: the resident set split into
//! anonymous memory (the heap, thread stacks: what the bot allocates) and file pages
//! (the binary's own code and data as far as it was touched). The median run is shown.
//!
//! Besides the default, the same bot is measured with glibc's malloc limited to one
//! arena (`MALLOC_ARENA_MAX=1`), which says how much of the heap is per-thread
//! arenas rather than data, and with `MALLOC_TRIM_THRESHOLD_`/`MALLOC_TOP_PAD_` set
//! low, which says how much is freed memory glibc keeps.
//!
//! Run: `cargo bench --bench idle_memory`. Set `IDLE_MEMORY_WRAP` to a command to run
//! the bot under (e.g. `heaptrack -o /tmp/idle`) to profile the first run of the
//! default configuration instead of measuring it.

#[allow(dead_code)]
#[path = "../tests/it/support/discord_api.rs"]
mod discord_api;
#[allow(dead_code)]
#[path = "../tests/it/support/fake_discord.rs"]
mod fake_discord;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fake_discord::FakeDiscord;

/// Processes started per configuration.
const RUNS: usize = 5;
/// How long the bot sits idle after READY before it is measured.
const IDLE: Duration = Duration::from_secs(20);

/// One configuration: a name and the environment added to the default one.
struct Setup {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
}

const SETUPS: [Setup; 3] = [
    Setup {
        name: "default (SQLite store)",
        env: &[],
    },
    Setup {
        name: "MALLOC_ARENA_MAX=1",
        env: &[("MALLOC_ARENA_MAX", "1")],
    },
    Setup {
        name: "MALLOC_TRIM_THRESHOLD_=0, MALLOC_TOP_PAD_=0",
        env: &[("MALLOC_TRIM_THRESHOLD_", "0"), ("MALLOC_TOP_PAD_", "0")],
    },
];

/// What one idle process holds, in KiB.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    rss: u64,
    anonymous: u64,
    file: u64,
    peak: u64,
    threads: u64,
}

/// A `Name:   123 kB` field of a `/proc` file.
fn field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    Memory {
        rss: field(&status, "VmRSS:"),
        anonymous: field(&status, "RssAnon:"),
        file: field(&status, "RssFile:") + field(&status, "RssShmem:"),
        peak: field(&status, "VmHWM:"),
        threads: field(&status, "Threads:"),
    }
}

/// Starts the bot against `fake` from the empty folder `dir`.
fn start(fake: &FakeDiscord, dir: &std::path::Path, setup: &Setup, wrap: Option<&str>) -> Child {
    let binary = env!("CARGO_BIN_EXE_echoterra-bot");
    let mut command = match wrap {
        Some(wrap) => {
            let mut words = wrap.split_whitespace();
            let mut command = Command::new(words.next().expect("a wrapper command"));
            command.args(words).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .arg("run")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DISCORD_TOKEN", "idle-memory-bench-token")
        .env("DISCORD_API_BASE", fake.base())
        .env("DATA_DIR", dir.join("data"))
        .env("OPS_LISTEN", "127.0.0.1:0")
        .env("DNS_SERVERS", "127.0.0.1:53")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in setup.env {
        command.env(name, value);
    }
    command.spawn().expect("the bot binary starts")
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let wrap = std::env::var("IDLE_MEMORY_WRAP")
        .ok()
        .filter(|wrap| !wrap.is_empty());
    println!(
        "`echoterra-bot run` idle {} s after READY, {RUNS} processes per row (median by VmRSS)\n",
        IDLE.as_secs()
    );
    println!("| configuration | VmRSS (MiB) | anonymous | file | peak (VmHWM) | threads | runs (VmRSS) |");
    println!("|---|---|---|---|---|---|---|");
    for setup in &SETUPS {
        let mut runs = Vec::new();
        for run in 0..RUNS {
            let fake = FakeDiscord::start().await;
            let dir = tempfile::tempdir().expect("a folder");
            let wrapped = wrap.as_deref().filter(|_| run == 0);
            let mut child = start(&fake, dir.path(), setup, wrapped);
            fake.wait_ready(1).await;
            tokio::time::sleep(IDLE).await;
            runs.push(memory(child.id()));
            // A wrapper's children first (the bot under it), then the process itself.
            let pid = child.id().to_string();
            let _ = Command::new("pkill").args(["-TERM", "-P", &pid]).status();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let _ = child.wait();
            if wrapped.is_some() {
                println!("profiled under `{}`: see its output", wrapped.unwrap_or(""));
                return;
            }
        }
        runs.sort_by_key(|memory| memory.rss);
        let median = runs[runs.len() / 2];
        let all: Vec<String> = runs.iter().map(|memory| mib(memory.rss)).collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            setup.name,
            mib(median.rss),
            mib(median.anonymous),
            mib(median.file),
            mib(median.peak),
            median.threads,
            all.join(", ")
        );
    }
}
