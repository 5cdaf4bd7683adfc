//! Real servers on 127.0.0.1 that echoterra-bot's integration tests (`tests/it`) and
//! benchmarks (`benches/`) run the bot against: a DNS server (hickory-server), SMTP,
//! IMAP and POP3 servers speaking their real protocols with real TLS, certificates
//! from one test CA, the accept loop they share, and a fake Discord (REST and the
//! gateway's websocket) that checks every body against Discord's OpenAPI description. A dev-only crate (never
//! published), so the tests and the benches use one copy of each server.
//!
//! Every server binds an ephemeral port of 127.0.0.1 and stops when dropped.

pub mod discord_api;
pub mod dns_server;
pub mod fake_discord;
pub mod listener;
pub mod mailbox_server;
pub mod pki;
pub mod smtp_server;
pub mod zones;
