//! `[watch]` of `commands/defaults.toml`: how often each kind of watch is checked (its
//! default interval and the shortest one staff may ask for), when a change is
//! announced (confirmations, the re-check, reminders, grouping), how long history
//! is kept, how many watch checks run at once, and which days to a certificate's
//! expiry are announced.
//!
//! Only the settings: the scheduler and the alerts that read them come later.

use serde::Deserialize;

use super::Invalid;
use crate::values::Span;

/// The watch settings, validated with the rest of `defaults.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchDefaults {
    /// A change is announced after this many results in a row show it (1: at once).
    pub confirmations: u32,
    /// How soon a change is re-checked to confirm it (the watch's interval if shorter).
    pub confirm_after: Span,
    /// While something stays bad, it is announced again this often.
    pub reminder: Span,
    /// Alerts for one channel within this window go out as one message.
    pub group_window: Span,
    /// Changes (the history of `/watch history`) are kept this many days.
    pub history_retention_days: u64,
    /// Raw check results are kept this many days.
    pub results_retention_days: u64,
    /// Watch checks running at once, apart from the users' `max_concurrent_checks`.
    pub max_concurrent_checks: usize,
    /// A server's certificate crossing each of these days to expiry is announced
    /// once; written from the furthest to the nearest (`[21, 14, 7, 3, 1]`).
    pub certificate_expiry_days: Vec<u32>,
    /// A watch of an address (or range) on the blocklists.
    pub blocklists: WatchSchedule,
    /// A watch of a domain's mail setup (the `/domain` parts).
    pub domain: WatchSchedule,
    /// A watch of a mail server (the `/smtp`, `/imap`, `/pop3` test and its certificate).
    pub server: WatchSchedule,
}

/// How often one kind of watch is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchSchedule {
    /// The interval of a watch added without `every:`.
    pub interval: Span,
    /// The shortest `every:` accepted.
    pub min_interval: Span,
}

impl Default for WatchDefaults {
    /// The values `defaults.toml` ships, for a `COMMANDS_DIR` written before `[watch]`.
    fn default() -> Self {
        let hours = |count: u64| Span::from_seconds(count * 3_600);
        let minutes = |count: u64| Span::from_seconds(count * 60);
        WatchDefaults {
            confirmations: 2,
            confirm_after: minutes(1),
            reminder: hours(24),
            group_window: Span::from_seconds(30),
            history_retention_days: 365,
            results_retention_days: 90,
            max_concurrent_checks: 4,
            certificate_expiry_days: vec![21, 14, 7, 3, 1],
            blocklists: WatchSchedule {
                interval: hours(6),
                min_interval: hours(1),
            },
            domain: WatchSchedule {
                interval: hours(1),
                min_interval: minutes(5),
            },
            server: WatchSchedule {
                interval: minutes(5),
                min_interval: minutes(1),
            },
        }
    }
}

impl WatchDefaults {
    /// How soon a change seen by a watch checked every `interval` is re-checked:
    /// `confirm_after`, or the interval when that is shorter.
    pub fn confirm_after_for(&self, interval: Span) -> Span {
        self.confirm_after.min(interval)
    }

    /// What `defaults.toml` cannot say in TOML types alone.
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        for (table, schedule) in [
            ("watch.blocklists", &self.blocklists),
            ("watch.domain", &self.domain),
            ("watch.server", &self.server),
        ] {
            schedule.validate(table)?;
        }
        if !(1..=10).contains(&self.confirmations) {
            return Err(watch_key(
                "confirmations",
                "watch.confirmations must be between 1 and 10 (1 announces a change at its first result)",
            ));
        }
        for (key, span) in [
            ("confirm_after", self.confirm_after),
            ("reminder", self.reminder),
        ] {
            if span.seconds() == 0 {
                return Err(watch_key(key, format!("watch.{key} must be at least 1s")));
            }
        }
        if self.group_window > Span::from_seconds(600) {
            return Err(watch_key(
                "group_window",
                "watch.group_window must be between 0s and 10m: alerts wait that long to be grouped",
            ));
        }
        for (key, days) in [
            ("history_retention_days", self.history_retention_days),
            ("results_retention_days", self.results_retention_days),
        ] {
            if !(1..=3650).contains(&days) {
                return Err(watch_key(
                    key,
                    format!("watch.{key} must be between 1 and 3650"),
                ));
            }
        }
        if !(1..=1000).contains(&self.max_concurrent_checks) {
            return Err(watch_key(
                "max_concurrent_checks",
                "watch.max_concurrent_checks must be between 1 and 1000",
            ));
        }
        let days = &self.certificate_expiry_days;
        let descending = days.windows(2).all(|pair| pair[0] > pair[1]);
        if days.is_empty() || !descending || days.iter().any(|&day| !(1..=365).contains(&day)) {
            return Err(watch_key(
                "certificate_expiry_days",
                "watch.certificate_expiry_days must list days between 1 and 365, from the furthest to the nearest, each once (e.g. [21, 14, 7, 3, 1])",
            ));
        }
        Ok(())
    }
}

impl WatchSchedule {
    fn validate(&self, table: &'static str) -> Result<(), Invalid> {
        if self.min_interval.seconds() == 0 {
            return Err(Invalid::at_table_key(
                table,
                "min_interval",
                format!("[{table}] min_interval must be at least 1s"),
            ));
        }
        if self.min_interval > self.interval {
            return Err(Invalid::at_table_key(
                table,
                "min_interval",
                format!(
                    "[{table}] min_interval {} is longer than interval {}: the default interval must be allowed",
                    self.min_interval, self.interval
                ),
            ));
        }
        Ok(())
    }
}

/// A problem with `key` of `[watch]` (the same names are used by other tables).
fn watch_key(key: &'static str, message: impl Into<String>) -> Invalid {
    Invalid::at_table_key("watch", key, message)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::{parse, Catalog, CatalogError, CatalogFile, Defaults};

    /// `defaults.toml` as shipped with one line replaced.
    fn with(old: &str, new: &str) -> Result<Defaults, CatalogError> {
        assert!(Defaults::EMBEDDED.contains(old), "{old}");
        let text = Defaults::EMBEDDED.replacen(old, new, 1);
        parse::<Defaults>(Path::new("defaults.toml"), &text)
    }

    /// The message of a refused edit, checked to start with the line of `new`.
    fn refused(old: &str, new: &str) -> String {
        let err = with(old, new).unwrap_err().to_string();
        let text = Defaults::EMBEDDED.replacen(old, new, 1);
        let line = text.lines().position(|line| line == new).unwrap() + 1;
        assert!(err.starts_with(&format!("defaults.toml:{line}: ")), "{err}");
        err
    }

    #[test]
    fn the_shipped_section_is_the_default() {
        let shipped = Catalog::embedded().unwrap().defaults.watch;
        assert_eq!(shipped, WatchDefaults::default());
        assert_eq!(shipped.blocklists.interval.to_string(), "6h");
        assert_eq!(shipped.server.min_interval.to_string(), "1m");
        let without = Defaults::EMBEDDED
            .split("\n[watch]")
            .next()
            .unwrap()
            .to_string();
        let older = parse::<Defaults>(Path::new("defaults.toml"), &without).unwrap();
        assert_eq!(older.watch, WatchDefaults::default());
    }

    #[test]
    fn the_re_check_waits_no_longer_than_the_interval() {
        let watch = WatchDefaults::default();
        assert_eq!(
            watch.confirm_after_for(Span::from_seconds(3_600)),
            Span::from_seconds(60)
        );
        assert_eq!(
            watch.confirm_after_for(Span::from_seconds(30)),
            Span::from_seconds(30)
        );
    }

    #[test]
    fn a_minimum_above_its_default_is_refused_at_its_line() {
        let err = refused("min_interval = \"1h\"", "min_interval = \"7h\"");
        assert!(
            err.contains("[watch.blocklists] min_interval 7h is longer than interval 6h"),
            "{err}"
        );
        let err = refused("min_interval = \"1m\"", "min_interval = \"0s\"");
        assert!(
            err.contains("[watch.server] min_interval must be at least 1s"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_span_says_what_is_accepted() {
        let err = refused("reminder = \"24h\"", "reminder = \"1 day\"");
        assert!(err.contains("such as 30s, 15m, 6h or 1d"), "{err}");
        let err = refused("reminder = \"24h\"", "reminder = \"0s\"");
        assert!(err.contains("watch.reminder must be at least 1s"), "{err}");
        let err = refused("group_window = \"30s\"", "group_window = \"1h\"");
        assert!(err.contains("between 0s and 10m"), "{err}");
        assert_eq!(
            with("group_window = \"30s\"", "group_window = \"0s\"")
                .unwrap()
                .watch
                .group_window,
            Span::from_seconds(0)
        );
    }

    #[test]
    fn zero_confirmations_and_unbounded_numbers_are_refused() {
        let err = refused("confirmations = 2", "confirmations = 0");
        assert!(err.contains("between 1 and 10"), "{err}");
        let err = refused("history_retention_days = 365", "history_retention_days = 0");
        assert!(err.contains("watch.history_retention_days"), "{err}");
        // [limits] has a max_concurrent_checks too: the line found is [watch]'s.
        let err = refused("max_concurrent_checks = 4", "max_concurrent_checks = 0");
        assert!(err.contains("watch.max_concurrent_checks"), "{err}");
    }

    #[test]
    fn expiry_days_are_listed_from_the_furthest_each_once() {
        let shipped = "certificate_expiry_days = [21, 14, 7, 3, 1]";
        for bad in ["[]", "[1, 3, 7]", "[14, 7, 7, 1]", "[30, 0]", "[400, 1]"] {
            let err = refused(shipped, &format!("certificate_expiry_days = {bad}"));
            assert!(
                err.contains("from the furthest to the nearest"),
                "{bad}: {err}"
            );
        }
        let one = with(shipped, "certificate_expiry_days = [10]").unwrap();
        assert_eq!(one.watch.certificate_expiry_days, [10]);
    }

    #[test]
    fn an_unknown_key_is_an_error() {
        let err = refused("reminder = \"24h\"", "reminders = \"24h\"");
        assert!(err.contains("reminders"), "{err}");
    }
}
