//! What changed between two states of a watch, in sentences staff read: listed on
//! X, delisted from Y; a domain part's verdict or text before and after; a server
//! down (the step and the cause) or back up, a new certificate, an expiry threshold
//! crossed. No change, no sentence: the scheduler announces only these.

use crate::values::Verdict;
use crate::wording::plural;

use super::state::{Blocklists, Domain, Server, State};

/// One change, as announced and kept in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How it stands now: CRITICAL for trouble, WARNING for an expiry ahead, OK for
    /// a recovery.
    pub verdict: Verdict,
    /// One sentence.
    pub text: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Change {
    fn new(verdict: Verdict, text: impl Into<String>) -> Change {
        Change {
            verdict,
            text: text.into(),
            before: None,
            after: None,
        }
    }

    fn with(mut self, before: impl Into<String>, after: impl Into<String>) -> Change {
        self.before = Some(before.into());
        self.after = Some(after.into());
        self
    }
}

/// The changes from `before` to `after`, in reading order (trouble first).
pub fn changes(before: &State, after: &State) -> Vec<Change> {
    let mut changes = match (before, after) {
        (State::Blocklists(before), State::Blocklists(after)) => blocklists(before, after),
        (State::Domain(before), State::Domain(after)) => domain(before, after),
        (State::Server(before), State::Server(after)) => server(before, after),
        // A watch's kind never changes; a state of another kind is a new baseline.
        _ => Vec::new(),
    };
    changes.sort_by_key(|change| std::cmp::Reverse(change.verdict.severity()));
    changes
}

fn blocklists(before: &Blocklists, after: &Blocklists) -> Vec<Change> {
    let mut changes = Vec::new();
    for (key, listing) in &after.listed {
        if !before.listed.contains_key(key) {
            let verdict = if listing.serious {
                Verdict::Critical
            } else {
                Verdict::Warning
            };
            let why = listing
                .why
                .as_deref()
                .map(|why| format!(" ({why})"))
                .unwrap_or_default();
            changes.push(Change::new(
                verdict,
                format!(
                    "{} is now listed on {}{why}. Look it up: {} · Delisting: {}",
                    listing.address, listing.list, listing.page, listing.delist
                ),
            ));
        }
    }
    for (key, listing) in &before.listed {
        if !after.listed.contains_key(key) {
            changes.push(Change::new(
                Verdict::Ok,
                format!(
                    "{} is no longer listed on {}.",
                    listing.address, listing.list
                ),
            ));
        }
    }
    changes
}

fn domain(before: &Domain, after: &Domain) -> Vec<Change> {
    let mut changes = Vec::new();
    for (label, now) in &after.parts {
        let Some(was) = before.parts.get(label) else {
            continue;
        };
        if was.verdict != now.verdict {
            changes.push(
                Change::new(
                    now.verdict,
                    format!(
                        "{label} went from {} to {}: {}",
                        was.verdict.label(),
                        now.verdict.label(),
                        now.summary
                    ),
                )
                .with(&was.summary, &now.summary),
            );
        } else if was.summary != now.summary {
            changes.push(
                Change::new(now.verdict, format!("{label} changed: {}", now.summary))
                    .with(&was.summary, &now.summary),
            );
        }
    }
    changes
}

fn server(before: &Server, after: &Server) -> Vec<Change> {
    let mut changes = Vec::new();
    match (before.up, after.up) {
        (true, false) => changes.push(Change::new(
            Verdict::Critical,
            format!(
                "The server is down: {} failed: {}",
                after.failed_step.as_deref().unwrap_or("a step"),
                after.cause.as_deref().unwrap_or("no cause given")
            ),
        )),
        (false, true) => changes.push(Change::new(
            Verdict::Ok,
            "The server is back up: every step passes.",
        )),
        (false, false) if before.failed_step != after.failed_step => changes.push(
            Change::new(
                Verdict::Critical,
                format!(
                    "The server is still down, now at {}: {}",
                    after.failed_step.as_deref().unwrap_or("a step"),
                    after.cause.as_deref().unwrap_or("no cause given")
                ),
            )
            .with(
                before.failed_step.as_deref().unwrap_or_default(),
                after.failed_step.as_deref().unwrap_or_default(),
            ),
        ),
        _ => {}
    }
    if let (Some(was), Some(now)) = (&before.certificate, &after.certificate) {
        if !was.same(now) {
            let verdict = if now.valid {
                Verdict::Ok
            } else {
                Verdict::Critical
            };
            let problem = now
                .problem
                .as_deref()
                .map(|problem| format!(" It is not valid: {problem}"))
                .unwrap_or_default();
            changes.push(
                Change::new(
                    verdict,
                    format!(
                        "The certificate changed: {} from {}, valid until {}.{problem}",
                        now.subject, now.issuer, now.not_after
                    ),
                )
                .with(
                    format!("{} until {}", was.subject, was.not_after),
                    format!("{} until {}", now.subject, now.not_after),
                ),
            );
        } else if let Some(threshold) = now.threshold {
            if was.threshold.is_none_or(|was| threshold < was) {
                let verdict = if now.days_left <= 7 {
                    Verdict::Critical
                } else {
                    Verdict::Warning
                };
                let left = if now.days_left < 0 {
                    "has expired".to_string()
                } else {
                    format!(
                        "expires in {}",
                        plural(usize::try_from(now.days_left).unwrap_or(0), "day", "days")
                    )
                };
                changes.push(Change::new(
                    verdict,
                    format!(
                        "The certificate {left} ({}): renew it before mail apps refuse the server.",
                        now.not_after
                    ),
                ));
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::state::{Certificate, Listing, PartState};

    fn listed(keys: &[(&str, bool)]) -> State {
        State::Blocklists(Blocklists {
            listed: keys
                .iter()
                .map(|(list, serious)| {
                    (
                        format!("192.0.2.7 {list}"),
                        Listing {
                            address: "192.0.2.7".into(),
                            list: (*list).into(),
                            serious: *serious,
                            why: Some("spam source".into()),
                            page: "https://lookup".into(),
                            delist: "https://delist".into(),
                        },
                    )
                })
                .collect(),
            resolver_failed: false,
        })
    }

    #[test]
    fn listing_and_delisting_are_told_with_the_pages() {
        let none = listed(&[]);
        let one = listed(&[("Spamhaus ZEN", true)]);
        let found = changes(&none, &one);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].verdict, Verdict::Critical);
        assert!(found[0]
            .text
            .contains("now listed on Spamhaus ZEN (spam source)"));
        assert!(found[0].text.contains("https://delist"));
        let gone = changes(&one, &none);
        assert_eq!(gone[0].verdict, Verdict::Ok);
        assert!(gone[0].text.contains("no longer listed on Spamhaus ZEN"));
        assert!(changes(&one, &one).is_empty());
    }

    #[test]
    fn a_domain_part_changes_by_verdict_or_by_text() {
        let state = |verdict, summary: &str| {
            State::Domain(Domain {
                parts: [(
                    "SPF".to_string(),
                    PartState {
                        verdict,
                        summary: summary.into(),
                    },
                )]
                .into_iter()
                .collect(),
            })
        };
        let ok = state(Verdict::Ok, "v=spf1 mx -all");
        let worse = state(Verdict::Critical, "no SPF record");
        let other = state(Verdict::Ok, "v=spf1 a mx -all");
        let found = changes(&ok, &worse);
        assert_eq!(found[0].text, "SPF went from OK to CRITICAL: no SPF record");
        assert_eq!(found[0].before.as_deref(), Some("v=spf1 mx -all"));
        let found = changes(&ok, &other);
        assert_eq!(found[0].after.as_deref(), Some("v=spf1 a mx -all"));
        assert!(changes(&ok, &ok).is_empty());
    }

    fn server_state(up: bool, days_left: i64, not_after: &str) -> State {
        State::Server(Server {
            up,
            failed_step: (!up).then(|| "Connect".to_string()),
            cause: (!up).then(|| "connection refused".to_string()),
            certificate: Some(Certificate {
                subject: "mail.example.com".into(),
                issuer: "Test CA".into(),
                not_before: "2026-01-01T00:00:00Z".into(),
                not_after: not_after.into(),
                days_left,
                valid: true,
                problem: None,
                threshold: crate::watch::state::threshold(days_left, &[21, 14, 7, 3, 1]),
            }),
        })
    }

    #[test]
    fn down_up_and_expiry_thresholds_are_told_once() {
        let up = server_state(true, 60, "2027-02-01T00:00:00Z");
        let down = server_state(false, 60, "2027-02-01T00:00:00Z");
        assert!(changes(&up, &down)[0]
            .text
            .contains("Connect failed: connection refused"));
        assert_eq!(changes(&down, &up)[0].verdict, Verdict::Ok);
        // Days passing without a threshold crossed are no change.
        let fewer = server_state(true, 40, "2027-02-01T00:00:00Z");
        assert!(changes(&up, &fewer).is_empty());
        let fourteen = server_state(true, 14, "2027-02-01T00:00:00Z");
        let thirteen = server_state(true, 13, "2027-02-01T00:00:00Z");
        let found = changes(&fewer, &fourteen);
        assert_eq!(found[0].verdict, Verdict::Warning);
        assert!(found[0].text.contains("expires in 14 days"));
        assert!(
            changes(&fourteen, &thirteen).is_empty(),
            "14 was told already"
        );
        let renewed = server_state(true, 90, "2027-05-01T00:00:00Z");
        let found = changes(&thirteen, &renewed);
        assert!(found[0].text.starts_with("The certificate changed"));
    }
}
