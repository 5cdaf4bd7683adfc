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

// The integration tests' DNS server; the bench uses only part of it.
#[allow(dead_code)]
#[path = "../tests/it/support/dns_server.rs"]
mod dns_server;

use std::time::{Duration, Instant};

use dns_server::{Fault, TestDns, Zone};
use echoterra_bot::checks::domain::DomainRequest;
use echoterra_bot::checks::{self, Progress, Request, Services};
use echoterra_bot::values::Verdict;

const DELAYS_MS: [u64; 3] = [50, 100, 200];
/// Runs per delay; the median is reported.
const RUNS: usize = 5;
const DOMAIN: &str = "bench.example";
const OURS: &str = "mail.echoterra.net";
const KEY_ET1: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtII047KDHFUHAlcRn11lwgdYJ4Rxf8VMTELaEhmWl5rDCYfF0wxPU5r+FfYakd8h3HNL/DsokdHNowmq8hFcq4LjoFG0LpCLPYK8l0+FoqrSp/TQrJTzNpYPyo792ECJYcqRf0A6tyD6xcgZ4nIGJVEQ0Xx8uSRUV5TXoA6btbdWR/UPQygI3sNKdqoGFFal6cXUL5kDpNxLJ51Q42XRbxJOUk4spzyeix6UPoQYifIm8Vit9f73DPFkYaL2lJkUeyqoCi1FEcxMS2SnZkRnoNxErfnQe8PPLrHx++hPobBXS/wgxGuKTcgIGbqFLhAswPNFi4lCY7riplVwb12KowIDAQAB";
const KEY_ET2: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvCrPBMcJWA88VvlTnLOLGoBbygYi2qD09n2FIlSnoxzJzHATC10PgSS5IeNnvXeauBpRy42T//S2Qz8mPsejnIEuUcTqOAPZT/Nx8j4rvB608imiRn62ETccUHNOIz/dBkC/CSXg4qwMcsnPJnfAPcc2BbXyK6dJ8HWSvxDaG2AKdUjIp2il9qPGTnQosTYuxV80fKAxc6+hoaxwv0m2c2lWub8Hcuz3kGwmauZAsg2WiFySZ1eFYEWj/n2CzeaqWJW0/bwCSRhW/EPfSxdcGfVVJqqf+LUnW6fKHPWIINPtRGK5Oal1/RRgPVS2raZJgU4DQ5z8eqPGweBtfM7VHwIDAQAB";

fn key(zone: Zone, owner: &str, key: &str) -> Zone {
    let text = format!("v=DKIM1; k=rsa; p={key}");
    let parts: Vec<String> = text
        .as_bytes()
        .chunks(200)
        .map(|chunk| String::from_utf8(chunk.to_vec()).unwrap())
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    zone.txt_strings(owner, &parts)
}

async fn server(delay: Duration) -> TestDns {
    let provider = Zone::new("echoterra.net")
        .a(OURS, "185.199.108.153")
        .aaaa(OURS, "2a00:1450:4001:80b::25")
        .txt(
            "spf.echoterra.net",
            "v=spf1 ip4:185.199.108.0/24 ip6:2a00:1450:4001:80b::/64 -all",
        );
    let provider = key(provider, "et1._domainkey.echoterra.net", KEY_ET1);
    let provider = key(provider, "et2._domainkey.echoterra.net", KEY_ET2);
    let mut customer = Zone::new(DOMAIN)
        .mx(DOMAIN, 10, OURS)
        .txt(DOMAIN, "v=spf1 include:spf.echoterra.net -all")
        .txt(
            &format!("_dmarc.{DOMAIN}"),
            &format!("v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{DOMAIN}"),
        );
    for selector in ["et1", "et2"] {
        customer = customer.cname(
            &format!("{selector}._domainkey.{DOMAIN}"),
            &format!("{selector}._domainkey.echoterra.net"),
        );
    }
    for (service, priority, port) in [
        ("_submission._tcp", 0, 587),
        ("_imaps._tcp", 0, 993),
        ("_pop3s._tcp", 10, 995),
    ] {
        customer = customer.srv(&format!("{service}.{DOMAIN}"), priority, 1, port, OURS);
    }
    TestDns::builder()
        .zone(provider)
        .zone(customer)
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
