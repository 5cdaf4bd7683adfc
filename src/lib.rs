//! echoterra-bot: the Echoterra Communications support bot.
//!
//! One path through for every request, whichever door it came in by:
//! a typed [`checks::Request`] (from a Discord interaction or the `check` command
//! line) goes to [`checks::run`], which returns a [`checks::Report`]; [`render`]
//! turns the report into a Discord message, terminal text or JSON.
//!
//! The layers, top to bottom (see `ARCHITECTURE.md`):
//! - entry points: [`cli`] (the command line), the Discord gateway bot ([`discord`])
//!   and the HTTP interactions endpoint ([`endpoint`]);
//! - [`ops`]: `/healthz`, `/readyz` and `/metrics`, in every long-running mode;
//! - [`store`]: what the bot remembers and replicas share (limits, suggestions, the
//!   replay guard, the staff audit log): SQLite or PostgreSQL; never used by checks;
//! - [`render`]: reports to Discord messages, text and JSON (and Discord's limits);
//! - [`watch`]: what is watched and how often (the scheduler and alerts come next);
//! - [`checks`]: the checks, knowing nothing of Discord;
//! - [`catalog`]: the operator's data in `commands/*.toml`;
//! - [`config`]: the environment, read once;
//! - [`values`] and [`wording`]: shared value types and how numbers are written.

pub mod catalog;
pub mod checks;
pub mod cli;
pub mod config;
pub mod discord;
pub mod endpoint;
mod logging;
pub mod ops;
pub mod render;
pub mod rest;
pub mod store;
pub mod values;
pub mod watch;
pub mod wording;
