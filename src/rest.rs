//! Discord's REST API for what the bot posts on its own, outside any interaction:
//! a message to a channel (`POST /channels/{id}/messages`) with the bot token, a
//! `nonce` and `enforce_nonce`, so that posting the same outbox row twice within
//! Discord's nonce window gives one message.
//!
//! It sits below both the `/watch` command handlers (`discord`) and the watcher
//! (`watch`), so neither imports the other to post. It waits for nothing: a 429 comes
//! back as [`Posted::RateLimited`] with Discord's `retry_after`, and the caller (the
//! outbox) decides when to try again; the per-channel bucket's headers come back too,
//! so the caller can hold a channel until its bucket refills.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::values::Secret;

/// Discord's default API host.
pub const DISCORD_BASE: &str = "https://discord.com";

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How a post ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The message is in the channel (`id`: Discord's message id). `wait` is set when
    /// the channel's bucket is empty: nothing more to it before then.
    Sent {
        message_id: Option<u64>,
        wait: Option<Duration>,
    },
    /// Too many posts: try again after `retry_after`.
    RateLimited { retry_after: Duration },
    /// Discord refused the message for good (no access, unknown channel, a body it
    /// will never take): trying again changes nothing.
    Refused { status: u16, reason: String },
    /// A fault that may pass (a 5xx, a timeout, no connection).
    Failed(String),
}

/// A client for the bot's own posts.
#[derive(Clone)]
pub struct Rest {
    client: reqwest::Client,
    base: String,
    token: Secret,
}

impl Rest {
    /// Posts go to `base` (`DISCORD_API_BASE`, default [`DISCORD_BASE`]) with `token`.
    pub fn new(base: Option<&str>, token: Secret) -> Rest {
        Rest {
            client: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .user_agent(concat!(
                    "DiscordBot (https://github.com/echoterra/echoterra-bot, ",
                    env!("CARGO_PKG_VERSION"),
                    ")"
                ))
                .build()
                .unwrap_or_default(),
            base: base
                .unwrap_or(DISCORD_BASE)
                .trim_end_matches('/')
                .to_string(),
            token,
        }
    }

    /// Posts `body` (a message's JSON) to `channel`, with `nonce` enforced.
    pub async fn post_message(&self, channel: u64, body: &str, nonce: &str) -> Posted {
        let mut body: Value = match serde_json::from_str(body) {
            Ok(Value::Object(fields)) => Value::Object(fields),
            _ => {
                return Posted::Refused {
                    status: 0,
                    reason: "the message in the outbox is not a JSON object".into(),
                }
            }
        };
        body["nonce"] = Value::String(nonce.to_string());
        body["enforce_nonce"] = Value::Bool(true);
        let url = format!("{}/api/v10/channels/{channel}/messages", self.base);
        let answer = self
            .client
            .post(url)
            .header("Authorization", format!("Bot {}", self.token.expose()))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(err) => return Posted::Failed(format!("Discord could not be reached: {err}")),
        };
        let status = response.status();
        let bucket_empty =
            header(&response, "x-ratelimit-remaining").is_some_and(|left| left <= 0.0);
        let reset_after = header(&response, "x-ratelimit-reset-after");
        let retry_header = header(&response, "retry-after");
        let text = response.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Posted::Sent {
                message_id: json["id"].as_str().and_then(|id| id.parse().ok()),
                wait: bucket_empty.then(|| reset_after.map(seconds)).flatten(),
            };
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let after = json["retry_after"].as_f64().or(retry_header).unwrap_or(1.0);
            return Posted::RateLimited {
                retry_after: seconds(after),
            };
        }
        let reason = match (json["message"].as_str(), json["code"].as_u64()) {
            (Some(message), Some(code)) => {
                format!("Discord answered {status}: {message} (code {code})")
            }
            _ => format!("Discord answered {status}"),
        };
        if status.is_client_error() {
            Posted::Refused {
                status: status.as_u16(),
                reason,
            }
        } else {
            Posted::Failed(reason)
        }
    }
}

fn header(response: &reqwest::Response, name: &str) -> Option<f64> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Seconds as Discord writes them (fractions allowed), bounded to an hour.
fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value.clamp(0.0, 3_600.0))
}
