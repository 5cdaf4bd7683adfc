//! The checks: one folder per check, plus what they share.
//!
//! Every check has the same parts with the same names, so a new one is added by
//! following the recipe in `ARCHITECTURE.md`:
//!
//! - `request.rs`: `XRequest::from_input(...)`, the one constructor from what a user
//!   typed, used by the command line and Discord alike (the same bad input gets the
//!   same sentence everywhere);
//! - `mod.rs`: `run(&Services, &XRequest, &Progress) -> XReport` (async where it does
//!   I/O); network faults end up in the report, never as errors;
//! - `verdict.rs`: the verdict rules, as the report's [`CheckReport`] impl;
//! - `report.rs`: the report type, serialized as the JSON details.
//!
//! [`run`] takes any [`Request`] to the common [`Report`]. Nothing here knows of
//! Discord, of terminals or of HTTP.
//!
//! Shared by the checks: [`table`] (every check named once), [`report`] (the
//! common [`Report`] and the [`CheckReport`] contract), [`services`] (the catalogue,
//! the configuration, the resolver and the TLS roots, built once), [`progress`] (live
//! progress of long checks), and [`net`], the network kit (the resolver, address
//! policy, turns at a server, TLS, transcripts, and the engines of the server tests,
//! `probe` and `mailbox`). Every other folder here is a check.

pub mod blacklist;
pub mod domain;
pub mod imap;
pub mod mx;
pub mod net;
pub mod pop3;
pub mod progress;
pub mod report;
pub mod services;
pub mod settings;
pub mod smtp;
pub mod spf;
pub mod table;

pub use progress::{Progress, ProgressUpdate};

use crate::catalog::Catalog;
pub use report::{CheckReport, Conclusion, Details, Report};
pub use services::{Services, StartupError};
pub use table::{Access, Check, CheckInfo, Cost};

/// A typed request for one check, however it arrived.
#[derive(Debug, Clone)]
pub enum Request {
    Settings(settings::SettingsRequest),
    Smtp(smtp::SmtpRequest),
    Blacklist(blacklist::BlacklistRequest),
    Mx(mx::MxRequest),
    Domain(domain::DomainRequest),
    Spf(spf::SpfRequest),
    Imap(imap::ImapRequest),
    Pop3(pop3::Pop3Request),
}

impl Request {
    /// Which check this request is for.
    pub fn check(&self) -> Check {
        match self {
            Request::Settings(_) => Check::Settings,
            Request::Smtp(_) => Check::Smtp,
            Request::Blacklist(_) => Check::Blacklist,
            Request::Mx(_) => Check::Mx,
            Request::Domain(_) => Check::Domain,
            Request::Spf(_) => Check::Spf,
            Request::Imap(_) => Check::Imap,
            Request::Pop3(_) => Check::Pop3,
        }
    }

    /// The check's name as the command line and the JSON spell it.
    pub fn check_name(&self) -> &'static str {
        self.check().name()
    }

    /// Whether this request needs staff, by the table's rule for its check: a
    /// staff check always; a server test when it is not the provider's own server.
    pub fn needs_staff(&self, catalog: &Catalog) -> bool {
        match self.check().info().access {
            Access::Everyone => false,
            Access::Staff => true,
            Access::StaffForOtherServers => match self {
                Request::Smtp(request) => !request.is_provider_host(&catalog.smtp),
                Request::Imap(request) => !request.is_provider_host(&catalog.mailbox),
                Request::Pop3(request) => !request.is_provider_host(&catalog.mailbox),
                _ => true,
            },
        }
    }

    /// The provider's own server for this check, as a staff refusal names it
    /// ("Run /smtp without a host to test mail.echoterra.net").
    pub fn provider_host<'c>(&self, catalog: &'c Catalog) -> &'c str {
        match self {
            Request::Imap(_) | Request::Pop3(_) => &catalog.mailbox.host,
            _ => &catalog.smtp.host,
        }
    }

    /// The domain a user may want suggested again later, for the checks whose
    /// main option suggests domains.
    pub fn suggestion(&self) -> Option<String> {
        match self {
            Request::Mx(request) => Some(request.domain.to_unicode()),
            Request::Domain(request) => Some(request.domain.to_unicode()),
            _ => None,
        }
        .filter(|_| self.check().info().suggests_domains)
    }

    /// What is checked, as the report's `target` says it.
    pub fn target(&self) -> String {
        match self {
            Request::Settings(request) => request.selection.as_str().to_string(),
            Request::Smtp(request) => request.target(),
            Request::Blacklist(request) => request.target.to_string(),
            Request::Mx(request) => request.domain.as_str().to_string(),
            Request::Domain(request) => request.domain.as_str().to_string(),
            Request::Spf(request) => request.domain.as_str().to_string(),
            Request::Imap(request) => request.target(),
            Request::Pop3(request) => request.target(),
        }
    }

    /// What the check is doing while it runs, for a live message:
    /// "Checking 203.0.113.7 on blocklists".
    pub fn activity(&self) -> String {
        match self {
            Request::Settings(_) => "Preparing the settings".to_string(),
            Request::Mx(request) => format!(
                "Looking up the MX records of {}",
                request.domain.to_unicode()
            ),
            Request::Smtp(request) => format!("Testing {}", request.target()),
            Request::Blacklist(request) => {
                format!("Checking {} on blocklists", request.target)
            }
            Request::Domain(request) => {
                format!("Checking the mail setup of {}", request.domain.to_unicode())
            }
            Request::Spf(request) => format!(
                "Evaluating the SPF policy of {} for {}",
                request.domain, request.ip
            ),
            Request::Imap(request) => format!("Testing IMAP on {}", request.target()),
            Request::Pop3(request) => format!("Testing POP3 on {}", request.target()),
        }
    }
}

/// Runs a check to its report. Network faults end up in the report, never as errors.
pub async fn run(services: &Services, request: &Request, progress: &Progress) -> Report {
    let target = request.target();
    match request {
        Request::Settings(request) => {
            Report::new(target, settings::run(services, request, progress))
        }
        Request::Smtp(request) => Report::new(target, smtp::run(services, request, progress).await),
        Request::Blacklist(request) => {
            Report::new(target, blacklist::run(services, request, progress).await)
        }
        Request::Mx(request) => Report::new(target, mx::run(services, request, progress).await),
        Request::Domain(request) => {
            Report::new(target, domain::run(services, request, progress).await)
        }
        Request::Spf(request) => Report::new(target, spf::run(services, request, progress).await),
        Request::Imap(request) => Report::new(target, imap::run(services, request, progress).await),
        Request::Pop3(request) => Report::new(target, pop3::run(services, request, progress).await),
    }
}
