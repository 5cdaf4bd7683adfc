//! What a hostile IMAP or POP3 server costs the bot: the CPU time of one `/imap`
//! check against a server whose CAPABILITY answer carries 64 KB of unique words (8
//! lines of 8,000 bytes, about 12,000 words, just under the 64 KB a dialogue reads
//! of one answer), of one `/pop3` check against a server whose CAPA answer carries 8
//! `SASL` lines of 8,000 bytes of unique mechanism names, and of both against a
//! healthy server; plus, for reference, the cost of the parsing the bot used
//! before (a scan of the kept items for every word, two answers per check).
//!
//! CPU time is the process's (`CLOCK_PROCESS_CPUTIME_ID`), so it counts the work done
//! on every thread, not the time spent waiting; the test server runs in the same
//! process and its share is included in every case alike.
//!
//! Run: `cargo bench --bench hostile_capabilities`.

use std::time::{Duration, Instant};

use echoterra_bot::catalog::{Catalog, ServerTimeouts};
use echoterra_bot::checks::imap::Imap;
use echoterra_bot::checks::net::mailbox::{Dialect, MailboxRequest};
use echoterra_bot::checks::pop3::Pop3;
use echoterra_bot::checks::{self, Details, Progress, Request, Services};
use echoterra_bot::config::Config;
use echoterra_bot::values::Protocol;
use testkit::mailbox_server::{Script, TestMailbox};
use testkit::pki::{TestPki, Validity};

const RUNS: usize = 7;

/// `lines` lines of `prefix` and unique words (`X0`, `X1`, … in base 36) up to
/// `line_len` bytes each.
fn hostile_lines(prefix: &str, lines: usize, line_len: usize) -> Vec<String> {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    let mut n: usize = 0;
    for _ in 0..lines {
        let mut line = prefix.to_string();
        loop {
            let mut digits = Vec::new();
            let mut m = n;
            loop {
                digits.push(DIGITS[m % 36]);
                m /= 36;
                if m == 0 {
                    break;
                }
            }
            digits.reverse();
            let word = format!("X{}", String::from_utf8(digits).unwrap());
            if line.len() + 1 + word.len() > line_len {
                break;
            }
            line.push(' ');
            line.push_str(&word);
            n += 1;
        }
        out.push(line);
    }
    out
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

/// One check of `protocol` against 127.0.0.1:`port`: the verdict and summary, and
/// how many capability items and mechanisms the report kept.
async fn check(services: &Services, protocol: Protocol, port: u16) -> (String, usize, usize) {
    fn request<D: Dialect>(services: &Services, port: u16) -> MailboxRequest<D> {
        MailboxRequest::from_input(
            Some("127.0.0.1"),
            Some(i64::from(port)),
            &services.catalog.mailbox,
            true,
        )
        .unwrap()
    }
    let request = match protocol {
        Protocol::Imap => Request::Imap(request::<Imap>(services, port)),
        _ => Request::Pop3(request::<Pop3>(services, port)),
    };
    let report = checks::run(services, &request, &Progress::none()).await;
    let (items, mechanisms) = match &report.details {
        Details::Imap(r) => (r.capabilities.len(), r.auth_mechanisms.len()),
        Details::Pop3(r) => (r.capabilities.len(), r.auth_mechanisms.len()),
        _ => (0, 0),
    };
    let summary = format!("{:?}: {}", report.verdict, report.summary);
    (summary, items, mechanisms)
}

/// Median CPU and wall time of one check against a server adding `extra` lines to
/// its capability answer.
async fn measure(
    pki: &TestPki,
    protocol: Protocol,
    extra: Vec<String>,
) -> (Duration, Duration, String, usize, usize) {
    let mut script = Script::implicit(protocol, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.capability_extra = extra;
    let server = TestMailbox::start(script).await;
    let mut catalog = Catalog::embedded().unwrap();
    catalog.mailbox.timeouts = ServerTimeouts {
        resolve_ms: 2000,
        connect_ms: 2000,
        greeting_ms: 2000,
        command_ms: 2000,
        tls_ms: 2000,
        total_ms: 10_000,
    };
    catalog.mailbox.imap.implicit_tls_ports = vec![server.port()];
    catalog.mailbox.pop3.implicit_tls_ports = vec![server.port()];
    let config = Config::from_lookup(|name| match name {
        "ALLOW_PRIVATE_TARGETS" => Some("true".into()),
        "TLS_EXTRA_CA" => Some(pki.ca_path().display().to_string()),
        _ => None,
    })
    .unwrap();
    let services = Services::from_parts(catalog, config).unwrap();
    let _ = check(&services, protocol, server.port()).await;
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    let mut last = (String::new(), 0, 0);
    for _ in 0..RUNS {
        let (cpu_before, wall_before) = (cpu_time(), Instant::now());
        last = check(&services, protocol, server.port()).await;
        cpu.push(cpu_time() - cpu_before);
        wall.push(wall_before.elapsed());
    }
    cpu.sort();
    wall.sort();
    (cpu[RUNS / 2], wall[RUNS / 2], last.0, last.1, last.2)
}

/// The IMAP parsing the bot used before: for every word, a scan of the items kept.
fn quadratic_imap(lines: &[String]) -> usize {
    let mut items: Vec<String> = Vec::new();
    for line in lines {
        for word in line.split_whitespace().skip(2) {
            if !items.iter().any(|item| item == word) {
                items.push(word.to_string());
            }
        }
    }
    items.len()
}

/// The POP3 mechanism de-duplication the bot used before: for every name, a scan
/// of the names kept.
fn quadratic_pop3(lines: &[String]) -> usize {
    let mut mechanisms: Vec<String> = Vec::new();
    for line in lines {
        for mechanism in line.split_whitespace().skip(1) {
            let mechanism = mechanism.to_ascii_uppercase();
            if !mechanisms.contains(&mechanism) {
                mechanisms.push(mechanism);
            }
        }
    }
    mechanisms.len()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let pki = TestPki::new();
    let imap_lines = hostile_lines("* CAPABILITY", 8, 8000);
    let pop3_lines = hostile_lines("SASL", 8, 8000);
    let words = |lines: &[String], skip: usize| -> usize {
        lines
            .iter()
            .map(|l| l.split_whitespace().count() - skip)
            .sum()
    };
    let bytes = |lines: &[String]| -> usize { lines.iter().map(|l| l.len() + 2).sum() };
    println!(
        "hostile CAPABILITY: {} bytes, {} words; hostile CAPA: {} bytes, {} names",
        bytes(&imap_lines),
        words(&imap_lines, 2),
        bytes(&pop3_lines),
        words(&pop3_lines, 1)
    );
    println!(
        "| server | CPU per check (ms, median of {RUNS}) | wall (ms) | items / mechanisms kept | verdict |"
    );
    println!("|---|---:|---:|---:|---|");
    for (label, protocol, extra) in [
        ("IMAP, healthy", Protocol::Imap, Vec::new()),
        (
            "IMAP, 64 KB of unique words",
            Protocol::Imap,
            imap_lines.clone(),
        ),
        ("POP3, healthy", Protocol::Pop3, Vec::new()),
        (
            "POP3, 64 KB of SASL names",
            Protocol::Pop3,
            pop3_lines.clone(),
        ),
    ] {
        let (cpu, wall, summary, items, mechanisms) = measure(&pki, protocol, extra).await;
        let verdict: String = summary.chars().take(70).collect();
        println!(
            "| {label} | {:.1} | {:.1} | {items} / {mechanisms} | {verdict} |",
            cpu.as_secs_f64() * 1e3,
            wall.as_secs_f64() * 1e3
        );
    }
    for (label, parse, lines) in [
        (
            "IMAP",
            quadratic_imap as fn(&[String]) -> usize,
            &imap_lines,
        ),
        ("POP3", quadratic_pop3, &pop3_lines),
    ] {
        let started = cpu_time();
        let kept = parse(lines);
        let once = cpu_time() - started;
        println!(
            "reference, {label}: the old quadratic parsing keeps {kept}: {:.0} ms CPU per answer (a STARTTLS check reads two)",
            once.as_secs_f64() * 1e3
        );
    }
}
