//! `echoterra-bot serve` end to end: the real binary as Discord's interactions
//! endpoint, the test application signing every request, the fake Discord taking
//! the webhook edits; and the operator endpoints of both modes.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::bot_process::BotProcess;
use crate::support::discord_bot::{dns, serve, write_catalogue, STAFF};
use crate::support::fake_discord::{FakeDiscord, Origin, Recorded, TOKEN};
use crate::support::messages::embed_text;

/// POSTs a signed interaction; the first response as JSON.
async fn post(url: &str, interaction: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(interaction).unwrap();
    let (status, _, bytes) = FakeDiscord::post_signed(url, &body, true, None).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn only_signed_fresh_requests_are_taken_and_ping_is_answered() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (_fake, bot, url) = serve(&dns, commands.path()).await;
    let ping = br#"{"id":"1","application_id":"2","type":1,"token":"t","version":1}"#;

    let (status, kind, body) = FakeDiscord::post_signed(&url, ping, true, None).await;
    assert_eq!((status, kind.as_str()), (200, "application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"type": 1})
    );
    // Unsigned, badly signed (the body changed after signing), stale: 401.
    assert_eq!(
        FakeDiscord::post_signed(&url, ping, false, None).await.0,
        401
    );
    let tampered = {
        let mut request = reqwest::Client::new().post(&url).body(ping.to_vec());
        request = request
            .header("x-signature-ed25519", "00".repeat(64))
            .header("x-signature-timestamp", "1800000000");
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(tampered, 401);
    let ten_minutes_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 600;
    assert_eq!(
        FakeDiscord::post_signed(&url, ping, true, Some(ten_minutes_ago))
            .await
            .0,
        401
    );
    // Over the limit (256 KiB): refused without being read whole.
    let huge = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(
        FakeDiscord::post_signed(&url, &huge, true, None).await.0,
        413
    );

    let (status, metrics) = bot.get("/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "echoterra_interaction_requests_rejected_total{reason=\"signature\"} 2",
        "echoterra_interaction_requests_rejected_total{reason=\"stale\"} 1",
        "echoterra_interaction_requests_rejected_total{reason=\"too_large\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
}

#[tokio::test]
async fn interactions_get_the_same_answers_as_over_the_gateway() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, bot, url) = serve(&dns, commands.path()).await;

    // A quick command: the whole answer is the HTTP response.
    let settings = fake.command_interaction(
        Origin::TestServer,
        "settings",
        json!([{"name": "protocol", "type": 3, "value": "imap"}]),
        0,
    );
    let (status, body) = post(&url, &settings).await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(4)), "{body}");
    assert!(embed_text(&body).contains("mail.echoterra.net"), "{body}");
    assert_eq!(body["data"]["allowed_mentions"], json!({"parse": []}));

    // A network check: "thinking…" as the response, the result as a webhook edit.
    let mx = fake.command_interaction(
        Origin::TestServer,
        "mx",
        json!([{"name": "domain", "type": 3, "value": "customer.test"}]),
        0,
    );
    let token = mx["token"].as_str().unwrap().to_string();
    let (status, body) = post(&url, &mx).await;
    assert_eq!((status, body["type"].as_u64()), (200, Some(5)), "{body}");
    let edits = fake
        .wait_for_responses(&token, Duration::from_secs(20), |responses| {
            responses
                .iter()
                .any(|r| matches!(r, Recorded::Edit { .. }) && embed_text(r.body()).contains("MX"))
        })
        .await
        .unwrap_or_else(|| panic!("no edit: {:#?}\n{}", fake.responses(&token), bot.logs()));
    assert!(embed_text(edits.last().unwrap().body()).contains("mail.echoterra.net"));

    // The staff rule is the same code: an administrator elsewhere is refused.
    let blacklist = fake.command_interaction(
        Origin::OtherServer(4_200_000_000_000_000_042),
        "blacklist",
        json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]),
        STAFF | (1 << 3),
    );
    let (status, body) = post(&url, &blacklist).await;
    assert_eq!((status, body["data"]["flags"].as_u64()), (200, Some(64)));
    assert!(embed_text(&body).contains("Staff only"), "{body}");

    // And it is all counted.
    let (_, metrics) = bot.get("/metrics").await;
    for line in [
        "echoterra_interactions_total{command=\"settings\",outcome=\"ok\"} 1",
        "echoterra_interactions_total{command=\"mx\",outcome=\"ok\"} 1",
        "echoterra_interactions_total{command=\"blacklist\",outcome=\"refused\"} 1",
        "echoterra_check_duration_seconds_count{check=\"mx\",verdict=\"ok\"} 1",
        "echoterra_build_info{",
    ] {
        assert!(metrics.contains(line), "{line} in:\n{metrics}");
    }
    assert_eq!(bot.get("/healthz").await.0, 200);
    assert_eq!(bot.get("/readyz").await.0, 200);
    assert!(!bot.logs().contains(TOKEN));
    // Two listeners: the public one has only /interactions, the operators' one
    // only their endpoints.
    assert_ne!(bot.http_address(), bot.ops_address());
    for path in ["/healthz", "/readyz", "/metrics"] {
        let public = reqwest::get(format!("http://{}{path}", bot.http_address()))
            .await
            .unwrap();
        assert_eq!(public.status().as_u16(), 404, "{path} on HTTP_LISTEN");
    }
    let ops = reqwest::Client::new()
        .post(format!("http://{}/interactions", bot.ops_address()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(ops.status().as_u16(), 404, "/interactions on OPS_LISTEN");
}

#[tokio::test]
async fn sigterm_stops_serve_cleanly_and_health_tells_alive_from_gone() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (_fake, mut bot, _url) = serve(&dns, commands.path()).await;
    let healthz = format!("http://{}/healthz", bot.ops_address());
    let health = |url: String| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
            .args(["health", "--url", &url])
            .env_clear()
            .output()
            .await
            .unwrap()
            .status
            .code()
    };
    assert_eq!(health(healthz.clone()).await, Some(0));
    let status = tokio::task::spawn_blocking(move || bot.terminate())
        .await
        .unwrap();
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    assert_eq!(health(healthz).await, Some(1));
}

#[tokio::test]
async fn the_gateway_bot_is_ready_only_while_connected() {
    let fake = FakeDiscord::start().await;
    let bot = BotProcess::start(
        &[],
        &[
            ("DISCORD_TOKEN", TOKEN.to_string()),
            ("DISCORD_API_BASE", fake.base()),
        ],
    );
    fake.wait_ready(1).await;
    let ready = || async { bot.get("/readyz").await };
    let mut waited = 0;
    while ready().await.0 != 200 && waited < 50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(ready().await.0, 200);
    // The gateway goes away and stays away: not ready, with the reason.
    fake.take_gateway_down();
    fake.drop_gateway();
    let mut answer = ready().await;
    for _ in 0..100 {
        if answer.0 == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        answer = ready().await;
    }
    assert_eq!(answer.0, 503, "{answer:?}");
    assert!(answer.1.contains("gateway"), "{answer:?}");
    // Alive all the same.
    assert_eq!(bot.get("/healthz").await.0, 200);
    let (_, metrics) = bot.get("/metrics").await;
    assert!(
        metrics.contains("echoterra_checks_in_flight 0"),
        "{metrics}"
    );
}

/// Unsigned requests (internet scanners) are each counted, but logged at most once a
/// minute: five give one line and a count of five.
#[tokio::test]
async fn unsigned_requests_are_counted_each_and_logged_once_a_minute() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (_fake, bot, url) = serve(&dns, commands.path()).await;
    let ping = br#"{"id":"1","application_id":"2","type":1,"token":"t","version":1}"#;
    for _ in 0..5 {
        assert_eq!(
            FakeDiscord::post_signed(&url, ping, false, None).await.0,
            401
        );
    }
    let (_, metrics) = bot.get("/metrics").await;
    let counted = "echoterra_interaction_requests_rejected_total{reason=\"signature\"} 5";
    assert!(metrics.contains(counted), "{counted} in:\n{metrics}");
    let logs = bot.logs();
    let lines: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("refused"))
        .collect();
    assert_eq!(lines.len(), 1, "one line for five:\n{logs}");
    assert!(
        lines[0].contains("refused for their signature"),
        "{}",
        lines[0]
    );
}
