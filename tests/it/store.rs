//! The store end to end: the real `serve` binary on SQLite and on PostgreSQL, as
//! Discord reaches it. Two replicas on one PostgreSQL share a user's limit and
//! refuse each other's replays; a restart keeps suggestions and the audit log; a
//! store cut mid-run leaves every interaction answered and `/readyz` saying so; a bad
//! store stops start-up (or, PostgreSQL unreachable, is waited for). The PostgreSQL
//! tests need `TEST_DATABASE_URL` (`.ci/run` sets it; with `CI=true` they never skip).

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::bot_process::BotProcess;
use crate::support::discord_bot::{dns, serve_with, write_catalogue, STAFF};
use crate::support::fake_discord::{FakeDiscord, Origin, Recorded};
use crate::support::messages::embed_text;
use crate::support::store::{postgres_url, server_addr, Proxy, Schema};

/// POSTs `interaction` signed; the status and the first response as JSON.
async fn post(url: &str, interaction: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(interaction).unwrap();
    let (status, _, bytes) = FakeDiscord::post_signed(url, &body, true, None).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn mx(fake: &FakeDiscord) -> Value {
    fake.command_interaction(
        Origin::TestServer,
        "mx",
        json!([{"name": "domain", "type": 3, "value": "customer.test"}]),
        0,
    )
}

/// Whether the first response ran the check (deferred, type 5) rather than
/// refusing it (a private message, type 4).
fn ran(body: &Value) -> bool {
    body["type"].as_u64() == Some(5)
}

#[tokio::test]
async fn two_serve_replicas_on_one_postgresql_share_a_limit_and_refuse_each_others_replays() {
    let Some(admin) = postgres_url() else { return };
    let schema = Schema::create(&admin).await;
    two_replicas_share_a_limit_and_refuse_replays(("DATABASE_URL", schema.url(None))).await;
    schema.drop_now().await;
}

#[tokio::test]
async fn two_processes_on_one_sqlite_file_share_a_limit_and_refuse_each_others_replays() {
    let data = tempfile::tempdir().unwrap();
    two_replicas_share_a_limit_and_refuse_replays(("DATA_DIR", data.path().display().to_string()))
        .await;
}

/// Two `serve` processes on the store `database` names: one limit, one replay guard.
async fn two_replicas_share_a_limit_and_refuse_replays(database: (&'static str, String)) {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let fake = FakeDiscord::start().await;
    let database = [database];
    let (a, url_a) = serve_with(&fake, &dns, commands.path(), &database);
    let (b, url_b) = serve_with(&fake, &dns, commands.path(), &database);

    // The test catalogue allows 3 checks a minute: whichever replica answers, the
    // user's fourth is refused.
    let mut outcomes = Vec::new();
    for (i, url) in [&url_a, &url_b, &url_a, &url_b].into_iter().enumerate() {
        let (status, body) = post(url, &mx(&fake)).await;
        assert_eq!(status, 200, "check {i}: {body}");
        outcomes.push(ran(&body));
        if !ran(&body) {
            assert!(embed_text(&body).contains("Slow down"), "{body}");
        }
    }
    assert_eq!(
        outcomes,
        [true, true, true, false],
        "{}\n{}",
        a.logs(),
        b.logs()
    );

    // A signed request taken by one replica is refused by both, running nothing.
    let settings = fake.command_interaction(
        Origin::TestServer,
        "settings",
        json!([{"name": "protocol", "type": 3, "value": "imap"}]),
        0,
    );
    assert_eq!(post(&url_a, &settings).await.0, 200);
    assert_eq!(post(&url_b, &settings).await.0, 409);
    assert_eq!(post(&url_a, &settings).await.0, 409);
    let (_, metrics) = b.get("/metrics").await;
    assert!(
        metrics.contains("echoterra_interaction_requests_rejected_total{reason=\"replay\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("echoterra_store_up 1"), "{metrics}");
    drop((a, b));
}

#[tokio::test]
async fn a_restart_keeps_suggestions_and_the_audit_log_on_sqlite() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let data = tempfile::tempdir().unwrap();
    let env = [("DATA_DIR", data.path().display().to_string())];
    let fake = FakeDiscord::start().await;

    let (mut first, url) = serve_with(&fake, &dns, commands.path(), &env);
    let check = mx(&fake);
    let token = check["token"].as_str().unwrap().to_string();
    assert!(ran(&post(&url, &check).await.1));
    fake.wait_for_responses(&token, Duration::from_secs(20), |responses| {
        responses.iter().any(|r| matches!(r, Recorded::Edit { .. }))
    })
    .await
    .expect("the /mx result");
    // A staff check, for the audit log.
    let spf = fake.command_interaction(
        Origin::TestServer,
        "spf",
        json!([
            {"name": "domain", "type": 3, "value": "customer.test"},
            {"name": "ip", "type": 3, "value": "203.0.113.80"}
        ]),
        STAFF,
    );
    let spf_token = spf["token"].as_str().unwrap().to_string();
    assert!(ran(&post(&url, &spf).await.1));
    first.wait_answered(&spf_token).await;
    assert!(first.terminate().is_some_and(|status| status.success()));

    let (second, url) = serve_with(&fake, &dns, commands.path(), &env);
    let typed = fake.autocomplete_interaction(
        crate::support::fake_discord::CUSTOMER,
        "mx",
        "domain",
        "cust",
    );
    let (status, body) = post(&url, &typed).await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(8)), "{body}");
    assert_eq!(
        body["data"]["choices"],
        json!([{"name": "customer.test", "value": "customer.test"}]),
        "{}",
        second.logs()
    );

    let audit = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["audit", "--since", "1h", "--format", "json"])
        .env_clear()
        .env("DATA_DIR", data.path())
        .env("COMMANDS_DIR", commands.path())
        .output()
        .await
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    let entries: Value = serde_json::from_slice(&audit.stdout).unwrap();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "only the staff check: {entries:?}");
    assert_eq!(entries[0]["command"], "spf");
    assert_eq!(entries[0]["target"], "customer.test");
    assert_eq!(entries[0]["verdict"], "ok");
    assert_eq!(
        entries[0]["guild_id"],
        json!(crate::support::fake_discord::GUILD_ID)
    );
}

// The proxy runs on this test's runtime while the bot process is waited for with
// blocking sleeps: it needs threads of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_cut_mid_run_leaves_every_interaction_answered_and_readyz_says_so() {
    let Some(admin) = postgres_url() else { return };
    let schema = Schema::create(&admin).await;
    let proxy = Proxy::start(server_addr(&admin)).await;
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let fake = FakeDiscord::start().await;
    let (bot, url) = serve_with(
        &fake,
        &dns,
        commands.path(),
        &[("DATABASE_URL", schema.url(Some(proxy.addr)))],
    );
    assert!(ran(&post(&url, &mx(&fake)).await.1));
    assert_eq!(bot.get("/readyz").await, (200, "ready\n".to_string()));

    proxy.cut().await;
    // Quick commands, checks (now limited by this process) and autocomplete all
    // still get their answer.
    let (status, body) = post(
        &url,
        &fake.command_interaction(
            Origin::TestServer,
            "settings",
            json!([{"name": "protocol", "type": 3, "value": "smtp"}]),
            0,
        ),
    )
    .await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(4)), "{body}");
    let check = mx(&fake);
    let token = check["token"].as_str().unwrap().to_string();
    let (status, body) = post(&url, &check).await;
    assert_eq!(status, 200);
    assert!(ran(&body), "{body}");
    fake.wait_for_responses(&token, Duration::from_secs(20), |responses| {
        responses.iter().any(|r| matches!(r, Recorded::Edit { .. }))
    })
    .await
    .unwrap_or_else(|| panic!("no result without the store:\n{}", bot.logs()));
    let typed =
        fake.autocomplete_interaction(crate::support::fake_discord::CUSTOMER, "mx", "domain", "");
    assert_eq!(post(&url, &typed).await.1["type"].as_u64(), Some(8));

    let (status, ready) = bot.get("/readyz").await;
    assert_eq!(status, 200, "the bot stays in the load balancer: {ready}");
    assert!(ready.starts_with("ready\nstore degraded: "), "{ready}");
    let (_, metrics) = bot.get("/metrics").await;
    assert!(metrics.contains("echoterra_store_up 0"), "{metrics}");
    assert!(
        metrics.contains("echoterra_store_fallbacks_total{operation=\"rate_limit\"} 1"),
        "{metrics}"
    );
    let logs = bot.logs();
    // Logged when the store goes away, not per call: the calls above are six or more
    // (three replay checks, the rate limit, two suggestion calls). On a loaded
    // machine a pooled connection may still answer one call after the cut, so the
    // store can be seen going away twice; never once per call.
    let warnings = logs.matches("the store is unavailable").count();
    assert!(
        (1..=2).contains(&warnings),
        "logged {warnings} times:\n{logs}"
    );
    drop(bot);
    schema.drop_now().await;
}

#[tokio::test]
async fn a_bad_store_stops_start_up_and_an_unreachable_postgresql_is_waited_for() {
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let key = crate::support::fake_discord::public_key_hex();
    let base = |extra: (&'static str, String)| {
        vec![
            ("DISCORD_PUBLIC_KEY", key.clone()),
            ("COMMANDS_DIR", commands.path().display().to_string()),
            extra,
        ]
    };
    // A scheme the bot does not know: 78, naming the variable, not the password.
    let mut bot = BotProcess::start(
        &["serve"],
        &base(("DATABASE_URL", "mysql://bot:hunter2hunter2@db/x".into())),
    );
    assert_eq!(
        bot.wait_exit().and_then(|s| s.code()),
        Some(78),
        "{}",
        bot.logs()
    );
    let logs = bot.logs();
    assert!(
        logs.contains("DATABASE_URL") && logs.contains("\"mysql\""),
        "{logs}"
    );
    assert!(!logs.contains("hunter2hunter2"), "{logs}");

    // A SQLite file that cannot be created: 78, with the path and the cause.
    let not_a_folder = tempfile::NamedTempFile::new().unwrap();
    let mut bot = BotProcess::start(
        &["serve"],
        &base(("DATA_DIR", not_a_folder.path().display().to_string())),
    );
    assert_eq!(
        bot.wait_exit().and_then(|s| s.code()),
        Some(78),
        "{}",
        bot.logs()
    );
    let logs = bot.logs();
    assert!(
        logs.contains("the SQLite store")
            && logs.contains(&not_a_folder.path().display().to_string()),
        "{logs}"
    );

    // PostgreSQL that does not answer: the long-running mode waits, not ready, and
    // says why; the password never shows.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut bot = BotProcess::start(
        &["serve"],
        &base((
            "DATABASE_URL",
            format!("postgres://bot:hunter2hunter2@{closed}/echoterra"),
        )),
    );
    let (status, body) = bot.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("waiting for the store (PostgreSQL at 127.0.0.1"),
        "{body}"
    );
    for _ in 0..50 {
        if bot.logs().contains("trying again") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = bot.logs();
    assert!(
        logs.contains("the store is unreachable at start; trying again"),
        "{logs}"
    );
    assert!(!logs.contains("hunter2hunter2"), "{logs}");
    assert!(
        bot.wait_exit_briefly().is_none(),
        "still waiting, not exited"
    );
    assert!(
        bot.terminate().is_some_and(|status| status.success()),
        "SIGTERM while waiting stops it cleanly"
    );
}
