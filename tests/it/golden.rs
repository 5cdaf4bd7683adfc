//! Golden JSON of every check: `echoterra-bot check <name> … --format json`, the real
//! binary, on fixed inputs against the test servers on loopback (DNS, SMTP, IMAP and
//! POP3 with TLS from a test CA), compared with `tests/it/golden/<case>.json`.
//!
//! It is the safety net of refactors: what a script reads must not change unless a
//! change is meant. Timing fields, the servers' random ports, certificate dates and
//! the test CA's number are normalised away (`support::golden`). After a meant
//! change: `GOLDEN_RECORD=1 cargo test --test it golden`, and review the diff.

use std::path::Path;

use serde_json::{json, Value};

use echoterra_bot::values::Protocol;

use crate::support::bot_process::run_check;
use crate::support::discord_bot::ZONES;
use crate::support::dns_server::{Fault, TestDns, Zone};
use crate::support::golden::{assert_golden, Normaliser};
use crate::support::mailbox_server::{self, TestMailbox};
use crate::support::pki::{TestPki, Validity};
use crate::support::smtp_server::{self, TestSmtp};
use crate::support::zones::{customer, provider_zone};

/// The shipped defaults with a short DNS timeout, so the unanswered cases end soon.
const DEFAULTS: &str = r#"
[rate_limit]
checks_per_window = 5
window_seconds = 60

[dns]
timeout_ms = 1500
attempts = 1

[limits]
max_concurrent_checks = 32
max_sessions_per_server = 2
max_dns_in_flight = 256
blacklist_runs_per_minute = 10

[discord]
check_deadline_seconds = 60
progress_interval_ms = 1500
staff_permissions = "32"
"#;

/// Step timeouts of the server tests' catalogue files.
const TIMEOUTS: &str = "[timeouts]\nresolve_ms = 3000\nconnect_ms = 3000\ngreeting_ms = 3000\ncommand_ms = 3000\ntls_ms = 3000\ntotal_ms = 15000\n";

/// Every zone the cases ask about.
async fn dns() -> TestDns {
    TestDns::builder()
        .zone(provider_zone())
        .zone(customer("good.example", &[]))
        .zone(customer("half.example", &["spf", "dmarc", "srv"]))
        .zone(
            Zone::new("elsewhere.example")
                .mx("elsewhere.example", 10, "mx.elsewhere.example")
                .a("mx.elsewhere.example", "192.0.2.25")
                .txt("elsewhere.example", "v=spf1 ip4:192.0.2.25 ~all"),
        )
        .zone(Zone::new("echoterra.test").a("mail.echoterra.test", "127.0.0.1"))
        .zone(
            Zone::new("listed.bl.test")
                .a("2.0.0.127.listed.bl.test", "127.0.0.2")
                .txt("2.0.0.127.listed.bl.test", "Listed for testing"),
        )
        .zone(Zone::new("silent.bl.test"))
        .fault("silent.bl.test", Fault::NoAnswer)
        .start()
        .await
}

/// One place to run cases from: the DNS server, a COMMANDS_DIR, the environment.
struct Cases {
    /// Serves every zone for as long as the cases run.
    _dns: TestDns,
    commands: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
    normaliser: Normaliser,
}

impl Cases {
    async fn new() -> Cases {
        let dns = dns().await;
        let commands = tempfile::tempdir().unwrap();
        write(commands.path(), "defaults.toml", DEFAULTS);
        write(commands.path(), "blacklist.toml", ZONES);
        let env = vec![
            ("DNS_SERVERS", dns.addr().to_string()),
            ("COMMANDS_DIR", commands.path().display().to_string()),
            ("ALLOW_PRIVATE_TARGETS", "true".to_string()),
        ];
        let normaliser = Normaliser::default().port(dns.addr().port(), "dns-port");
        Cases {
            _dns: dns,
            commands,
            env,
            normaliser,
        }
    }

    /// Trusts `pki`'s CA, as a private deployment does through `TLS_EXTRA_CA`.
    fn trust(&mut self, pki: &TestPki) {
        self.env
            .push(("TLS_EXTRA_CA", pki.ca_path().display().to_string()));
    }

    fn port(&mut self, port: u16, label: &str) {
        let normaliser = std::mem::take(&mut self.normaliser);
        self.normaliser = normaliser.port(port, label);
    }

    /// Runs `check <check> <args> --format json` and compares with the file `case`.
    async fn case(&self, case: &str, check: &str, args: &[&str]) {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        let (code, stdout, stderr) = run_check(check, &args, &env).await;
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|err| panic!("{case}: not JSON ({err}): {stdout}{stderr}"));
        let mut command = vec!["check", check];
        command.extend(&args);
        let run = json!({ "command": command, "exit_code": code, "report": report });
        assert_golden(case, &self.normaliser.apply(&run));
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[tokio::test]
async fn golden_settings() {
    let cases = Cases::new().await;
    for protocol in ["imap", "smtp", "pop3", "all"] {
        let case = format!("settings-{protocol}");
        cases.case(&case, "settings", &[protocol]).await;
        let case = format!("settings-{protocol}-email");
        let email = ["--email", "jane@good.example"];
        cases
            .case(&case, "settings", &[&[protocol], &email[..]].concat())
            .await;
    }
}

#[tokio::test]
async fn golden_mx() {
    let cases = Cases::new().await;
    cases.case("mx-ok", "mx", &["good.example"]).await;
    cases
        .case("mx-elsewhere", "mx", &["jane@elsewhere.example"])
        .await;
    cases.case("mx-missing", "mx", &["missing.example"]).await;
}

#[tokio::test]
async fn golden_domain() {
    let cases = Cases::new().await;
    cases.case("domain-ok", "domain", &["good.example"]).await;
    cases.case("domain-half", "domain", &["half.example"]).await;
    cases
        .case("domain-elsewhere", "domain", &["elsewhere.example"])
        .await;
}

#[tokio::test]
async fn golden_spf() {
    let cases = Cases::new().await;
    let pass = ["jane@good.example", "--ip", "185.199.108.10"];
    cases.case("spf-pass", "spf", &pass).await;
    let fail = ["good.example", "--ip", "198.51.100.1"];
    cases.case("spf-fail", "spf", &fail).await;
    let softfail = [
        "elsewhere.example",
        "--ip",
        "198.51.100.1",
        "--helo",
        "mx.test",
    ];
    cases.case("spf-softfail", "spf", &softfail).await;
    // What a receiver gets from a broken client: a HELO name that is no domain.
    let helo = ["<>", "--ip", "198.51.100.1", "--helo", "OEMCOMPUTER"];
    cases.case("spf-helo-not-a-domain", "spf", &helo).await;
}

#[tokio::test]
async fn golden_blacklist() {
    let cases = Cases::new().await;
    cases
        .case("blacklist-listed", "blacklist", &["127.0.0.2"])
        .await;
    cases
        .case("blacklist-clean", "blacklist", &["127.0.0.9"])
        .await;
}

#[tokio::test]
async fn golden_smtp() {
    let mut cases = Cases::new().await;
    let pki = TestPki::new();
    let leaf = pki.leaf(&["mail.echoterra.test"], Validity::Current);
    let healthy = TestSmtp::start(smtp_server::Script::starttls(leaf)).await;
    let refusing = TestSmtp::start(smtp_server::Script::greeting(smtp_server::Greeting::Reply(
        "554 5.7.1 No service for you".into(),
    )))
    .await;
    let port = healthy.port();
    write(
        cases.commands.path(),
        "smtp.toml",
        &format!("host = \"mail.echoterra.test\"\nport = {port}\nallowed_ports = [{port}, 587]\nimplicit_tls_ports = [465]\nsubmission_ports = [{port}, 587]\nehlo_name = \"bot.echoterra.test\"\nslow_greeting_ms = 5000\nexpiry_warning_days = 14\n{TIMEOUTS}"),
    );
    cases.trust(&pki);
    cases.port(port, "smtp-port");
    cases.port(refusing.port(), "refusing-port");
    cases.case("smtp-provider", "smtp", &[]).await;
    let target = format!("127.0.0.1:{}", refusing.port());
    cases.case("smtp-refusing", "smtp", &[&target]).await;
}

/// A `mailbox.toml` whose IMAP port speaks TLS at once and POP3 port STARTTLS.
fn mailbox_toml(imap: u16, pop3: u16) -> String {
    format!("host = \"mail.echoterra.test\"\nslow_greeting_ms = 5000\nexpiry_warning_days = 14\n[imap]\nport = {imap}\nallowed_ports = [{imap}]\nimplicit_tls_ports = [{imap}]\n[pop3]\nport = {pop3}\nallowed_ports = [{pop3}]\nimplicit_tls_ports = []\n{TIMEOUTS}")
}

#[tokio::test]
async fn golden_imap_and_pop3() {
    let mut cases = Cases::new().await;
    let pki = TestPki::new();
    let names = ["mail.echoterra.test"];
    let imap = TestMailbox::start(mailbox_server::Script::implicit(
        Protocol::Imap,
        pki.leaf(&names, Validity::Current),
    ))
    .await;
    let pop3 = TestMailbox::start(mailbox_server::Script::starttls(
        Protocol::Pop3,
        pki.leaf(&names, Validity::Current),
    ))
    .await;
    let refusing = |protocol| {
        TestMailbox::start(mailbox_server::Script::greeting(
            protocol,
            mailbox_server::Greeting::Refused,
        ))
    };
    let (imap_refusing, pop3_refusing) =
        futures::join!(refusing(Protocol::Imap), refusing(Protocol::Pop3));
    let toml = mailbox_toml(imap.port(), pop3.port());
    write(cases.commands.path(), "mailbox.toml", &toml);
    cases.trust(&pki);
    cases.port(imap.port(), "imap-port");
    cases.port(pop3.port(), "pop3-port");
    cases.port(imap_refusing.port(), "imap-refusing-port");
    cases.port(pop3_refusing.port(), "pop3-refusing-port");
    cases.case("imap-provider", "imap", &[]).await;
    cases.case("pop3-provider", "pop3", &[]).await;
    let target = format!("127.0.0.1:{}", imap_refusing.port());
    cases.case("imap-refusing", "imap", &[&target]).await;
    let target = format!("127.0.0.1:{}", pop3_refusing.port());
    cases.case("pop3-refusing", "pop3", &[&target]).await;
}
