//! `/domain` latency: the whole check for a fully configured domain against a DNS
//! server that holds back every answer by d, as a ratio to d.
//!
//! Serves the provider's zone and one customer's zone with everything right (MX,
//! SPF including the provider, both DKIM selectors by CNAME, DMARC, the three SRV
//! records) from the in-process test DNS server on 127.0.0.1, every answer delayed
//! by d, and runs the real check (`checks::run` with a `Request::Domain`). A fresh
//! resolver (so an empty cache) is built for every run. The target (issue 11): about
//! one round trip per level of dependency, at most 4 × d, not one per lookup.
//!
//! Run: `cargo bench --bench domain_latency`.

use std::time::{Duration, Instant};

use echoterra_bot::checks::domain::DomainRequest;
use echoterra_bot::checks::{self, Progress, Request, Services};
use echoterra_bot::values::Verdict;
use testkit::dns_server::{Fault, TestDns};
use testkit::zones::{customer, provider_zone};

const DELAYS_MS: [u64; 3] = [50, 100, 200];
/// Runs per delay; the median is reported.
const RUNS: usize = 5;
const DOMAIN: &str = "bench.example";

/// The provider's zone and a customer zone with everything right (the ones the
/// `/domain` tests serve), every answer held back by `delay`.
async fn server(delay: Duration) -> TestDns {
    TestDns::builder()
        .zone(provider_zone())
        .zone(customer(DOMAIN, &[]))
        .fault(".", Fault::Delay(delay))
        .start()
        .await
}

/// One check with an empty cache: its time and verdict.
async fn run(dns: &TestDns) -> (Duration, Verdict) {
    let services: Services = dns.services();
    let request = Request::Domain(DomainRequest::from_input(DOMAIN).unwrap());
    let started = Instant::now();
    let report = checks::run(&services, &request, &Progress::none()).await;
    (started.elapsed(), report.verdict)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("| delay d (ms) | check (ms, median of {RUNS}) | check ÷ d | DNS queries per check | one query after another (ms) |");
    println!("|---:|---:|---:|---:|---:|");
    runtime.block_on(async {
        for delay_ms in DELAYS_MS {
            let delay = Duration::from_millis(delay_ms);
            let dns = server(delay).await;
            // Warm-up: first sockets, first task spawns; also counts the queries.
            let before = dns.queries().len();
            let (_, verdict) = run(&dns).await;
            assert_eq!(
                verdict,
                Verdict::Ok,
                "the benchmark domain must be fully configured"
            );
            let queries = dns.queries().len() - before;
            let mut times = Vec::new();
            for _ in 0..RUNS {
                times.push(run(&dns).await.0);
            }
            let check = median(times);
            println!(
                "| {delay_ms} | {:.1} | {:.2} | {queries} | {} |",
                check.as_secs_f64() * 1000.0,
                check.as_secs_f64() / delay.as_secs_f64(),
                queries as u64 * delay_ms,
            );
        }
    });
}
