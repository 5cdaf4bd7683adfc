//! Reading what the bot sent the fake Discord: waiting for an interaction's first or
//! final answer, and the embeds and buttons of a message body (a callback's `data`
//! or an edit).

use std::time::Duration;

use serde_json::Value;

use super::fake_discord::{FakeDiscord, Recorded};

/// The first (and only) answer to an interaction answered at once.
pub async fn first_answer(fake: &FakeDiscord, token: &str) -> Value {
    fake.wait_responses(token, 1).await[0].body().clone()
}

/// Waits for a deferred interaction's final edit (one that is not a progress line).
pub async fn final_edit(fake: &FakeDiscord, token: &str) -> Vec<Recorded> {
    fake.wait_for_responses(token, Duration::from_secs(30), |responses| {
        responses.last().is_some_and(|last| {
            matches!(last, Recorded::Edit { .. }) && !embed_text(last.body()).contains("Checking")
        })
    })
    .await
    .unwrap_or_else(|| panic!("{token}: no final edit: {:#?}", fake.responses(token)))
}

/// The embeds of a message body as one text (each embed's JSON), to search in.
pub fn embed_text(body: &Value) -> String {
    let message = if body.get("data").is_some() {
        &body["data"]
    } else {
        body
    };
    message["embeds"]
        .as_array()
        .map(|embeds| {
            embeds
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The link buttons of a message body: (label, url), in order.
pub fn link_buttons(body: &Value) -> Vec<(String, String)> {
    buttons(body)
        .into_iter()
        .filter(|button| button["style"] == 5)
        .map(|button| {
            assert!(button.get("custom_id").is_none(), "{button}");
            (
                button["label"].as_str().unwrap().to_string(),
                button["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every button of a message body (a callback's `data` or an edit), row by row.
pub fn buttons(body: &Value) -> Vec<Value> {
    let message = if body.get("data").is_some() {
        &body["data"]
    } else {
        body
    };
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The (label, custom_id) of the buttons that call the bot back.
pub fn action_buttons(body: &Value) -> Vec<(String, String)> {
    buttons(body)
        .into_iter()
        .filter(|button| button["style"] != 5)
        .map(|button| {
            (
                button["label"].as_str().unwrap().to_string(),
                button["custom_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Whether `recorded` is a deferral (callback type 5, "thinking…").
pub fn is_deferral(recorded: &Recorded) -> bool {
    matches!(recorded, Recorded::Callback { body, .. } if body["type"] == 5)
}
