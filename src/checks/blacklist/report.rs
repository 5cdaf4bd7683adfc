//! What `/blacklist` reports: every (address, zone) result, the counts, the verdict
//! and the headline staff read first.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::classify::Status;
use super::self_test::SelfTest;
use crate::catalog::Tier;

/// The `/blacklist` part of a report.
#[derive(Debug, Clone, Serialize)]
pub struct BlacklistReport {
    /// The addresses checked: the target itself, or a host name's addresses.
    pub addresses: Vec<IpAddr>,
    /// A host name's addresses that were not checked, and why.
    pub skipped_addresses: Vec<SkippedAddress>,
    /// How many distinct lists were asked.
    pub lists: usize,
    /// How many lists list at least one address.
    pub listed: usize,
    /// How many lists could not be checked for at least one address.
    pub errors: usize,
    /// Whether Spamhaus was asked through its Data Query Service (a key is set).
    pub via_dqs: bool,
    /// Whether the SpamRATS zones were asked with an API key (`SPAMRATS_KEY` set).
    pub via_spamrats_key: bool,
    /// Lists not asked about an IPv6 address because they do not answer IPv6.
    pub ipv4_only_lists: Vec<String>,
    /// Why nothing could be checked, when that happened before any list was asked.
    pub problem: Option<String>,
    /// Every list with a test point failed its self-test (none passed): the
    /// resolver is refused by the lists or rewrites their answers, so no list's
    /// answer is trusted and the verdict is unknown.
    pub resolver_hides_lists: bool,
    /// One entry per (address, zone): listed ones first, then clean, then errors.
    pub results: Vec<ZoneResult>,
    /// The reverse DNS (PTR) names of each address checked.
    pub ptr: Vec<AddressPtr>,
}

/// The reverse DNS of one address: what staff compare with the sending server's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressPtr {
    pub address: IpAddr,
    /// The PTR names; empty when there are none or the lookup failed.
    pub names: Vec<String>,
    /// Whether a name resolves back to the address (FCrDNS).
    pub forward_confirmed: bool,
}

impl AddressPtr {
    /// `203.0.113.5 → mail.example.com (forward-confirmed)`, or `… no PTR name`.
    pub fn describe(&self) -> String {
        if self.names.is_empty() {
            return format!("{}: no PTR name", self.address);
        }
        let confirmed = if self.forward_confirmed {
            "forward-confirmed"
        } else {
            "not forward-confirmed"
        };
        format!("{} → {} ({confirmed})", self.address, self.names.join(", "))
    }
}

/// An address of a host name that was left out.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedAddress {
    pub address: IpAddr,
    pub why: String,
}

/// How one list answered for one address.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneResult {
    pub address: IpAddr,
    /// The public zone name (never the DQS name, which holds the key).
    pub zone: String,
    /// The list's name, e.g. "Spamhaus ZEN".
    pub name: String,
    pub tier: Tier,
    pub status: Status,
    /// The raw `A` answers.
    pub codes: Vec<Ipv4Addr>,
    /// Listed: what the codes mean. Error: what went wrong, for staff. Clean: a note.
    pub meaning: Option<String>,
    /// Listed only on a policy list (Spamhaus PBL): normal for a home or dynamic IP,
    /// not a spam listing.
    pub policy: bool,
    /// The list's TXT record: its reason, often with a link.
    pub reason: Option<String>,
    /// Listed: what the list's operator says a listing there means for staff
    /// (e.g. Backscatterer: only for bounces).
    pub note: Option<String>,
    /// The list's lookup or delisting page.
    pub delist_url: String,
    /// The list's page for this address, when it has one: shown instead of
    /// `delist_url`.
    pub lookup_url: Option<String>,
    /// How long the list took to answer.
    pub elapsed_ms: u64,
    /// How the list's RFC 5782 self-test ended for this address.
    pub self_test: SelfTest,
}

/// Why a clean answer is not counted when the resolver hides the lists.
pub const HIDDEN_NOTE: &str = "not trusted: every list with a test point failed its self-test on this resolver, so a clean answer from this list proves nothing either";

/// What staff are told about a policy listing.
pub const POLICY_NOTE: &str = "policy list: normal for a home or dynamic IP, not a spam listing";

impl ZoneResult {
    /// A listing that makes the verdict critical: a major list, not policy only.
    pub fn is_serious(&self) -> bool {
        self.status == Status::Listed && self.tier == Tier::Major && !self.policy
    }

    /// The page to send staff to: the list's page for this address when it has
    /// one, its lookup or delisting page otherwise.
    pub fn page(&self) -> &str {
        self.lookup_url.as_deref().unwrap_or(&self.delist_url)
    }
}

impl BlacklistReport {
    fn zones_where(&self, status: Status) -> usize {
        self.results
            .iter()
            .filter(|result| result.status == status)
            .map(|result| result.zone.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Whether the resolver hides the lists: at least one list with a test point
    /// failed its self-test and none passed (a test point that timed out proves
    /// nothing either way).
    fn lists_hidden(&self) -> bool {
        let failed = |test: SelfTest| self.results.iter().any(|r| r.self_test == test);
        failed(SelfTest::Failed) && !failed(SelfTest::Passed)
    }

    /// Fills in the counts from the results and puts the results in reading order:
    /// listed (major, then informational, then policy), clean, errors. When the
    /// resolver hides the lists, no clean answer is believed: lists without a test
    /// point answer "clean" through such a resolver too.
    pub fn tally(&mut self) {
        self.resolver_hides_lists = self.lists_hidden();
        if self.resolver_hides_lists {
            for result in &mut self.results {
                if result.status == Status::Clean {
                    result.status = Status::Error;
                    result.meaning = Some(HIDDEN_NOTE.to_string());
                }
            }
        }
        self.results.sort_by_key(|result| {
            let rank = match result.status {
                Status::Listed if result.is_serious() => 0,
                Status::Listed if !result.policy => 1,
                Status::Listed => 2,
                Status::Clean => 3,
                Status::Error => 4,
            };
            let tier = match result.tier {
                Tier::Major => 0,
                Tier::Informational => 1,
            };
            (rank, tier)
        });
        self.lists = self
            .results
            .iter()
            .map(|result| result.zone.as_str())
            .collect::<BTreeSet<_>>()
            .len();
        self.listed = self.zones_where(Status::Listed);
        self.errors = self.zones_where(Status::Error);
    }

    /// The lists that could not be checked, grouped by cause (often they all share
    /// one: a resolver problem, told once): the most widespread cause first, ties in
    /// the order first seen. Every renderer groups them this way.
    pub fn error_groups(&self) -> Vec<ErrorGroup<'_>> {
        let mut groups: Vec<ErrorGroup<'_>> = Vec::new();
        for result in self.results.iter().filter(|r| r.status == Status::Error) {
            let cause = result.meaning.as_deref();
            match groups.iter_mut().find(|group| group.cause == cause) {
                Some(group) => group.results.push(result),
                None => groups.push(ErrorGroup {
                    cause,
                    results: vec![result],
                }),
            }
        }
        // A stable sort keeps the first-seen order among equals.
        groups.sort_by_key(|group| std::cmp::Reverse(group.results.len()));
        groups
    }
}

/// Lists that could not be checked for the same reason.
#[derive(Debug, Clone)]
pub struct ErrorGroup<'a> {
    /// What went wrong, for staff; `None` when the results say nothing.
    pub cause: Option<&'a str>,
    pub results: Vec<&'a ZoneResult>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Verdict;

    fn result(zone: &str, tier: Tier, status: Status, policy: bool) -> ZoneResult {
        ZoneResult {
            address: "192.0.2.1".parse().unwrap(),
            zone: zone.to_string(),
            name: zone.to_string(),
            tier,
            status,
            codes: vec![],
            meaning: None,
            policy,
            reason: None,
            note: None,
            delist_url: "https://example.com/".to_string(),
            lookup_url: None,
            elapsed_ms: 1,
            self_test: SelfTest::None,
        }
    }

    fn report(results: Vec<ZoneResult>) -> BlacklistReport {
        let mut report = BlacklistReport {
            addresses: vec!["192.0.2.1".parse().unwrap()],
            skipped_addresses: vec![],
            lists: 0,
            listed: 0,
            errors: 0,
            via_dqs: false,
            via_spamrats_key: false,
            ipv4_only_lists: vec![],
            problem: None,
            resolver_hides_lists: false,
            results,
            ptr: vec![],
        };
        report.tally();
        report
    }

    use Status::{Clean, Error, Listed};
    use Tier::{Informational, Major};

    #[test]
    fn a_major_listing_is_critical_and_counted() {
        let report = report(vec![
            result("a", Major, Clean, false),
            result("b", Major, Listed, false),
            result("c", Informational, Listed, false),
            result("d", Major, Error, false),
        ]);
        assert_eq!(report.verdict(), Verdict::Critical);
        assert_eq!(
            report.summary(),
            "Checked 4 lists: listed on 2, 1 could not be checked"
        );
        assert_eq!(
            report.headline(),
            "Listed on 2 of 4 blocklists; 1 could not be checked"
        );
        let order: Vec<&str> = report.results.iter().map(|r| r.zone.as_str()).collect();
        assert_eq!(order, ["b", "c", "a", "d"]);
    }

    #[test]
    fn policy_or_informational_listings_are_a_warning() {
        let pbl = report(vec![
            result("zen", Major, Listed, true),
            result("b", Major, Clean, false),
        ]);
        assert_eq!(pbl.verdict(), Verdict::Warning);
        assert_eq!(
            pbl.summary(),
            "Checked 2 lists: listed on 1 (policy list only)"
        );
        let informational = report(vec![result("u3", Informational, Listed, false)]);
        assert_eq!(informational.verdict(), Verdict::Warning);
    }

    #[test]
    fn clean_is_ok_errors_warn_and_nothing_answering_is_unknown() {
        let clean = report(vec![result("a", Major, Clean, false)]);
        assert_eq!(clean.verdict(), Verdict::Ok);
        assert_eq!(clean.summary(), "Checked 1 list: not listed");
        assert_eq!(clean.headline(), "Not listed on any of 1 blocklist");
        let partial = report(vec![
            result("a", Major, Clean, false),
            result("b", Major, Error, false),
        ]);
        assert_eq!(partial.verdict(), Verdict::Warning);
        let nothing = report(vec![result("b", Major, Error, false)]);
        assert_eq!(nothing.verdict(), Verdict::Unknown);
        assert_eq!(nothing.summary(), "Checked 1 list: none could be checked");
        assert_eq!(report(vec![]).verdict(), Verdict::Unknown);
    }

    fn tested(zone: &str, status: Status, self_test: SelfTest) -> ZoneResult {
        ZoneResult {
            self_test,
            ..result(zone, Major, status, false)
        }
    }

    #[test]
    fn a_partial_result_says_how_many_lists_answered() {
        let partial = report(vec![
            result("a", Major, Clean, false),
            result("b", Major, Clean, false),
            result("c", Major, Error, false),
        ]);
        assert_eq!(partial.verdict(), Verdict::Warning);
        assert_eq!(
            partial.summary(),
            "Checked 3 lists: not listed on the 2 lists that answered; 1 could not be checked"
        );
        assert_eq!(
            partial.headline(),
            "Not listed on the 2 blocklists that answered; 1 could not be checked"
        );
        let listed = report(vec![
            result("a", Major, Listed, false),
            result("c", Major, Error, false),
        ]);
        assert_eq!(
            listed.headline(),
            "Listed on 1 of 2 blocklists; 1 could not be checked"
        );
    }

    #[test]
    fn every_self_test_failing_is_unknown_and_nothing_reads_as_clean() {
        let hidden = report(vec![
            tested("a", Error, SelfTest::Failed),
            tested("b", Error, SelfTest::Failed),
            tested("t", Error, SelfTest::Inconclusive),
            result("c", Major, Clean, false),
        ]);
        assert!(hidden.resolver_hides_lists);
        assert_eq!(hidden.verdict(), Verdict::Unknown);
        // The list without a test point is not counted as clean on such a resolver.
        assert_eq!((hidden.errors, hidden.listed), (4, 0));
        let c = hidden.results.iter().find(|r| r.zone == "c").unwrap();
        assert_eq!(c.status, Error);
        assert_eq!(c.meaning.as_deref(), Some(HIDDEN_NOTE));
        let summary = hidden.summary();
        assert!(summary.contains("own resolver") && summary.contains("self-test"));
        for words in [summary, hidden.headline()] {
            assert!(!words.to_lowercase().contains("not listed"), "{words}");
        }
        // One list passing its self-test is enough to trust the resolver.
        let trusted = report(vec![
            tested("a", Error, SelfTest::Failed),
            tested("b", Clean, SelfTest::Passed),
            result("c", Major, Clean, false),
        ]);
        assert!(!trusted.resolver_hides_lists);
        assert_eq!(trusted.verdict(), Verdict::Warning);
        assert_eq!(trusted.listed + trusted.errors, 1);
    }
}
