//! Watching: what the bot keeps an eye on for the provider, how often, and how staff
//! hear of a change.
//!
//! - `kind`: the three kinds of watch ([`WatchKind`]) and each one's schedule in the
//!   catalogue (`[watch]` of `defaults.toml`);
//! - `target`: what staff type, read into a [`WatchTarget`] (built by its check's
//!   own constructor, so it runs the ordinary check) with its unique key;
//! - `server`: mail-server targets (`smtp://…`, `host:port`) ([`ServerTarget`]);
//! - `range`: a CIDR range of at most 16 addresses, one target per address;
//! - `interval`: `every:` read and held to the kind's minimum;
//! - `plan`, `listing`, `actions`: what staff ask for, what they are shown and what
//!   they do to the alert channel, one reading and one wording for `/watch` and the
//!   `watch` subcommands;
//! - `state`, `change`, `evaluate`: a check's report read into a state, a change of
//!   state into sentences, and when a change is announced (pure, time as an argument);
//! - `scheduler` ([`Watcher`]), `send`, `alert`, `budget`: the passes that check due
//!   watches under a lease, the outbox posted to Discord, the alerts' embeds, the
//!   blocklists' daily query budget.
//!
//! Layers: `watch` uses `rest`, `store`, `checks`, `catalog`, `values` and `wording`;
//! `discord` and `cli` use it, and the checks never reach it.

pub mod actions;
pub mod alert;
pub mod budget;
mod change;
mod evaluate;
mod interval;
mod kind;
pub mod listing;
pub mod plan;
mod range;
pub mod scheduler;
pub mod send;
mod server;
pub mod state;
mod target;

pub use interval::{interval, IntervalError, MAX_INTERVAL};
pub use kind::WatchKind;
pub use range::MAX_RANGE_ADDRESSES;
pub use scheduler::{Pass, Watcher};
pub use server::{ServerRequest, ServerTarget};
pub use target::{WatchTarget, WatchTargetError};
