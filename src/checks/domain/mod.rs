//! `/domain`: is a customer's domain set up to send and receive mail through the
//! provider? One report of six parts, each judged against the provider's own setup
//! (`commands/domain.toml`, the MX host of `commands/mx.toml`), each with the exact
//! records that would fix it.
//!
//! The parts run concurrently, and each part asks its questions of one level at once,
//! so the whole check costs about one DNS round trip per level of dependency (the
//! deepest: DMARC's external report authorisation, after the DMARC record).
//!
//! - `request`: what the user typed, as a domain.
//! - `mx`: the `/mx` check itself, run and judged by its own rules.
//! - `spf`: the SPF record evaluated for the provider's outgoing addresses, and linted.
//! - `dkim`: the provider's selectors, their keys and sizes.
//! - `dmarc`: the policy, its organizational-domain fallback, report addresses.
//! - `autoconfig`: the RFC 6186 SRV records.
//! - `mta_sts`: MTA-STS and TLS-RPT records, for information.
//! - `verdict`, `report`: the worst part decides; the parts and records to publish.

mod autoconfig;
mod dkim;
mod dmarc;
mod mta_sts;
mod mx;
mod report;
mod request;
mod spf;
mod verdict;

pub use report::{DnsRecord, DomainReport, Finding, Part, PartName};
pub use request::{DomainRequest, DomainRequestError};

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::checks::{Progress, Services};

/// How many parts the report has.
pub const PARTS: usize = 6;

/// Runs every part concurrently. DNS faults become findings with verdict `unknown`.
pub async fn run(
    services: &Services,
    request: &DomainRequest,
    progress: &Progress,
) -> DomainReport {
    let domain = &request.domain;
    let done = AtomicUsize::new(0);
    let counted = |part: PartName, work| track(part, work, &done, progress);
    let parts = futures::join!(
        counted(PartName::Mx, Box::pin(mx::check(services, domain))),
        counted(PartName::Spf, Box::pin(spf::check(services, domain))),
        counted(PartName::Dkim, Box::pin(dkim::check(services, domain))),
        counted(PartName::Dmarc, Box::pin(dmarc::check(services, domain))),
        counted(
            PartName::Autoconfig,
            Box::pin(autoconfig::check(services, domain))
        ),
        counted(PartName::MtaSts, Box::pin(mta_sts::check(services, domain))),
    );
    DomainReport {
        domain: domain.as_str().to_string(),
        display_domain: domain.to_unicode(),
        provider: services.catalog.settings.provider.clone(),
        parts: vec![parts.0, parts.1, parts.2, parts.3, parts.4, parts.5],
    }
}

/// A part's work, reporting "3/6 parts checked" when it is done.
async fn track(
    part: PartName,
    work: std::pin::Pin<Box<dyn Future<Output = Part> + Send + '_>>,
    done: &AtomicUsize,
    progress: &Progress,
) -> Part {
    let result = work.await;
    debug_assert_eq!(result.part, part);
    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
    progress.report(
        finished,
        PARTS,
        format!("{finished}/{PARTS} parts checked, {} done", part.label()),
    );
    result
}
