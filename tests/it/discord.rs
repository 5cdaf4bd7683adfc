//! End to end: the real bot binary against the fake Discord on loopback, through
//! `DISCORD_API_BASE`, as a user would drive it.

use crate::support::bot_process::BotProcess;
use crate::support::fake_discord::{FakeDiscord, OnMessage, Recorded, CUSTOMER, GUILD_ID, TOKEN};
use serde_json::{json, Value};

/// Starts the fake Discord and the bot connected to it, and waits for READY.
async fn start(extra_env: &[(&str, String)]) -> (FakeDiscord, BotProcess) {
    let fake = FakeDiscord::start().await;
    let mut env = vec![
        ("DISCORD_TOKEN", TOKEN.to_string()),
        ("DISCORD_API_BASE", fake.base()),
    ];
    env.extend(extra_env.iter().cloned());
    let bot = BotProcess::start(&[], &env);
    fake.wait_ready(1).await;
    (fake, bot)
}

/// The single callback of an interaction answered directly.
async fn callback(fake: &FakeDiscord, token: &str) -> Value {
    let responses = fake.wait_responses(token, 1).await;
    match &responses[0] {
        Recorded::Callback { body, .. } => body.clone(),
        other => panic!("expected a callback, got {other:?}"),
    }
}

fn field<'a>(embed: &'a Value, name: &str) -> &'a str {
    embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {embed}"))["value"]
        .as_str()
        .unwrap()
}

fn is_ephemeral(body: &Value) -> bool {
    body["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0)
}

fn protocol(name: &str) -> Value {
    json!([{"name": "protocol", "type": 3, "value": name}])
}

#[tokio::test]
async fn settings_answers_every_protocol_with_rich_embeds() {
    let (fake, bot) = start(&[]).await;

    let (guild, commands) = fake.registered_commands().await;
    assert_eq!(guild, None, "without DISCORD_GUILD_ID commands are global");
    let settings = commands
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "settings")
        .expect("/settings is registered");
    let options: Vec<&str> = settings["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(options, ["protocol", "email", "private", "profile"]);

    let cases = [
        ("imap", "993", "SSL/TLS"),
        ("smtp", "587", "STARTTLS"),
        ("pop3", "995", "SSL/TLS"),
    ];
    for (name, port, security) in cases {
        let token = fake.send_command("settings", protocol(name), 0);
        let body = callback(&fake, &token).await;
        assert_eq!(body["type"], 4, "{name}: a direct reply");
        assert!(!is_ephemeral(&body), "{name}: public by default");
        let embed = &body["data"]["embeds"][0];
        assert_eq!(field(embed, "Server / Hostname"), "`mail.echoterra.net`");
        assert_eq!(field(embed, "Port"), format!("`{port}`"));
        assert_eq!(field(embed, "Security"), format!("`{security}`"));
        let buttons = body["data"]["components"][0]["components"]
            .as_array()
            .unwrap();
        let labels: Vec<&str> = buttons
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["IMAP", "SMTP", "POP3"]);
        match name {
            "imap" => assert!(embed["title"].as_str().unwrap().contains("Recommended")),
            "smtp" => assert_eq!(field(embed, "Authentication"), "`Required`"),
            _ => assert!(embed["description"]
                .as_str()
                .unwrap()
                .contains("removes them from the server")),
        }
    }

    let token = fake.send_command("settings", protocol("all"), 0);
    let body = callback(&fake, &token).await;
    assert_eq!(body["data"]["embeds"].as_array().unwrap().len(), 3);

    // With an address and private: the username shows it, only the user sees it.
    let token = fake.send_command(
        "settings",
        json!([
            {"name": "protocol", "type": 3, "value": "smtp"},
            {"name": "email", "type": 3, "value": "Jane.Doe@Example.org"},
            {"name": "private", "type": 5, "value": true}
        ]),
        0,
    );
    let body = callback(&fake, &token).await;
    assert!(is_ephemeral(&body));
    assert_eq!(
        field(&body["data"]["embeds"][0], "Username"),
        "`Jane.Doe@example.org`"
    );

    // A button switches the same message to another protocol, keeping the address.
    let pop3_button = body["data"]["components"][0]["components"][2]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    let private_message = OnMessage {
        ephemeral: true,
        ..OnMessage::customers()
    };
    let token = fake.press_button_as(CUSTOMER, &pop3_button, private_message);
    let body = callback(&fake, &token).await;
    assert_eq!(body["type"], 7, "a button updates the message in place");
    let embed = &body["data"]["embeds"][0];
    assert_eq!(field(embed, "Port"), "`995`");
    assert_eq!(field(embed, "Username"), "`Jane.Doe@example.org`");

    let logs = bot.logs();
    assert!(
        logs.contains("interaction answered"),
        "interactions are logged:\n{logs}"
    );
    assert!(!logs.contains(TOKEN), "the bot token must never be logged");
    assert!(
        !logs.contains("interaction-token-"),
        "interaction tokens must never be logged"
    );
}

#[tokio::test]
async fn bad_input_gets_a_friendly_ephemeral_error() {
    let (fake, _bot) = start(&[]).await;
    let cases = [
        ("weather", json!([]), "Unknown command"),
        ("settings", json!([]), "`protocol` is missing"),
        (
            "settings",
            json!([{"name": "protocol", "type": 4, "value": 3}]),
            "`protocol` must be text",
        ),
        ("settings", protocol("exchange"), "imap, smtp, pop3 or all"),
        (
            "settings",
            json!([{"name": "protocol", "type": 3, "value": "imap"}, {"name": "email", "type": 3, "value": "john"}]),
            "name@yourdomain.com",
        ),
    ];
    for (command, options, expected) in cases {
        let token = fake.send_command(command, options.clone(), 0);
        let body = callback(&fake, &token).await;
        assert_eq!(body["type"], 4);
        assert!(
            is_ephemeral(&body),
            "{command} {options}: errors are private"
        );
        let embed = &body["data"]["embeds"][0];
        let text = format!("{} {}", embed["title"], embed["description"]);
        assert!(text.contains(expected), "{command} {options}: {text}");
    }
    let token = fake.press_button("some-old-button");
    let body = callback(&fake, &token).await;
    assert!(is_ephemeral(&body));
}

#[tokio::test]
async fn the_bot_reconnects_after_the_gateway_drops() {
    let (fake, _bot) = start(&[]).await;
    let (readies, resumes) = (fake.readies(), fake.resumes());
    fake.drop_gateway();
    fake.wait_reconnected(readies, resumes).await;
    let token = fake.send_command("settings", protocol("imap"), 0);
    let body = callback(&fake, &token).await;
    assert_eq!(body["type"], 4);
    fake.wait_heartbeat().await;
}

#[tokio::test]
async fn a_rate_limited_response_is_waited_out_and_sent_again() {
    let (fake, _bot) = start(&[]).await;
    fake.rate_limit_next_callbacks(2);
    let token = fake.send_command("settings", protocol("pop3"), 0);
    let body = callback(&fake, &token).await;
    assert_eq!(fake.rate_limit_answers(), 2);
    assert_eq!(field(&body["data"]["embeds"][0], "Port"), "`995`");
}

#[tokio::test]
async fn commands_go_to_the_guild_when_one_is_set_and_sigterm_stops_cleanly() {
    let (fake, mut bot) = start(&[("DISCORD_GUILD_ID", GUILD_ID.to_string())]).await;
    let (guild, _) = fake.registered_commands().await;
    assert_eq!(guild, Some(GUILD_ID));
    let status = bot.terminate().expect("the bot exits after SIGTERM");
    assert!(status.success(), "clean exit: {status:?}\n{}", bot.logs());
}

#[tokio::test]
async fn sigterm_stops_the_bot_even_while_the_gateway_is_down() {
    let fake = FakeDiscord::start().await;
    fake.take_gateway_down();
    let mut bot = BotProcess::start(
        &[],
        &[
            ("DISCORD_TOKEN", TOKEN.to_string()),
            ("DISCORD_API_BASE", fake.base()),
        ],
    );
    fake.wait_gateway_attempts(1).await;
    let status = bot.terminate().expect("the bot exits after SIGTERM");
    assert!(status.success(), "{status:?}\n{}", bot.logs());
    assert!(bot.logs().contains("shutting down"), "{}", bot.logs());
}

#[tokio::test]
async fn register_registers_and_exits() {
    let fake = FakeDiscord::start().await;
    let mut bot = BotProcess::start(
        &["register"],
        &[
            ("DISCORD_TOKEN", TOKEN.to_string()),
            ("DISCORD_API_BASE", fake.base()),
        ],
    );
    let (_, commands) = fake.registered_commands().await;
    assert!(commands
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "settings"));
    let status = bot.terminate().expect("exits");
    assert!(status.success() || status.code().is_none(), "{status:?}");
}

#[test]
fn a_missing_or_malformed_token_stops_at_once_naming_the_variable() {
    for token in [None, Some("not-a-token")] {
        let env: Vec<(&str, String)> = token
            .map(|t| ("DISCORD_TOKEN", t.to_string()))
            .into_iter()
            .collect();
        let mut bot = BotProcess::start(&[], &env);
        let status = bot.wait_exit().expect("exits at once");
        assert!(!status.success());
        let logs = bot.logs();
        assert!(logs.contains("DISCORD_TOKEN"), "{logs}");
        assert!(logs.contains(".env.example"), "{logs}");
        assert!(logs.contains("check settings all"), "{logs}");
        assert!(
            !logs.contains("not-a-token"),
            "the value is never echoed: {logs}"
        );
    }
}
