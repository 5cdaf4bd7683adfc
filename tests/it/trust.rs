//! Trust and load, through the real bot binary and the fake Discord: staff power
//! stays in the provider's server, a crowd gets "busy" instead of a stalled bot, no
//! message can ping anyone, a proxy's odd rate-limit answer is survived, and a
//! SIGTERM leaves no "thinking…" hanging.

use std::time::Duration;

use serde_json::json;

use crate::support::discord_bot::{dns, start_with, write_catalogue, DEFAULTS, STAFF, ZONES};
use crate::support::fake_discord::{Origin, Recorded};
use crate::support::messages::{embed_text, final_edit, first_answer, is_deferral};

/// Manage Server and Administrator: every staff bit, in whatever server.
const ADMINISTRATOR: u64 = 1 << 3;

fn is_private_refusal(body: &serde_json::Value, title: &str) -> bool {
    body["type"] == 4 && body["data"]["flags"] == 64 && embed_text(body).contains(title)
}

#[tokio::test]
async fn staff_power_stays_in_the_providers_own_server() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start_with(&dns, commands.path(), &[]).await;
    let target = json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]);

    // An administrator of a server of their own is not our staff.
    let token = fake.send_command_from(
        Origin::OtherServer(4_200_000_000_000_000_042),
        "blacklist",
        target.clone(),
        ADMINISTRATOR,
    );
    assert!(is_private_refusal(
        &first_answer(&fake, &token).await,
        "Staff only"
    ));
    // Nor is anyone in a DM with the bot.
    let token = fake.send_command_from(Origin::Dm, "blacklist", target.clone(), ADMINISTRATOR);
    assert!(is_private_refusal(
        &first_answer(&fake, &token).await,
        "Staff only"
    ));
    // Testing another mail server is staff power too.
    let host = json!([{"name": "host", "type": 3, "value": "smtp.other.test"}]);
    let token = fake.send_command_from(
        Origin::OtherServer(4_200_000_000_000_000_042),
        "smtp",
        host,
        ADMINISTRATOR,
    );
    assert!(is_private_refusal(
        &first_answer(&fake, &token).await,
        "Staff only"
    ));
    // Our staff, in our server, may.
    let token = fake.send_command("blacklist", target, STAFF);
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]));

    // Registered for server installs only; the staff command for servers only.
    let (_, registered) = fake.registered_commands().await;
    for command in registered.as_array().unwrap() {
        assert_eq!(command["integration_types"], json!([0]), "{command}");
        // Staff commands (hidden by default_member_permissions) work only in servers.
        let staff = !command["default_member_permissions"].is_null();
        let contexts = if staff { json!([0]) } else { json!([0, 1]) };
        assert_eq!(command["contexts"], contexts, "{command}");
    }
}

#[tokio::test]
async fn without_a_staff_server_staff_commands_are_off_and_say_so() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, bot) =
        start_with(&dns, commands.path(), &[("STAFF_GUILD_IDS", String::new())]).await;
    let target = json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]);
    let token = fake.send_command("blacklist", target, ADMINISTRATOR);
    let body = first_answer(&fake, &token).await;
    assert!(is_private_refusal(&body, "not set up"), "{body}");
    let warnings: Vec<String> = bot
        .logs()
        .lines()
        .filter(|line| line.contains("no staff server is set"))
        .map(str::to_string)
        .collect();
    assert_eq!(warnings.len(), 1, "one warning at start-up: {warnings:?}");
}

/// The test catalogue with other `[limits]`.
fn write_limits(dir: &std::path::Path, max_checks: usize, blacklist_per_minute: u32) {
    write_catalogue(dir);
    let defaults = DEFAULTS
        .replace(
            "max_concurrent_checks = 32",
            &format!("max_concurrent_checks = {max_checks}"),
        )
        .replace(
            "blacklist_runs_per_minute = 10",
            &format!("blacklist_runs_per_minute = {blacklist_per_minute}"),
        );
    std::fs::write(dir.join("defaults.toml"), defaults).unwrap();
}

#[tokio::test]
async fn a_full_bot_says_busy_at_once_instead_of_queueing() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_limits(commands.path(), 1, 10);
    let (fake, _bot) = start_with(&dns, commands.path(), &[]).await;
    // 127.0.0.2 waits on the silent zone for its whole query timeout (1.5 s).
    let target = json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]);
    let slow = fake.send_command("blacklist", target, STAFF);
    fake.wait_responses(&slow, 1).await;
    let domain = json!([{"name": "domain", "type": 3, "value": "customer.test"}]);
    let busy = fake.send_command("mx", domain.clone(), 0);
    let body = first_answer(&fake, &busy).await;
    assert!(is_private_refusal(&body, "Busy"), "{body}");
    // Once the slow check is done, there is room again.
    final_edit(&fake, &slow).await;
    let again = fake.send_command("mx", domain, 0);
    let responses = final_edit(&fake, &again).await;
    assert!(is_deferral(&responses[0]));
}

#[tokio::test]
async fn blacklist_runs_share_one_budget_per_minute() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_limits(commands.path(), 32, 1);
    let (fake, _bot) = start_with(&dns, commands.path(), &[]).await;
    let target = json!([{"name": "target", "type": 3, "value": "192.0.2.1"}]);
    let first = fake.send_command("blacklist", target.clone(), STAFF);
    assert!(is_deferral(&fake.wait_responses(&first, 1).await[0]));
    let second = fake.send_command("blacklist", target, STAFF);
    let body = first_answer(&fake, &second).await;
    assert!(is_private_refusal(&body, "Busy"), "{body}");
    assert!(embed_text(&body).contains("blocklist check"), "{body}");
}

#[tokio::test]
async fn no_message_can_ping_and_echoed_input_is_escaped() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start_with(&dns, commands.path(), &[]).await;
    // Input that would ping everyone and a role if it were parsed, and markdown.
    let target = json!([{"name": "target", "type": 3, "value": "@everyone <@&1234> **hi**"}]);
    let token = fake.send_command("blacklist", target, STAFF);
    let body = first_answer(&fake, &token).await;
    assert_eq!(body["data"]["allowed_mentions"], json!({"parse": []}));
    let text = embed_text(&body);
    assert!(
        text.contains("\\\\*\\\\*hi\\\\*\\\\*"),
        "markdown shown as typed: {text}"
    );
    // A deferred check: the "thinking…", the live edits and the final edit.
    let domain = json!([{"name": "domain", "type": 3, "value": "customer.test"}]);
    let token = fake.send_command("mx", domain, 0);
    let responses = final_edit(&fake, &token).await;
    assert!(responses.len() >= 2);
    for response in &responses {
        let message = match response {
            Recorded::Callback { body, .. } => &body["data"],
            Recorded::Edit { body, .. } => body,
        };
        assert_eq!(
            message["allowed_mentions"],
            json!({"parse": []}),
            "{message}"
        );
    }
    // The fake refuses any body that could ping: none was sent.
    assert!(
        fake.pinging_bodies().is_empty(),
        "{:?}",
        fake.pinging_bodies()
    );
}

#[tokio::test]
async fn a_proxys_retry_after_that_is_not_a_number_is_waited_out() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, mut bot) = start_with(&dns, commands.path(), &[]).await;
    fake.rate_limit_next_callbacks_with_header(1, "NaN");
    let options = json!([{"name": "protocol", "type": 3, "value": "imap"}]);
    let token = fake.send_command("settings", options, 0);
    let body = first_answer(&fake, &token).await;
    assert_eq!(body["type"], 4, "answered after the 429: {body}");
    assert_eq!(fake.rate_limit_answers(), 1);
    assert!(
        bot.wait_exit_briefly().is_none(),
        "the bot is still running"
    );
    assert!(!bot.logs().contains("panicked"), "{}", bot.logs());
}

#[tokio::test]
async fn on_sigterm_running_checks_get_their_grace_then_an_answer() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    // Only the silent list, waited on far longer than the grace period.
    let zones = ZONES
        .replace("query_timeout_ms = 1500", "query_timeout_ms = 30000")
        .replace("deadline_ms = 4000", "deadline_ms = 30000");
    std::fs::write(commands.path().join("blacklist.toml"), zones).unwrap();
    let (fake, mut bot) = start_with(
        &dns,
        commands.path(),
        &[("SHUTDOWN_GRACE_SECONDS", "2".to_string())],
    )
    .await;
    let target = json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]);
    let running = fake.send_command("blacklist", target, STAFF);
    assert!(is_deferral(&fake.wait_responses(&running, 1).await[0]));
    bot.send_sigterm();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // During the grace period a new interaction is told the bot is restarting.
    let options = json!([{"name": "protocol", "type": 3, "value": "imap"}]);
    let late = fake.send_command("settings", options, 0);
    let body = first_answer(&fake, &late).await;
    assert!(is_private_refusal(&body, "Restarting"), "{body}");
    // When the grace period ends, the running check is answered, not dropped.
    let responses = fake
        .wait_for_responses(&running, Duration::from_secs(10), |responses| {
            responses
                .iter()
                .any(|r| embed_text(r.body()).contains("Bot restarted"))
        })
        .await
        .unwrap_or_else(|| panic!("no restart answer: {:#?}", fake.responses(&running)));
    assert!(matches!(responses.last(), Some(Recorded::Edit { .. })));
    let status = tokio::task::spawn_blocking(move || {
        let status = bot.wait_exit();
        (status, bot)
    })
    .await
    .unwrap();
    assert_eq!(
        status.0.and_then(|s| s.code()),
        Some(0),
        "{}",
        status.1.logs()
    );
}
