//! `echoterra-bot watch` through the real binary, on a SQLite store in a temporary
//! folder (or a PostgreSQL schema of its own, for replicas), against a test DNS
//! server serving a blocklist zone and the fake Discord (which takes `POST
//! /channels/{id}/messages` with `enforce_nonce`). Each `watch run` is a new process
//! pointed at one of three DNS servers: the addresses clean, listed, or the resolver
//! failing every list; watches are checked every second
//! (`WATCH_MIN_INTERVAL_SECONDS=1`), so a pass a second later finds them due.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use hickory_server::proto::rr::RecordType;
use serde_json::Value;

use crate::support::bot_process::BotProcess;
use crate::support::dns_server::{Fault, TestDns, Zone};
use crate::support::fake_discord::{FakeDiscord, TOKEN};
use crate::support::store::{postgres_url, Schema};

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
/// The addresses the `listed` DNS server lists on Test Cop (and `clean` does not).
const LISTED: [&str; 6] = [
    "192.0.2.7",
    "192.0.2.8",
    "192.0.2.9",
    "192.0.2.10",
    "192.0.2.11",
    "192.0.2.12",
];

/// The name Test Cop is asked for `address` (`7.2.0.192.cop.bl.test`).
fn cop_name(address: &str) -> String {
    let reversed: Vec<&str> = address.rsplit('.').collect();
    format!("{}.cop.bl.test", reversed.join("."))
}

struct Lab {
    dir: tempfile::TempDir,
    fake: FakeDiscord,
    clean: TestDns,
    listed: TestDns,
    failing: TestDns,
    /// `DATABASE_URL` of every process, when the store is PostgreSQL (else SQLite in
    /// `DATA_DIR`).
    database_url: Option<String>,
}

impl Lab {
    /// A lab whose store is SQLite in its folder.
    async fn start() -> Lab {
        Lab::on(None).await
    }

    /// A lab whose store is `database_url` (PostgreSQL), or SQLite in its folder.
    async fn on(database_url: Option<String>) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("blacklist.toml"), COP).unwrap();
        let clean = TestDns::builder()
            .zone(Zone::new("cop.bl.test"))
            .start()
            .await;
        let listed = LISTED
            .iter()
            .fold(Zone::new("cop.bl.test"), |zone, address| {
                zone.a(&cop_name(address), "127.0.0.2")
            });
        let listed = TestDns::builder().zone(listed).start().await;
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
            database_url,
        }
    }

    /// The environment of every `watch` process, with `dns` as the resolver.
    fn env(&self, dns: &TestDns) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("COMMANDS_DIR", self.dir.path().display().to_string()),
            (
                "DATA_DIR",
                self.dir.path().join("data").display().to_string(),
            ),
            ("DNS_SERVERS", dns.addr().to_string()),
            ("ALLOW_PRIVATE_TARGETS", "true".into()),
            ("WATCH_MIN_INTERVAL_SECONDS", "1".into()),
            ("DISCORD_TOKEN", TOKEN.into()),
            ("DISCORD_API_BASE", self.fake.base()),
        ];
        if let Some(url) = &self.database_url {
            env.push(("DATABASE_URL", url.clone()));
        }
        env
    }

    /// Runs `watch <args>` with `dns` as the resolver: exit code, stdout, stderr.
    async fn watch(&self, dns: &TestDns, args: &[&str]) -> (i32, String, String) {
        self.watch_as(dns, args, true).await
    }

    /// Runs `watch <args>`, with the bot token or without it (a watcher that leaves
    /// its messages in the outbox for one that holds it).
    async fn watch_as(&self, dns: &TestDns, args: &[&str], token: bool) -> (i32, String, String) {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"));
        command
            .arg("watch")
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env(dns));
        if !token {
            command.env_remove("DISCORD_TOKEN");
        }
        let output = command.output().await.expect("run the binary");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// `watch daemon` with `dns` as the resolver.
    fn daemon(&self, dns: &TestDns) -> BotProcess {
        BotProcess::start(&["watch", "daemon"], &self.env(dns))
    }

    /// One `watch run` pass a little over a second after the last, so every watch
    /// (checked every second) is due.
    async fn pass(&self, dns: &TestDns) -> Value {
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        self.run(dns, true).await
    }

    /// One `watch run` now (with the bot token or without it): its JSON.
    async fn run(&self, dns: &TestDns, token: bool) -> Value {
        let (code, out, err) = self
            .watch_as(dns, &["run", "--format", "json"], token)
            .await;
        assert_eq!(code, 0, "{out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|_| panic!("JSON from watch run: {out}{err}"))
    }

    /// Adds a blocklist watch of `address` checked every `every`, its alerts to
    /// `channel` (the default channel when `None`); its baseline is taken with
    /// `dns`.
    async fn add(&self, dns: &TestDns, address: &str, every: &str, channel: Option<u64>) {
        let channel = channel.map(|channel| channel.to_string());
        let mut args = vec!["add", address, "--every", every];
        if let Some(channel) = &channel {
            args.extend(["--channel", channel.as_str()]);
        }
        let (code, out, err) = self.watch(dns, &args).await;
        assert_eq!(code, 0, "{out}{err}");
    }

    /// A connection to the lab's store (its SQLite file, or its PostgreSQL schema),
    /// to look at the rows or to do what a crash would leave.
    async fn store(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let url = self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.dir.path().join("data/echoterra-bot.sqlite3").display()
            )
        });
        sqlx::AnyPool::connect(&url)
            .await
            .unwrap_or_else(|err| panic!("{url}: {err}"))
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
    let mut daemon = lab.daemon(&lab.listed);
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

/// How many embeds of the messages in `channel` say `address` is now listed.
fn listings_announced(fake: &FakeDiscord, channel: u64, address: &str) -> usize {
    let said = format!("{address} is now listed on Test Cop");
    fake.channel_messages(channel)
        .iter()
        .flat_map(|message| message["embeds"].as_array().cloned().unwrap_or_default())
        .filter(|embed| embed["description"].as_str().unwrap_or("").contains(&said))
        .count()
}

/// The nonce of every body posted to `channels`, in order.
fn posted_nonces(fake: &FakeDiscord, channels: &[u64]) -> Vec<String> {
    channels
        .iter()
        .flat_map(|&channel| fake.channel_post_bodies(channel))
        .map(|body| body["nonce"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Two watchers (`watch run` processes started together, as two replicas' passes)
/// on one PostgreSQL: the leases (`FOR UPDATE SKIP LOCKED`) give each due watch to
/// one of them, so each is checked once a pass (the counts add up to the watches,
/// the DNS server is asked once per address and pass, one raw result each), and
/// each confirmed listing goes out once, in messages whose nonces are all different.
#[tokio::test]
async fn two_watchers_on_one_postgresql_check_each_watch_once_and_post_each_alert_once() {
    let Some(admin) = postgres_url() else { return };
    let schema = Schema::create(&admin).await;
    let lab = Lab::on(Some(schema.url(None))).await;
    let (code, out, err) = lab
        .watch(&lab.clean, &["channel", &ALERTS.to_string()])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    // Every 2 s, passes 2.1 s apart: every watch is due at each pass, and the two
    // processes of a pass may start up to 2 s apart without one of them finding a
    // watch the other just checked due again.
    for address in LISTED {
        lab.add(&lab.clean, address, "2s", None).await;
    }

    // Listed: seen by the first pass, confirmed and announced by the second, nothing
    // new at the third.
    let passes = 3;
    let mut changes = 0;
    for pass in 0..passes {
        tokio::time::sleep(Duration::from_millis(2_100)).await;
        let (a, b) = tokio::join!(lab.run(&lab.listed, true), lab.run(&lab.listed, true));
        let checked = [&a, &b].map(|run| run["checked"].as_u64().unwrap());
        assert_eq!(
            checked[0] + checked[1],
            LISTED.len() as u64,
            "pass {pass}: each due watch checked once by one of the two: {a} {b}"
        );
        eprintln!("pass {pass}: checked {checked:?}");
        changes += a["changes"].as_u64().unwrap() + b["changes"].as_u64().unwrap();
    }
    assert_eq!(changes, LISTED.len() as u64, "one confirmed change each");

    for address in LISTED {
        assert_eq!(
            listings_announced(&lab.fake, ALERTS, address),
            1,
            "{address} announced once: {:#?}",
            lab.alert_texts()
        );
        let asked = |dns: &TestDns| {
            dns.queries()
                .iter()
                .filter(|query| {
                    query.name == cop_name(address) && query.record_type == RecordType::A
                })
                .count()
        };
        assert_eq!(asked(&lab.clean), 1, "{address}: the baseline");
        assert_eq!(asked(&lab.listed), passes, "{address}: once a pass");
    }
    let nonces = posted_nonces(&lab.fake, &[ALERTS]);
    let distinct: BTreeSet<&String> = nonces.iter().collect();
    assert_eq!(
        distinct.len(),
        nonces.len(),
        "no message posted twice: {nonces:?}"
    );
    assert_eq!(
        lab.fake.channel_messages(ALERTS).len(),
        lab.fake.channel_post_attempts(ALERTS),
        "every post made a message of its own"
    );

    // One raw result per check (the baseline and one a pass), no lease left behind.
    let store = lab.store().await;
    let results: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT watch_id, COUNT(*) FROM watch_results GROUP BY watch_id ORDER BY watch_id",
    )
    .fetch_all(&store)
    .await
    .unwrap();
    let expected: Vec<(i64, i64)> = (1..=LISTED.len() as i64)
        .map(|id| (id, 1 + passes as i64))
        .collect();
    assert_eq!(results, expected);
    let leased: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM watches WHERE lease_owner IS NOT NULL")
            .fetch_one(&store)
            .await
            .unwrap();
    assert_eq!(leased, 0);
    store.close().await;
    schema.drop_now().await;
}

/// Alerts survive a watcher killed while it posts them, and none goes out twice.
///
/// Six watches, each with a channel of its own, are confirmed listed by a watcher
/// without the bot token: six messages wait in the outbox. `watch daemon` takes
/// them all (one claim) and posts the first; the fake Discord stores it and holds
/// its answer back, and the daemon is killed with SIGKILL then: posted, never marked
/// sent. When the dead sender's lease has run out (set to now in the store, in
/// place of a 60 s wait), a `watch run` posts the six again.
///
/// - Loses nothing (the real `kill -9`): every listing arrives, in its channel.
/// - Duplicates nothing (the same crash): the message the daemon posted goes again
///   with its nonce and the fake answers it with the first message (two posts, one
///   message), whose id the store keeps. Then, at the store level, every message is
///   made unsent again, as a crash after each post and before `outbox_sent` would
///   leave it: a `watch run` posts all six again and no new message appears.
#[tokio::test]
async fn a_watcher_killed_mid_send_loses_no_alert_and_duplicates_none() {
    let lab = Lab::start().await;
    let channels: Vec<u64> = (0..LISTED.len() as u64)
        .map(|i| 1_100_000_000_000_000_401 + i)
        .collect();
    for (address, channel) in LISTED.iter().zip(&channels) {
        lab.add(&lab.clean, address, "1s", Some(*channel)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(lab.run(&lab.listed, false).await["messages"], 0);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let confirmed = lab.run(&lab.listed, false).await;
    assert_eq!(confirmed["changes"], 6, "{confirmed}");
    assert_eq!(confirmed["messages"], 6, "{confirmed}");
    assert_eq!(confirmed["sent"], 0, "{confirmed}");
    let store = lab.store().await;

    lab.fake
        .hold_next_channel_post_answer(Duration::from_secs(8));
    let mut daemon = lab.daemon(&lab.listed);
    let created = || -> usize {
        channels
            .iter()
            .map(|&channel| lab.fake.channel_messages(channel).len())
            .sum()
    };
    for _ in 0..200 {
        if created() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(created(), 1, "the daemon posted:\n{}", daemon.logs());
    daemon.kill_now();
    assert_eq!(created(), 1, "nothing more after the kill");
    let first: Vec<u64> = channels
        .iter()
        .copied()
        .filter(|&channel| !lab.fake.channel_messages(channel).is_empty())
        .collect();
    let first = first[0];
    let unsent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM watch_outbox WHERE sent_ms IS NULL")
        .fetch_one(&store)
        .await
        .unwrap();
    assert_eq!(unsent, 6, "the daemon never marked its post sent");

    // The daemon's lease (on all six: it claimed them together) runs out.
    let expired = sqlx::query(
        "UPDATE watch_outbox SET lease_until_ms = 0 WHERE sent_ms IS NULL AND lease_until_ms > 0",
    )
    .execute(&store)
    .await
    .unwrap();
    assert_eq!(expired.rows_affected(), 6, "the dead daemon held them all");
    let restart = lab.run(&lab.listed, true).await;
    assert_eq!(restart["sent"], 6, "{restart}");
    assert_eq!(restart["retried"], 0, "{restart}");

    let delivered = |lab: &Lab| {
        for (address, &channel) in LISTED.iter().zip(&channels) {
            assert_eq!(
                lab.fake.channel_messages(channel).len(),
                1,
                "channel {channel}: one message"
            );
            assert_eq!(
                listings_announced(&lab.fake, channel, address),
                1,
                "{address} in its channel {channel}"
            );
        }
    };
    delivered(&lab);
    // The post the daemon made went again with its nonce, and was answered with the
    // first message; the others went once.
    assert_eq!(lab.fake.channel_post_attempts(first), 2);
    let again = lab.fake.channel_post_bodies(first);
    assert_eq!(again[0]["nonce"], again[1]["nonce"]);
    for &channel in channels.iter().filter(|&&channel| channel != first) {
        assert_eq!(lab.fake.channel_post_attempts(channel), 1, "{channel}");
    }
    let nonces = posted_nonces(&lab.fake, &channels);
    let distinct: BTreeSet<&String> = nonces.iter().collect();
    assert_eq!(distinct.len(), 6, "one nonce per message: {nonces:?}");
    let kept = || async {
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT channel_id, message_id, sent_ms FROM watch_outbox ORDER BY channel_id",
        )
        .fetch_all(&store)
        .await
        .unwrap();
        rows.into_iter()
            .map(|(channel, message, sent)| {
                assert!(sent.is_some(), "channel {channel}: marked sent");
                (channel.unsigned_abs(), message.map(i64::unsigned_abs))
            })
            .collect::<BTreeMap<u64, Option<u64>>>()
    };
    let message_ids = |lab: &Lab| {
        channels
            .iter()
            .map(|&channel| {
                let id = lab.fake.channel_messages(channel)[0]["id"]
                    .as_str()
                    .and_then(|id| id.parse().ok());
                (channel, id)
            })
            .collect::<BTreeMap<u64, Option<u64>>>()
    };
    assert_eq!(
        kept().await,
        message_ids(&lab),
        "the store keeps Discord's ids"
    );

    // A crash after every post and before it is marked sent, at the store level.
    let reset = sqlx::query("UPDATE watch_outbox SET sent_ms = NULL, lease_until_ms = 0")
        .execute(&store)
        .await
        .unwrap();
    assert_eq!(reset.rows_affected(), 6);
    let again = lab.run(&lab.listed, true).await;
    assert_eq!(again["sent"], 6, "{again}");
    delivered(&lab);
    assert_eq!(
        channels
            .iter()
            .map(|&channel| lab.fake.channel_post_attempts(channel))
            .sum::<usize>(),
        6 + 1 + 6,
        "posted again, each with its nonce"
    );
    assert_eq!(kept().await, message_ids(&lab), "the same messages");
    store.close().await;
}
