//! The Discord side: thin glue between interactions and the checks.
//!
//! - [`client`]: the serenity gateway client, command registration, shutdown.
//! - [`incoming`]: interactions reduced to what the bot uses.
//! - [`handler`]: interaction to [`response::Response`] (gates and typed requests).
//! - [`dispatch`]: sends the response within Discord's 3 seconds, catches panics, logs.
//! - [`responder`]: the HTTP calls for responses, with 429 handling.
//! - [`commands`], [`options`], [`rate_limit`]: definitions, option reading, limits.

mod client;
mod commands;
mod dispatch;
mod handler;
mod incoming;
mod options;
mod rate_limit;
mod responder;
mod response;

use std::sync::Arc;
use std::time::Duration;

pub use client::{register, run, BotError};
pub use dispatch::{answer, handle};
pub use incoming::{Incoming, IncomingKind, OptionValue};
pub use response::{Live, Response, Work};

use crate::checks::Services;
use rate_limit::RateLimiter;
use responder::Responder;

/// What the handlers share: the checks' services, the responder and the rate limiter.
#[derive(Clone)]
pub struct Bot {
    pub services: Services,
    pub responder: Responder,
    pub rate_limiter: Arc<RateLimiter>,
}

impl Bot {
    pub fn new(services: Services) -> Bot {
        let limits = &services.catalog.defaults.rate_limit;
        let rate_limiter = Arc::new(RateLimiter::new(
            limits.checks_per_window,
            Duration::from_secs(limits.window_seconds),
        ));
        let responder = Responder::new(services.config.api_base.as_deref());
        Bot {
            services,
            responder,
            rate_limiter,
        }
    }
}
