//! SPF (RFC 7208): the `check_host()` evaluator and a linter of a domain's record tree.
//!
//! [`check_host`] answers "may this address send mail as this domain?" with one of the
//! seven results, a one-sentence reason, the explanation a failing domain publishes,
//! and a trace of every term evaluated with the DNS lookups counted as the RFC counts
//! them. [`lint`] reads a domain's whole tree (includes and redirects) as a receiver
//! meets it for any sender, and lists what would break or weaken it.
//!
//! Every lookup goes through one run's [`Lookups`] (over the shared resolver, so every
//! query is bounded in time): a budget of queries for the whole run, each name and type
//! asked once, a few queries in flight at once. Both fetch the records of one level of
//! the tree at once: a `/domain` check costs about one DNS round trip per level, not
//! one per record.
//!
//! As a check (`check spf`, `/spf`) it has the house shape: [`SpfRequest::from_input`],
//! [`run`], the verdict rules (`verdict`) and [`SpfReport`]; `/domain` uses
//! [`check_host`] and [`lint`] directly.
//!
//! - `request`: what the user typed, as sender, client address and HELO name: what a
//!   receiver gets, bounded, without control characters.
//! - `report`, `verdict`: the report and what a receiver concludes from it.
//! - [`record`]: one record's text parsed into terms.
//! - [`macros`]: macro strings (§7) parsed and expanded.
//! - [`eval`]: `check_host()` itself (§4, §5, §6).
//! - [`lookups`]: the DNS lookups of one run, its budget and its cache.
//! - [`lint`](mod@lint): the tree as a whole.

pub mod eval;
pub mod lint;
pub mod lookups;
pub mod macros;
pub mod record;
mod report;
mod request;
mod verdict;

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::checks::{Progress, Services};

pub use lint::{Lint, LintFinding, Severity};
pub use lookups::Lookups;
pub use report::SpfReport;
pub use request::{Field, SpfRequest, SpfRequestError, MAX_HELO_LEN, MAX_SENDER_LEN};

/// Runs `check spf`: one `check_host()` for the request. Its work is bounded by the
/// RFC's own limits (10 DNS-querying terms, 2 void lookups, 20 seconds), by the run's
/// budget of queries ([`lookups::MAX_LOOKUPS`]) and by the resolver's deadline on
/// every lookup; the client address is never contacted.
pub async fn run(services: &Services, request: &SpfRequest, _progress: &Progress) -> SpfReport {
    let lookups = Lookups::new(&services.resolver);
    let evaluation = check_host(&lookups, &request.query()).await;
    SpfReport::new(request, evaluation)
}

/// The result of `check_host()` (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// No SPF record, or no valid domain to look one up for (§2.6.1).
    None,
    /// The domain says nothing about this address (§2.6.2).
    Neutral,
    /// The address may send as the domain (§2.6.3).
    Pass,
    /// The address may not (§2.6.4).
    Fail,
    /// Probably not, but the domain does not want rejection (§2.6.5).
    Softfail,
    /// A transient DNS error; a later retry may succeed (§2.6.6).
    Temperror,
    /// The records cannot be interpreted: a domain's mistake (§2.6.7).
    Permerror,
}

impl SpfResult {
    /// The name of the result as the RFC and Received-SPF headers write it.
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::Softfail => "softfail",
            SpfResult::Temperror => "temperror",
            SpfResult::Permerror => "permerror",
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The inputs of `check_host()` (§4.1), plus the HELO name for the `%{h}` macro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfQuery {
    /// The client's address. An IPv4-mapped IPv6 address is evaluated as IPv4.
    pub ip: IpAddr,
    /// The domain whose policy is checked: ASCII (A-labels), no trailing dot.
    pub domain: String,
    /// The MAIL FROM address. Empty means the null sender (`postmaster@<helo>`); a
    /// sender without a local part gets `postmaster` (§4.3).
    pub sender: String,
    /// The HELO/EHLO name, when known.
    pub helo: Option<String>,
}

/// What `check_host()` found.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub result: SpfResult,
    /// The domain's `exp=` text, expanded; only for `fail` (§6.2).
    pub explanation: Option<String>,
    /// One sentence: why this result (the term that matched, or what went wrong).
    pub reason: String,
    /// Every term evaluated, in order.
    pub trace: Vec<TraceStep>,
    /// DNS-querying terms evaluated (§4.6.4: more than 10 is a permerror).
    pub dns_lookups: usize,
    /// Lookups that found nothing (§4.6.4: more than 2 is a permerror).
    pub void_lookups: usize,
}

/// One term evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct TraceStep {
    /// 0 for the domain asked about, 1 inside its include or redirect, and so on.
    pub depth: usize,
    /// The domain whose record holds the term.
    pub domain: String,
    /// The term as written, e.g. `include:_spf.example.net` or `-all`.
    pub term: String,
    pub outcome: TraceOutcome,
    /// What was found, e.g. "mail.example.com has 192.0.2.1".
    pub detail: String,
    /// DNS-querying terms counted so far, this one included.
    pub dns_lookups: usize,
    /// Void lookups counted so far.
    pub void_lookups: usize,
}

/// How one term came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceOutcome {
    /// The mechanism matched: its qualifier is the result.
    Matched,
    /// The mechanism did not match; evaluation went on.
    NoMatch,
    /// A `redirect=` that was followed, or an `exp=` whose text was read.
    Followed,
    /// An `exp=` that gave no explanation (which is not an error, §6.2).
    Ignored,
    /// The term ended the evaluation with temperror or permerror.
    Error,
}

/// Runs `check_host()` (RFC 7208 §4) for one client address and domain, with the
/// lookups (budget and cache) of the run it is part of.
pub async fn check_host(lookups: &Lookups, query: &SpfQuery) -> Evaluation {
    eval::check_host(lookups, query).await
}

/// Lints the record tree of `domain` as receivers meet it for any sender, with the
/// lookups (budget and cache) of the run it is part of.
pub async fn lint(lookups: &Lookups, domain: &str) -> Lint {
    lint::lint(lookups, domain).await
}

/// Longest text from DNS that reaches a reason, explanation or trace.
pub const MAX_TEXT: usize = 512;

/// Longest record text a [`Lint`] keeps: records can be long, but not this long.
pub const MAX_RECORD_TEXT: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_serialise_in_lower_case() {
        let all = [
            SpfResult::None,
            SpfResult::Neutral,
            SpfResult::Pass,
            SpfResult::Fail,
            SpfResult::Softfail,
            SpfResult::Temperror,
            SpfResult::Permerror,
        ];
        for result in all {
            let json = serde_json::to_string(&result).unwrap();
            assert_eq!(json, format!("\"{result}\""));
        }
        assert_eq!(
            serde_json::to_string(&TraceOutcome::NoMatch).unwrap(),
            "\"no_match\""
        );
    }
}
