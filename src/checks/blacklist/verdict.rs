//! The verdict rules of `/blacklist`: critical when a major list lists the address
//! (policy listings aside), a warning for informational or policy listings and for
//! lists that could not be checked, unknown when no list answered; and the summary
//! and headline that say so.

use super::classify::Status;
use super::report::{BlacklistReport, ZoneResult};
use crate::checks::{CheckReport, Conclusion};
use crate::values::Verdict;
use crate::wording::plural;

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
    /// everywhere, unknown if no list answered.
    pub fn verdict(&self) -> Verdict {
        let answered = self
            .results
            .iter()
            .any(|result| result.status != Status::Error);
        if !answered {
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

    /// The one-line summary: "Checked 18 lists: listed on 2, 1 could not be checked".
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
        if self.verdict() == Verdict::Unknown {
            return format!("{checked}: none could be checked");
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

    /// The headline of the final message: "Listed on 2 of 18 blocklists".
    pub fn headline(&self) -> String {
        if self.problem.is_some() || self.lists == 0 {
            return "Blocklists not checked".to_string();
        }
        let of = plural(self.lists, "blocklist", "blocklists");
        match self.verdict() {
            Verdict::Unknown => format!("None of {of} could be checked"),
            _ if self.listed == 0 => format!("Not listed on any of {of}"),
            _ if self.policy_only() => {
                format!("Listed on {} of {of} (policy list only)", self.listed)
            }
            _ => format!("Listed on {} of {of}", self.listed),
        }
    }
}
