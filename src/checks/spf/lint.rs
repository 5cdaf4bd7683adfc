//! The linter: a domain's whole SPF tree (its record, the records it includes and
//! redirects to) read as receivers meet it for any sender, with what would make them
//! return permerror or weaken the policy.
//!
//! The tree is read level by level: every record of one level, and every name its
//! `a`/`mx`/`exists` terms name (to find void lookups), is fetched concurrently, so
//! a tree costs about one DNS round trip per level.
//!
//! What it reads is bounded, since the tree is whatever a domain's owner publishes and
//! its names may lie in anyone's zone: at most [`MAX_RECORDS`] records, at most
//! [`MAX_NAMES`] names of `a`/`mx`/`exists` terms looked up (receivers evaluate no
//! more than 10 DNS-querying terms, so more say nothing new: the count of terms says
//! "too many lookups" without them), every query within the run's budget
//! ([`Lookups`]), and at most [`MAX_FINDINGS`] findings. Whatever was left out is
//! said in one finding: the tree was cut off.

use std::collections::HashMap;

use futures::future::join_all;
use serde::Serialize;

use super::eval::{check_domain, MAX_DNS_TERMS, MAX_NAMES_PER_TERM, MAX_VOID_LOOKUPS};
use super::lookups::Lookups;
use super::macros::truncate_domain;
use super::record::{self, Mechanism, Qualifier, Record};
use super::{MAX_RECORD_TEXT, MAX_TEXT};
use crate::checks::net::resolver::{DnsAnswer, MxData};
use crate::wording::printable_within;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Receivers return permerror, or anyone may send as the domain.
    Critical,
    /// Works, but is fragile, slow or deprecated.
    Warning,
    /// Worth knowing.
    Info,
}

/// One thing the linter found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub severity: Severity,
    /// A sentence for people.
    pub text: String,
}

/// The tree of one domain.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    /// Every SPF record read, as (domain, record text), level by level.
    pub records: Vec<(String, String)>,
    /// DNS-querying terms across the tree (§4.6.4: receivers stop after 10).
    pub dns_terms: usize,
    /// Terms whose names have no records (§4.6.4: receivers stop after 2).
    pub void_lookups: usize,
    /// Most severe first.
    pub findings: Vec<LintFinding>,
    /// The domain's own TXT records could not be looked up (a DNS failure): what it
    /// publishes is unknown, not missing.
    pub root_failed: bool,
    /// Part of the tree was left unread (a finding says what and why).
    pub cut_off: bool,
    /// The run's budget of queries was spent while the tree was read (the cut-off
    /// finding says so).
    pub over_budget: bool,
}

/// Records read. One evaluation reads at most 11 (the domain's and 10 includes or
/// redirects, §4.6.4), so a tree of more already has too many lookups; 20 shows what
/// lies past the limit without reading a hostile tree whole (a record can be 64 KB,
/// and costs two queries: UDP, then TCP).
pub const MAX_RECORDS: usize = 20;

/// Names of `a`, `mx` and `exists` terms looked up: a receiver evaluates at most this
/// many DNS-querying terms (§4.6.4), so no more of these names can ever be looked up.
pub const MAX_NAMES: usize = MAX_DNS_TERMS;

/// Findings kept, most severe first; a sound tree has a handful.
pub const MAX_FINDINGS: usize = 20;

/// A record to read: where, and how it was reached.
#[derive(Debug, Clone)]
struct Node {
    domain: String,
    /// The domains above it, to find loops.
    ancestors: Vec<String>,
    /// The term that led here and the domain holding it; `None` for the root.
    via: Option<(String, String)>,
}

/// One question of a level.
#[derive(Debug, Clone)]
enum Probe {
    Record(Node),
    /// The names an `a`, `mx` or `exists` term would look up: void or not.
    Void {
        kind: Kind,
        name: String,
        term: String,
        holder: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Txt,
    /// A and AAAA: void when the name has neither.
    Addresses,
    /// A only (`exists`, §5.7).
    A,
    Mx,
}

#[derive(Debug, Clone)]
enum Answer {
    Txt(DnsAnswer<String>),
    Addresses { void: bool, failure: Option<String> },
    Mx(DnsAnswer<MxData>),
}

impl Probe {
    fn key(&self) -> (Kind, String) {
        match self {
            Probe::Record(node) => (Kind::Txt, node.domain.clone()),
            Probe::Void { kind, name, .. } => (*kind, name.clone()),
        }
    }
}

/// Lints the tree of `domain`, every lookup through the run's `lookups`.
pub async fn lint(lookups: &Lookups, domain: &str) -> Lint {
    let domain = domain.trim();
    let domain = domain
        .strip_suffix('.')
        .unwrap_or(domain)
        .to_ascii_lowercase();
    let mut linter = Linter {
        root: domain.clone(),
        lint: Lint {
            records: Vec::new(),
            dns_terms: 0,
            void_lookups: 0,
            findings: Vec::new(),
            root_failed: false,
            cut_off: false,
            over_budget: false,
        },
        planned: 1,
        names: 0,
        unread: None,
        unasked: 0,
        unkept: 0,
    };
    if let Err(why) = check_domain(&domain) {
        linter.find(
            Severity::Critical,
            format!("{domain:?} is not a valid domain name ({why}), so it has no SPF policy (RFC 7208 §4.3)"),
        );
        return linter.lint;
    }
    let mut level = vec![Probe::Record(Node {
        domain,
        ancestors: Vec::new(),
        via: None,
    })];
    while !level.is_empty() {
        let answers = ask_all(lookups, &level).await;
        let mut next = Vec::new();
        for probe in level {
            let answer = answers[&probe.key()].clone();
            match probe {
                Probe::Record(node) => linter.read_record(node, answer, &mut next),
                Probe::Void {
                    kind: _,
                    name,
                    term,
                    holder,
                } => linter.read_void(&name, &term, &holder, answer),
            }
        }
        level = next;
    }
    linter.totals(lookups);
    linter.lint
}

/// Asks every distinct question of a level at once (the run's lookups bound how many
/// are in flight).
async fn ask_all(lookups: &Lookups, level: &[Probe]) -> HashMap<(Kind, String), Answer> {
    let mut keys: Vec<(Kind, String)> = level.iter().map(Probe::key).collect();
    keys.sort_by(|a, b| a.1.cmp(&b.1).then((a.0 as u8).cmp(&(b.0 as u8))));
    keys.dedup();
    let answers = join_all(keys.iter().map(|(kind, name)| ask(lookups, *kind, name))).await;
    keys.into_iter().zip(answers).collect()
}

async fn ask(lookups: &Lookups, kind: Kind, name: &str) -> Answer {
    match kind {
        Kind::Txt => Answer::Txt(lookups.txt(name).await),
        Kind::Mx => Answer::Mx(lookups.mx(name).await),
        Kind::A => {
            let v4 = lookups.ipv4(name).await;
            Answer::Addresses {
                void: matches!(v4, DnsAnswer::NoData | DnsAnswer::NxDomain),
                failure: v4.failure().map(ToString::to_string),
            }
        }
        Kind::Addresses => {
            let (v4, v6) = futures::join!(lookups.ipv4(name), lookups.ipv6(name));
            let void = |records: Option<usize>, failed: bool| records.is_none() && !failed;
            let v4_void = void(v4.records().map(<[_]>::len), v4.failure().is_some());
            let v6_void = void(v6.records().map(<[_]>::len), v6.failure().is_some());
            Answer::Addresses {
                void: v4_void && v6_void,
                failure: v4.failure().or(v6.failure()).map(ToString::to_string),
            }
        }
    }
}

struct Linter {
    root: String,
    lint: Lint,
    /// Records read or queued, bounded by [`MAX_RECORDS`].
    planned: usize,
    /// Names of `a`/`mx`/`exists` terms queued, bounded by [`MAX_NAMES`].
    names: usize,
    /// The first include or redirect not followed for [`MAX_RECORDS`], and where.
    unread: Option<(String, String)>,
    /// Names of `a`/`mx`/`exists` terms not looked up for [`MAX_NAMES`].
    unasked: usize,
    /// Findings not kept: past [`MAX_FINDINGS`] of their severity while reading, and
    /// past [`MAX_FINDINGS`] in all at the end.
    unkept: usize,
}

impl Linter {
    /// Keeps a finding; at most [`MAX_FINDINGS`] of each severity are held while the
    /// tree is read, enough to keep the most severe at the end.
    fn find(&mut self, severity: Severity, text: String) {
        let held = self
            .lint
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .count();
        if held >= MAX_FINDINGS {
            self.unkept += 1;
            return;
        }
        self.lint.findings.push(LintFinding {
            severity,
            text: printable_within(&text, MAX_TEXT),
        });
    }

    /// Queues the lookup of a name an `a`, `mx` or `exists` term names, unless
    /// [`MAX_NAMES`] are queued already.
    fn probe(&mut self, kind: Kind, name: String, term: &str, holder: &str, next: &mut Vec<Probe>) {
        if self.names >= MAX_NAMES {
            self.unasked += 1;
            return;
        }
        self.names += 1;
        next.push(Probe::Void {
            kind,
            name,
            term: term.to_string(),
            holder: holder.to_string(),
        });
    }

    /// One record's answer: §4.4 failure, §4.5 selection, §4.6 syntax, then its terms.
    fn read_record(&mut self, node: Node, answer: Answer, next: &mut Vec<Probe>) {
        let Answer::Txt(answer) = answer else { return };
        let domain = node.domain.clone();
        let texts = match answer {
            DnsAnswer::Records(found) => found.records,
            DnsAnswer::Failed(failure) => {
                self.lint.root_failed |= node.via.is_none();
                self.find(
                    Severity::Warning,
                    format!("the TXT lookup of {domain} failed ({failure}): until it answers, receivers return temperror (RFC 7208 §4.4)"),
                );
                return;
            }
            DnsAnswer::NoData | DnsAnswer::NxDomain => Vec::new(),
        };
        let mut spf: Vec<String> = texts
            .into_iter()
            .filter(|text| record::is_spf_record(text))
            .collect();
        if spf.is_empty() {
            match &node.via {
                None => self.find(
                    Severity::Warning,
                    format!("{domain} has no SPF record: receivers get the result none and cannot tell its servers from forgers (RFC 7208 §4.5)"),
                ),
                Some((term, holder)) => self.find(
                    Severity::Critical,
                    format!("\"{term}\" in {holder} points to {domain}, which has no SPF record: receivers return permerror (RFC 7208 §5.2, §6.1)"),
                ),
            }
            return;
        }
        if spf.len() > 1 {
            self.find(
                Severity::Critical,
                format!("{domain} publishes {} SPF records and must publish exactly one: receivers return permerror (RFC 7208 §4.5)", spf.len()),
            );
            for text in spf {
                self.lint
                    .records
                    .push((domain.clone(), printable_within(&text, MAX_RECORD_TEXT)));
            }
            return;
        }
        let text = spf.remove(0);
        self.lint
            .records
            .push((domain.clone(), printable_within(&text, MAX_RECORD_TEXT)));
        match record::parse(&text) {
            Ok(record) => self.read_terms(&node, &record, next),
            Err(err) => self.find(
                Severity::Critical,
                format!("the SPF record of {domain} has a syntax error: {err}; receivers return permerror (RFC 7208 §4.6)"),
            ),
        }
    }

    /// The terms of one record: counts, findings, and what the next level asks.
    fn read_terms(&mut self, node: &Node, record: &Record, next: &mut Vec<Probe>) {
        let domain = node.domain.as_str();
        for directive in &record.directives {
            let term = directive.text.as_str();
            if directive.mechanism.queries_dns() {
                self.lint.dns_terms += 1;
            }
            match &directive.mechanism {
                Mechanism::All if directive.qualifier == Qualifier::Pass => self.find(
                    Severity::Critical,
                    format!("\"{term}\" in {domain} lets every server on the internet pass SPF for {}: anyone may send as the domain (RFC 7208 §5.1)", self.root),
                ),
                Mechanism::Ptr(_) => self.find(
                    Severity::Warning,
                    format!("\"{term}\" in {domain} uses ptr, which is slow and unreliable: RFC 7208 §5.5 says it SHOULD NOT be published; list the servers with ip4/ip6 or a instead"),
                ),
                Mechanism::Include(spec) => match spec.literal() {
                    Some(target) => self.follow(node, term, &target, next),
                    None => self.find(
                        Severity::Info,
                        format!("\"{term}\" in {domain} has macros: its target depends on the sender, so it is not followed here"),
                    ),
                },
                Mechanism::A { .. } | Mechanism::Mx { .. } | Mechanism::Exists(_)
                    if self.names >= MAX_NAMES =>
                {
                    self.unasked += 1;
                }
                Mechanism::A { domain: spec, .. } | Mechanism::Mx { domain: spec, .. } => {
                    let target = match spec {
                        None => Some(domain.to_string()),
                        Some(spec) => spec.literal().map(|t| truncate_domain(&t)),
                    };
                    let kind = if matches!(directive.mechanism, Mechanism::Mx { .. }) {
                        Kind::Mx
                    } else {
                        Kind::Addresses
                    };
                    if let Some(target) = target.filter(|t| check_domain(t).is_ok()) {
                        self.probe(kind, target, term, domain, next);
                    }
                }
                Mechanism::Exists(spec) => {
                    if let Some(target) = spec.literal().map(|t| truncate_domain(&t)) {
                        if check_domain(&target).is_ok() {
                            self.probe(Kind::A, target, term, domain, next);
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some((spec, term)) = &record.redirect {
            if record.has_all() {
                self.find(
                    Severity::Info,
                    format!("\"{term}\" in {domain} is ignored because the record has an all mechanism (RFC 7208 §6.1)"),
                );
            } else {
                self.lint.dns_terms += 1;
                match spec.literal() {
                    Some(target) => self.follow(node, term, &target, next),
                    None => self.find(
                        Severity::Info,
                        format!("\"{term}\" in {domain} has macros: its target depends on the sender, so it is not followed here"),
                    ),
                }
            }
        }
        for modifier in &record.unknown_modifiers {
            let name = modifier.name.to_ascii_lowercase();
            if ["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"].contains(&name.as_str())
            {
                let fixed = modifier.text.replacen('=', ":", 1);
                self.find(
                    Severity::Warning,
                    format!("\"{}\" in {domain} is read as an unknown modifier and ignored (RFC 7208 §6); did you mean \"{fixed}\"?", modifier.text),
                );
            }
        }
        if node.via.is_none() && !record.has_all() && record.redirect.is_none() {
            self.find(
                Severity::Info,
                format!("the SPF record of {domain} ends without an all mechanism: servers it does not list get neutral, as with ?all (RFC 7208 §4.7)"),
            );
        }
    }

    /// Queues an include or redirect target for the next level.
    fn follow(&mut self, node: &Node, term: &str, target: &str, next: &mut Vec<Probe>) {
        let domain = node.domain.as_str();
        let target = truncate_domain(target).to_ascii_lowercase();
        if let Err(why) = check_domain(&target) {
            self.find(
                Severity::Critical,
                format!("\"{term}\" in {domain} names {target:?}, which is not a valid domain ({why}): receivers return permerror (RFC 7208 §5.2, §6.1)"),
            );
            return;
        }
        if target == domain || node.ancestors.contains(&target) {
            self.find(
                Severity::Critical,
                format!("\"{term}\" in {domain} loops back to {target}: receivers run out of lookups and return permerror (RFC 7208 §4.6.4)"),
            );
            return;
        }
        if self.planned >= MAX_RECORDS {
            // Said once, in the cut-off finding.
            self.unread
                .get_or_insert_with(|| (term.to_string(), domain.to_string()));
            return;
        }
        self.planned += 1;
        let mut ancestors = node.ancestors.clone();
        ancestors.push(domain.to_string());
        next.push(Probe::Record(Node {
            domain: target,
            ancestors,
            via: Some((term.to_string(), domain.to_string())),
        }));
    }

    /// The answer for a name an `a`, `mx` or `exists` term looks up.
    fn read_void(&mut self, name: &str, term: &str, holder: &str, answer: Answer) {
        let (void, failure) = match answer {
            Answer::Addresses { void, failure } => (void, failure),
            Answer::Mx(answer) => match answer {
                DnsAnswer::Records(found) => {
                    if found.records.len() > MAX_NAMES_PER_TERM {
                        self.find(
                            Severity::Critical,
                            format!("\"{term}\" in {holder}: {name} has {} MX names and an mx mechanism may look up at most {MAX_NAMES_PER_TERM}: receivers return permerror (RFC 7208 §4.6.4)", found.records.len()),
                        );
                    }
                    (false, None)
                }
                DnsAnswer::NoData | DnsAnswer::NxDomain => (true, None),
                DnsAnswer::Failed(failure) => (false, Some(failure.to_string())),
            },
            Answer::Txt(_) => (false, None),
        };
        if let Some(failure) = failure {
            self.find(
                Severity::Warning,
                format!("the lookup of {name} for \"{term}\" in {holder} failed ({failure}): receivers return temperror while it does (RFC 7208 §5)"),
            );
        }
        if void {
            self.lint.void_lookups += 1;
            self.find(
                Severity::Info,
                format!("\"{term}\" in {holder} looks up {name}, which has no records: a void lookup (RFC 7208 §4.6.4)"),
            );
        }
    }

    /// Findings on the tree as a whole, then most severe first, at most
    /// [`MAX_FINDINGS`], then what was cut off.
    fn totals(&mut self, lookups: &Lookups) {
        if self.lint.dns_terms > MAX_DNS_TERMS {
            self.find(
                Severity::Critical,
                format!("the SPF tree of {} has {} DNS-querying terms (include, a, mx, ptr, exists, redirect); receivers stop at {MAX_DNS_TERMS} and return permerror for any server not matched before (RFC 7208 §4.6.4)", self.root, self.lint.dns_terms),
            );
        }
        if self.lint.void_lookups > MAX_VOID_LOOKUPS {
            self.find(
                Severity::Critical,
                format!("the SPF tree of {} has {} void lookups (names with no records); receivers stop at {MAX_VOID_LOOKUPS} and return permerror (RFC 7208 §4.6.4)", self.root, self.lint.void_lookups),
            );
        }
        self.lint.findings.sort_by_key(|finding| finding.severity);
        if self.lint.findings.len() > MAX_FINDINGS {
            self.unkept += self.lint.findings.len() - MAX_FINDINGS;
            self.lint.findings.truncate(MAX_FINDINGS);
        }
        self.lint.over_budget = lookups.cut_off();
        let mut left_out = Vec::new();
        if let Some((term, holder)) = &self.unread {
            left_out.push(format!("it has more than {MAX_RECORDS} records, so \"{term}\" in {holder} and the rest were not read"));
        }
        if self.unasked > 0 {
            left_out.push(format!(
                "{} of its a, mx and exists terms were not looked up (this check looks up {MAX_NAMES}, as many as a receiver may evaluate, RFC 7208 §4.6.4)",
                self.unasked
            ));
        }
        if self.lint.over_budget {
            left_out.push(format!(
                "this check's budget of {} DNS queries was spent",
                lookups.budget()
            ));
        }
        if self.unkept > 0 {
            left_out.push(format!("{} more findings are not shown", self.unkept));
        }
        if !left_out.is_empty() {
            self.lint.cut_off = true;
            // Pushed directly: this one is never dropped for the cap.
            self.lint.findings.push(LintFinding {
                severity: Severity::Warning,
                text: printable_within(
                    &format!(
                        "the SPF tree of {} was cut off: {}; the findings cover the part read",
                        self.root,
                        left_out.join("; ")
                    ),
                    MAX_TEXT,
                ),
            });
            self.lint.findings.sort_by_key(|finding| finding.severity);
        }
    }
}
