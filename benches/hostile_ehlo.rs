//! What a hostile SMTP server costs the bot: the CPU time of one `/smtp` check
//! against a server whose EHLO reply is 98 lines of 2 KB holding about 49,000 unique
//! AUTH mechanism names, against a server at the reply bound (8 KB of names), and
//! against a healthy server; plus, for reference, the cost of the quadratic
//! de-duplication the bot used before (three passes over every name).
//!
//! CPU time is the process's (`CLOCK_PROCESS_CPUTIME_ID`), so it counts the work done
//! on every thread, not the time spent waiting; the test server runs in the same
//! process and its share is included in every case alike.
//!
//! Run: `cargo bench --bench hostile_ehlo`.

use std::time::{Duration, Instant};

use echoterra_bot::catalog::{Catalog, SmtpTimeouts};
use echoterra_bot::checks::smtp::SmtpRequest;
use echoterra_bot::checks::{self, Progress, Report, Request, Services};
use echoterra_bot::config::Config;
use testkit::smtp_server::{Script, TestPki, TestSmtp, Validity};

const RUNS: usize = 7;

/// `count` unique mechanism names on EHLO lines of at most 2,000 bytes.
fn auth_lines(count: usize) -> Vec<String> {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut lines = Vec::new();
    let mut line = String::from("AUTH");
    for mut n in 0..count {
        let mut name = Vec::new();
        loop {
            name.push(DIGITS[n % 36]);
            n /= 36;
            if n == 0 {
                break;
            }
        }
        let name = String::from_utf8(name).unwrap();
        if line.len() + 1 + name.len() > 2000 {
            lines.push(std::mem::replace(&mut line, String::from("AUTH")));
        }
        line.push(' ');
        line.push_str(&name);
    }
    lines.push(line);
    lines
}

fn cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to fill.
    // The process CPU clock has no safe wrapper in std.
    #[allow(unsafe_code)]
    let result = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    assert_eq!(result, 0, "clock_gettime");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

async fn check(services: &Services, port: u16) -> Report {
    let request = SmtpRequest::from_input(
        Some("127.0.0.1"),
        Some(i64::from(port)),
        &services.catalog.smtp,
        true,
    )
    .unwrap();
    checks::run(services, &Request::Smtp(request), &Progress::none()).await
}

/// Median CPU and wall time of one check against a server offering `extra` lines.
async fn measure(pki: &TestPki, extra: Vec<String>) -> (Duration, Duration, String) {
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    script.ehlo_extra = extra;
    let server = TestSmtp::start(script).await;
    let mut catalog = Catalog::embedded().unwrap();
    catalog.smtp.timeouts = SmtpTimeouts {
        resolve_ms: 2000,
        connect_ms: 2000,
        greeting_ms: 2000,
        command_ms: 2000,
        tls_ms: 2000,
        total_ms: 10_000,
    };
    catalog.smtp.submission_ports = vec![server.port()];
    let config = Config::from_lookup(|name| match name {
        "ALLOW_PRIVATE_TARGETS" => Some("true".into()),
        "TLS_EXTRA_CA" => Some(pki.ca_path().display().to_string()),
        _ => None,
    })
    .unwrap();
    let services = Services::from_parts(catalog, config).unwrap();
    let _ = check(&services, server.port()).await;
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    let mut summary = String::new();
    for _ in 0..RUNS {
        let (cpu_before, wall_before) = (cpu_time(), Instant::now());
        let report = check(&services, server.port()).await;
        cpu.push(cpu_time() - cpu_before);
        wall.push(wall_before.elapsed());
        summary = format!("{:?}: {}", report.verdict, report.summary);
    }
    cpu.sort();
    wall.sort();
    (cpu[RUNS / 2], wall[RUNS / 2], summary)
}

/// The de-duplication the bot used before: for every name, a scan of the names kept.
fn quadratic_dedupe(lines: &[String]) -> usize {
    let mut mechanisms: Vec<String> = Vec::new();
    for line in lines {
        for mechanism in line.trim_start_matches("AUTH ").split_whitespace() {
            if !mechanisms.iter().any(|m| m == mechanism) {
                mechanisms.push(mechanism.to_string());
            }
        }
    }
    mechanisms.len()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let pki = TestPki::new();
    let hostile = auth_lines(49_000);
    let names: usize = hostile
        .iter()
        .map(|l| l.split_whitespace().count() - 1)
        .sum();
    let at_bound = auth_lines(2_300);
    let bound_bytes: usize = at_bound.iter().map(|l| l.len() + 6).sum();
    println!(
        "hostile EHLO: {} lines, {names} names; at the bound: {bound_bytes} bytes",
        hostile.len()
    );
    println!("| server | CPU per check (ms, median of {RUNS}) | wall (ms) | verdict |");
    println!("|---|---:|---:|---|");
    for (label, extra) in [
        ("healthy", Vec::new()),
        ("8 KB of unique names (at the bound)", at_bound),
        ("49,000 unique names in 98 lines of 2 KB", hostile.clone()),
    ] {
        let (cpu, wall, summary) = measure(&pki, extra).await;
        let verdict: String = summary.chars().take(90).collect();
        println!(
            "| {label} | {:.1} | {:.1} | {verdict} |",
            cpu.as_secs_f64() * 1e3,
            wall.as_secs_f64() * 1e3
        );
    }
    let started = cpu_time();
    let kept = quadratic_dedupe(&hostile);
    let once = cpu_time() - started;
    println!(
        "\nreference: the old quadratic de-duplication of the {kept} names: {:.0} ms CPU once, {:.0} ms for the three passes a check made",
        once.as_secs_f64() * 1e3,
        once.as_secs_f64() * 3e3
    );
}
