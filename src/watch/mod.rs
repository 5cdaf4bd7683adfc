//! Watching: what the bot keeps an eye on for the provider, and how often.
//!
//! This is the foundation the `/watch` commands, the `watch` subcommands and the
//! scheduler build on; none of them exists yet, and nothing here touches the store,
//! Discord or the network:
//!
//! - `kind`: the three kinds of watch ([`WatchKind`]) and each one's schedule in the
//!   catalogue (`[watch]` of `defaults.toml`);
//! - `target`: what staff type, read into a [`WatchTarget`] (built by its check's
//!   own constructor, so it runs the ordinary check) with its unique key;
//! - `server`: mail-server targets (`smtp://…`, `host:port`) ([`ServerTarget`]);
//! - `range`: a CIDR range of at most 16 addresses, one target per address;
//! - `interval`: `every:` read and held to the kind's minimum.
//!
//! Layers: `watch` uses `checks`, `catalog`, `values` and `wording`; the checks never
//! reach it.

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
