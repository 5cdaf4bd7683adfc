//! What the integration tests share: the real servers of the `testkit` crate (DNS,
//! SMTP, IMAP/POP3, the test CA, re-exported here under their usual names) and the
//! test-side helpers: the bot as a child process, the fake Discord, running each
//! kind of check, reading Discord message bodies, golden files.

pub use testkit::{discord_api, dns_server, fake_discord, mailbox_server, pki, smtp_server, zones};

pub mod bot_process;
pub mod catalogs;
pub mod discord_bot;
pub mod golden;
pub mod mailbox_check;
pub mod messages;
pub mod render;
pub mod smtp_check;
pub mod spf_suite;
pub mod store;
