//! What every server test (`/smtp`, `/imap`, `/pop3`) shares: the target and its
//! parsing, the step table and the test's clock, resolve + address policy + connect,
//! the TLS steps, and the bounded dialogue. Each protocol adds only what its
//! answers look like and what its steps mean.
//!
//! - `target`: [`ServerHost`], [`Security`], typed input to a host and port.
//! - `input`: the one input error of the server tests ([`InputError`]), worded
//!   for each command by its [`TestNames`].
//! - `step`: [`Step`], its derived [`StepStatus`], and the verdict of a list of steps.
//! - `log`: the running step table and transcript ([`Log`]), the deadline ([`Clock`]).
//! - `connect`: resolve, address policy, a turn at the server, TCP connect (the one
//!   place that dials).
//! - `tls`: the handshake and certificate steps, TLS tried on a silent port.
//! - `silence`: a server that does not greet, told apart by a second connection
//!   ([`Probe::silent_greeting`]), in each protocol's words ([`GreetingWords`]).
//! - `dialogue`: commands and their answers, bounded and timed ([`Dialogue`]);
//!   each protocol says only how its answer ends ([`Answer`]).
//! - `kind`: what kind of server a first line gives away ([`ServerKind`]), for
//!   naming another protocol's server on the port tested.
//! - `lines`: the lines under a dialogue, bounded in length.
//! - `report`: what every server test reports alike ([`ProbeReport`]), embedded
//!   first in each protocol's report.

mod connect;
mod dialogue;
mod input;
mod kind;
mod lines;
mod log;
mod report;
mod silence;
mod step;
pub mod target;
mod tls;

use std::sync::Arc;

use rustls::RootCertStore;
use tokio::time::Instant;

pub use connect::Reached;
pub use dialogue::{Answer, Dialogue, ReadError, Wire};
pub use input::{InputError, TestNames};
pub use kind::{text_line, ServerKind};
pub use log::{Clock, Log};
pub use report::ProbeReport;
pub use silence::GreetingWords;
pub use step::{conclude, Step, StepKind, StepStatus};
pub use target::{PortRules, Security, ServerHost, TargetError};
pub use tls::FailureJudge;

use crate::catalog::ServerTimeouts;
use crate::checks::net::slots::ServerSlots;
use crate::checks::Services;

/// What is tested, fixed before the first step: the server, the port and how TLS
/// starts on it, the timeouts and the deadline, what the certificate is judged against.
pub struct Probe<'a> {
    pub host: &'a ServerHost,
    pub port: u16,
    pub security: Security,
    pub timeouts: &'a ServerTimeouts,
    pub roots: Arc<RootCertStore>,
    /// `ALLOW_PRIVATE_TARGETS`: skip the address policy.
    pub allow_private: bool,
    /// A certificate expiring within this many days is a warning.
    pub expiry_warning_days: i64,
    pub clock: Clock,
    /// Turns at each server: a test talks to its server only in its turn.
    pub slots: &'a ServerSlots,
}

impl<'a> Probe<'a> {
    /// The test of `host` on `port`, where TLS starts as `security`, started at
    /// `started`: its step timeouts and deadline from the test's catalogue
    /// (`timeouts`, `expiry_warning_days`), and from `services` what every server
    /// test shares (the trusted roots, the address policy, the turns at servers).
    pub fn new(
        services: &'a Services,
        host: &'a ServerHost,
        port: u16,
        security: Security,
        timeouts: &'a ServerTimeouts,
        expiry_warning_days: i64,
        started: Instant,
    ) -> Probe<'a> {
        Probe {
            host,
            port,
            security,
            timeouts,
            roots: services.tls_roots.clone(),
            allow_private: services.config.allow_private_targets,
            expiry_warning_days,
            clock: Clock::new(started, timeouts.total()),
            slots: &services.server_slots,
        }
    }
}
