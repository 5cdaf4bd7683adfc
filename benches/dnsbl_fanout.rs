//! `/blacklist` fan-out: total check time against the zones' answer delay, and
//! against asking the same zones one after another.
//!
//! Serves N blocklist zones from the in-process test DNS server on 127.0.0.1, each
//! answering after an injected delay d, and runs the real check (`checks::run`)
//! for a clean target (NXDOMAIN everywhere) and a listed one (A and TXT everywhere).
//! The baseline asks the same names (A and TXT together) zone after zone through
//! the same resolver. A fresh resolver is built for every run so its cache never
//! answers.
//!
//! Run: `cargo bench --bench dnsbl_fanout`. With `DNSBL_BENCH_WRITE=1` the table
//! replaces the marked section of BENCHMARKS.md.

use std::time::{Duration, Instant};

use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::blacklist::{query, BlacklistRequest};
use echoterra_bot::checks::Details;
use echoterra_bot::checks::Services;
use echoterra_bot::checks::{self, Progress, Request};
use echoterra_bot::config::Config;
use testkit::dns_server::{Fault, TestDns, Zone};

const ZONE_COUNTS: [usize; 4] = [1, 10, 50, 100];
const DELAYS_MS: [u64; 2] = [20, 100];
/// Runs of the concurrent check per case; the median is reported.
const RUNS: usize = 5;
const LISTED: &str = "127.0.0.2";
const CLEAN: &str = "127.0.0.9";
const BEGIN: &str = "<!-- dnsbl_fanout:begin -->";
const END: &str = "<!-- dnsbl_fanout:end -->";

fn zone_name(index: usize) -> String {
    format!("z{index}.bench.test")
}

/// N zones listing [`LISTED`] (A and TXT), each answering after `delay`.
async fn server(zones: usize, delay: Duration) -> TestDns {
    let mut builder = TestDns::builder();
    for index in 0..zones {
        let zone = zone_name(index);
        let owner = format!("{}.{zone}", query::reversed(LISTED.parse().unwrap()));
        builder = builder
            .zone(
                Zone::new(&zone)
                    .a(&owner, "127.0.0.2")
                    .txt(&owner, "Listed for the benchmark"),
            )
            .fault(&zone, Fault::Delay(delay));
    }
    builder.start().await
}

/// A catalogue with the N zones, loaded from a COMMANDS_DIR as staff would.
fn catalogue(zones: usize) -> Catalog {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut text =
        String::from("query_timeout_ms = 5000\ndeadline_ms = 10000\nmax_addresses = 4\n");
    for index in 0..zones {
        text.push_str(&format!(
            "[[zones]]\nzone = \"{}\"\nname = \"Bench {index}\"\nlists = \"bench\"\ntier = \"major\"\ndelist_url = \"https://bench.example/\"\ncodes = [{{ code = \"127.0.0.2\", meaning = \"listed\" }}]\n",
            zone_name(index)
        ));
    }
    std::fs::write(dir.path().join("blacklist.toml"), text).expect("write catalogue");
    let mut catalog = Catalog::load(Some(dir.path())).expect("bench catalogue");
    catalog.defaults.dns.timeout_ms = 5000;
    catalog.defaults.dns.attempts = 1;
    catalog
}

fn services(dns: &TestDns, catalog: &Catalog) -> Services {
    let config = Config {
        allow_private_targets: true,
        ..dns.config()
    };
    Services::from_parts(catalog.clone(), config).expect("services")
}

/// One concurrent check with a cold resolver; panics if the result is not as served.
async fn concurrent(dns: &TestDns, catalog: &Catalog, target: &str, zones: usize) -> Duration {
    let services = services(dns, catalog);
    let request = BlacklistRequest::from_input(target, true).expect("target");
    let started = Instant::now();
    let report = checks::run(&services, &Request::Blacklist(request), &Progress::none()).await;
    let elapsed = started.elapsed();
    let Details::Blacklist(details) = &report.details else {
        panic!("not a blacklist report")
    };
    let expected = if target == LISTED { zones } else { 0 };
    assert_eq!(details.listed, expected, "{}", report.summary);
    assert_eq!(details.errors, 0, "{}", report.summary);
    elapsed
}

/// The same queries (A and TXT together per zone), zone after zone.
async fn sequential(dns: &TestDns, catalog: &Catalog, target: &str, zones: usize) -> Duration {
    let resolver = services(dns, catalog).resolver;
    let reversed = query::reversed(target.parse().unwrap());
    let started = Instant::now();
    for index in 0..zones {
        let name = format!("{reversed}.{}.", zone_name(index));
        let (a, _txt) = tokio::join!(resolver.ipv4(&name), resolver.txt(&name));
        assert_eq!(a.records().is_some(), target == LISTED);
    }
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    runtime.block_on(async {
        for delay_ms in DELAYS_MS {
            let delay = Duration::from_millis(delay_ms);
            for zones in ZONE_COUNTS {
                let dns = server(zones, delay).await;
                let catalog = catalogue(zones);
                for (label, target) in [("clean", CLEAN), ("listed", LISTED)] {
                    // One warm-up run: first sockets, first task spawns.
                    concurrent(&dns, &catalog, target, zones).await;
                    let mut times = Vec::new();
                    for _ in 0..RUNS {
                        times.push(concurrent(&dns, &catalog, target, zones).await);
                    }
                    let check = median(times);
                    let baseline = sequential(&dns, &catalog, target, zones).await;
                    let row = format!(
                        "| {zones} | {delay_ms} | {label} | {} | {} | {:.2} | {} | {:.1}× |",
                        ms(check),
                        ms(check.saturating_sub(delay)),
                        check.as_secs_f64() / delay.as_secs_f64(),
                        ms(baseline),
                        baseline.as_secs_f64() / check.as_secs_f64(),
                    );
                    println!("{row}");
                    rows.push(row);
                }
            }
        }
    });
    let table = format!(
        "{BEGIN}\n| zones N | delay d (ms) | target | check (ms, median of {RUNS}) | check − d (ms) | check ÷ d | one after another (ms) | speed-up |\n|---:|---:|---|---:|---:|---:|---:|---:|\n{}\n{END}",
        rows.join("\n")
    );
    println!("\n{table}");
    if std::env::var("DNSBL_BENCH_WRITE").as_deref() == Ok("1") {
        write_section(&table);
    }
}

/// Replaces the marked section of BENCHMARKS.md (or appends it).
fn write_section(table: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (text.find(BEGIN), text.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{table}{}", &text[..begin], &text[end + END.len()..])
        }
        _ => format!("{text}\n{table}\n"),
    };
    std::fs::write(path, updated).expect("write BENCHMARKS.md");
    println!("BENCHMARKS.md updated");
}
