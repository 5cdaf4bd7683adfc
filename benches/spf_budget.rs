//! What a hostile SPF tree costs: one `echoterra-bot check domain <d> --format json`
//! (the real binary, a fresh process and so an empty cache each run) against the
//! in-process test DNS server, for a normal domain and for SPF trees built to amplify
//! (issue 22): `records` records of `terms` `a:` terms, every term naming a different
//! host under a victim's zone.
//!
//! Per case: the DNS queries the server received (all parts of `/domain`, and those
//! to the victim's zone), the child's CPU time (user + system, from `wait4`), its peak
//! RSS, the wall time, and the size of the JSON printed. Each case runs once to warm
//! up, then 5 times; the median is shown. The target (issue 22): the 40 × 3,000 tree
//! costs at most 100 queries and under 50 ms of CPU; a normal domain's figures do not
//! change.
//!
//! Run: `cargo bench --bench spf_budget`.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::dns_server::{TestDns, Zone};
use testkit::zones::{customer, provider_zone, spf_amplifier};

const RUNS: usize = 5;
const VICTIM: &str = "victim.example";

/// One run of the binary: its cost and output.
struct Run {
    queries: usize,
    to_victim: usize,
    cpu: Duration,
    peak_rss_kb: i64,
    wall: Duration,
    json_bytes: u64,
    exit: i32,
}

/// Runs `check domain <domain> --format json` against `dns`, waiting for the child
/// with `wait4` to read its own CPU time and peak RSS.
fn run(dns: &TestDns, domain: &str) -> Run {
    let out = tempfile::tempfile().expect("a temporary file");
    let before = dns.queries().len();
    let started = Instant::now();
    #[allow(clippy::zombie_processes)] // waited for by `wait4`, below
    let child = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "domain", domain, "--format", "json"])
        .env_clear()
        .env("DNS_SERVERS", dns.addr().to_string())
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::from(out.try_clone().expect("a second handle")))
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    // std's `Child` cannot report one child's resource usage: it is waited for here,
    // by its id, with wait4.
    let (status, usage) = wait4(child.id());
    let wall = started.elapsed();
    let queries = dns.queries();
    let asked = &queries[before..];
    let cpu = timeval(usage.ru_utime) + timeval(usage.ru_stime);
    Run {
        queries: asked.len(),
        to_victim: asked
            .iter()
            .filter(|query| query.name.ends_with(VICTIM))
            .count(),
        cpu,
        peak_rss_kb: usage.ru_maxrss,
        wall,
        json_bytes: File::metadata(&out).expect("metadata").len(),
        exit: status,
    }
}

/// Waits for the child `pid`: its exit code and resource usage.
fn wait4(pid: u32) -> (i32, libc::rusage) {
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    #[allow(unsafe_code)]
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut status = 0;
    // SAFETY: `status` and `usage` are valid for wait4 to write; `pid` is our child,
    // not yet waited for (std's `Child` is dropped without waiting). std has no way to
    // read one child's resource usage.
    #[allow(unsafe_code)]
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4");
    (libc::WEXITSTATUS(status), usage)
}

fn timeval(time: libc::timeval) -> Duration {
    Duration::from_secs(time.tv_sec as u64) + Duration::from_micros(time.tv_usec as u64)
}

fn median<T: Ord + Copy>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

/// Serves `zones` and measures `domain`: one warm-up, then the median of [`RUNS`].
fn measure(runtime: &tokio::runtime::Runtime, label: &str, domain: &str, zones: Vec<Zone>) {
    let dns = runtime.block_on(async {
        let mut builder = TestDns::builder().zone(provider_zone());
        for zone in zones {
            builder = builder.zone(zone);
        }
        builder.start().await
    });
    // The server runs on the runtime's workers; this thread only waits for children.
    let warm = run(&dns, domain);
    let runs: Vec<Run> = (0..RUNS).map(|_| run(&dns, domain)).collect();
    println!(
        "| {label} | {} | {} | {:.1} | {:.1} | {} | {} | {} |",
        median(runs.iter().map(|run| run.queries).collect()),
        median(runs.iter().map(|run| run.to_victim).collect()),
        median(runs.iter().map(|run| run.cpu).collect()).as_secs_f64() * 1e3,
        median(runs.iter().map(|run| run.wall).collect()).as_secs_f64() * 1e3,
        median(runs.iter().map(|run| run.peak_rss_kb).collect()) / 1024,
        median(runs.iter().map(|run| run.json_bytes).collect()),
        warm.exit,
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("| domain | DNS queries (all parts) | to the victim's zone | CPU (ms) | wall (ms) | peak RSS (MB) | JSON (bytes) | exit |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    measure(
        &runtime,
        "normal (everything right)",
        "bench.example",
        vec![customer("bench.example", &[])],
    );
    for (records, terms) in [(10, 150), (40, 3_000)] {
        let domain = format!("amp{records}.example");
        let (tree, victim) = spf_amplifier(&domain, VICTIM, records, terms);
        measure(
            &runtime,
            &format!("SPF tree of {records} records × {terms} `a:` terms"),
            &domain,
            vec![tree, victim],
        );
    }
}
