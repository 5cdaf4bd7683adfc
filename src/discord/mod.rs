//! The Discord side: thin glue between interactions and the checks.
//!
//! - `client`: the serenity gateway client, command registration, shutdown.
//! - `incoming`: interactions reduced to what the bot uses.
//! - `route`: interaction to [`Response`]: which check, from a command or a button;
//!   autocomplete.
//! - `requests`: each check's options read into its typed request.
//! - `gates`: staff, capacity, rate limits, in one order for every check.
//! - `staff`: who is staff (the provider's own servers only).
//! - `dispatch`: sends the response within Discord's 3 seconds, catches panics, logs;
//!   the only place that answers interactions.
//! - `shutdown`: the interactions in flight, for a graceful stop.
//! - `responder`: the HTTP calls for responses, with 429 handling.
//! - `commands`, `options`, `rate_limit`: definitions, option reading, limits.
//! - `memory`: what the bot remembers of users (limits, suggestions, replay ids, the
//!   staff audit log): the store when it answers, this process when not (`rate_limit`
//!   and `recent` are the per-process halves).
//! - `recent`: each user's last checked domains, for autocomplete.
//! - `watch`: `/watch` (staff), its alerts' buttons and its ids' suggestions.

mod client;
mod commands;
mod dispatch;
mod gates;
mod incoming;
mod memory;
mod options;
mod rate_limit;
mod recent;
mod requests;
mod responder;
mod response;
mod route;
mod shutdown;
mod staff;
mod watch;

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use client::{register, run, warn_if_no_staff, BotError};
pub use dispatch::{answer, handle, handle_via, shutdown, FirstResponse};
pub use incoming::{Incoming, IncomingKind, OptionValue, PressedMessage};
pub use responder::{CallbackBody, CallbackType};
pub use response::{Choice, Live, Response, Work};
pub use shutdown::signal as shutdown_signal;

use crate::checks::Services;
use crate::ops::Metrics;
use crate::rest::Rest;
use crate::store::Store;
use crate::watch::Watcher;
pub use memory::Memory;
use responder::Responder;
use shutdown::InFlight;
use staff::StaffPolicy;

/// What the handlers share: the checks' services, the responder, the staff rule and
/// the bounds on work.
#[derive(Clone)]
pub struct Bot {
    pub services: Services,
    pub responder: Responder,
    /// Network checks per user per window.
    pub staff: StaffPolicy,
    /// One permit per network check running (`max_concurrent_checks`): when none is
    /// left the user is told at once that the bot is busy.
    pub capacity: Arc<Semaphore>,
    /// `/blacklist` runs in the last minute, all users together.
    /// The interactions being answered, for a graceful shutdown.
    pub in_flight: Arc<InFlight>,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// Each user's last checked domains, for autocomplete.
    /// Rate limits, the blacklist budget, suggestions, replay ids and the audit
    /// log: in the store when it answers, in this process when not.
    pub memory: Arc<Memory>,
    /// `/watch`'s way to the watches (the store), and in the gateway mode to Discord
    /// for the confirmation and test messages; `None` without a store.
    pub watcher: Option<Watcher>,
}

/// A running network check: holds one unit of the bot's capacity, and counts in the
/// checks-in-flight gauge, until dropped.
pub struct CheckSlot {
    _permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl Drop for CheckSlot {
    fn drop(&mut self) {
        self.metrics.check_ended();
    }
}

impl Bot {
    pub fn new(services: Services) -> Bot {
        Bot::with_metrics(services, Arc::new(Metrics::new()))
    }

    /// A bot counting into `metrics` (shared with the operator endpoints).
    pub fn with_metrics(services: Services, metrics: Arc<Metrics>) -> Bot {
        Bot::with_store(services, metrics, None)
    }

    /// The bot of the long-running modes: what it remembers goes to `store`.
    pub fn with_store(services: Services, metrics: Arc<Metrics>, store: Option<Store>) -> Bot {
        let defaults = &services.catalog.defaults;
        let watcher = store
            .clone()
            .map(|store| Watcher::new(store, services.clone(), None).with_metrics(metrics.clone()));
        let memory = Arc::new(Memory::new(defaults, store, metrics.clone()));
        let capacity = Arc::new(Semaphore::new(defaults.limits.max_concurrent_checks));
        let staff = StaffPolicy::new(
            &services.config.staff_guild_ids,
            defaults.discord.staff_permissions,
        );
        let responder = Responder::new(services.config.api_base.as_deref(), metrics.clone());
        Bot {
            services,
            responder,
            staff,
            capacity,
            in_flight: Arc::new(InFlight::default()),
            metrics,
            memory,
            watcher,
        }
    }

    /// The bot of the gateway mode, which holds the token: `/watch channel` and
    /// `/watch test` post at once, and the watcher it runs posts alerts.
    pub fn posting(mut self, rest: Rest) -> Bot {
        self.watcher = self.watcher.map(|watcher| watcher.posting(rest));
        self
    }

    pub fn try_start_check(&self) -> Option<CheckSlot> {
        let permit = self.capacity.clone().try_acquire_owned().ok()?;
        self.metrics.check_started();
        Some(CheckSlot {
            _permit: permit,
            metrics: self.metrics.clone(),
        })
    }
}
