//! Sends responses to Discord's interaction endpoints, and waits out rate limits.
//!
//! These calls go to the same base address as serenity's (`DISCORD_API_BASE`, default
//! `https://discord.com`). They are sent here rather than through serenity because
//! with serenity's limiter off (which its proxy support requires) a 429 reaches the
//! caller without its `retry_after`: this client reads it and sends again.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{multipart, StatusCode};
use serde::Serialize;

use crate::ops::Metrics;
use crate::render::discord::{File, Message};
use crate::values::Secret;

/// Discord's default API host.
pub const DISCORD_BASE: &str = "https://discord.com";

/// Flag 64: only the user who asked sees the message.
const EPHEMERAL: u64 = 1 << 6;
/// A 429 is waited out this many times before the response is given up.
const MAX_ATTEMPTS: usize = 4;
/// Never wait longer than this for one rate limit: the interaction token expires.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Interaction callback types used by the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackType {
    Message = 4,
    Deferred = 5,
    Update = 7,
    Autocomplete = 8,
}

/// A response that could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("request failed: {0}")]
    Request(#[from] reqwest::Error),
    #[error("Discord answered {status}: {body}")]
    Status { status: StatusCode, body: String },
    #[error("still rate limited after {0} attempts")]
    RateLimited(usize),
    #[error("the HTTP request that brought the interaction is gone (Discord stopped waiting)")]
    Gone,
}

/// The body of a message in a callback or an edit.
#[derive(Serialize)]
struct MessageBody<'a> {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    message: Option<&'a Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flags: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<AttachmentRef>,
    /// Always "parse nothing": no text from a user or a server can ping anyone.
    allowed_mentions: AllowedMentions,
}

/// `{"parse": []}`: no `@everyone`, role or member mention in a message pings.
#[derive(Serialize)]
struct AllowedMentions {
    parse: [&'static str; 0],
}

const NO_MENTIONS: AllowedMentions = AllowedMentions { parse: [] };

#[derive(Serialize)]
struct AttachmentRef {
    id: usize,
    filename: String,
}

impl<'a> MessageBody<'a> {
    fn new(message: Option<&'a Message>, ephemeral: bool) -> Self {
        MessageBody {
            message,
            flags: ephemeral.then_some(EPHEMERAL),
            allowed_mentions: NO_MENTIONS,
            attachments: message
                .map(|m| m.files.as_slice())
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(id, file)| AttachmentRef {
                    id,
                    filename: file.name.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Callback<'a> {
    #[serde(rename = "type")]
    kind: u8,
    data: Option<MessageBody<'a>>,
}

/// A first response to an interaction, ready to go: the callback's JSON and the
/// files sent alongside (which make it a multipart body). The gateway bot POSTs it
/// to the callback endpoint; `serve` returns it as the body of Discord's request.
#[derive(Debug, Clone)]
pub struct CallbackBody {
    pub json: String,
    pub files: Vec<File>,
}

impl CallbackBody {
    pub fn new(kind: CallbackType, message: Option<&Message>, ephemeral: bool) -> CallbackBody {
        // Every callback carries its data, so every body says "no mentions"; a
        // deferred one carries only that and the flag.
        let body = Callback {
            kind: kind as u8,
            data: Some(MessageBody::new(message, ephemeral)),
        };
        CallbackBody {
            json: serde_json::to_string(&body).expect("response bodies always serialize"),
            files: message.map(|m| m.files.clone()).unwrap_or_default(),
        }
    }

    /// `{"type": 8, "data": {"choices": [...]}}`: autocomplete suggestions. Not a
    /// message, so it carries no `allowed_mentions` (a suggestion cannot ping).
    pub fn autocomplete(choices: &[super::response::Choice]) -> CallbackBody {
        let body = serde_json::json!({
            "type": CallbackType::Autocomplete as u8,
            "data": {"choices": choices},
        });
        CallbackBody {
            json: body.to_string(),
            files: Vec::new(),
        }
    }

    /// `{"type": 1}`: the answer to Discord's PING.
    pub fn pong() -> CallbackBody {
        CallbackBody {
            json: r#"{"type":1}"#.to_string(),
            files: Vec::new(),
        }
    }

    /// The body as an HTTP response: its content type and bytes. JSON, or with
    /// files a `multipart/form-data` body of `payload_json` and `files[n]`, as
    /// Discord takes it.
    pub fn into_http(self) -> (String, Vec<u8>) {
        if self.files.is_empty() {
            return ("application/json".to_string(), self.json.into_bytes());
        }
        // A boundary that none of the parts contains.
        let mut boundary = String::from("echoterra-bot-part-boundary-7f3a9c");
        while self.json.contains(&boundary)
            || self
                .files
                .iter()
                .any(|file| contains(&file.bytes, boundary.as_bytes()))
        {
            boundary.push('x');
        }
        let mut body = Vec::new();
        let mut part = |headers: String, content: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        };
        part(
            "Content-Disposition: form-data; name=\"payload_json\"\r\nContent-Type: application/json".to_string(),
            self.json.as_bytes(),
        );
        for (index, file) in self.files.iter().enumerate() {
            part(
                format!(
                    "Content-Disposition: form-data; name=\"files[{index}]\"; filename=\"{}\"\r\nContent-Type: {}",
                    file.name.replace(['"', '\r', '\n'], "_"),
                    content_type(&file.name)
                ),
                &file.bytes,
            );
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The content type of an attached file, by its name.
fn content_type(name: &str) -> &'static str {
    if name.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else if name.ends_with(".mobileconfig") {
        // The type by which iOS offers to install a configuration profile.
        "application/x-apple-aspen-config"
    } else if name.ends_with(".xml") {
        "application/xml"
    } else {
        "application/octet-stream"
    }
}

/// Sends interaction responses over HTTP.
#[derive(Clone)]
pub struct Responder {
    client: reqwest::Client,
    base: String,
    metrics: Arc<Metrics>,
}

impl Responder {
    pub fn new(base: Option<&str>, metrics: Arc<Metrics>) -> Responder {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!(
                "DiscordBot (echoterra-bot, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .build()
            .expect("a default HTTP client always builds");
        Responder {
            client,
            base: base
                .unwrap_or(DISCORD_BASE)
                .trim_end_matches('/')
                .to_string(),
            metrics,
        }
    }

    /// The first response to an interaction, through the callback endpoint.
    pub async fn callback(
        &self,
        interaction_id: u64,
        token: &Secret,
        body: &CallbackBody,
    ) -> Result<(), SendError> {
        let url = format!(
            "{}/api/v10/interactions/{interaction_id}/{}/callback",
            self.base,
            token.expose()
        );
        self.send(reqwest::Method::POST, &url, &body.json, &body.files)
            .await
    }

    /// Replaces the reply of a deferred interaction.
    pub async fn edit_original(
        &self,
        application_id: u64,
        token: &Secret,
        message: &Message,
    ) -> Result<(), SendError> {
        let url = format!(
            "{}/api/v10/webhooks/{application_id}/{}/messages/@original",
            self.base,
            token.expose()
        );
        let body = MessageBody::new(Some(message), false);
        let json = serde_json::to_string(&body).expect("response bodies always serialize");
        self.send(reqwest::Method::PATCH, &url, &json, &message.files)
            .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        json: &str,
        files: &[File],
    ) -> Result<(), SendError> {
        for _ in 0..MAX_ATTEMPTS {
            let request = self.client.request(method.clone(), url);
            let request = if files.is_empty() {
                request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.to_string())
            } else {
                let mut form = multipart::Form::new().text("payload_json", json.to_string());
                for (index, file) in files.iter().enumerate() {
                    let part = multipart::Part::bytes(file.bytes.clone())
                        .file_name(file.name.clone())
                        .mime_str(content_type(&file.name))?;
                    form = form.part(format!("files[{index}]"), part);
                }
                request.multipart(form)
            };
            // reqwest's errors name the URL, which holds the interaction token: drop it.
            let response = request.send().await.map_err(reqwest::Error::without_url)?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let header_wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|wait| wait.is_finite());
            let text = response.text().await.unwrap_or_default();
            if status != StatusCode::TOO_MANY_REQUESTS {
                return Err(SendError::Status {
                    status,
                    body: text.chars().take(500).collect(),
                });
            }
            self.metrics.discord_rate_limited();
            let wait = retry_wait(retry_after(&text).or(header_wait));
            tracing::warn!(
                wait_ms = wait.as_millis() as u64,
                "rate limited by Discord, retrying"
            );
            tokio::time::sleep(wait).await;
        }
        Err(SendError::RateLimited(MAX_ATTEMPTS))
    }
}

/// `retry_after` (seconds, may be fractional) from a 429 body.
fn retry_after(body: &str) -> Option<f64> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()?
        .get("retry_after")?
        .as_f64()
        .filter(|wait| wait.is_finite())
}

/// How long to wait before sending again: what Discord (or a proxy) asked, within
/// `0..=MAX_RETRY_WAIT`; one second when nothing usable was said. Never panics,
/// whatever the number (NaN, infinity, negative).
fn retry_wait(asked: Option<f64>) -> Duration {
    let seconds = asked.filter(|wait| wait.is_finite()).unwrap_or(1.0);
    Duration::from_secs_f64(seconds.clamp(0.0, MAX_RETRY_WAIT.as_secs_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::discord::Embed;

    #[test]
    fn retry_after_is_read_from_the_body() {
        assert_eq!(
            retry_after(
                r#"{"message":"You are being rate limited.","retry_after":0.25,"global":false}"#
            ),
            Some(0.25)
        );
        assert_eq!(retry_after("not json"), None);
    }

    #[test]
    fn a_first_response_with_files_is_a_multipart_body() {
        let message = Message {
            embeds: vec![Embed::new("t")],
            files: vec![File {
                name: "smtp-transcript.txt".into(),
                bytes: b"220 hi\r\n".to_vec(),
            }],
            ..Message::default()
        };
        let (kind, bytes) =
            CallbackBody::new(CallbackType::Message, Some(&message), false).into_http();
        let boundary = kind.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"payload_json\""));
        assert!(text.contains("name=\"files[0]\"; filename=\"smtp-transcript.txt\""));
        assert!(text.contains("220 hi\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        let (kind, bytes) = CallbackBody::pong().into_http();
        assert_eq!(
            (kind.as_str(), bytes.as_slice()),
            ("application/json", br#"{"type":1}"#.as_slice())
        );
    }

    #[test]
    fn any_retry_after_gives_a_bounded_wait_without_panicking() {
        for (asked, wait) in [
            (Some(f64::INFINITY), Duration::from_secs(1)),
            (Some(f64::NAN), Duration::from_secs(1)),
            (Some(-3.0), Duration::ZERO),
            (Some(1e300), MAX_RETRY_WAIT),
            (Some(0.25), Duration::from_millis(250)),
            (None, Duration::from_secs(1)),
        ] {
            assert_eq!(retry_wait(asked), wait, "{asked:?}");
        }
    }

    #[test]
    fn an_ephemeral_body_carries_flag_64_and_attachment_references() {
        let message = Message {
            embeds: vec![Embed::new("t")],
            files: vec![File {
                name: "smtp-transcript.txt".into(),
                bytes: b"220 hi".to_vec(),
            }],
            ..Message::default()
        };
        let body = CallbackBody::new(CallbackType::Message, Some(&message), true);
        let json: serde_json::Value = serde_json::from_str(&body.json).unwrap();
        assert_eq!(body.files.len(), 1);
        assert_eq!(json["type"], 4);
        assert_eq!(json["data"]["flags"], 64);
        assert_eq!(
            json["data"]["attachments"][0]["filename"],
            "smtp-transcript.txt"
        );
        assert_eq!(json["data"]["embeds"][0]["title"], "t");
        assert_eq!(
            json["data"]["allowed_mentions"],
            serde_json::json!({"parse": []})
        );
    }
}
