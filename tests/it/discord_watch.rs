//! `/watch` through the real bot over the gateway and the fake Discord: staff set the
//! alert channel (the confirmation is posted there at once, with the role as the only
//! mention), add a watch (the answer is its baseline), list it, find its id by
//! autocomplete, acknowledge it with an alert's button; a channel the bot cannot
//! post to is said at `/watch channel` time; members who are not staff are refused.

use serde_json::{json, Value};

use crate::support::discord_bot::{start, write_catalogue, STAFF};
use crate::support::dns_server::TestDns;
use crate::support::fake_discord::{FakeDiscord, OnMessage, CUSTOMER};
use crate::support::messages::{embed_text, final_edit, is_deferral};

const ALERTS: u64 = 1_100_000_000_000_000_444;
const ROLE: u64 = 1_100_000_000_000_000_555;
const REFUSING: u64 = 1_100_000_000_000_000_666;

fn sub(name: &str, options: Value) -> Value {
    json!([{"type": 1, "name": name, "options": options}])
}

/// Runs `/watch <name>` as staff and returns the text of its last answer.
async fn watch(fake: &FakeDiscord, name: &str, options: Value) -> String {
    let token = fake.send_command("watch", sub(name, options), STAFF);
    let responses = fake.wait_responses(&token, 1).await;
    if is_deferral(&responses[0]) {
        let responses = final_edit(fake, &token).await;
        return embed_text(responses.last().unwrap().body());
    }
    embed_text(responses[0].body())
}

#[tokio::test]
async fn staff_set_the_channel_add_list_find_and_acknowledge_a_watch() {
    let dns = TestDns::builder().start().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;

    let set = watch(
        &fake,
        "channel",
        json!([
            {"type": 7, "name": "channel", "value": ALERTS.to_string()},
            {"type": 8, "name": "role", "value": ROLE.to_string()},
        ]),
    )
    .await;
    assert!(set.contains("The message is posted"), "{set}");
    let posted = fake.channel_messages(ALERTS);
    assert_eq!(posted.len(), 1, "the confirmation is in the channel");
    assert_eq!(
        fake.channel_post_bodies(ALERTS)[0]["allowed_mentions"],
        json!({"parse": [], "roles": [ROLE.to_string()]})
    );

    let added = watch(
        &fake,
        "add",
        json!([
            {"type": 3, "name": "target", "value": "192.0.2.7"},
            {"type": 3, "name": "label", "value": "relay 2"},
        ]),
    )
    .await;
    assert!(
        added.contains("#1 \\\"relay 2\\\" 192.0.2.7 (blocklists, every 6h)"),
        "{added}"
    );
    assert!(added.contains("baseline"), "{added}");
    assert_eq!(
        fake.channel_messages(ALERTS).len(),
        1,
        "the baseline is silent"
    );

    let list = watch(&fake, "list", json!([])).await;
    assert!(
        list.contains(&format!("Alerts go to channel {ALERTS}")),
        "{list}"
    );
    assert!(list.contains("192.0.2.7"), "{list}");
    assert!(list.contains("Blocklist queries a day"), "{list}");

    let token = fake.send_subcommand_autocomplete(CUSTOMER, STAFF, "watch", "remove", "id", "rel");
    let responses = fake.wait_responses(&token, 1).await;
    let choices = &responses[0].body()["data"]["choices"];
    assert_eq!(choices[0]["value"], "1", "{choices}");
    assert!(choices[0]["name"].as_str().unwrap().contains("relay 2"));
    // Not staff: no suggestions.
    let token = fake.send_subcommand_autocomplete(CUSTOMER, 0, "watch", "remove", "id", "");
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["choices"], json!([]));

    let token = fake.press_button_with(CUSTOMER, STAFF, "v2:watch:ack:1", OnMessage::customers());
    let responses = fake.wait_responses(&token, 1).await;
    let text = embed_text(responses[0].body());
    assert!(text.contains("Watch #1 acknowledged by"), "{text}");
    let list = watch(&fake, "list", json!([])).await;
    assert!(list.contains("acknowledged by"), "{list}");

    let history = watch(
        &fake,
        "history",
        json!([{"type": 3, "name": "id", "value": "#1"}]),
    )
    .await;
    assert!(
        history.contains("baseline") && history.contains("acknowledged"),
        "{history}"
    );

    let removed = watch(
        &fake,
        "remove",
        json!([{"type": 3, "name": "id", "value": "1"}]),
    )
    .await;
    assert!(removed.contains("Watch #1 removed"), "{removed}");
    let again = watch(
        &fake,
        "remove",
        json!([{"type": 3, "name": "id", "value": "1"}]),
    )
    .await;
    assert!(again.contains("There is no watch #1"), "{again}");
}

#[tokio::test]
async fn a_channel_the_bot_cannot_post_to_is_said_at_once_and_only_staff_may_watch() {
    let dns = TestDns::builder().start().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;
    fake.refuse_channel(REFUSING, 403, 50001, "Missing Access");
    let set = watch(
        &fake,
        "channel",
        json!([{"type": 7, "name": "channel", "value": REFUSING.to_string()}]),
    )
    .await;
    assert!(set.contains("The bot cannot post there"), "{set}");
    assert!(set.contains("Missing Access"), "{set}");
    let list = watch(&fake, "list", json!([])).await;
    assert!(
        list.contains(&format!("Delivery problem in channel {REFUSING}")),
        "{list}"
    );

    let token = fake.send_command("watch", sub("list", json!([])), 0);
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    assert!(embed_text(responses[0].body()).contains("Staff only"));
    let bad = watch(
        &fake,
        "add",
        json!([{"type": 3, "name": "target", "value": "not a target!"}]),
    )
    .await;
    assert!(bad.contains("is not something the bot can watch"), "{bad}");
}
