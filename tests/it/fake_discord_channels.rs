//! The fake Discord's `POST /channels/{channel}/messages`, exercised directly over
//! HTTP (no bot): what it stores and answers, `enforce_nonce`, refused and rate
//! limited channels, and the bodies and requests Discord would refuse. The bot's own
//! channel posts are tested against it elsewhere; these tests keep the fake honest.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::support::discord_api::{self, Operation};
use crate::support::fake_discord::{FakeDiscord, APPLICATION_ID, CHANNEL_ID, NONCE_WINDOW, TOKEN};

/// A staff channel other than the fake's usual one.
const STAFF_CHANNEL: u64 = 1_300_000_000_000_000_099;

/// POSTs `body` to `channel`'s messages with `authorization` (the bot's when
/// `Some(TOKEN)`-shaped); returns the status, the headers and the JSON answer.
async fn post_with(
    fake: &FakeDiscord,
    channel: u64,
    body: &Value,
    authorization: Option<&str>,
) -> (u16, HeaderMap, Value) {
    let url = format!("{}/api/v10/channels/{channel}/messages", fake.base());
    let mut request = (reqwest::Client::new().post(url))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("an answer");
    let answer = serde_json::from_slice(&bytes).expect("a JSON answer");
    (status, headers, answer)
}

/// POSTs `body` as the bot does, with its token.
async fn post(fake: &FakeDiscord, channel: u64, body: &Value) -> (u16, HeaderMap, Value) {
    post_with(fake, channel, body, Some(&format!("Bot {TOKEN}"))).await
}

/// An alert as the bot will post it: one embed, a button, no mention, a nonce.
fn alert(nonce: &str, enforce: bool) -> Value {
    json!({
        "content": "Staff alert",
        "embeds": [{"title": "mx.example.com is listed", "description": "on 2 lists", "color": 15158332}],
        "components": [{"type": 1, "components": [
            {"type": 2, "style": 5, "label": "Delist", "url": "https://bl.example/lookup/192.0.2.1"}
        ]}],
        "allowed_mentions": {"parse": []},
        "nonce": nonce,
        "enforce_nonce": enforce
    })
}

#[tokio::test]
async fn a_message_posted_with_the_bot_token_is_stored_and_answered_as_discord_does() {
    let fake = FakeDiscord::start().await;
    let (status, _, answer) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_eq!(status, 200, "{answer}");

    let id = answer["id"].as_str().expect("a string id");
    assert!(id.parse::<u64>().is_ok(), "a snowflake: {id}");
    assert_eq!(answer["channel_id"], STAFF_CHANNEL.to_string());
    assert_eq!(answer["content"], "Staff alert");
    assert_eq!(answer["embeds"][0]["title"], "mx.example.com is listed");
    assert_eq!(answer["components"][0]["components"][0]["label"], "Delist");
    assert_eq!(answer["nonce"], "alert-1");
    assert_eq!(answer["type"], 0);
    assert_eq!(answer["author"]["id"], APPLICATION_ID.to_string());
    assert_eq!(answer["author"]["bot"], true);
    assert!(answer["timestamp"].is_string(), "{answer}");
    // What the bot will read back is what Discord's schema says it answers.
    assert_eq!(
        discord_api::response_problems(Operation::CreateMessage, &answer),
        Vec::<String>::new()
    );

    assert_eq!(fake.channel_messages(STAFF_CHANNEL), vec![answer]);
    assert_eq!(fake.channel_post_attempts(STAFF_CHANNEL), 1);
    assert_eq!(
        fake.channel_post_bodies(STAFF_CHANNEL),
        vec![alert("alert-1", true)]
    );
    // Nothing landed anywhere else.
    assert!(fake.channel_messages(CHANNEL_ID).is_empty());
    assert_eq!(fake.channel_post_attempts(CHANNEL_ID), 0);
}

#[tokio::test]
async fn the_same_nonce_with_enforce_nonce_gives_back_the_first_message() {
    let fake = FakeDiscord::start().await;
    let (first_status, _, first) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    let (second_status, _, second) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_eq!((first_status, second_status), (200, 200));
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second, first);
    assert_eq!(fake.channel_messages(STAFF_CHANNEL), vec![first.clone()]);
    assert_eq!(fake.channel_post_attempts(STAFF_CHANNEL), 2);

    // Another nonce is another message.
    let (_, _, other) = post(&fake, STAFF_CHANNEL, &alert("alert-2", true)).await;
    assert_ne!(other["id"], first["id"]);
    // The nonce is remembered per channel: the same one elsewhere is a new message.
    let (_, _, elsewhere) = post(&fake, CHANNEL_ID, &alert("alert-1", true)).await;
    assert_ne!(elsewhere["id"], first["id"]);
    assert_eq!(fake.channel_messages(STAFF_CHANNEL).len(), 2);
    assert_eq!(fake.channel_messages(CHANNEL_ID).len(), 1);
}

#[tokio::test]
async fn a_nonce_is_enforced_only_within_the_window() {
    let fake = FakeDiscord::start().await;
    let (_, _, first) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    fake.age_channel_messages(NONCE_WINDOW - Duration::from_secs(1));
    let (_, _, within) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_eq!(within["id"], first["id"]);
    fake.age_channel_messages(Duration::from_secs(2));
    let (_, _, after) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_ne!(after["id"], first["id"]);
    assert_eq!(fake.channel_messages(STAFF_CHANNEL).len(), 2);
}

#[tokio::test]
async fn without_enforce_nonce_every_post_is_a_new_message() {
    let fake = FakeDiscord::start().await;
    let (_, _, first) = post(&fake, STAFF_CHANNEL, &alert("alert-1", false)).await;
    let (_, _, second) = post(&fake, STAFF_CHANNEL, &alert("alert-1", false)).await;
    let mut no_flag = alert("alert-1", false);
    no_flag.as_object_mut().unwrap().remove("enforce_nonce");
    let (_, _, third) = post(&fake, STAFF_CHANNEL, &no_flag).await;
    assert_ne!(first["id"], second["id"]);
    assert_ne!(second["id"], third["id"]);
    assert_eq!(
        fake.channel_messages(STAFF_CHANNEL),
        vec![first, second, third]
    );
    assert_eq!(fake.channel_post_attempts(STAFF_CHANNEL), 3);
}

#[tokio::test]
async fn a_refused_channel_answers_discords_error_and_stores_nothing() {
    let fake = FakeDiscord::start().await;
    fake.refuse_channel(STAFF_CHANNEL, 403, 50001, "Missing Access");
    fake.refuse_channel(CHANNEL_ID, 404, 10003, "Unknown Channel");
    let (status, _, answer) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_eq!(status, 403);
    assert_eq!(answer, json!({"message": "Missing Access", "code": 50001}));
    let (status, _, answer) = post(&fake, CHANNEL_ID, &alert("alert-1", true)).await;
    assert_eq!(status, 404);
    assert_eq!(answer, json!({"message": "Unknown Channel", "code": 10003}));

    assert!(fake.channel_messages(STAFF_CHANNEL).is_empty());
    assert!(fake.channel_messages(CHANNEL_ID).is_empty());
    assert_eq!(fake.channel_post_attempts(STAFF_CHANNEL), 1);
    assert_eq!(fake.channel_post_attempts(CHANNEL_ID), 1);
    // Any other channel still takes messages.
    let (status, _, _) = post(&fake, STAFF_CHANNEL + 1, &alert("alert-1", true)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_rate_limited_post_gets_429_and_the_next_one_goes_through() {
    let fake = FakeDiscord::start().await;
    fake.rate_limit_next_channel_posts(1);
    let (status, headers, answer) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_eq!(status, 429);
    assert_eq!(
        answer,
        json!({"message": "You are being rate limited.", "retry_after": 0.2, "global": false})
    );
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(headers["x-ratelimit-scope"], "user");
    assert!(fake.channel_messages(STAFF_CHANNEL).is_empty());

    let (status, _, answer) = post(&fake, STAFF_CHANNEL, &alert("alert-1", true)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(fake.channel_messages(STAFF_CHANNEL), vec![answer]);
    assert_eq!(fake.channel_post_attempts(STAFF_CHANNEL), 2);
    assert_eq!(fake.rate_limit_answers(), 1);
}

#[tokio::test]
async fn a_held_answer_comes_late_but_the_message_is_stored_at_once_and_only_once_held() {
    let fake = FakeDiscord::start().await;
    fake.hold_next_channel_post_answer(Duration::from_secs(30));
    let poster = fake.clone();
    let held =
        tokio::spawn(async move { post(&poster, STAFF_CHANNEL, &alert("alert-1", true)).await });
    let stored = fake
        .wait_channel_messages(STAFF_CHANNEL, 1, Duration::from_secs(10))
        .await;
    assert!(!held.is_finished(), "the answer is held back");
    // The next one is answered at once.
    let (status, _, answer) = post(&fake, STAFF_CHANNEL, &alert("alert-2", true)).await;
    assert_eq!(status, 200);
    assert_eq!(
        fake.channel_messages(STAFF_CHANNEL),
        [stored[0].clone(), answer]
    );
    held.abort();
}

#[tokio::test]
async fn a_body_discords_schema_refuses_is_refused_and_kept() {
    let fake = FakeDiscord::start().await;
    let mut bad = alert("alert-1", true);
    bad["embeds"] = json!("x");
    let (status, _, answer) = post(&fake, STAFF_CHANNEL, &bad).await;
    assert_eq!(status, 400);
    assert_eq!(answer["code"], 50035);
    // A nonce is at most 25 characters.
    let long_nonce = alert(&"n".repeat(26), true);
    let (status, _, _) = post(&fake, STAFF_CHANNEL, &long_nonce).await;
    assert_eq!(status, 400);

    let refused = fake.take_invalid_bodies();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert_eq!(refused[0].0, Operation::CreateMessage);
    assert_eq!(refused[0].1, bad);
    assert!(
        refused[0]
            .2
            .iter()
            .any(|problem| problem.starts_with("/embeds")),
        "{refused:?}"
    );
    assert!(
        refused[1]
            .2
            .iter()
            .any(|problem| problem.starts_with("/nonce")),
        "{refused:?}"
    );
    assert!(fake.channel_messages(STAFF_CHANNEL).is_empty());
    assert_eq!(
        fake.channel_post_bodies(STAFF_CHANNEL),
        vec![bad, long_nonce]
    );
}

#[tokio::test]
async fn a_message_that_could_ping_or_breaks_a_limit_is_refused_like_the_others() {
    let fake = FakeDiscord::start().await;
    let mut pinging = alert("alert-1", true);
    pinging.as_object_mut().unwrap().remove("allowed_mentions");
    let (status, _, _) = post(&fake, STAFF_CHANNEL, &pinging).await;
    assert_eq!(status, 400);
    assert_eq!(fake.pinging_bodies(), vec![pinging]);

    // Discord's schema takes an embed without a title; the message limits the bot
    // keeps (`limits::violations`) do not.
    let mut untitled = alert("alert-2", true);
    untitled["embeds"][0]["title"] = json!("");
    let (status, _, _) = post(&fake, STAFF_CHANNEL, &untitled).await;
    assert_eq!(status, 400);
    assert_eq!(fake.oversized_bodies().len(), 1);
    assert!(fake.channel_messages(STAFF_CHANNEL).is_empty());
    // Both refusals fail the test when the fake is dropped, unless it is panicking.
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(fake)));
    assert!(dropped.is_err(), "the drop check let the refusals pass");
}

#[tokio::test]
async fn a_post_without_the_bot_token_is_refused_with_401() {
    let fake = FakeDiscord::start().await;
    let unauthorized = json!({"message": "401: Unauthorized", "code": 0});
    let (status, _, answer) = post_with(&fake, STAFF_CHANNEL, &alert("a", true), None).await;
    assert_eq!((status, answer.clone()), (401, unauthorized.clone()));
    let wrong = Some("Bot not-the-token");
    let (status, _, answer) = post_with(&fake, STAFF_CHANNEL, &alert("a", true), wrong).await;
    assert_eq!((status, answer.clone()), (401, unauthorized.clone()));
    // The token alone, without `Bot `, is a user token: refused too.
    let bare = Some(TOKEN);
    let (status, _, answer) = post_with(&fake, STAFF_CHANNEL, &alert("a", true), bare).await;
    assert_eq!((status, answer), (401, unauthorized));

    assert!(fake.channel_messages(STAFF_CHANNEL).is_empty());
    assert_eq!(fake.channel_post_attempts(STAFF_CHANNEL), 3);
    let path = format!("POST /api/v10/channels/{STAFF_CHANNEL}/messages");
    assert_eq!(fake.unauthorized_requests(), vec![path; 3]);
    // Taken, they no longer fail the test when the fake is dropped.
    assert_eq!(fake.take_unauthorized_requests().len(), 3);
    assert!(fake.unauthorized_requests().is_empty());
}

#[tokio::test]
async fn waiting_for_channel_messages_returns_once_they_are_there() {
    let fake = FakeDiscord::start().await;
    let poster = fake.clone();
    let posting = tokio::spawn(async move {
        for nonce in ["alert-1", "alert-2"] {
            tokio::time::sleep(Duration::from_millis(50)).await;
            post(&poster, STAFF_CHANNEL, &alert(nonce, true)).await;
        }
    });
    let messages = fake
        .wait_channel_messages(STAFF_CHANNEL, 2, Duration::from_secs(10))
        .await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["nonce"], "alert-2");
    posting.await.unwrap();
}
