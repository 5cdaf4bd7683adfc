//! A fake Discord on 127.0.0.1 for end-to-end tests: the REST endpoints the bot uses
//! under `/api/v10` and a gateway websocket (HELLO, IDENTIFY, READY, heartbeats,
//! RESUME), so the real bot binary can connect to it through `DISCORD_API_BASE`.
//!
//! It records what the bot sends (registered commands, interaction callbacks and
//! edits, messages posted to channels with the bot token) and lets a test dispatch
//! interactions (commands, button presses by a chosen user on a message with its
//! interaction metadata, autocomplete), drop the websocket, answer the next
//! callbacks or channel posts with 429, or refuse a channel (403, 404). Like
//! Discord, it refuses (400) a body that breaks its operation's schema in Discord's
//! OpenAPI description (`discord_api`), a message body that could ping, or one that
//! breaks a message limit (`limits::violations`), and keeps those bodies for the
//! tests to see; a channel post without the bot token is refused (401) and a request
//! to a route it does not serve (404), and both are kept too. Whatever it refused,
//! unless the test arranged it, fails the test when its last handle is dropped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, patch, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

use super::discord_api::{self, Operation};

pub const APPLICATION_ID: u64 = 1_100_000_000_000_000_001;
pub const GUILD_ID: u64 = 1_200_000_000_000_000_002;
pub const CHANNEL_ID: u64 = 1_300_000_000_000_000_003;
/// The seed of the test application's Ed25519 key, which signs interactions sent to
/// `serve`.
const SIGNING_SEED: [u8; 32] = [42; 32];

/// The test application's signing key.
pub fn signing_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&SIGNING_SEED)
}

/// The test application's public key, as `DISCORD_PUBLIC_KEY` takes it.
pub fn public_key_hex() -> String {
    hex::encode(signing_key().verifying_key().to_bytes())
}

/// The user every interaction comes from unless a test says otherwise.
pub const CUSTOMER: u64 = 1_600_000_000_000_000_004;
/// Another member of the server: presses buttons on messages that are not theirs.
pub const STRANGER: u64 = 1_600_000_000_000_000_005;

/// The message a button is pressed on, as Discord describes it in the press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnMessage {
    /// Who ran the command the message answers (`interaction_metadata.user`).
    pub invoker: u64,
    /// Whether only the invoker sees it (flag 64).
    pub ephemeral: bool,
    /// Whether the payload carries only the older `interaction` object instead.
    pub older_payload: bool,
}

impl OnMessage {
    /// A public message the customer ran.
    pub fn customers() -> OnMessage {
        OnMessage {
            invoker: CUSTOMER,
            ephemeral: false,
            older_payload: false,
        }
    }
}

/// A token of the right shape; tests check it never shows up in the bot's logs.
pub const TOKEN: &str = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GfakeX.s3cr3t-t0ken-never-logged-0123456789";

/// How long Discord remembers a message's nonce: a post with `enforce_nonce: true`
/// and a nonce used in the same channel this recently gets the earlier message back
/// instead of a new one ("the past few minutes", Discord's documentation says).
pub const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);

/// What the bot sent to the REST side.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// `POST /interactions/{id}/{token}/callback`
    Callback {
        interaction_id: u64,
        token: String,
        body: Value,
        files: Vec<(String, Vec<u8>)>,
    },
    /// `PATCH /webhooks/{app}/{token}/messages/@original`
    Edit {
        token: String,
        body: Value,
        files: Vec<(String, Vec<u8>)>,
    },
}

impl Recorded {
    pub fn token(&self) -> &str {
        match self {
            Recorded::Callback { token, .. } | Recorded::Edit { token, .. } => token,
        }
    }

    pub fn body(&self) -> &Value {
        match self {
            Recorded::Callback { body, .. } | Recorded::Edit { body, .. } => body,
        }
    }

    pub fn files(&self) -> &[(String, Vec<u8>)] {
        match self {
            Recorded::Callback { files, .. } | Recorded::Edit { files, .. } => files,
        }
    }
}

/// One channel's side of `POST /channels/{channel}/messages`.
#[derive(Default)]
struct Channel {
    /// Every POST to it, whatever the answer.
    attempts: usize,
    /// The JSON body of every POST that got as far as being read, in order.
    bodies: Vec<Value>,
    /// The messages created, in order.
    messages: Vec<Posted>,
    /// What the channel answers instead, when a test refuses it:
    /// (status, Discord's error code, message).
    refusal: Option<(StatusCode, u64, String)>,
}

/// A message created in a channel: the message object answered, and when and with
/// which nonce it was made (for `enforce_nonce`).
struct Posted {
    message: Value,
    nonce: Option<String>,
    at: Instant,
}

enum GatewayCommand {
    Dispatch { event: &'static str, data: Value },
    Drop,
}

#[derive(Default)]
struct Shared {
    recorded: Mutex<Vec<Recorded>>,
    /// Bodies of every bulk command overwrite, with the guild id when guild-scoped.
    command_puts: Mutex<Vec<(Option<u64>, Value)>>,
    changed: Notify,
    gateway: Mutex<Option<mpsc::UnboundedSender<GatewayCommand>>>,
    readies: AtomicUsize,
    resumes: AtomicUsize,
    heartbeats: AtomicUsize,
    rate_limited_callbacks: AtomicUsize,
    rate_limited_channel_posts: AtomicUsize,
    /// How long the answer to the next message created in a channel is held back
    /// (the message is stored first), once.
    held_channel_answer: Mutex<Option<Duration>>,
    channels: Mutex<HashMap<u64, Channel>>,
    /// While set, the gateway refuses the websocket upgrade (an outage).
    gateway_down: std::sync::atomic::AtomicBool,
    gateway_attempts: AtomicUsize,
    rate_limit_answers: AtomicUsize,
    /// When set, 429s carry only this `Retry-After` header (a proxy's), no body value.
    retry_after_header: Mutex<Option<String>>,
    /// Bodies refused because they did not turn every mention off.
    pinging_bodies: Mutex<Vec<Value>>,
    /// Bodies refused because they broke a message limit, with what was wrong.
    oversized_bodies: Mutex<Vec<(Value, Vec<String>)>>,
    /// Bodies refused because Discord's schema of the operation refuses them.
    invalid_bodies: Mutex<Vec<(Operation, Value, Vec<String>)>>,
    /// Requests to routes the fake does not serve: `METHOD /path`.
    unserved: Mutex<Vec<String>>,
    /// Requests refused (401) for want of `Authorization: Bot <TOKEN>`: `METHOD /path`.
    unauthorized: Mutex<Vec<String>>,
    next_id: AtomicU64,
    addr: Mutex<Option<SocketAddr>>,
}

/// Where an interaction comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The test server, through its own install of the app (what `send_command` uses).
    TestServer,
    /// Another server that installed the app too, e.g. a stranger's own.
    OtherServer(u64),
    /// A DM with the bot (the app installed to a server, used outside it).
    Dm,
}

/// A running fake Discord.
#[derive(Clone)]
pub struct FakeDiscord {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    /// Fails the test, when the last handle goes, if anything was refused.
    _refusals: Arc<Refusals>,
}

/// Checks, when the test lets go of the fake, that it refused nothing: a body
/// Discord would refuse fails the test that made the bot send it, even if the test
/// did not wait for that answer.
struct Refusals(Arc<Shared>);

impl Drop for Refusals {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let shared = &self.0;
        let refused: Vec<String> = (shared.invalid_bodies.lock().unwrap().iter())
            .map(|(operation, body, problems)| {
                format!("{operation:?} against Discord's schema: {problems:?} in {body}")
            })
            .chain(
                (shared.oversized_bodies.lock().unwrap().iter())
                    .map(|(body, problems)| format!("over a limit: {problems:?} in {body}")),
            )
            .chain(
                (shared.pinging_bodies.lock().unwrap().iter())
                    .map(|body| format!("could ping: {body}")),
            )
            .chain(
                (shared.unserved.lock().unwrap().iter())
                    .map(|request| format!("a route the fake does not serve: {request}")),
            )
            .chain(
                (shared.unauthorized.lock().unwrap().iter())
                    .map(|request| format!("without the bot token: {request}")),
            )
            .collect();
        assert!(
            refused.is_empty(),
            "the fake Discord refused what the bot sent:\n{}",
            refused.join("\n")
        );
    }
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let shared = Arc::new(Shared {
            next_id: AtomicU64::new(1_400_000_000_000_000_000),
            ..Shared::default()
        });
        let app = Router::new()
            .route("/api/v10/gateway", get(gateway_url))
            .route("/api/v10/gateway/bot", get(gateway_url))
            .route("/api/v10/oauth2/applications/@me", get(application_info))
            .route(
                "/api/v10/applications/{app}/commands",
                put(put_global_commands),
            )
            .route(
                "/api/v10/applications/{app}/guilds/{guild}/commands",
                put(put_guild_commands),
            )
            .route(
                "/api/v10/interactions/{id}/{token}/callback",
                post(callback),
            )
            .route(
                "/api/v10/webhooks/{app}/{token}/messages/@original",
                patch(edit_original),
            )
            .route("/api/v10/channels/{channel}/messages", post(create_message))
            .route("/ws", any(websocket))
            .fallback(unserved)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        *shared.addr.lock().unwrap() = Some(addr);
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeDiscord {
            addr,
            _refusals: Arc::new(Refusals(shared.clone())),
            shared,
        }
    }

    /// The value for `DISCORD_API_BASE`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until the bot has identified `count` times in all (READY sent).
    pub async fn wait_ready(&self, count: usize) {
        self.wait_until(Duration::from_secs(30), || {
            self.shared.readies.load(Ordering::SeqCst) >= count
        })
        .await
        .unwrap_or_else(|| panic!("the bot did not identify {count} time(s)"));
    }

    /// Waits until a session is live again after a drop: a new READY or a RESUME.
    pub async fn wait_reconnected(&self, readies_before: usize, resumes_before: usize) {
        self.wait_until(Duration::from_secs(30), || {
            self.shared.readies.load(Ordering::SeqCst) > readies_before
                || self.shared.resumes.load(Ordering::SeqCst) > resumes_before
        })
        .await
        .expect("the bot did not reconnect");
    }

    pub fn readies(&self) -> usize {
        self.shared.readies.load(Ordering::SeqCst)
    }

    pub fn resumes(&self) -> usize {
        self.shared.resumes.load(Ordering::SeqCst)
    }

    /// Waits until the bot has sent a heartbeat (the fake asks for one every 1.5 s).
    pub async fn wait_heartbeat(&self) {
        self.wait_until(Duration::from_secs(10), || {
            self.shared.heartbeats.load(Ordering::SeqCst) > 0
        })
        .await
        .expect("the bot sends heartbeats");
    }

    /// Waits for the first bulk command overwrite and returns (guild, commands).
    pub async fn registered_commands(&self) -> (Option<u64>, Value) {
        self.wait_until(Duration::from_secs(30), || {
            !self.shared.command_puts.lock().unwrap().is_empty()
        })
        .await
        .expect("the bot registered no commands");
        self.shared.command_puts.lock().unwrap()[0].clone()
    }

    /// Answers the next `count` interaction callbacks with 429.
    pub fn rate_limit_next_callbacks(&self, count: usize) {
        self.shared
            .rate_limited_callbacks
            .store(count, Ordering::SeqCst);
    }

    /// Answers the next `count` callbacks with 429 carrying only the header
    /// `Retry-After: value` (as a proxy might), and no `retry_after` in the body.
    pub fn rate_limit_next_callbacks_with_header(&self, count: usize, value: &str) {
        *self.shared.retry_after_header.lock().unwrap() = Some(value.to_string());
        self.rate_limit_next_callbacks(count);
    }

    /// Bodies the fake refused because they did not carry
    /// `allowed_mentions: {"parse": []}` (every body must).
    pub fn pinging_bodies(&self) -> Vec<Value> {
        self.shared.pinging_bodies.lock().unwrap().clone()
    }

    /// Bodies the fake refused because they broke one of Discord's message
    /// limits, with the limits broken (none should ever be).
    pub fn oversized_bodies(&self) -> Vec<(Value, Vec<String>)> {
        self.shared.oversized_bodies.lock().unwrap().clone()
    }

    /// Bodies the fake refused because Discord's schema of the operation refuses
    /// them, with the problems found (none should ever be).
    pub fn invalid_bodies(&self) -> Vec<(Operation, Value, Vec<String>)> {
        self.shared.invalid_bodies.lock().unwrap().clone()
    }

    /// Requests to routes the fake does not serve, as `METHOD /path` (none should
    /// ever be: the bot calls only the routes above).
    pub fn unserved_requests(&self) -> Vec<String> {
        self.shared.unserved.lock().unwrap().clone()
    }

    /// Takes the bodies refused against Discord's schema, so that a test that sends
    /// one on purpose can check it and not fail when the fake is dropped.
    pub fn take_invalid_bodies(&self) -> Vec<(Operation, Value, Vec<String>)> {
        std::mem::take(&mut *self.shared.invalid_bodies.lock().unwrap())
    }

    /// Requests refused (401) because they did not carry `Authorization: Bot
    /// <TOKEN>`, as `METHOD /path` (none should ever be).
    pub fn unauthorized_requests(&self) -> Vec<String> {
        self.shared.unauthorized.lock().unwrap().clone()
    }

    /// Takes the requests refused for want of the bot token, so that a test that
    /// sends one on purpose does not fail when the fake is dropped.
    pub fn take_unauthorized_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.unauthorized.lock().unwrap())
    }

    /// Answers the next `count` posts to any channel with 429 (a user-scoped rate
    /// limit, `retry_after` 0.2 s).
    pub fn rate_limit_next_channel_posts(&self, count: usize) {
        self.shared
            .rate_limited_channel_posts
            .store(count, Ordering::SeqCst);
    }

    /// Holds back the answer to the next message created in any channel for `hold`:
    /// the message is in the channel at once, the bot hears of it only later (a
    /// window to kill the bot between "posted" and "marked sent"). Once.
    pub fn hold_next_channel_post_answer(&self, hold: Duration) {
        *self.shared.held_channel_answer.lock().unwrap() = Some(hold);
    }

    /// Makes every later post to `channel_id` answer `status` with Discord's error
    /// `code` and `message`, e.g. `403, 50001, "Missing Access"` or
    /// `404, 10003, "Unknown Channel"`. The request is counted and its body is not
    /// read (Discord refuses before it looks at the body).
    pub fn refuse_channel(&self, channel_id: u64, status: u16, code: u64, message: &str) {
        let status = StatusCode::from_u16(status).expect("an HTTP status");
        let mut channels = self.shared.channels.lock().unwrap();
        channels.entry(channel_id).or_default().refusal = Some((status, code, message.into()));
    }

    /// The messages created in `channel_id`, as the message objects the fake
    /// answered with, in order (a post deduplicated by its nonce adds none).
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        let channels = self.shared.channels.lock().unwrap();
        (channels.get(&channel_id).iter())
            .flat_map(|channel| channel.messages.iter().map(|posted| posted.message.clone()))
            .collect()
    }

    /// The JSON bodies posted to `channel_id` that the fake read (not those answered
    /// 401, 429 or refused by [`FakeDiscord::refuse_channel`]), in order, including
    /// those deduplicated by their nonce and those refused with 400.
    pub fn channel_post_bodies(&self, channel_id: u64) -> Vec<Value> {
        let channels = self.shared.channels.lock().unwrap();
        (channels.get(&channel_id).iter())
            .flat_map(|channel| channel.bodies.iter().cloned())
            .collect()
    }

    /// How many times anything was posted to `channel_id`, whatever the answer
    /// (created, deduplicated by its nonce, refused, rate limited).
    pub fn channel_post_attempts(&self, channel_id: u64) -> usize {
        let channels = self.shared.channels.lock().unwrap();
        channels
            .get(&channel_id)
            .map_or(0, |channel| channel.attempts)
    }

    /// Waits up to `timeout` until `count` messages have been created in
    /// `channel_id`, and returns them.
    pub async fn wait_channel_messages(
        &self,
        channel_id: u64,
        count: usize,
        timeout: Duration,
    ) -> Vec<Value> {
        self.wait_until(timeout, || self.channel_messages(channel_id).len() >= count)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "channel {channel_id}: fewer than {count} messages: {:#?}",
                    self.channel_messages(channel_id)
                )
            });
        self.channel_messages(channel_id)
    }

    /// Makes the fake's memory of nonces `by` older, as if that much time had passed
    /// since every message so far was created (to test [`NONCE_WINDOW`]).
    pub fn age_channel_messages(&self, by: Duration) {
        let mut channels = self.shared.channels.lock().unwrap();
        for posted in channels.values_mut().flat_map(|c| c.messages.iter_mut()) {
            posted.at = posted
                .at
                .checked_sub(by)
                .expect("the clock goes back that far");
        }
    }

    /// How many 429 answers were given.
    pub fn rate_limit_answers(&self) -> usize {
        self.shared.rate_limit_answers.load(Ordering::SeqCst)
    }

    /// Makes the gateway refuse every connection, as during an outage.
    pub fn take_gateway_down(&self) {
        self.shared.gateway_down.store(true, Ordering::SeqCst);
    }

    /// Waits until the bot has tried to open the gateway `count` times.
    pub async fn wait_gateway_attempts(&self, count: usize) {
        self.wait_until(Duration::from_secs(30), || {
            self.shared.gateway_attempts.load(Ordering::SeqCst) >= count
        })
        .await
        .unwrap_or_else(|| panic!("the bot did not try the gateway {count} time(s)"));
    }

    /// Closes the gateway websocket abruptly, as a network fault would.
    pub fn drop_gateway(&self) {
        if let Some(sender) = self.shared.gateway.lock().unwrap().as_ref() {
            let _ = sender.send(GatewayCommand::Drop);
        }
    }

    fn next_id(&self) -> u64 {
        self.shared.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Dispatches `/name` with `options` from a member with `permissions`; returns the
    /// interaction token, by which its responses can be found.
    pub fn send_command(&self, name: &str, options: Value, permissions: u64) -> String {
        self.send_command_from(Origin::TestServer, name, options, permissions)
    }

    /// [`FakeDiscord::send_command`] from another origin.
    pub fn send_command_from(
        &self,
        origin: Origin,
        name: &str,
        options: Value,
        permissions: u64,
    ) -> String {
        let data =
            json!({"id": "1500000000000000001", "name": name, "type": 1, "options": options});
        self.send_interaction(origin, 2, data, permissions, None)
    }

    /// Dispatches the customer's press of the button `custom_id` on a public message
    /// of theirs.
    pub fn press_button(&self, custom_id: &str) -> String {
        self.press_button_as(CUSTOMER, custom_id, OnMessage::customers())
    }

    /// Dispatches `user`'s press of the button `custom_id` on the bot's message `on`.
    pub fn press_button_as(&self, user: u64, custom_id: &str, on: OnMessage) -> String {
        self.press_button_with(user, 0, custom_id, on)
    }

    /// [`FakeDiscord::press_button_as`] by a member holding `permissions`.
    pub fn press_button_with(
        &self,
        user: u64,
        permissions: u64,
        custom_id: &str,
        on: OnMessage,
    ) -> String {
        let interaction = self.button_interaction(user, permissions, custom_id, on);
        self.dispatch_interaction(interaction)
    }

    /// A button press as Discord sends it (to the gateway, or signed to an
    /// interactions endpoint): `user`, a member with `permissions`, presses
    /// `custom_id` on the message `on`.
    pub fn button_interaction(
        &self,
        user: u64,
        permissions: u64,
        custom_id: &str,
        on: OnMessage,
    ) -> Value {
        let mut message = json!({
            "id": self.next_id().to_string(),
            "channel_id": CHANNEL_ID.to_string(),
            "author": bot_user(),
            "content": "",
            "timestamp": "2026-11-26T08:00:00.000000+00:00",
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": false,
            "type": 20,
            "flags": if on.ephemeral { 64 } else { 0 },
            "components": []
        });
        if on.older_payload {
            message["interaction"] = json!({
                "id": self.next_id().to_string(), "type": 2, "name": "settings",
                "user": user_json(on.invoker)
            });
        } else {
            message["interaction_metadata"] = json!({
                "id": self.next_id().to_string(), "type": 2, "user": user_json(on.invoker),
                "authorizing_integration_owners": {"0": GUILD_ID.to_string()}
            });
        }
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.interaction_as(
            user,
            Origin::TestServer,
            3,
            data,
            permissions,
            Some(message),
        )
    }

    /// Dispatches `user` typing `value` into the option `option` of `/command`
    /// (declared with autocomplete); returns the interaction token.
    pub fn send_autocomplete(&self, user: u64, command: &str, option: &str, value: &str) -> String {
        let interaction = self.autocomplete_interaction(user, command, option, value);
        self.dispatch_interaction(interaction)
    }

    /// An autocomplete of `option` of `/command subcommand` (`/watch remove id:`) by
    /// `user` holding `permissions`, as Discord nests it.
    pub fn send_subcommand_autocomplete(
        &self,
        user: u64,
        permissions: u64,
        command: &str,
        subcommand: &str,
        option: &str,
        value: &str,
    ) -> String {
        let data = json!({
            "id": "1500000000000000001", "name": command, "type": 1,
            "options": [{"name": subcommand, "type": 1, "options": [
                {"name": option, "type": 3, "value": value, "focused": true}
            ]}]
        });
        let interaction = self.interaction_as(user, Origin::TestServer, 4, data, permissions, None);
        self.dispatch_interaction(interaction)
    }

    /// An autocomplete interaction as Discord sends it.
    pub fn autocomplete_interaction(
        &self,
        user: u64,
        command: &str,
        option: &str,
        value: &str,
    ) -> Value {
        let data = json!({
            "id": "1500000000000000001", "name": command, "type": 1,
            "options": [{"name": option, "type": 3, "value": value, "focused": true}]
        });
        self.interaction_as(user, Origin::TestServer, 4, data, 0, None)
    }

    fn dispatch_interaction(&self, interaction: Value) -> String {
        let token = interaction["token"].as_str().unwrap().to_string();
        self.dispatch("INTERACTION_CREATE", interaction);
        token
    }

    /// An INTERACTION_CREATE of `kind` (2 command, 3 component) from `origin`, with
    /// every field serenity needs to parse it; returns its token.
    fn send_interaction(
        &self,
        origin: Origin,
        kind: u8,
        data: Value,
        permissions: u64,
        message: Option<Value>,
    ) -> String {
        let interaction = self.interaction(origin, kind, data, permissions, message);
        let token = interaction["token"].as_str().unwrap().to_string();
        self.dispatch("INTERACTION_CREATE", interaction);
        token
    }

    /// A slash command interaction as Discord sends it (to the gateway, or signed to
    /// an interactions endpoint), from `origin`.
    pub fn command_interaction(
        &self,
        origin: Origin,
        name: &str,
        options: Value,
        permissions: u64,
    ) -> Value {
        let data =
            json!({"id": "1500000000000000001", "name": name, "type": 1, "options": options});
        self.interaction(origin, 2, data, permissions, None)
    }

    /// The JSON of an interaction of `kind` from `origin`, by the customer.
    fn interaction(
        &self,
        origin: Origin,
        kind: u8,
        data: Value,
        permissions: u64,
        message: Option<Value>,
    ) -> Value {
        self.interaction_as(CUSTOMER, origin, kind, data, permissions, message)
    }

    /// The JSON of an interaction of `kind` from `origin`, by `user`.
    fn interaction_as(
        &self,
        user: u64,
        origin: Origin,
        kind: u8,
        data: Value,
        permissions: u64,
        message: Option<Value>,
    ) -> Value {
        let id = self.next_id();
        let token = format!("interaction-token-{id}");
        let mut interaction = json!({
            "id": id.to_string(),
            "application_id": APPLICATION_ID.to_string(),
            "type": kind,
            "data": data,
            "channel_id": CHANNEL_ID.to_string(),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": "2248473465835073",
            "entitlements": [],
            "attachment_size_limit": 26214400
        });
        let server = match origin {
            Origin::TestServer => Some(GUILD_ID),
            Origin::OtherServer(guild) => Some(guild),
            Origin::Dm => None,
        };
        match server {
            Some(guild) => {
                interaction["guild_id"] = json!(guild.to_string());
                interaction["guild_locale"] = json!("en-US");
                interaction["member"] = member(user, permissions);
                interaction["authorizing_integration_owners"] = json!({"0": guild.to_string()});
                interaction["context"] = json!(0);
            }
            None => {
                interaction["user"] = user_json(user);
                interaction["authorizing_integration_owners"] = json!({"0": "0"});
                interaction["context"] = json!(1);
            }
        }
        if let Some(message) = message {
            interaction["message"] = message;
        }
        interaction
    }

    /// POSTs `body` to an interactions endpoint as Discord does: signed with the
    /// application's key ([`SIGNING_KEY`]) at `timestamp` (unix seconds; `None` for
    /// now), or unsigned. Returns the status, the content type and the body.
    pub async fn post_signed(
        url: &str,
        body: &[u8],
        signed: bool,
        timestamp: Option<u64>,
    ) -> (u16, String, Vec<u8>) {
        let timestamp = timestamp
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
            })
            .to_string();
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        if signed {
            use ed25519_dalek::Signer;
            let mut message = timestamp.as_bytes().to_vec();
            message.extend_from_slice(body);
            let signature = signing_key().sign(&message);
            request = request
                .header("x-signature-ed25519", hex::encode(signature.to_bytes()))
                .header("x-signature-timestamp", &timestamp);
        }
        let response = request.send().await.expect("the endpoint answers");
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (
            status,
            kind,
            response.bytes().await.unwrap_or_default().to_vec(),
        )
    }

    fn dispatch(&self, event: &'static str, data: Value) {
        let sender = self.shared.gateway.lock().unwrap().clone();
        sender
            .expect("no gateway connection to dispatch on")
            .send(GatewayCommand::Dispatch { event, data })
            .expect("gateway connection closed");
    }

    /// Everything recorded for one interaction token, in order.
    pub fn responses(&self, token: &str) -> Vec<Recorded> {
        self.shared
            .recorded
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.token() == token)
            .cloned()
            .collect()
    }

    /// Waits until `count` responses have been recorded for `token`.
    pub async fn wait_responses(&self, token: &str, count: usize) -> Vec<Recorded> {
        self.wait_for_responses(token, Duration::from_secs(20), |r| r.len() >= count)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{token}: fewer than {count} responses: {:#?}",
                    self.responses(token)
                )
            })
    }

    /// Waits until `done` holds for the responses to `token`.
    pub async fn wait_for_responses(
        &self,
        token: &str,
        timeout: Duration,
        done: impl Fn(&[Recorded]) -> bool,
    ) -> Option<Vec<Recorded>> {
        self.wait_until(timeout, || done(&self.responses(token)))
            .await?;
        Some(self.responses(token))
    }

    async fn wait_until(&self, timeout: Duration, done: impl Fn() -> bool) -> Option<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            if done() {
                return Some(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return done().then_some(());
            }
        }
    }
}

fn bot_user() -> Value {
    json!({"id": APPLICATION_ID.to_string(), "username": "echoterra-bot", "discriminator": "0", "global_name": null, "avatar": null, "bot": true})
}

fn user_json(id: u64) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0", "global_name": null, "avatar": null})
}

fn member(user: u64, permissions: u64) -> Value {
    json!({
        "user": user_json(user),
        "roles": [],
        "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": permissions.to_string()
    })
}

async fn gateway_url(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let addr = shared.addr.lock().unwrap().expect("bound");
    Json(
        json!({"url": format!("ws://{addr}/ws"), "shards": 1, "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
    )
}

async fn application_info() -> Json<Value> {
    Json(json!({
        "id": APPLICATION_ID.to_string(),
        "name": "echoterra-bot",
        "icon": null,
        "description": "",
        "bot_public": false,
        "bot_require_code_grant": false,
        "owner": bot_user(),
        "verify_key": "00",
        "team": null,
        "flags": 0
    }))
}

fn echo_commands(body: &Value, guild: Option<u64>) -> Value {
    let commands = body.as_array().cloned().unwrap_or_default();
    Value::Array(
        commands
            .into_iter()
            .enumerate()
            .map(|(i, mut command)| {
                command["id"] = json!((1_500_000_000_000_000_000u64 + i as u64).to_string());
                command["application_id"] = json!(APPLICATION_ID.to_string());
                command["version"] = json!("1");
                if command.get("type").is_none() {
                    command["type"] = json!(1);
                }
                if let Some(guild) = guild {
                    command["guild_id"] = json!(guild.to_string());
                }
                command
            })
            .collect(),
    )
}

async fn put_global_commands(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refusal) = refuse_invalid(&shared, Operation::BulkOverwriteGlobalCommands, &body) {
        return refusal;
    }
    let echoed = echo_commands(&body, None);
    shared.command_puts.lock().unwrap().push((None, body));
    shared.changed.notify_waiters();
    Json(echoed).into_response()
}

async fn put_guild_commands(
    State(shared): State<Arc<Shared>>,
    Path((_app, guild)): Path<(String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refusal) = refuse_invalid(&shared, Operation::BulkOverwriteGuildCommands, &body) {
        return refusal;
    }
    let echoed = echo_commands(&body, Some(guild));
    shared
        .command_puts
        .lock()
        .unwrap()
        .push((Some(guild), body));
    shared.changed.notify_waiters();
    Json(echoed).into_response()
}

/// Reads a JSON body or a multipart body (`payload_json` plus `files[n]`).
async fn read_body(request: Request) -> (Value, Vec<(String, Vec<u8>)>) {
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    if !is_multipart {
        let bytes = Bytes::from_request(request, &()).await.unwrap_or_default();
        return (
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            Vec::new(),
        );
    }
    let mut multipart = Multipart::from_request(request, &())
        .await
        .expect("multipart body");
    let mut body = Value::Null;
    let mut files = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.unwrap_or_default();
        if name == "payload_json" {
            body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        } else {
            files.push((file_name.unwrap_or(name), bytes.to_vec()));
        }
    }
    (body, files)
}

async fn callback(
    State(shared): State<Arc<Shared>>,
    Path((id, token)): Path<(u64, String)>,
    request: Request,
) -> Response {
    let limited = shared
        .rate_limited_callbacks
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if limited {
        shared.rate_limit_answers.fetch_add(1, Ordering::SeqCst);
        let mut headers = HeaderMap::new();
        let proxy_header = shared.retry_after_header.lock().unwrap().clone();
        let body = match proxy_header {
            Some(value) => {
                headers.insert(header::RETRY_AFTER, value.parse().unwrap());
                json!({"message": "Too Many Requests"})
            }
            None => {
                headers.insert(header::RETRY_AFTER, "1".parse().unwrap());
                json!({"message": "You are being rate limited.", "retry_after": 0.3, "global": false})
            }
        };
        return (StatusCode::TOO_MANY_REQUESTS, headers, Json(body)).into_response();
    }
    let (body, files) = read_body(request).await;
    if let Some(refusal) = refuse_invalid(&shared, Operation::InteractionCallback, &body) {
        return refusal;
    }
    // Autocomplete suggestions (type 8) are not a message: nothing in them pings.
    if body["type"] != 8 {
        if let Some(refusal) = refuse_pings(&shared, &body["data"]) {
            return refusal;
        }
        if let Some(refusal) = refuse_oversized(&shared, &body["data"]) {
            return refusal;
        }
    }
    shared.recorded.lock().unwrap().push(Recorded::Callback {
        interaction_id: id,
        token,
        body,
        files,
    });
    shared.changed.notify_waiters();
    StatusCode::NO_CONTENT.into_response()
}

async fn edit_original(
    State(shared): State<Arc<Shared>>,
    Path((_app, token)): Path<(String, String)>,
    request: Request,
) -> Response {
    let (body, files) = read_body(request).await;
    if let Some(refusal) = refuse_invalid(&shared, Operation::EditOriginal, &body) {
        return refusal;
    }
    if let Some(refusal) = refuse_pings(&shared, &body) {
        return refusal;
    }
    if let Some(refusal) = refuse_oversized(&shared, &body) {
        return refusal;
    }
    shared.recorded.lock().unwrap().push(Recorded::Edit {
        token,
        body: body.clone(),
        files,
    });
    shared.changed.notify_waiters();
    Json(json!({"id": "1", "channel_id": CHANNEL_ID.to_string()})).into_response()
}

/// `POST /channels/{channel}/messages` with the bot token: a new message in the
/// channel, answered with its message object, unless `enforce_nonce` finds the
/// nonce used in that channel within [`NONCE_WINDOW`], which answers the earlier
/// message again.
async fn create_message(
    State(shared): State<Arc<Shared>>,
    Path(channel_id): Path<u64>,
    request: Request,
) -> Response {
    let line = format!("{} {}", request.method(), request.uri().path());
    let refusal = {
        let mut channels = shared.channels.lock().unwrap();
        let channel = channels.entry(channel_id).or_default();
        channel.attempts += 1;
        channel.refusal.clone()
    };
    shared.changed.notify_waiters();
    if let Some(refusal) = refuse_unauthorized(&shared, request.headers(), line) {
        return refusal;
    }
    let limited = shared
        .rate_limited_channel_posts
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if limited {
        shared.rate_limit_answers.fetch_add(1, Ordering::SeqCst);
        shared.changed.notify_waiters();
        // Discord's `Retry-After` header is whole seconds, rounded up.
        let headers = [
            (header::RETRY_AFTER.as_str(), "1"),
            ("x-ratelimit-scope", "user"),
        ];
        let body =
            json!({"message": "You are being rate limited.", "retry_after": 0.2, "global": false});
        return (StatusCode::TOO_MANY_REQUESTS, headers, Json(body)).into_response();
    }
    if let Some((status, code, message)) = refusal {
        return (status, Json(json!({"message": message, "code": code}))).into_response();
    }
    // Files in a multipart body are not kept: the message answered has none.
    let (body, _files) = read_body(request).await;
    {
        let mut channels = shared.channels.lock().unwrap();
        channels
            .entry(channel_id)
            .or_default()
            .bodies
            .push(body.clone());
    }
    if let Some(refusal) = refuse_invalid(&shared, Operation::CreateMessage, &body) {
        return refusal;
    }
    if let Some(refusal) = refuse_pings_but_one_role(&shared, &body) {
        return refusal;
    }
    if let Some(refusal) = refuse_oversized(&shared, &body) {
        return refusal;
    }
    let nonce = match &body["nonce"] {
        Value::String(nonce) => Some(nonce.clone()),
        Value::Number(nonce) => Some(nonce.to_string()),
        _ => None,
    };
    let (message, created) = {
        let mut channels = shared.channels.lock().unwrap();
        let channel = channels.entry(channel_id).or_default();
        let earlier = (body["enforce_nonce"] == true)
            .then_some(nonce.as_ref())
            .flatten()
            .and_then(|nonce| {
                channel.messages.iter().rev().find(|posted| {
                    posted.nonce.as_ref() == Some(nonce) && posted.at.elapsed() < NONCE_WINDOW
                })
            });
        match earlier {
            Some(posted) => (posted.message.clone(), false),
            None => {
                let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
                let message = message_object(id, channel_id, &body);
                channel.messages.push(Posted {
                    message: message.clone(),
                    nonce,
                    at: Instant::now(),
                });
                (message, true)
            }
        }
    };
    shared.changed.notify_waiters();
    let hold = created
        .then(|| shared.held_channel_answer.lock().unwrap().take())
        .flatten();
    if let Some(hold) = hold {
        tokio::time::sleep(hold).await;
    }
    Json(message).into_response()
}

/// The message object Discord answers a create-message body with: what was sent,
/// by the bot, now, as `MessageResponse` in Discord's OpenAPI description has it
/// (every embed with its `type`, every component with its `id`).
fn message_object(id: u64, channel_id: u64, body: &Value) -> Value {
    let mut embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    for embed in &mut embeds {
        if embed.get("type").is_none() {
            embed["type"] = json!("rich");
        }
    }
    let mut components = body["components"].clone();
    if !components.is_array() {
        components = json!([]);
    }
    number_components(&mut components, &mut 1);
    let mut author = bot_user();
    author["public_flags"] = json!(0);
    author["flags"] = json!(0);
    author["primary_guild"] = Value::Null;
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a timestamp");
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "type": 0,
        "author": author,
        "content": body["content"].as_str().unwrap_or_default(),
        "embeds": embeds,
        "components": components,
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": false,
        "pinned": false,
        "tts": body["tts"] == true,
        "flags": body["flags"].as_u64().unwrap_or(0),
        "timestamp": timestamp,
        "edited_timestamp": null
    });
    if !body["nonce"].is_null() {
        message["nonce"] = body["nonce"].clone();
    }
    message
}

/// Gives every component (rows, and what they hold) the `id` Discord numbers them
/// with when the request leaves it out.
fn number_components(components: &mut Value, next: &mut u64) {
    let Some(components) = components.as_array_mut() else {
        return;
    };
    for component in components {
        if component.is_object() && component.get("id").is_none() {
            component["id"] = json!(*next);
        }
        *next += 1;
        if let Some(inner) = component.get_mut("components") {
            number_components(inner, next);
        }
    }
}

/// A 401 for a request without `Authorization: Bot <TOKEN>`, as Discord answers
/// it; the request (`METHOD /path`) is kept.
fn refuse_unauthorized(shared: &Shared, headers: &HeaderMap, line: String) -> Option<Response> {
    let expected = format!("Bot {TOKEN}");
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if given == Some(expected.as_str()) {
        return None;
    }
    shared.unauthorized.lock().unwrap().push(line);
    shared.changed.notify_waiters();
    Some(
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "401: Unauthorized", "code": 0})),
        )
            .into_response(),
    )
}

/// A 400 for a body that Discord's schema of `operation` refuses, as Discord answers
/// it (error 50035 with what is wrong); the body is kept. A multipart body is checked
/// by its `payload_json`, the part that carries the JSON.
fn refuse_invalid(shared: &Shared, operation: Operation, body: &Value) -> Option<Response> {
    let problems = discord_api::problems(operation, body);
    if problems.is_empty() {
        return None;
    }
    eprintln!("fake Discord: {operation:?} refused: {problems:?}");
    shared
        .invalid_bodies
        .lock()
        .unwrap()
        .push((operation, body.clone(), problems.clone()));
    shared.changed.notify_waiters();
    Some(
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "Invalid Form Body", "code": 50035, "errors": problems})),
        )
            .into_response(),
    )
}

/// A 404 for a route the fake does not serve; the request is kept.
async fn unserved(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let line = format!("{} {}", request.method(), request.uri().path());
    shared.unserved.lock().unwrap().push(line);
    shared.changed.notify_waiters();
    (
        StatusCode::NOT_FOUND,
        Json(json!({"message": "404: Not Found", "code": 0})),
    )
        .into_response()
}

/// A 400 for a message body that does not turn every mention off, as the bot must
/// send on every message (`allowed_mentions: {"parse": []}`); the body is kept.
fn refuse_pings(shared: &Shared, message: &Value) -> Option<Response> {
    if message["allowed_mentions"] == json!({"parse": []}) {
        return None;
    }
    shared.pinging_bodies.lock().unwrap().push(message.clone());
    shared.changed.notify_waiters();
    Some(
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "fake Discord: every message must carry allowed_mentions {\"parse\": []}", "code": 50035})),
        )
            .into_response(),
    )
}

/// [`refuse_pings`] for an alert posted to a staff channel, which may ping the one
/// role staff chose (`allowed_mentions: {"parse": [], "roles": ["<id>"]}`) and
/// nothing else.
fn refuse_pings_but_one_role(shared: &Shared, message: &Value) -> Option<Response> {
    let mentions = &message["allowed_mentions"];
    let one_role = mentions["parse"] == json!([])
        && mentions
            .as_object()
            .is_some_and(|fields| fields.keys().all(|key| key == "parse" || key == "roles"))
        && mentions["roles"].as_array().is_some_and(|roles| {
            roles.len() <= 1
                && roles
                    .iter()
                    .all(|role| role.as_str().is_some_and(|id| id.parse::<u64>().is_ok()))
        });
    if one_role {
        return None;
    }
    refuse_pings(shared, message)
}

/// A 400 for a message body that breaks one of Discord's limits, as Discord
/// answers it (checked with the bot's own `limits::violations`, on the JSON read
/// back); the body is kept.
fn refuse_oversized(shared: &Shared, message: &Value) -> Option<Response> {
    use echoterra_bot::render::discord::{limits, Message};
    let problems = match serde_json::from_value::<Message>(message.clone()) {
        Ok(parsed) => limits::violations(&parsed),
        Err(err) => vec![format!("not a message: {err}")],
    };
    if problems.is_empty() {
        return None;
    }
    shared
        .oversized_bodies
        .lock()
        .unwrap()
        .push((message.clone(), problems));
    shared.changed.notify_waiters();
    Some(
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "fake Discord: Invalid Form Body", "code": 50035})),
        )
            .into_response(),
    )
}

async fn websocket(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    shared.gateway_attempts.fetch_add(1, Ordering::SeqCst);
    shared.changed.notify_waiters();
    if shared.gateway_down.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    upgrade.on_upgrade(move |socket| gateway_session(shared, socket))
}

/// One gateway connection: HELLO, then IDENTIFY -> READY or RESUME -> RESUMED,
/// heartbeats answered, dispatches sent until the test drops the connection.
async fn gateway_session(shared: Arc<Shared>, mut socket: WebSocket) {
    let (sender, mut commands) = mpsc::unbounded_channel();
    let mut sequence = 0u64;
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 1500}, "s": null, "t": null});
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    WsMessage::Text(text) => text.to_string(),
                    WsMessage::Close(_) => break,
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else { continue };
                match payload["op"].as_u64() {
                    Some(1) => {
                        shared.heartbeats.fetch_add(1, Ordering::SeqCst);
                        shared.changed.notify_waiters();
                        let ack = json!({"op": 11, "d": null, "s": null, "t": null});
                        if socket.send(WsMessage::Text(ack.to_string().into())).await.is_err() { break; }
                    }
                    Some(2) => {
                        assert_eq!(payload["d"]["token"].as_str().map(|t| t.trim_start_matches("Bot ")), Some(TOKEN), "IDENTIFY carries the bot token");
                        sequence += 1;
                        let addr = shared.addr.lock().unwrap().expect("bound");
                        let ready = json!({"op": 0, "s": sequence, "t": "READY", "d": {
                            "v": 10,
                            "user": bot_user(),
                            "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
                            "session_id": "fake-session",
                            "resume_gateway_url": format!("ws://{addr}/ws"),
                            "shard": [0, 1],
                            "application": {"id": APPLICATION_ID.to_string(), "flags": 0}
                        }});
                        if socket.send(WsMessage::Text(ready.to_string().into())).await.is_err() { break; }
                        *shared.gateway.lock().unwrap() = Some(sender.clone());
                        shared.readies.fetch_add(1, Ordering::SeqCst);
                        shared.changed.notify_waiters();
                    }
                    Some(6) => {
                        sequence += 1;
                        let resumed = json!({"op": 0, "s": sequence, "t": "RESUMED", "d": {}});
                        if socket.send(WsMessage::Text(resumed.to_string().into())).await.is_err() { break; }
                        *shared.gateway.lock().unwrap() = Some(sender.clone());
                        shared.resumes.fetch_add(1, Ordering::SeqCst);
                        shared.changed.notify_waiters();
                    }
                    _ => {}
                }
            }
            command = commands.recv() => match command {
                Some(GatewayCommand::Dispatch { event, data }) => {
                    sequence += 1;
                    let payload = json!({"op": 0, "s": sequence, "t": event, "d": data});
                    if socket.send(WsMessage::Text(payload.to_string().into())).await.is_err() { break; }
                }
                // Dropping the socket without a close frame, like a network fault.
                Some(GatewayCommand::Drop) | None => {
                    *shared.gateway.lock().unwrap() = None;
                    return;
                }
            },
        }
    }
    *shared.gateway.lock().unwrap() = None;
}
