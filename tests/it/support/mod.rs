//! Real servers on loopback that the tests run the bot against.

pub mod bot_process;
pub mod dns_server;
pub mod fake_discord;
pub mod smtp_server;
