//! echoterra-bot: the Echoterra Communications support bot.
//!
//! One path through for every request, whichever door it came in by:
//! a typed [`checks::Request`] (from a Discord interaction or the `check` command
//! line) goes to [`checks::run`], which returns a [`report::Report`]; [`render`]
//! turns the report into a Discord message, terminal text or JSON.
//!
//! - [`catalog`]: the operator's data in `commands/*.toml`.
//! - [`checks`]: the checks, knowing nothing of Discord.
//! - [`render`]: reports to Discord messages, text and JSON (and Discord's limits).
//! - [`discord`]: the gateway bot: commands, interactions, responses.
//! - [`config`]: the environment, read once.
//! - [`cli`]: the command line.

pub mod catalog;
pub mod checks;
pub mod cli;
pub mod config;
pub mod discord;
pub mod logging;
pub mod render;
pub mod report;
pub mod services;
