//! Real servers on loopback that the tests run the bot against.

pub mod bot_process;
pub mod catalogs;
pub mod dns_server;
pub mod fake_discord;
pub mod golden;
pub mod listener;
pub mod mailbox_check;
pub mod mailbox_server;
pub mod pki;
pub mod smtp_server;
