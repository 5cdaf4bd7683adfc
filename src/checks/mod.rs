//! The checks: one module per check, plus what they share.
//!
//! A check takes a typed request and returns a [`Report`]. It knows nothing of
//! Discord or of terminals: [`run`] serves the bot and the `check` command line alike.

pub mod address_policy;
pub mod dnsbl;
pub mod domain;
pub mod email;
pub mod mx;
pub mod resolver;
pub mod settings;
pub mod smtp;
pub mod spf;

use tokio::sync::mpsc;

use crate::report::Report;
use crate::services::Services;

/// A typed request for one check, however it arrived.
#[derive(Debug, Clone)]
pub enum Request {
    Settings(settings::SettingsRequest),
    Smtp(smtp::SmtpRequest),
    Blacklist(dnsbl::BlacklistRequest),
    Mx(mx::MxRequest),
}

/// How far a long check has come, for live display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    /// A short line such as "12/18 checked, listed on 1".
    pub line: String,
}

/// Where a check may report progress; `None` when nobody watches.
pub type ProgressSender = Option<mpsc::Sender<Progress>>;

/// Runs a check to its report. Network faults end up in the report, never as errors.
pub async fn run(services: &Services, request: Request, progress: ProgressSender) -> Report {
    match request {
        Request::Settings(request) => settings::run(&services.catalog.settings, &request),
        Request::Smtp(request) => smtp::run(services, &request, progress).await,
        Request::Blacklist(request) => dnsbl::run(services, &request, progress).await,
        Request::Mx(request) => mx::run(&services.resolver, &services.catalog.mx, &request).await,
    }
}
