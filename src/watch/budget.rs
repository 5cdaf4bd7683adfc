//! The daily queries the blocklist watches cause on each list, against the list's
//! free limit (`free_queries_per_day` in `blacklist.toml`; "not documented" where
//! the operator publishes none), for `/watch list` and `watch list`.
//!
//! One check of one address asks each list once, plus once for the list's
//! self-test point where it has one; a host name's several addresses, and
//! confirmation re-checks, add to it, so the figure is a floor.

use serde::Serialize;

use crate::catalog::Catalog;
use crate::store::watches::Watch;

use super::WatchKind;

const DAY_MS: u64 = 86_400_000;

/// One list's daily load from the watches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListBudget {
    pub zone: String,
    pub name: String,
    pub queries_per_day: u64,
    /// The list's free limit a day; `None`: not documented.
    pub free_per_day: Option<u64>,
}

impl ListBudget {
    /// Whether the watches alone go past the free limit.
    pub fn over(&self) -> bool {
        self.free_per_day
            .is_some_and(|free| self.queries_per_day > free)
    }
}

/// The daily queries of the active blocklist watches, list by list.
pub fn budget(watches: &[Watch], catalog: &Catalog) -> Vec<ListBudget> {
    let checks_per_day: u64 = watches
        .iter()
        .filter(|watch| {
            !watch.paused && WatchKind::from_name(&watch.kind) == Some(WatchKind::Blocklists)
        })
        .map(|watch| DAY_MS.div_ceil(watch.interval_ms.max(1).unsigned_abs()))
        .sum();
    catalog
        .blacklist
        .zones
        .iter()
        .map(|zone| {
            let zone = zone.get_ref();
            ListBudget {
                zone: zone.zone.clone(),
                name: zone.name.clone(),
                queries_per_day: checks_per_day * (1 + u64::from(zone.self_test)),
                free_per_day: zone.free_queries_per_day,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(kind: &str, interval_ms: i64, paused: bool) -> Watch {
        Watch {
            paused,
            ..Watch::example(1, kind, "192.0.2.1", interval_ms)
        }
    }

    #[test]
    fn every_six_hours_is_four_checks_a_day_per_active_blocklist_watch() {
        let catalog = Catalog::embedded().unwrap();
        let watches = [
            watch("blocklists", 6 * 3_600_000, false),
            watch("blocklists", 6 * 3_600_000, true),
            watch("domain", 60_000, false),
        ];
        let budget = budget(&watches, &catalog);
        assert_eq!(budget.len(), catalog.blacklist.zones.len());
        let spamhaus = budget
            .iter()
            .find(|list| list.zone.contains("spamhaus"))
            .unwrap();
        assert!(spamhaus.queries_per_day == 4 || spamhaus.queries_per_day == 8);
        assert_eq!(spamhaus.free_per_day, Some(300_000));
        assert!(!spamhaus.over());
        assert!(budget.iter().any(|list| list.free_per_day.is_none()));
    }
}
