//! The responder's promises, against the fake Discord: a deferred check that panics
//! or overruns its deadline still gets an answer, and the bot goes on.

use std::time::{Duration, Instant};

use crate::support::fake_discord::{FakeDiscord, Recorded, APPLICATION_ID};
use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::Services;
use echoterra_bot::config::Config;
use echoterra_bot::discord::{answer, Bot, Incoming, IncomingKind, Response};
use echoterra_bot::render::discord::{Embed, Message};
use echoterra_bot::values::Secret;

fn bot(fake: &FakeDiscord, deadline_seconds: u64) -> Bot {
    let mut catalog = Catalog::embedded().unwrap();
    catalog.defaults.discord.check_deadline_seconds = deadline_seconds;
    let config = Config {
        api_base: Some(fake.base()),
        ..Config::default()
    };
    Bot::new(Services::from_parts(catalog, config).unwrap())
}

fn incoming(token: &str) -> Incoming {
    Incoming {
        id: 42,
        application_id: APPLICATION_ID,
        token: Secret::new(token),
        user_id: 7,
        user_name: "tester".into(),
        guild_id: None,
        installed_in_guild: None,
        permissions: Some(0),
        kind: IncomingKind::Command {
            name: "mx".into(),
            options: vec![],
        },
    }
}

fn deferred(work: impl std::future::Future<Output = Message> + Send + 'static) -> Response {
    Response::Deferred {
        ephemeral: true,
        work: Box::pin(work),
        progress: None,
    }
}

fn final_title(responses: &[Recorded]) -> String {
    match responses.last().unwrap() {
        Recorded::Edit { body, .. } => body["embeds"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        other => panic!("expected an edit, got {other:?}"),
    }
}

#[tokio::test]
async fn a_panicking_check_is_answered_with_an_error() {
    let fake = FakeDiscord::start().await;
    let bot = bot(&fake, 10);
    answer(
        &bot,
        &incoming("panics"),
        deferred(async { panic!("boom") }),
        Instant::now(),
    )
    .await;
    let responses = fake.responses("panics");
    assert_eq!(responses.len(), 2, "{responses:#?}");
    assert!(
        matches!(
            responses[0],
            Recorded::Callback {
                interaction_id: 42,
                ..
            }
        ),
        "the callback answers the interaction it was for"
    );
    assert_eq!(responses[0].body()["type"], 5);
    assert_eq!(
        responses[0].body()["data"]["flags"],
        64,
        "deferred privately"
    );
    assert_eq!(final_title(&responses), "Something went wrong");

    // The bot goes on: the next interaction is answered normally.
    let ok = Message {
        embeds: vec![Embed::new("fine")],
        ..Message::default()
    };
    answer(
        &bot,
        &incoming("after"),
        deferred(async move { ok }),
        Instant::now(),
    )
    .await;
    assert_eq!(final_title(&fake.responses("after")), "fine");
}

#[tokio::test]
async fn a_check_past_its_deadline_is_answered_timed_out() {
    let fake = FakeDiscord::start().await;
    let bot = bot(&fake, 1);
    let started = Instant::now();
    let never = deferred(async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Message::default()
    });
    answer(&bot, &incoming("slow"), never, started).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let responses = fake.responses("slow");
    assert_eq!(final_title(&responses), "Check timed out");
}
