//! `check_host()` (RFC 7208 §4): initial processing, record lookup and selection, the
//! left-to-right evaluation of mechanisms (§5), `redirect=` and `exp=` (§6), and the
//! processing limits (§4.6.4), with a trace of every term.
//!
//! Counting follows the RFC's evaluation order; the only thing done out of order is a
//! prefetch: when a record is read, the records of its `include:` and `redirect=`
//! targets that have no macros are fetched at once, concurrently, so that the sequential
//! evaluation that follows finds them in the run's cache. A prefetch is not a term, so
//! it never counts toward the RFC's limits; it is a query, so it counts against the
//! run's budget ([`Lookups`]), and it fetches no more targets than the terms the RFC
//! still allows could reach.
//!
//! Every lookup goes through the run's [`Lookups`]. One that the budget refuses makes
//! the whole evaluation temperror, with a reason saying it was the bot's limit: what a
//! receiver would conclude is then unknown.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::{join_all, BoxFuture, FutureExt};
use tokio::time::Instant;

use super::lookups::Lookups;
use super::macros::{Context, MacroString, MacroValues, MAX_DOMAIN_LEN};
use super::record::{self, Directive, DualCidr, Mechanism, Qualifier, Record};
use super::{Evaluation, SpfQuery, SpfResult, TraceOutcome, TraceStep, MAX_TEXT};
use crate::checks::net::resolver::{DnsAnswer, DnsFailure};
use crate::wording::printable_within;

/// §4.6.4: at most 10 terms that query DNS over the whole evaluation.
pub const MAX_DNS_TERMS: usize = 10;
/// §4.6.4: at most 2 void lookups ("SHOULD limit void lookups to two").
pub const MAX_VOID_LOOKUPS: usize = 2;
/// §4.6.4: an `mx` looks up at most 10 names; `ptr` and `%{p}` use at most 10 names.
pub const MAX_NAMES_PER_TERM: usize = 10;
/// §4.6.4: "MTAs or other processors SHOULD impose a limit on the maximum amount of
/// elapsed time to evaluate check_host(). Such a limit SHOULD allow at least 20 seconds.
/// If such a limit is exceeded, the result of authorization SHOULD be temperror."
pub const MAX_ELAPSED: Duration = Duration::from_secs(20);

/// Runs `check_host()` for a query.
pub async fn check_host(lookups: &Lookups, query: &SpfQuery) -> Evaluation {
    let domain = query.domain.trim();
    let domain = domain.strip_suffix('.').unwrap_or(domain).to_string();
    let helo = query
        .helo
        .as_deref()
        .map(str::trim)
        .filter(|helo| !helo.is_empty());
    let (local, sender_domain) = sender_parts(&query.sender, helo.unwrap_or(&domain));
    let mut evaluator = Evaluator {
        lookups,
        ip: client_ip(query.ip),
        sender: format!("{local}@{sender_domain}"),
        local,
        sender_domain,
        // §7.3 gives no value for an unknown HELO name; "unknown" is the RFC's word
        // for the other values that cannot be had (p, r).
        helo: helo.unwrap_or("unknown").to_string(),
        timestamp: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or_default(),
        deadline: Instant::now() + MAX_ELAPSED,
        timed_out: false,
        over_budget: false,
        dns_lookups: 0,
        void_lookups: 0,
        trace: Vec::new(),
        ptr_cache: None,
    };
    let mut outcome = evaluator.check_host_at(domain, 0, false).await;
    if evaluator.timed_out {
        outcome = Outcome::error(
            SpfResult::Temperror,
            format!(
                "the evaluation took longer than {} seconds, the limit for check_host() (RFC 7208 §4.6.4)",
                MAX_ELAPSED.as_secs()
            ),
        );
    } else if evaluator.over_budget {
        outcome = Outcome::error(
            SpfResult::Temperror,
            format!(
                "the evaluation needed more DNS queries than this check's budget of {} allows (the bot's own limit, not RFC 7208's), so what a receiver concludes is unknown",
                lookups.budget()
            ),
        );
    }
    Evaluation {
        result: outcome.result,
        explanation: outcome
            .explanation
            .map(|text| printable_within(&text, MAX_TEXT)),
        reason: printable_within(&outcome.reason, MAX_TEXT),
        trace: evaluator.trace,
        dns_lookups: evaluator.dns_lookups,
        void_lookups: evaluator.void_lookups,
    }
}

/// The local part and domain of the sender (§4.3): a sender without a local part gets
/// `postmaster`; the null sender is `postmaster@<helo>` (§2.4).
fn sender_parts(sender: &str, helo: &str) -> (String, String) {
    let sender = sender.trim();
    let sender = sender
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(sender);
    if sender.is_empty() {
        return ("postmaster".to_string(), helo.to_string());
    }
    let (local, domain) = match sender.rsplit_once('@') {
        Some((local, domain)) => (local, domain),
        None => ("", sender),
    };
    let local = if local.is_empty() {
        "postmaster"
    } else {
        local
    };
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    (local.to_string(), domain.to_string())
}

/// An IPv4-mapped IPv6 client (RFC 4291 §2.5.5.2) is an IPv4 client: RFC 7208 §5 asks
/// implementations to check A records for it, and RFC 4408 §5 said it plainly ("MUST
/// still be considered an IPv4 address").
fn client_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `name` can be looked up: §4.3 "malformed (e.g., label longer than 63
/// characters, zero-length label not at the end, etc.) or is not a multi-label domain
/// name". `Err` says why. A label may hold any visible ASCII character or a space:
/// DNS carries any octet (RFC 2181 §11), and macros build names such as
/// `macro%percent  space.example.com` (§7.1). An address, bare or as a literal
/// (`192.0.2.1`, `[192.0.2.1]`, HELO names clients send), is no domain (§2.3): no
/// top label is all digits (§7.1 `toplabel`).
pub fn check_domain(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("it is empty".to_string());
    }
    if name.len() > MAX_DOMAIN_LEN {
        return Err(format!(
            "it is {} characters long, more than DNS allows ({MAX_DOMAIN_LEN})",
            name.len()
        ));
    }
    if name.starts_with('[') && name.ends_with(']') {
        return Err("it is an address literal, not a domain name".to_string());
    }
    if let Some(bad) = name.chars().find(|c| !c.is_ascii_graphic() && *c != ' ') {
        return Err(format!(
            "it contains the character U+{:04X}",
            u32::from(bad)
        ));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("it has an empty label".to_string());
        }
        if label.len() > 63 {
            return Err(format!(
                "the label {:?} is longer than 63 characters",
                label
            ));
        }
    }
    if !name.contains('.') {
        return Err("it is a single label, not a fully qualified domain".to_string());
    }
    let top = name.rsplit('.').next().unwrap_or_default();
    if top.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err("it is an IP address, not a domain name".to_string());
    }
    Ok(())
}

/// How one `check_host()` (or the whole evaluation) ended.
struct Outcome {
    result: SpfResult,
    reason: String,
    explanation: Option<String>,
    /// For none: why there is no record, in a few words ("NXDOMAIN"), so that an
    /// include or redirect can say it without repeating the whole sentence.
    cause: Option<String>,
}

impl Outcome {
    fn error(result: SpfResult, reason: String) -> Outcome {
        Outcome {
            result,
            reason,
            explanation: None,
            cause: None,
        }
    }

    /// §4.3, §4.5: no record at `domain`, for `cause`.
    fn none(domain: &str, cause: String, section: &str) -> Outcome {
        Outcome {
            result: SpfResult::None,
            reason: format!("{domain} has no SPF record ({cause}) (RFC 7208 {section})"),
            explanation: None,
            cause: Some(cause),
        }
    }

    /// The cause of a none, for the sentence of the include or redirect that met it.
    fn cause(&self) -> &str {
        self.cause.as_deref().unwrap_or(&self.reason)
    }
}

/// An error that ends the whole evaluation: temperror or permerror, with the reason.
struct Abort {
    result: SpfResult,
    reason: String,
}

fn permerror(reason: String) -> Abort {
    Abort {
        result: SpfResult::Permerror,
        reason,
    }
}

fn temperror(reason: String) -> Abort {
    Abort {
        result: SpfResult::Temperror,
        reason,
    }
}

/// Whether a mechanism matched, with what was found.
enum Match {
    Yes(String),
    No(String),
}

/// An answer sorted the way §5 reads it.
enum Found<T> {
    Records(Vec<T>),
    /// NXDOMAIN or NODATA: §5 "evaluation of the mechanism continues as if the server
    /// returned no error (RCODE 0) and zero answer records"; a void lookup (§4.6.4).
    Void(&'static str),
    /// The name cannot be looked up (a macro made it invalid): nothing to match.
    Invalid(String),
    Failed(DnsFailure),
}

fn sort<T>(answer: DnsAnswer<T>) -> Found<T> {
    match answer {
        DnsAnswer::Records(found) => Found::Records(found.records),
        DnsAnswer::NoData => Found::Void("no such records (NODATA)"),
        DnsAnswer::NxDomain => Found::Void("the name does not exist (NXDOMAIN)"),
        DnsAnswer::Failed(DnsFailure::InvalidName(name)) => Found::Invalid(name),
        DnsAnswer::Failed(failure) => Found::Failed(failure),
    }
}

struct Evaluator<'a> {
    lookups: &'a Lookups,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    timestamp: u64,
    deadline: Instant,
    timed_out: bool,
    /// A lookup was refused by the run's budget: the outcome is incomplete.
    over_budget: bool,
    dns_lookups: usize,
    void_lookups: usize,
    trace: Vec<TraceStep>,
    /// The PTR lookup of the client: whether it was void, and the validated names.
    ptr_cache: Option<(bool, Vec<String>)>,
}

impl<'a> Evaluator<'a> {
    /// `check_host(<ip>, domain, <sender>)`: one record evaluated, with its includes and
    /// redirect evaluated recursively. `included` is true inside an include, where no
    /// explanation is used (§6.2). Boxed, since it calls itself.
    fn check_host_at(
        &mut self,
        domain: String,
        depth: usize,
        included: bool,
    ) -> BoxFuture<'_, Outcome> {
        async move {
            // §4.3: a malformed domain has no policy.
            if let Err(why) = check_domain(&domain) {
                let cause = format!("it is not a valid domain name: {why}");
                return Outcome::none(&format!("{domain:?}"), cause, "§4.3");
            }
            let text = match self.fetch_record(&domain).await {
                Ok(text) => text,
                Err(outcome) => return outcome,
            };
            // §4.6: any syntax error anywhere in the record is a permerror.
            let record = match record::parse(&text) {
                Ok(record) => record,
                Err(err) => {
                    let reason = format!(
                        "the SPF record of {domain} has a syntax error: {err}, so receivers return permerror (RFC 7208 §4.6)"
                    );
                    self.step(depth, &domain, &err.term, TraceOutcome::Error, &reason);
                    return Outcome::error(SpfResult::Permerror, reason);
                }
            };
            self.prefetch(&record).await;
            match self.evaluate_record(&record, &domain, depth, included).await {
                Ok(outcome) => outcome,
                Err(abort) => Outcome::error(abort.result, abort.reason),
            }
        }
        .boxed()
    }

    /// §4.4 and §4.5: the one SPF record of `domain`, or the outcome without one.
    async fn fetch_record(&mut self, domain: &str) -> Result<String, Outcome> {
        let answer = self.bounded(self.lookups.txt(domain)).await;
        let texts = match sort(answer) {
            Found::Records(texts) => texts,
            // §4.4: NXDOMAIN → none (§4.3); no TXT at all → no record → none (§4.5).
            Found::Void(why) => return Err(Outcome::none(domain, why.to_string(), "§4.5")),
            Found::Invalid(_) => {
                let cause = "the name cannot be looked up in DNS".to_string();
                return Err(Outcome::none(domain, cause, "§4.3"));
            }
            // §4.4: "If the DNS lookup returns a server failure (RCODE 2) or some other
            // error (RCODE other than 0 or 3), or if the lookup times out, then
            // check_host() terminates immediately with the result temperror."
            Found::Failed(failure) => {
                return Err(Outcome::error(
                    SpfResult::Temperror,
                    format!("the TXT lookup of {domain} failed: {failure} (RFC 7208 §4.4)"),
                ))
            }
        };
        // §4.5: keep the records that begin with "v=spf1"; none → none; two or more → permerror.
        let mut spf: Vec<String> = texts
            .into_iter()
            .filter(|text| record::is_spf_record(text))
            .collect();
        match spf.len() {
            0 => Err(Outcome::none(
                domain,
                "none of its TXT records starts with v=spf1".to_string(),
                "§4.5",
            )),
            1 => Ok(spf.remove(0)),
            n => Err(Outcome::error(
                SpfResult::Permerror,
                format!("{domain} publishes {n} SPF records and must publish exactly one, so receivers return permerror (RFC 7208 §4.5)"),
            )),
        }
    }

    /// Fetches the records of the literal include and redirect targets concurrently, so
    /// that the evaluation finds them in the run's cache. Not a counted term (§4.6.4
    /// counts terms evaluated); each fetch is a query charged to the run's budget.
    async fn prefetch(&mut self, record: &Record) {
        let mut targets: Vec<String> = record
            .directives
            .iter()
            .filter_map(|directive| match &directive.mechanism {
                Mechanism::Include(spec) => spec.literal(),
                _ => None,
            })
            .collect();
        if !record.has_all() {
            if let Some((spec, _)) = &record.redirect {
                targets.extend(spec.literal());
            }
        }
        let mut targets: Vec<String> = targets
            .into_iter()
            .map(|target| super::macros::truncate_domain(&target))
            .filter(|target| check_domain(target).is_ok())
            .collect();
        targets.sort();
        targets.dedup();
        // The evaluation can read no more of them than the terms it has left (§4.6.4):
        // fetching more would spend the budget on records no receiver reads.
        targets.truncate(MAX_DNS_TERMS.saturating_sub(self.dns_lookups));
        if targets.len() < 2 {
            // One target is fetched just as soon by the evaluation itself.
            return;
        }
        let lookups = self.lookups;
        let fetches = join_all(targets.iter().map(|target| lookups.txt(target)));
        if tokio::time::timeout_at(self.deadline, fetches)
            .await
            .is_err()
        {
            self.timed_out = true;
        }
    }

    /// §4.6.2, §4.7, §6.1: the mechanisms left to right, then redirect, then neutral.
    async fn evaluate_record(
        &mut self,
        record: &Record,
        domain: &str,
        depth: usize,
        included: bool,
    ) -> Result<Outcome, Abort> {
        for directive in &record.directives {
            let step = self.step(depth, domain, &directive.text, TraceOutcome::NoMatch, "");
            let found = self
                .evaluate_directive(directive, domain, depth, step)
                .await;
            let found = match found {
                Ok(found) => found,
                Err(abort) => {
                    self.finish(step, TraceOutcome::Error, &abort.reason);
                    return Err(abort);
                }
            };
            let detail = match found {
                Match::No(detail) => {
                    self.finish(step, TraceOutcome::NoMatch, &detail);
                    continue;
                }
                Match::Yes(detail) => detail,
            };
            self.finish(step, TraceOutcome::Matched, &detail);
            // §4.6.2: the qualifier of the first matching mechanism is the result.
            let result = match directive.qualifier {
                Qualifier::Pass => SpfResult::Pass,
                Qualifier::Fail => SpfResult::Fail,
                Qualifier::Softfail => SpfResult::Softfail,
                Qualifier::Neutral => SpfResult::Neutral,
            };
            let reason = format!(
                "\"{}\" in the SPF record of {domain} matched ({detail}), so the result is {result}",
                directive.text
            );
            // §6.2: an explanation only for a fail, from this record's exp=; "during
            // recursion into an include mechanism, an exp modifier from the
            // <target-name> MUST NOT be used" (so it is not even fetched).
            let explanation = if result == SpfResult::Fail && !included {
                self.explain(record, domain, depth).await
            } else {
                None
            };
            return Ok(Outcome {
                result,
                reason,
                explanation,
                cause: None,
            });
        }
        // §6.1: "Any redirect modifier MUST be ignored if there is an all mechanism
        // anywhere in the record" (all always matches, so this is only for clarity).
        if let (Some((spec, text)), false) = (&record.redirect, record.has_all()) {
            return self.redirect(spec, text, domain, depth, included).await;
        }
        // §4.7: no match and no redirect: neutral.
        Ok(Outcome::error(
            SpfResult::Neutral,
            format!("no mechanism in the SPF record of {domain} matched and it has no redirect, so the result is neutral (RFC 7208 §4.7)"),
        ))
    }

    /// §6.1: a new check_host() at the target; "none" there is a permerror here.
    async fn redirect(
        &mut self,
        spec: &MacroString,
        text: &str,
        domain: &str,
        depth: usize,
        included: bool,
    ) -> Result<Outcome, Abort> {
        let step = self.step(depth, domain, text, TraceOutcome::Followed, "");
        if let Err(abort) = self.count_lookup(text, domain, step) {
            self.finish(step, TraceOutcome::Error, &abort.reason);
            return Err(abort);
        }
        let target = self.target(spec, domain).await;
        // §6.1: "if the <target-name> is malformed, the result is a permerror".
        if let Err(why) = check_domain(&target) {
            let reason = format!("\"{text}\" in {domain} names {target:?}, which is not a valid domain ({why}), so receivers return permerror (RFC 7208 §6.1)");
            self.finish(step, TraceOutcome::Error, &reason);
            return Err(permerror(reason));
        }
        self.finish(
            step,
            TraceOutcome::Followed,
            &format!("the SPF record of {target} decides"),
        );
        let inner = self
            .check_host_at(target.clone(), depth + 1, included)
            .await;
        if inner.result == SpfResult::None {
            // §6.1: "if no SPF record is found ... the result is a permerror rather than none".
            let reason = format!("\"{text}\" in {domain} points to {target}, which has no SPF record ({}), so receivers return permerror (RFC 7208 §6.1)", inner.cause());
            self.finish(step, TraceOutcome::Error, &reason);
            return Err(permerror(reason));
        }
        Ok(inner)
    }

    /// One mechanism (§5). DNS-querying ones are counted first (§4.6.4).
    async fn evaluate_directive(
        &mut self,
        directive: &Directive,
        domain: &str,
        depth: usize,
        step: usize,
    ) -> Result<Match, Abort> {
        if directive.mechanism.queries_dns() {
            self.count_lookup(&directive.text, domain, step)?;
        }
        let term = directive.text.as_str();
        match &directive.mechanism {
            // §5.1: all matches always.
            Mechanism::All => Ok(Match::Yes("all matches every address".to_string())),
            Mechanism::Include(spec) => self.include(spec, term, domain, depth).await,
            Mechanism::A { domain: spec, cidr } => {
                let target = self.target_or_domain(spec.as_ref(), domain).await;
                self.a(&target, *cidr, term, domain, step).await
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let target = self.target_or_domain(spec.as_ref(), domain).await;
                self.mx(&target, *cidr, term, domain, step).await
            }
            Mechanism::Ptr(spec) => {
                let target = self.target_or_domain(spec.as_ref(), domain).await;
                self.ptr(&target, term, domain, step).await
            }
            // §5.6: ip4 matches IPv4 clients only, ip6 IPv6 clients only.
            Mechanism::Ip4 { network, prefix } => Ok(match self.ip {
                IpAddr::V4(ip) if in_v4_network(*network, *prefix, ip) => {
                    Match::Yes(format!("{ip} is in {network}/{prefix}"))
                }
                IpAddr::V4(ip) => Match::No(format!("{ip} is not in {network}/{prefix}")),
                IpAddr::V6(_) => {
                    Match::No("the client is IPv6; ip4 matches IPv4 clients".to_string())
                }
            }),
            Mechanism::Ip6 { network, prefix } => Ok(match self.ip {
                IpAddr::V6(ip) if in_v6_network(*network, *prefix, ip) => {
                    Match::Yes(format!("{ip} is in {network}/{prefix}"))
                }
                IpAddr::V6(ip) => Match::No(format!("{ip} is not in {network}/{prefix}")),
                IpAddr::V4(_) => {
                    Match::No("the client is IPv4; ip6 matches IPv6 clients".to_string())
                }
            }),
            Mechanism::Exists(spec) => {
                let target = self.target(spec, domain).await;
                self.exists(&target, term, domain, step).await
            }
        }
    }

    /// §5.2: check_host() at the target; pass matches, fail/softfail/neutral do not,
    /// temperror is temperror, permerror and none are permerror.
    async fn include(
        &mut self,
        spec: &MacroString,
        term: &str,
        domain: &str,
        depth: usize,
    ) -> Result<Match, Abort> {
        let target = self.target(spec, domain).await;
        // §4.3 makes a malformed domain "none", which §5.2 makes a permerror.
        if let Err(why) = check_domain(&target) {
            return Err(permerror(format!("\"{term}\" in {domain} names {target:?}, which is not a valid domain ({why}), so receivers return permerror (RFC 7208 §5.2)")));
        }
        let inner = self.check_host_at(target.clone(), depth + 1, true).await;
        match inner.result {
            SpfResult::Pass => Ok(Match::Yes(format!("the SPF record of {target} passes"))),
            SpfResult::Fail | SpfResult::Softfail | SpfResult::Neutral => Ok(Match::No(format!(
                "the SPF record of {target} gives {}, which is no match",
                inner.result
            ))),
            SpfResult::Temperror => Err(temperror(inner.reason)),
            SpfResult::Permerror => Err(permerror(inner.reason)),
            SpfResult::None => Err(permerror(format!(
                "\"{term}\" in {domain} includes {target}, which has no SPF record ({}), so receivers return permerror (RFC 7208 §5.2)",
                inner.cause()
            ))),
        }
    }

    /// §5.3: the target's A (IPv4 client) or AAAA (IPv6 client) addresses.
    async fn a(
        &mut self,
        target: &str,
        cidr: DualCidr,
        term: &str,
        domain: &str,
        step: usize,
    ) -> Result<Match, Abort> {
        if let Err(why) = check_domain(target) {
            return Ok(Match::No(format!(
                "{target:?} is not a valid domain ({why}); nothing looked up"
            )));
        }
        match self.addresses(target).await {
            Found::Records(addresses) => Ok(self.match_addresses(target, &addresses, cidr)),
            Found::Void(why) => {
                self.count_void(term, domain, step)?;
                Ok(Match::No(format!("{target}: {why}")))
            }
            Found::Invalid(name) => Ok(Match::No(format!("{name:?} cannot be looked up"))),
            Found::Failed(failure) => Err(temperror(format!(
                "the address lookup of {target} for \"{term}\" in {domain} failed: {failure} (RFC 7208 §5)"
            ))),
        }
    }

    /// §5.4: the target's MX names, then each name's addresses; more than 10 names
    /// looked up is a permerror (§4.6.4).
    async fn mx(
        &mut self,
        target: &str,
        cidr: DualCidr,
        term: &str,
        domain: &str,
        step: usize,
    ) -> Result<Match, Abort> {
        if let Err(why) = check_domain(target) {
            return Ok(Match::No(format!(
                "{target:?} is not a valid domain ({why}); nothing looked up"
            )));
        }
        let answer = self.bounded(self.lookups.mx(target)).await;
        let exchanges = match sort(answer) {
            Found::Records(records) => records,
            Found::Void(why) => {
                self.count_void(term, domain, step)?;
                return Ok(Match::No(format!("{target} has no MX: {why}")));
            }
            Found::Invalid(name) => return Ok(Match::No(format!("{name:?} cannot be looked up"))),
            Found::Failed(failure) => {
                return Err(temperror(format!(
                    "the MX lookup of {target} for \"{term}\" in {domain} failed: {failure} (RFC 7208 §5.4)"
                )))
            }
        };
        for (looked_up, exchange) in exchanges.iter().enumerate() {
            // §4.6.4: "the evaluation of each MX record MUST NOT result in querying more
            // than 10 address records ... If this limit is exceeded, the mx mechanism
            // MUST produce a permerror result."
            if looked_up >= MAX_NAMES_PER_TERM {
                return Err(permerror(format!(
                    "\"{term}\" in {domain}: {target} has {} MX names and an mx mechanism may look up at most {MAX_NAMES_PER_TERM} (RFC 7208 §4.6.4)",
                    exchanges.len()
                )));
            }
            // A null MX (RFC 7505) names no host.
            if exchange.exchange == "." {
                continue;
            }
            match self.addresses(&exchange.exchange).await {
                Found::Records(addresses) => {
                    if let Match::Yes(detail) =
                        self.match_addresses(&exchange.exchange, &addresses, cidr)
                    {
                        return Ok(Match::Yes(format!("MX of {target}: {detail}")));
                    }
                }
                Found::Void(_) | Found::Invalid(_) => {}
                Found::Failed(failure) => {
                    return Err(temperror(format!(
                        "the address lookup of {}, an MX of {target}, for \"{term}\" in {domain} failed: {failure} (RFC 7208 §5.4)",
                        exchange.exchange
                    )))
                }
            }
        }
        Ok(Match::No(format!("no MX host of {target} has {}", self.ip)))
    }

    /// §5.5: a validated name of the client equal to or under the target.
    async fn ptr(
        &mut self,
        target: &str,
        term: &str,
        domain: &str,
        step: usize,
    ) -> Result<Match, Abort> {
        let (void, names) = self.validated_names().await;
        if void {
            self.count_void(term, domain, step)?;
        }
        let target_lower = target.to_ascii_lowercase();
        let suffix = format!(".{target_lower}");
        let found = names
            .iter()
            .find(|name| **name == target_lower || name.ends_with(&suffix));
        Ok(match found {
            Some(name) => Match::Yes(format!("{} has the validated name {name}", self.ip)),
            None if names.is_empty() => Match::No(format!("{} has no validated name", self.ip)),
            None => Match::No(format!(
                "the validated names of {} ({}) are not under {target}",
                self.ip,
                names.join(", ")
            )),
        })
    }

    /// §5.7: an A lookup of the target (even for an IPv6 client); any record matches.
    async fn exists(
        &mut self,
        target: &str,
        term: &str,
        domain: &str,
        step: usize,
    ) -> Result<Match, Abort> {
        if let Err(why) = check_domain(target) {
            return Ok(Match::No(format!(
                "{target:?} is not a valid domain ({why}); nothing looked up"
            )));
        }
        let answer = self.bounded(self.lookups.ipv4(target)).await;
        match sort(answer) {
            Found::Records(_) => Ok(Match::Yes(format!("{target} exists"))),
            Found::Void(why) => {
                self.count_void(term, domain, step)?;
                Ok(Match::No(format!("{target}: {why}")))
            }
            Found::Invalid(name) => Ok(Match::No(format!("{name:?} cannot be looked up"))),
            Found::Failed(failure) => Err(temperror(format!(
                "the A lookup of {target} for \"{term}\" in {domain} failed: {failure} (RFC 7208 §5.7)"
            ))),
        }
    }

    /// §6.2: the expanded text of the record's exp=, or none. Failures give no
    /// explanation and are not errors.
    async fn explain(&mut self, record: &Record, domain: &str, depth: usize) -> Option<String> {
        let (spec, text) = record.exp.as_ref()?;
        let step = self.step(depth, domain, text, TraceOutcome::Ignored, "");
        let target = self.target(spec, domain).await;
        let result: Result<String, String> = async {
            check_domain(&target)
                .map_err(|why| format!("{target:?} is not a valid domain ({why})"))?;
            let answer = self.bounded(self.lookups.txt(&target)).await;
            let mut texts = match sort(answer) {
                Found::Records(texts) => texts,
                Found::Void(why) => return Err(format!("{target}: {why}")),
                Found::Invalid(name) => return Err(format!("{name:?} cannot be looked up")),
                Found::Failed(failure) => {
                    return Err(format!("the TXT lookup of {target} failed: {failure}"))
                }
            };
            if texts.len() != 1 {
                return Err(format!(
                    "{target} has {} TXT records instead of one",
                    texts.len()
                ));
            }
            let text = texts.remove(0);
            let explain = MacroString::parse(&text, Context::Explanation)
                .map_err(|why| format!("the text at {target} is not a valid explanation: {why}"))?;
            Ok(self.expand(&explain, domain).await)
        }
        .await;
        match result {
            Ok(explanation) => {
                self.finish(
                    step,
                    TraceOutcome::Followed,
                    &format!("explanation: {}", printable_within(&explanation, MAX_TEXT)),
                );
                Some(explanation)
            }
            Err(why) => {
                self.finish(
                    step,
                    TraceOutcome::Ignored,
                    &format!("no explanation: {why} (RFC 7208 §6.2)"),
                );
                None
            }
        }
    }

    /// §4.6.4: one more DNS-querying term; the 11th is a permerror.
    fn count_lookup(&mut self, term: &str, domain: &str, step: usize) -> Result<(), Abort> {
        self.dns_lookups += 1;
        self.trace[step].dns_lookups = self.dns_lookups;
        if self.dns_lookups > MAX_DNS_TERMS {
            return Err(permerror(format!(
                "\"{term}\" in {domain} is DNS-querying term number {}, over the limit of {MAX_DNS_TERMS} for one evaluation, so receivers return permerror (RFC 7208 §4.6.4)",
                self.dns_lookups
            )));
        }
        Ok(())
    }

    /// §4.6.4: one more term whose lookup found nothing; the 3rd is a permerror.
    fn count_void(&mut self, term: &str, domain: &str, step: usize) -> Result<(), Abort> {
        self.void_lookups += 1;
        self.trace[step].void_lookups = self.void_lookups;
        if self.void_lookups > MAX_VOID_LOOKUPS {
            return Err(permerror(format!(
                "the lookup for \"{term}\" in {domain} found nothing, void lookup number {}, over the limit of {MAX_VOID_LOOKUPS}, so receivers return permerror (RFC 7208 §4.6.4)",
                self.void_lookups
            )));
        }
        Ok(())
    }

    /// The client's addresses of the family that matters (§5: A for an IPv4 client,
    /// AAAA for an IPv6 client).
    async fn addresses(&mut self, name: &str) -> Found<IpAddr> {
        match self.ip {
            IpAddr::V4(_) => {
                let answer = self.bounded(self.lookups.ipv4(name)).await;
                into_ips(sort(answer), IpAddr::V4)
            }
            IpAddr::V6(_) => {
                let answer = self.bounded(self.lookups.ipv6(name)).await;
                into_ips(sort(answer), IpAddr::V6)
            }
        }
    }

    /// §5.3, §5.4: does any address, under the prefix length, hold the client?
    fn match_addresses(&self, name: &str, addresses: &[IpAddr], cidr: DualCidr) -> Match {
        let hit = addresses.iter().find(|address| match (address, self.ip) {
            (IpAddr::V4(address), IpAddr::V4(ip)) => {
                in_v4_network(*address, cidr.v4.unwrap_or(32), ip)
            }
            (IpAddr::V6(address), IpAddr::V6(ip)) => {
                in_v6_network(*address, cidr.v6.unwrap_or(128), ip)
            }
            _ => false,
        });
        match hit {
            Some(address) => {
                let prefix = match (address, cidr) {
                    (IpAddr::V4(_), DualCidr { v4: Some(len), .. }) => format!("/{len}"),
                    (IpAddr::V6(_), DualCidr { v6: Some(len), .. }) => format!("/{len}"),
                    _ => String::new(),
                };
                Match::Yes(format!(
                    "{name} has {address}{prefix}, which holds {}",
                    self.ip
                ))
            }
            None => Match::No(format!("no address of {name} holds {}", self.ip)),
        }
    }

    /// §5.5: the client's PTR names (the first 10) whose own addresses include it.
    /// A failed PTR lookup validates nothing; a failed address lookup skips that name.
    async fn validated_names(&mut self) -> (bool, Vec<String>) {
        if let Some(cached) = &self.ptr_cache {
            return cached.clone();
        }
        let answer = self.bounded(self.lookups.ptr(self.ip)).await;
        let (void, names) = match sort(answer) {
            Found::Records(names) => (false, names),
            Found::Void(_) => (true, Vec::new()),
            // §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this
            // mechanism fails to match."
            Found::Invalid(_) | Found::Failed(_) => (false, Vec::new()),
        };
        let mut validated = Vec::new();
        // §4.6.4: "all records other than the first 10 MUST be ignored".
        for name in names.into_iter().take(MAX_NAMES_PER_TERM) {
            if check_domain(&name).is_err() {
                continue;
            }
            // §5.5: "If a DNS error occurs while doing an A RR lookup, then that domain
            // name is skipped and the search continues."
            if let Found::Records(addresses) = self.addresses(&name).await {
                if addresses.contains(&self.ip) {
                    validated.push(name.to_ascii_lowercase());
                }
            }
        }
        self.ptr_cache = Some((void, validated.clone()));
        (void, validated)
    }

    /// §7.3 `%{p}`: the validated name that is the domain, else one under it, else any;
    /// "unknown" when there is none.
    async fn ptr_macro_value(&mut self, domain: &str) -> String {
        let (_, names) = self.validated_names().await;
        let domain = domain.to_ascii_lowercase();
        let suffix = format!(".{domain}");
        names
            .iter()
            .find(|name| **name == domain)
            .or_else(|| names.iter().find(|name| name.ends_with(&suffix)))
            .or_else(|| names.first())
            .cloned()
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// Expands a macro string with the current domain as `%{d}`.
    async fn expand(&mut self, spec: &MacroString, domain: &str) -> String {
        let ptr = if spec.uses_ptr() {
            self.ptr_macro_value(domain).await
        } else {
            "unknown".to_string()
        };
        spec.expand(&MacroValues {
            sender: &self.sender,
            local: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: &self.helo,
            ptr: &ptr,
            // The bot is not the receiving MTA: §7.3 says "unknown" then.
            receiver: "unknown",
            timestamp: self.timestamp,
        })
    }

    /// §4.8: the target name of a domain-spec (expanded, shortened to 253 characters).
    async fn target(&mut self, spec: &MacroString, domain: &str) -> String {
        super::macros::truncate_domain(&self.expand(spec, domain).await)
    }

    /// §4.8: "If it is not provided, the <domain> from the check_host() arguments is used".
    async fn target_or_domain(&mut self, spec: Option<&MacroString>, domain: &str) -> String {
        match spec {
            Some(spec) => self.target(spec, domain).await,
            None => domain.to_string(),
        }
    }

    /// A lookup within the overall time limit; past it every lookup fails at once.
    /// A lookup the run's budget refused marks the evaluation incomplete.
    async fn bounded<T>(&mut self, lookup: impl Future<Output = DnsAnswer<T>>) -> DnsAnswer<T> {
        if self.timed_out {
            return DnsAnswer::Failed(DnsFailure::Timeout);
        }
        match tokio::time::timeout_at(self.deadline, lookup).await {
            Ok(answer) => {
                if let DnsAnswer::Failed(DnsFailure::OverBudget(_)) = answer {
                    self.over_budget = true;
                }
                answer
            }
            Err(_) => {
                self.timed_out = true;
                DnsAnswer::Failed(DnsFailure::Timeout)
            }
        }
    }

    /// Adds a trace step and returns its index.
    fn step(
        &mut self,
        depth: usize,
        domain: &str,
        term: &str,
        outcome: TraceOutcome,
        detail: &str,
    ) -> usize {
        self.trace.push(TraceStep {
            depth,
            domain: printable_within(domain, MAX_TEXT),
            term: printable_within(term, MAX_TEXT),
            outcome,
            detail: printable_within(detail, MAX_TEXT),
            dns_lookups: self.dns_lookups,
            void_lookups: self.void_lookups,
        });
        self.trace.len() - 1
    }

    /// Sets how a step came out.
    fn finish(&mut self, step: usize, outcome: TraceOutcome, detail: &str) {
        let entry = &mut self.trace[step];
        entry.outcome = outcome;
        entry.detail = printable_within(detail, MAX_TEXT);
    }
}

fn into_ips<T>(found: Found<T>, wrap: fn(T) -> IpAddr) -> Found<IpAddr> {
    match found {
        Found::Records(records) => Found::Records(records.into_iter().map(wrap).collect()),
        Found::Void(why) => Found::Void(why),
        Found::Invalid(name) => Found::Invalid(name),
        Found::Failed(failure) => Found::Failed(failure),
    }
}

/// Whether the first `prefix` bits of `ip` and `network` agree (§5.6).
fn in_v4_network(network: Ipv4Addr, prefix: u8, ip: Ipv4Addr) -> bool {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0);
    u32::from(network) & mask == u32::from(ip) & mask
}

fn in_v6_network(network: Ipv6Addr, prefix: u8, ip: Ipv6Addr) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0);
    u128::from(network) & mask == u128::from(ip) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_without_local_part_are_postmaster() {
        let parts = |sender, helo| sender_parts(sender, helo);
        assert_eq!(
            parts("jane@example.com", "h.example"),
            ("jane".into(), "example.com".into())
        );
        assert_eq!(
            parts("@example.com", "h.example"),
            ("postmaster".into(), "example.com".into())
        );
        assert_eq!(
            parts("example.com", "h.example"),
            ("postmaster".into(), "example.com".into())
        );
        assert_eq!(
            parts("", "mx.example.org"),
            ("postmaster".into(), "mx.example.org".into())
        );
        assert_eq!(
            parts("<>", "mx.example.org"),
            ("postmaster".into(), "mx.example.org".into())
        );
        assert_eq!(
            parts("a@b@example.com", "h"),
            ("a@b".into(), "example.com".into())
        );
    }

    #[test]
    fn ipv4_mapped_clients_are_ipv4() {
        assert_eq!(
            client_ip("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip("2001:db8::1".parse().unwrap()),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
    }

    /// §4.3: what makes the domain invalid, so the result none.
    #[test]
    fn initial_processing_refuses_malformed_domains() {
        assert!(check_domain("example.com").is_ok());
        assert!(check_domain("_spf.example.com").is_ok());
        assert!(check_domain("foo:bar/baz.example.com").is_ok());
        assert!(check_domain("macro%percent  space%20url-space.example.com").is_ok());
        for bad in [
            "",
            "localhost",
            "a..example",
            ".example.com",
            "tab\t.example",
            "[192.0.2.1]",
            "192.168.218.40",
            "foo.123",
            "bücher.example",
            &format!("{}.example", "a".repeat(64)),
            &format!("{}example", "abcdefghi.".repeat(26)),
        ] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks_compare_the_prefix_bits() {
        let v4 = |text: &str| text.parse::<Ipv4Addr>().unwrap();
        assert!(in_v4_network(v4("192.0.2.0"), 24, v4("192.0.2.200")));
        assert!(!in_v4_network(v4("192.0.2.0"), 24, v4("192.0.3.1")));
        assert!(in_v4_network(v4("10.0.0.0"), 0, v4("192.0.2.1")));
        assert!(!in_v4_network(v4("192.0.2.1"), 32, v4("192.0.2.2")));
        let v6 = |text: &str| text.parse::<Ipv6Addr>().unwrap();
        assert!(in_v6_network(v6("2001:db8::"), 32, v6("2001:db8:ffff::1")));
        assert!(!in_v6_network(v6("2001:db8::"), 32, v6("2001:db9::1")));
        assert!(in_v6_network(v6("::"), 0, v6("2001:db8::1")));
        assert!(in_v6_network(v6("2001:db8::1"), 128, v6("2001:db8::1")));
    }
}
