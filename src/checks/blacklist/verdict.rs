//! The verdict rules of `/blacklist`: critical when a major list lists the address
//! (policy listings aside), a warning for informational or policy listings and for
//! lists that could not be checked, unknown when no list answered or when every
//! self-tested list failed its self-test (the resolver hides the lists); and the
//! summary and headline that say so. A partial result says how many lists answered:
//! "not listed" is never said of a list that could not be checked.

use super::classify::Status;
use super::report::{BlacklistReport, ZoneResult};
use crate::checks::{CheckReport, Conclusion};
use crate::values::Verdict;
use crate::wording::plural;

/// Why nothing is trusted when every self-tested list failed its self-test: the
/// cause and the fix, in one sentence.
pub const RESOLVER_HIDES_LISTS: &str = "every list with a test point failed its RFC 5782 self-test, so this resolver is refused by the lists or rewrites their answers (as public and filtering resolvers often are); configure your own resolver (DNS_SERVERS; see docs/production.md, \"Why blocklists need your own resolver\")";

impl CheckReport for BlacklistReport {
    fn conclusion(&self) -> Conclusion {
        Conclusion {
            verdict: self.verdict(),
            summary: self.summary(),
        }
    }
}

impl BlacklistReport {
    /// Critical if listed on a major list (policy listings aside), warning if listed
    /// only on informational or policy lists or if some lists failed, ok if clean
    /// everywhere, unknown if no list answered or the resolver hides the lists.
    pub fn verdict(&self) -> Verdict {
        let answered = self
            .results
            .iter()
            .any(|result| result.status != Status::Error);
        if !answered || self.resolver_hides_lists {
            Verdict::Unknown
        } else if self.results.iter().any(ZoneResult::is_serious) {
            Verdict::Critical
        } else if self
            .results
            .iter()
            .any(|result| result.status != Status::Clean)
        {
            Verdict::Warning
        } else {
            Verdict::Ok
        }
    }

    /// Whether every listing is a policy listing.
    pub fn policy_only(&self) -> bool {
        self.listed > 0
            && self
                .results
                .iter()
                .filter(|result| result.status == Status::Listed)
                .all(|result| result.policy)
    }

    /// The one-line summary: "Checked 18 lists: listed on 2, 1 could not be checked",
    /// "Checked 18 lists: not listed on the 13 lists that answered; 5 could not be
    /// checked".
    pub fn summary(&self) -> String {
        if let Some(problem) = &self.problem {
            return problem.clone();
        }
        let lists = plural(self.lists, "list", "lists");
        let checked = if self.addresses.len() > 1 {
            format!("Checked {lists} for {} addresses", self.addresses.len())
        } else {
            format!("Checked {lists}")
        };
        if self.resolver_hides_lists {
            return format!("{checked}, but no answer can be trusted: {RESOLVER_HIDES_LISTS}");
        }
        if self.verdict() == Verdict::Unknown {
            return format!("{checked}: none could be checked");
        }
        if self.listed == 0 && self.errors > 0 {
            return format!(
                "{checked}: not listed on the {} that answered; {} could not be checked",
                plural(self.answered(), "list", "lists"),
                self.errors
            );
        }
        let mut parts = vec![match self.listed {
            0 => "not listed".to_string(),
            n if self.policy_only() => format!("listed on {n} (policy list only)"),
            n => format!("listed on {n}"),
        }];
        if self.errors > 0 {
            parts.push(format!("{} could not be checked", self.errors));
        }
        format!("{checked}: {}", parts.join(", "))
    }

    /// How many lists answered for every address (the others could not be checked).
    pub fn answered(&self) -> usize {
        self.lists.saturating_sub(self.errors)
    }

    /// The headline of the final message: "Listed on 2 of 18 blocklists".
    pub fn headline(&self) -> String {
        if self.problem.is_some() || self.lists == 0 {
            return "Blocklists not checked".to_string();
        }
        let of = plural(self.lists, "blocklist", "blocklists");
        let unchecked = match self.errors {
            0 => String::new(),
            n => format!("; {n} could not be checked"),
        };
        match self.verdict() {
            _ if self.resolver_hides_lists => {
                format!("None of {of} could be checked: the resolver hides them")
            }
            Verdict::Unknown => format!("None of {of} could be checked"),
            _ if self.listed == 0 && self.errors > 0 => format!(
                "Not listed on the {} that answered{unchecked}",
                plural(self.answered(), "blocklist", "blocklists")
            ),
            _ if self.listed == 0 => format!("Not listed on any of {of}"),
            _ if self.policy_only() => {
                format!(
                    "Listed on {} of {of} (policy list only){unchecked}",
                    self.listed
                )
            }
            _ => format!("Listed on {} of {of}{unchecked}", self.listed),
        }
    }
}
