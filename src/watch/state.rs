//! What a watch's check saw, kept as the watch's state: only what a change is made
//! of, so that two results compare by meaning (not by timings or wording).
//!
//! - Blocklists: the lists that list each address, with what the list says and its
//!   pages. A list that could not answer (timeout, SERVFAIL, refusal, failed
//!   self-test) keeps the state it had: **unknown is never a change**. When the
//!   resolver itself fails every list, [`State::resolver_failed`] says so and the
//!   scheduler tells it once for all watches.
//! - Domain: each part's verdict and sentence; a part that could not be checked
//!   (UNKNOWN) keeps its state.
//! - Server: up or down (the first failing step and why), the certificate, and the
//!   expiry threshold last crossed (the catalogue's `certificate_expiry_days`:
//!   21, 14, 7, 3, 1).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::checks::blacklist::{BlacklistReport, Status};
use crate::checks::domain::DomainReport;
use crate::checks::net::probe::{ProbeReport, StepKind};
use crate::checks::{Details, Report};
use crate::values::Verdict;

/// A watch's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum State {
    Blocklists(Blocklists),
    Domain(Domain),
    Server(Server),
}

/// The listings of a watched address (or of each address of a host).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocklists {
    /// By `"<address> <zone>"`.
    pub listed: BTreeMap<String, Listing>,
    /// Every list that could answer failed for the resolver's sake, not the list's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolver_failed: bool,
}

/// One list listing one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub address: String,
    /// The list, as people name it.
    pub list: String,
    /// A listing that makes the verdict critical (a major list, not policy).
    pub serious: bool,
    /// What the list's answer means, or its reason text.
    pub why: Option<String>,
    /// The list's page for this address, or its lookup page.
    pub page: String,
    /// Where to ask for delisting.
    pub delist: String,
}

/// A domain's parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// By the part's label (`MX`, `SPF`, …).
    pub parts: BTreeMap<String, PartState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartState {
    pub verdict: Verdict,
    pub summary: String,
}

/// A mail server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub up: bool,
    /// The first step that failed, and why (when down).
    pub failed_step: Option<String>,
    pub cause: Option<String>,
    pub certificate: Option<Certificate>,
}

/// What identifies a certificate, and how long it has left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub valid: bool,
    pub problem: Option<String>,
    /// The nearest expiry threshold at or above `days_left`, if any ([`threshold`]).
    pub threshold: Option<i64>,
}

impl Certificate {
    /// The same certificate (its days left aside).
    pub fn same(&self, other: &Certificate) -> bool {
        (
            &self.subject,
            &self.issuer,
            &self.not_before,
            &self.not_after,
        ) == (
            &other.subject,
            &other.issuer,
            &other.not_before,
            &other.not_after,
        )
    }
}

impl State {
    /// Reads a report into a state; where the report could not tell (a list that
    /// did not answer, a part that could not be checked, a server test that ended
    /// UNKNOWN), `before` is kept. `None` for a report of another kind.
    /// `thresholds` are the catalogue's `certificate_expiry_days`.
    pub fn observe(report: &Report, before: Option<&State>, thresholds: &[u32]) -> Option<State> {
        match (&report.details, before) {
            (Details::Blacklist(report), Some(State::Blocklists(before))) => {
                Some(State::Blocklists(blocklists(report, Some(before))))
            }
            (Details::Blacklist(report), _) => Some(State::Blocklists(blocklists(report, None))),
            (Details::Domain(report), Some(State::Domain(before))) => {
                Some(State::Domain(domain(report, Some(before))))
            }
            (Details::Domain(report), _) => Some(State::Domain(domain(report, None))),
            (Details::Smtp(smtp), before) => {
                Some(server(&smtp.probe, report.verdict, before, thresholds))
            }
            (Details::Imap(imap), before) => {
                Some(server(&imap.probe, report.verdict, before, thresholds))
            }
            (Details::Pop3(pop3), before) => {
                Some(server(&pop3.probe, report.verdict, before, thresholds))
            }
            _ => None,
        }
    }

    /// Whether this state is trouble (reminders repeat while it is): a listing that
    /// is not a policy list; a part that is CRITICAL; a server down, or its
    /// certificate invalid or within a week of expiry.
    pub fn is_bad(&self) -> bool {
        match self {
            State::Blocklists(state) => state.listed.values().any(|listing| listing.serious),
            State::Domain(state) => state
                .parts
                .values()
                .any(|part| part.verdict == Verdict::Critical),
            State::Server(state) => {
                !state.up
                    || state
                        .certificate
                        .as_ref()
                        .is_some_and(|cert| !cert.valid || cert.days_left <= 7)
            }
        }
    }

    /// The state as the store keeps it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A kept state; `None` when it cannot be read (then the next result is a new
    /// baseline rather than a false alarm).
    pub fn from_json(text: &str) -> Option<State> {
        serde_json::from_str(text).ok()
    }
}

fn blocklists(report: &BlacklistReport, before: Option<&Blocklists>) -> Blocklists {
    let mut listed = BTreeMap::new();
    for result in &report.results {
        let key = format!("{} {}", result.address, result.zone);
        match result.status {
            Status::Listed => {
                let why = result.reason.clone().or_else(|| result.meaning.clone());
                listed.insert(
                    key,
                    Listing {
                        address: result.address.to_string(),
                        list: result.name.clone(),
                        serious: !result.policy,
                        why,
                        page: result.page().to_string(),
                        delist: result.delist_url.clone(),
                    },
                );
            }
            Status::Clean => {}
            // Unknown: whatever it was stays.
            Status::Error => {
                if let Some(kept) = before.and_then(|before| before.listed.get(&key)) {
                    listed.insert(key, kept.clone());
                }
            }
        }
    }
    let answered = report
        .results
        .iter()
        .any(|result| result.status != Status::Error);
    Blocklists {
        listed,
        resolver_failed: report.resolver_hides_lists || (!report.results.is_empty() && !answered),
    }
}

fn domain(report: &DomainReport, before: Option<&Domain>) -> Domain {
    let mut parts = BTreeMap::new();
    for part in &report.parts {
        let label = part.part.label().to_string();
        let state = PartState {
            verdict: part.verdict,
            summary: part.summary.clone(),
        };
        if part.verdict == Verdict::Unknown {
            if let Some(kept) = before.and_then(|before| before.parts.get(&label)) {
                parts.insert(label, kept.clone());
            }
            continue;
        }
        parts.insert(label, state);
    }
    Domain { parts }
}

fn server<N: StepKind>(
    probe: &ProbeReport<N>,
    verdict: Verdict,
    before: Option<&State>,
    thresholds: &[u32],
) -> State {
    let failed = probe
        .steps
        .iter()
        .find(|step| step.verdict == Some(Verdict::Critical));
    let certificate = probe
        .tls
        .as_ref()
        .and_then(|tls| tls.certificate.as_ref())
        .map(|cert| Certificate {
            subject: cert.subject.clone(),
            issuer: cert.issuer.clone(),
            not_before: cert.not_before.clone(),
            not_after: cert.not_after.clone(),
            days_left: cert.days_left,
            valid: cert.valid,
            problem: cert.problem.clone(),
            threshold: threshold(cert.days_left, thresholds),
        });
    // A test that could not tell (UNKNOWN, no failing step) keeps the state.
    if failed.is_none() && verdict == Verdict::Unknown {
        if let Some(State::Server(before)) = before {
            return State::Server(before.clone());
        }
    }
    State::Server(Server {
        up: failed.is_none(),
        failed_step: failed.map(|step| step.name.label().to_string()),
        cause: failed.map(|step| step.detail.clone()),
        // Down before the handshake: the certificate last seen stays known.
        certificate: certificate.or_else(|| match before {
            Some(State::Server(before)) if failed.is_some() => before.certificate.clone(),
            _ => None,
        }),
    })
}

/// The nearest of `thresholds` (days to expiry) at or above `days_left`: the one
/// last crossed.
pub fn threshold(days_left: i64, thresholds: &[u32]) -> Option<i64> {
    thresholds
        .iter()
        .map(|&days| i64::from(days))
        .filter(|&days| days_left <= days)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(address: &str, list: &str) -> (String, Listing) {
        (
            format!("{address} {list}"),
            Listing {
                address: address.into(),
                list: list.into(),
                serious: true,
                why: None,
                page: "https://example.net/lookup".into(),
                delist: "https://example.net/delist".into(),
            },
        )
    }

    #[test]
    fn a_state_survives_the_store() {
        let state = State::Blocklists(Blocklists {
            listed: [listing("192.0.2.1", "zen.example")].into_iter().collect(),
            resolver_failed: false,
        });
        assert_eq!(State::from_json(&state.to_json()), Some(state.clone()));
        assert!(state.is_bad());
        assert_eq!(State::from_json("not json"), None);
    }

    #[test]
    fn thresholds_are_the_smallest_at_or_above_the_days_left() {
        let pick = |days: i64| threshold(days, &[21, 14, 7, 3, 1]);
        assert_eq!(pick(30), None);
        assert_eq!(pick(21), Some(21));
        assert_eq!(pick(13), Some(14));
        assert_eq!(pick(2), Some(3));
        assert_eq!(pick(-4), Some(1));
    }
}
