//! `echoterra-bot watch` through the real binary, on a SQLite store in a temporary
//! folder, against a test DNS server serving a blocklist zone and the fake Discord
//! (which takes `POST /channels/{id}/messages` with `enforce_nonce`). Each `watch
//! run` is a new process pointed at one of three DNS servers: the address clean,
//! listed, or the resolver failing every list; watches are checked every second
//! (`WATCH_MIN_INTERVAL_SECONDS=1`), so a pass a second later finds them due.

use std::time::Duration;

use serde_json::Value;

use crate::support::dns_server::{Fault, TestDns, Zone};
use crate::support::fake_discord::{FakeDiscord, TOKEN};

const COP: &str = r#"
query_timeout_ms = 800
deadline_ms = 3000
max_addresses = 4

[[zones]]
zone = "cop.bl.test"
name = "Test Cop"
lists = "reported spam sources"
tier = "major"
delist_url = "https://cop.example/delist"
codes = [{ code = "127.0.0.2", meaning = "reported as a spam source" }]
"#;

const ALERTS: u64 = 1_100_000_000_000_000_111;
const ROLE: u64 = 1_100_000_000_000_000_222;
const REFUSING: u64 = 1_100_000_000_000_000_333;

struct Lab {
    dir: tempfile::TempDir,
    fake: FakeDiscord,
    clean: TestDns,
    listed: TestDns,
    failing: TestDns,
}

impl Lab {
    async fn start() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("blacklist.toml"), COP).unwrap();
        let clean = TestDns::builder()
            .zone(Zone::new("cop.bl.test"))
            .start()
            .await;
        let listed = TestDns::builder()
            .zone(Zone::new("cop.bl.test").a("7.2.0.192.cop.bl.test", "127.0.0.2"))
            .start()
            .await;
        let failing = TestDns::builder()
            .zone(Zone::new("cop.bl.test"))
            .fault("cop.bl.test", Fault::ServFail)
            .start()
            .await;
        Lab {
            dir,
            fake: FakeDiscord::start().await,
            clean,
            listed,
            failing,
        }
    }

    /// Runs `watch <args>` with `dns` as the resolver: exit code, stdout, stderr.
    async fn watch(&self, dns: &TestDns, args: &[&str]) -> (i32, String, String) {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
            .arg("watch")
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("COMMANDS_DIR", self.dir.path())
            .env("DATA_DIR", self.dir.path().join("data"))
            .env("DNS_SERVERS", dns.addr().to_string())
            .env("ALLOW_PRIVATE_TARGETS", "true")
            .env("WATCH_MIN_INTERVAL_SECONDS", "1")
            .env("DISCORD_TOKEN", TOKEN)
            .env("DISCORD_API_BASE", self.fake.base())
            .output()
            .await
            .expect("run the binary");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// One `watch run` pass a little over a second after the last, so every watch
    /// (checked every second) is due.
    async fn pass(&self, dns: &TestDns) -> Value {
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let (code, out, err) = self.watch(dns, &["run", "--format", "json"]).await;
        assert_eq!(code, 0, "{out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|_| panic!("JSON from watch run: {out}{err}"))
    }

    /// The embeds' titles and descriptions of every message in the alert channel.
    fn alert_texts(&self) -> Vec<String> {
        self.fake
            .channel_messages(ALERTS)
            .iter()
            .flat_map(|message| message["embeds"].as_array().cloned().unwrap_or_default())
            .map(|embed| {
                format!(
                    "{} | {}",
                    embed["title"].as_str().unwrap_or(""),
                    embed["description"].as_str().unwrap_or("")
                )
            })
            .collect()
    }
}

#[tokio::test]
async fn a_listing_is_announced_once_after_confirmation_and_a_resolver_outage_flips_nothing() {
    let lab = Lab::start().await;
    let (code, out, err) = lab
        .watch(
            &lab.clean,
            &["channel", &ALERTS.to_string(), "--role", &ROLE.to_string()],
        )
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("the message is posted"), "{out}");
    let confirmation = lab.fake.channel_messages(ALERTS);
    assert_eq!(confirmation.len(), 1);
    assert_eq!(
        confirmation[0]["content"],
        format!("<@&{ROLE}> Watch alert")
    );
    // Only the chosen role may be pinged.
    assert_eq!(
        lab.fake.channel_post_bodies(ALERTS)[0]["allowed_mentions"],
        serde_json::json!({"parse": [], "roles": [ROLE.to_string()]})
    );

    // The baseline: clean, silent.
    let (code, out, err) = lab
        .watch(
            &lab.clean,
            &[
                "add",
                "192.0.2.7",
                "--every",
                "1s",
                "--label",
                "relay 2",
                "--format",
                "json",
            ],
        )
        .await;
    assert_eq!(code, 0, "{out}{err}");
    let added: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(added[0]["id"], 1);
    assert_eq!(added[0]["verdict"], "ok", "{out}");
    assert_eq!(
        lab.fake.channel_messages(ALERTS).len(),
        1,
        "no alert for how things already are"
    );

    // Listed: seen once (re-checked, not announced), then confirmed and announced once.
    assert_eq!(lab.pass(&lab.listed).await["sent"], 0);
    let announced = lab.pass(&lab.listed).await;
    assert_eq!(announced["changes"], 1, "{announced}");
    assert_eq!(announced["sent"], 1, "{announced}");
    assert_eq!(lab.pass(&lab.listed).await["sent"], 0, "announced once");
    let texts = lab.alert_texts();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts[1].contains("Changed: #1 relay 2 (192.0.2.7)"),
        "{texts:?}"
    );
    assert!(
        texts[1].contains("192.0.2.7 is now listed on Test Cop"),
        "{texts:?}"
    );
    assert!(texts[1].contains("https://cop.example/delist"), "{texts:?}");

    // The resolver fails every list: no change, one notice, however many passes.
    let outage = lab.pass(&lab.failing).await;
    assert_eq!(outage["changes"], 0, "{outage}");
    lab.pass(&lab.failing).await;
    let (_, history, _) = lab
        .watch(&lab.clean, &["history", "1", "--format", "json"])
        .await;
    let events: Value = serde_json::from_str(&history).unwrap();
    assert_eq!(
        events.as_array().unwrap().len(),
        2,
        "baseline and listing only: {events}"
    );
    // Back: one notice that blocklists can be checked again; still listed, no change.
    assert_eq!(lab.pass(&lab.listed).await["changes"], 0);
    let texts = lab.alert_texts();
    let resolver: Vec<&String> = texts
        .iter()
        .filter(|text| text.contains("resolver") || text.contains("checked again"))
        .collect();
    assert_eq!(resolver.len(), 2, "{texts:?}");
    assert!(
        resolver[0].starts_with("Cannot check blocklists: resolver"),
        "{texts:?}"
    );

    // Delisted: confirmed, announced once.
    lab.pass(&lab.clean).await;
    let recovered = lab.pass(&lab.clean).await;
    assert_eq!(recovered["changes"], 1, "{recovered}");
    let texts = lab.alert_texts();
    assert!(
        texts
            .last()
            .unwrap()
            .contains("no longer listed on Test Cop"),
        "{texts:?}"
    );
    assert_eq!(lab.pass(&lab.clean).await["sent"], 0);

    // Every message carried a nonce and enforced it.
    let bodies = lab.fake.channel_post_bodies(ALERTS);
    assert!(bodies
        .iter()
        .all(|body| body["enforce_nonce"] == true && body["nonce"].is_string()));
}

#[tokio::test]
async fn a_channel_the_bot_cannot_post_to_is_said_at_once_and_shown_in_the_list() {
    let lab = Lab::start().await;
    lab.fake
        .refuse_channel(REFUSING, 403, 50001, "Missing Access");
    let (code, out, err) = lab
        .watch(&lab.clean, &["channel", &REFUSING.to_string()])
        .await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("Discord refused the message") && err.contains("Missing Access"),
        "{err}"
    );
    let (code, list, _) = lab.watch(&lab.clean, &["list"]).await;
    assert_eq!(code, 0);
    assert!(
        list.contains(&format!("Delivery problem in channel {REFUSING}")),
        "{list}"
    );
    assert!(list.contains("Missing Access (code 50001)"), "{list}");
}

#[tokio::test]
async fn targets_ids_and_spans_that_are_not_accepted_are_usage_errors() {
    let lab = Lab::start().await;
    let (code, _, err) = lab.watch(&lab.clean, &["add", "not a target!"]).await;
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("is not something the bot can watch"), "{err}");
    let (code, _, err) = lab.watch(&lab.clean, &["remove", "42"]).await;
    assert_eq!(code, 64);
    assert!(err.contains("there is no watch #42"), "{err}");
    let (code, _, err) = lab
        .watch(&lab.clean, &["add", "192.0.2.7", "--every", "soon"])
        .await;
    assert_eq!(code, 64, "{err}");
    let (code, _, err) = lab.watch(&lab.clean, &["test"]).await;
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("no alert channel is set"), "{err}");
}

/// The long-running watcher: no public listener, `/metrics` with watching's own
/// metrics, a confirmed listing posted without a `watch run`, a clean stop on SIGTERM.
#[tokio::test]
async fn the_daemon_checks_posts_and_counts_until_sigterm() {
    let lab = Lab::start().await;
    let (code, out, err) = lab
        .watch(&lab.clean, &["channel", &ALERTS.to_string()])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = lab
        .watch(&lab.clean, &["add", "192.0.2.7", "--every", "1s"])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    // The group window is 30 s by default: a catalogue with 1 s keeps the test short.
    let defaults = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/commands/defaults.toml"
    ));
    assert!(defaults.contains("group_window = \"30s\""));
    std::fs::write(
        lab.dir.path().join("defaults.toml"),
        defaults.replace("group_window = \"30s\"", "group_window = \"1s\""),
    )
    .unwrap();
    fn env(name: &'static str, value: String) -> (&'static str, String) {
        (name, value)
    }
    let mut daemon = crate::support::bot_process::BotProcess::start(
        &["watch", "daemon"],
        &[
            env("COMMANDS_DIR", lab.dir.path().display().to_string()),
            env(
                "DATA_DIR",
                lab.dir.path().join("data").display().to_string(),
            ),
            env("DNS_SERVERS", lab.listed.addr().to_string()),
            env("ALLOW_PRIVATE_TARGETS", "true".into()),
            env("WATCH_MIN_INTERVAL_SECONDS", "1".into()),
            env("DISCORD_TOKEN", TOKEN.into()),
            env("DISCORD_API_BASE", lab.fake.base()),
        ],
    );
    let messages = lab
        .fake
        .wait_channel_messages(ALERTS, 2, Duration::from_secs(30))
        .await;
    let listing = messages[1]["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        listing.contains("is now listed on Test Cop"),
        "{messages:?}"
    );
    let (status, metrics) = daemon.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("echoterra_watch_checks_total{kind=\"blocklists\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("echoterra_watch_messages_total{outcome=\"sent\"}"),
        "{metrics}"
    );
    assert_eq!(daemon.get("/readyz").await.0, 200);
    let status = daemon.terminate().expect("the watcher stops on SIGTERM");
    assert!(status.success(), "{}", daemon.logs());
    assert!(
        !daemon.logs().contains("serving Discord interactions"),
        "no public listener"
    );
}
