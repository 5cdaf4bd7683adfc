//! The gateway bot (`echoterra-bot run`) at rest: its resident memory once it has
//! identified to the fake Discord the tests use (a real websocket, heartbeats every
//! 1.5 s), registered its commands, opened its SQLite store and then sat idle.
//!
//! Each row starts a release binary [`RUNS`] times from an empty folder (the store
//! made fresh in it), waits for READY, lets it idle [`IDLE`], and reads
//! `/proc/<pid>/status` and `/proc/<pid>/smaps`: the resident set sorted by what holds
//! it (the bot's machine code, its read-only data, shared libraries, anonymous memory:
//! heap, stacks and relocated data). The median run is shown.
//!
//! The first binary is also measured with glibc's malloc limited to one arena
//! (`MALLOC_ARENA_MAX=1`: how much is per-thread arenas) and with
//! `MALLOC_TRIM_THRESHOLD_`/`MALLOC_TOP_PAD_` at 0 (how much is freed memory glibc
//! keeps): the allocator's share, without a profiler.
//!
//! Run: `cargo bench --bench idle_memory`. `IDLE_MEMORY_BINS="label=path …"` measures
//! other builds instead, in one run (e.g. the same commit built with other profile
//! settings); `IDLE_MEMORY_WRAP` runs the first binary once under a command instead of
//! measuring it (`heaptrack -o /tmp/idle` for a heap profile; a script that calls
//! `benches/resident_code.py` for the crates whose code is resident).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use testkit::fake_discord::{self, FakeDiscord};

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

/// What one idle process holds, in KiB, from `/proc/<pid>/smaps`: every mapping's
/// resident pages, sorted by what they are.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    /// `VmRSS`: everything below together.
    rss: u64,
    /// The bot's machine code (its executable mapping).
    code: u64,
    /// The bot's read-only data as read from the file (tables, strings).
    data: u64,
    /// Shared libraries (libc, libm, the loader), code and data.
    libraries: u64,
    /// Anonymous memory: the heap, thread stacks, data the loader relocated.
    anonymous: u64,
    /// `VmHWM`: the most that was ever resident.
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

fn memory(pid: u32, binary: &str) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut memory = Memory {
        rss: field(&status, "VmRSS:"),
        peak: field(&status, "VmHWM:"),
        threads: field(&status, "Threads:"),
        ..Memory::default()
    };
    // A mapping's head line (`start-end perms offset dev inode [path]`), then its
    // fields; the head is the one line whose first word holds a `-`.
    let mut heads = smaps.split('\n').peekable();
    while let Some(head) = heads.next() {
        let words: Vec<&str> = head.split_whitespace().collect();
        if words.first().is_none_or(|first| !first.contains('-')) {
            continue;
        }
        let mut fields = String::new();
        while let Some(line) = heads.next_if(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|first| !first.contains('-'))
        }) {
            fields.push_str(line);
            fields.push('\n');
        }
        let (rss, anonymous) = (field(&fields, "Rss:"), field(&fields, "Anonymous:"));
        let path = words.get(5).copied().unwrap_or("");
        let executable = words.get(1).is_some_and(|perms| perms.contains('x'));
        memory.anonymous += anonymous;
        let from_file = rss - anonymous.min(rss);
        if path == binary && executable {
            memory.code += from_file;
        } else if path == binary {
            memory.data += from_file;
        } else if path.contains(".so") {
            memory.libraries += from_file;
        }
    }
    memory
}

/// Starts `binary` against `fake` from the empty folder `dir`.
fn start(
    fake: &FakeDiscord,
    dir: &std::path::Path,
    binary: &str,
    setup: &Setup,
    wrap: Option<&str>,
) -> Child {
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
        .env("DISCORD_TOKEN", fake_discord::TOKEN)
        .env("DISCORD_API_BASE", fake.base())
        .env("DATA_DIR", dir.join("data"))
        .env("OPS_LISTEN", "127.0.0.1:0")
        .env("DNS_SERVERS", "127.0.0.1:53")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("bot.log")).expect("a log file"));
    for (name, value) in setup.env {
        command.env(name, value);
    }
    command.spawn().expect("the bot binary starts")
}

/// One idle process of `binary` under `setup`, measured (or profiled under `wrap`).
async fn measure(binary: &str, setup: &Setup, wrap: Option<&str>) -> Memory {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().expect("a folder");
    let mut child = start(&fake, dir.path(), binary, setup, wrap);
    if tokio::time::timeout(Duration::from_secs(30), fake.wait_ready(1))
        .await
        .is_err()
    {
        let log = std::fs::read_to_string(dir.path().join("bot.log")).unwrap_or_default();
        panic!("the bot did not identify:\n{log}");
    }
    tokio::time::sleep(IDLE).await;
    let memory = memory(child.id(), binary);
    if wrap.is_some() {
        // The bot alone: a profiler around it writes its report and exits by itself.
        let bot = format!("^{binary} run");
        let _ = Command::new("pkill").args(["-TERM", "-f", &bot]).status();
    } else {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
    }
    let _ = child.wait();
    memory
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

/// The binaries to measure: `IDLE_MEMORY_BINS` (`label=path` pairs separated by
/// spaces, e.g. builds of other profiles), or this build's own.
fn binaries() -> Vec<(String, String)> {
    match std::env::var("IDLE_MEMORY_BINS") {
        Ok(list) if !list.trim().is_empty() => list
            .split_whitespace()
            .map(|pair| {
                let (label, path) = pair.split_once('=').expect("IDLE_MEMORY_BINS: label=path");
                (label.to_string(), path.to_string())
            })
            .collect(),
        _ => vec![(
            "this build".to_string(),
            env!("CARGO_BIN_EXE_echoterra-bot").to_string(),
        )],
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binaries = binaries();
    if let Some(wrap) = std::env::var("IDLE_MEMORY_WRAP")
        .ok()
        .filter(|wrap| !wrap.is_empty())
    {
        measure(&binaries[0].1, &SETUPS[0], Some(&wrap)).await;
        println!("profiled {} under `{wrap}`: see its output", binaries[0].0);
        return;
    }
    println!(
        "`echoterra-bot run` idle {} s after READY, {RUNS} processes per row (the median by VmRSS), MiB\n",
        IDLE.as_secs()
    );
    println!("| binary | configuration | VmRSS | bot code | bot read-only data | libraries | anonymous | peak (VmHWM) | threads | runs (VmRSS) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (index, (label, binary)) in binaries.iter().enumerate() {
        // The allocator's variants say the same for every build: the first one only.
        let setups = if index == 0 {
            &SETUPS[..]
        } else {
            &SETUPS[..1]
        };
        for setup in setups {
            let mut runs = Vec::new();
            for _ in 0..RUNS {
                runs.push(measure(binary, setup, None).await);
            }
            runs.sort_by_key(|memory| memory.rss);
            let median = runs[runs.len() / 2];
            let all: Vec<String> = runs.iter().map(|memory| mib(memory.rss)).collect();
            println!(
                "| {label} | {} | **{}** | {} | {} | {} | {} | {} | {} | {} |",
                setup.name,
                mib(median.rss),
                mib(median.code),
                mib(median.data),
                mib(median.libraries),
                mib(median.anonymous),
                mib(median.peak),
                median.threads,
                all.join(", ")
            );
        }
    }
}
