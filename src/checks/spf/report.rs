//! What `check spf` reports: the question (sender, client address, HELO name), the
//! `check_host()` result with its reason and explanation, and the trace of every term
//! evaluated with the DNS lookups counted.

use std::net::IpAddr;

use serde::Serialize;

use super::{Evaluation, SpfRequest, SpfResult, TraceStep};

/// The `check spf` report.
#[derive(Debug, Clone, Serialize)]
pub struct SpfReport {
    /// The domain whose policy was checked: ASCII when it is a valid domain name,
    /// else as the mail server received it.
    pub domain: String,
    /// The MAIL FROM address; empty for the null sender.
    pub sender: String,
    /// The client address the mail comes from.
    pub ip: IpAddr,
    /// The HELO/EHLO name, normalised when it is a valid domain name, else as received.
    pub helo: Option<String>,
    pub result: SpfResult,
    /// The domain's `exp=` text, expanded: only for `fail` (RFC 7208 §6.2).
    pub explanation: Option<String>,
    /// Why this result: the term that matched, or what went wrong.
    pub reason: String,
    /// Every term evaluated, in order, with the lookups counted so far.
    pub trace: Vec<TraceStep>,
    /// DNS-querying terms evaluated (RFC 7208 §4.6.4: more than 10 is a permerror).
    pub dns_lookups: usize,
    /// Lookups that found nothing (RFC 7208 §4.6.4: more than 2 is a permerror).
    pub void_lookups: usize,
}

impl SpfReport {
    /// The report of one evaluation of `request`.
    pub fn new(request: &SpfRequest, evaluation: Evaluation) -> SpfReport {
        SpfReport {
            domain: request.domain.clone(),
            sender: request.sender_text(),
            ip: request.ip,
            helo: request.helo.clone(),
            result: evaluation.result,
            explanation: evaluation.explanation,
            reason: evaluation.reason,
            trace: evaluation.trace,
            dns_lookups: evaluation.dns_lookups,
            void_lookups: evaluation.void_lookups,
        }
    }
}
