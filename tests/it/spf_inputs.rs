//! What `check spf` takes, through the real binary against a DNS server on loopback:
//! what a receiver is handed (a HELO name that is no domain, an unusual local part)
//! gets a verdict and macros expand it as received (RFC 7208 §2.3, §4.3, §7.3), while
//! a control character or an overlong name is refused with a sentence and `check`'s
//! exit status for a wrong command line (3, UNKNOWN: the table of `cli::exit`).

use crate::support::dns_server::{TestDns, Zone};

use std::process::Output;

/// `pass.example` lets 192.0.2.0/24 send; `exp.example` fails everyone with an
/// explanation that quotes the sender, the local part and the HELO name.
async fn start() -> TestDns {
    let zone = Zone::new("example")
        .txt("pass.example", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("exp.example", "v=spf1 -all exp=why.exp.example")
        .txt("why.exp.example", "s=%{S} l=%{l} h=%{h}");
    TestDns::builder().zone(zone).start().await
}

/// Runs the binary with this server as its resolver; waits without blocking the
/// runtime the server runs on.
async fn check_spf(dns: &TestDns, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "spf"])
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("DNS_SERVERS", dns.addr().to_string())
        .output()
        .await
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[tokio::test]
async fn a_helo_name_that_is_no_domain_gets_a_verdict() {
    let dns = start().await;
    // The null sender checks the HELO name: not a domain, so none (§2.3, §4.3), a
    // WARNING like every none.
    for helo in [
        "oemcomputer",
        "192.168.218.40",
        "[192.0.2.1]",
        "jumpin' jupiter",
    ] {
        let output = check_spf(&dns, &["<>", "--ip", "192.0.2.1", "--helo", helo]).await;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{helo}: {stdout}");
        assert!(stdout.starts_with("SPF WARNING"), "{stdout}");
        assert!(stdout.contains("SPF none"), "{stdout}");
        assert!(stdout.contains("not a valid domain name"), "{stdout}");
    }
    // With a sender, the sender's domain decides; the HELO name is kept as received.
    let output = check_spf(
        &dns,
        &[
            "jane@pass.example",
            "--ip",
            "192.0.2.7",
            "--helo",
            "OEMCOMPUTER",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["result"], "pass");
    assert_eq!(report["helo"], "OEMCOMPUTER");
}

#[tokio::test]
async fn macros_expand_what_was_received() {
    let dns = start().await;
    let output = check_spf(
        &dns,
        &[
            "Macro+Sentinel%%@exp.example",
            "--ip",
            "192.0.2.7",
            "--helo",
            "jumpin' jupiter",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["result"], "fail");
    assert_eq!(report["sender"], "Macro+Sentinel%%@exp.example");
    assert_eq!(
        report["explanation"],
        "s=Macro%2BSentinel%25%25%40exp.example l=Macro+Sentinel%% h=jumpin' jupiter"
    );
}

#[tokio::test]
async fn control_characters_and_overlong_names_are_refused_with_a_sentence() {
    let dns = start().await;
    let output = check_spf(
        &dns,
        &[
            "jane@pass.example",
            "--ip",
            "192.0.2.7",
            "--helo",
            "mx\r\nQUIT",
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "check's status for a wrong command line"
    );
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: the HELO name contains the control character U+000D: type it as the mail server received it, without control or invisible characters"
    );
    let long = "a".repeat(256);
    let output = check_spf(&dns, &["<>", "--ip", "192.0.2.7", "--helo", &long]).await;
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the HELO name is 256 characters long: a mail server takes at most 255"),
        "{stderr}"
    );
    let output = check_spf(&dns, &["ja\u{200e}ne@pass.example", "--ip", "192.0.2.7"]).await;
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the sender contains the invisible character U+200E"),
        "{stderr}"
    );
}
