//! How often a watch is checked: `every:` as staff type it (a [`Span`]: `30s`, `15m`,
//! `6h`, `1d`), or the kind's default interval from the catalogue, held to the
//! kind's minimum there and to [`MAX_INTERVAL`].

use crate::catalog::WatchSchedule;
use crate::values::{Span, SpanError};

use super::kind::WatchKind;

/// The longest `every:`: a watch checked less often than monthly is not watching.
pub const MAX_INTERVAL: Span = Span::from_seconds(30 * 86_400);

/// Why `every:` cannot be used. The `Display` says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("every: {0}")]
    Span(#[from] SpanError),
    #[error(
        "every:{every} is more often than {kind} watches may be checked: give {minimum} or longer"
    )]
    TooOften {
        every: Span,
        kind: WatchKind,
        minimum: Span,
    },
    #[error("every:{every} is longer than a watch may wait between checks: give {MAX_INTERVAL} or shorter")]
    TooRare { every: Span },
}

/// The interval of a watch of `kind`: `every` as typed, or the kind's default
/// interval when it is missing or blank. `schedule` is the kind's table of the
/// catalogue ([`WatchKind::schedule`]); its `min_interval` is the shortest accepted.
pub fn interval(
    kind: WatchKind,
    every: Option<&str>,
    schedule: &WatchSchedule,
) -> Result<Span, IntervalError> {
    let every = match every.map(str::trim).filter(|text| !text.is_empty()) {
        None => return Ok(schedule.interval),
        Some(text) => Span::parse(text)?,
    };
    if every < schedule.min_interval {
        return Err(IntervalError::TooOften {
            every,
            kind,
            minimum: schedule.min_interval,
        });
    }
    if every > MAX_INTERVAL {
        return Err(IntervalError::TooRare { every });
    }
    Ok(every)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::WatchDefaults;

    fn blocklists(every: Option<&str>) -> Result<Span, IntervalError> {
        let settings = WatchDefaults::default();
        interval(
            WatchKind::Blocklists,
            every,
            &WatchKind::Blocklists.schedule(&settings),
        )
    }

    #[test]
    fn no_every_means_the_kinds_default() {
        assert_eq!(blocklists(None), Ok(Span::from_seconds(6 * 3_600)));
        assert_eq!(blocklists(Some("  ")), Ok(Span::from_seconds(6 * 3_600)));
        let settings = WatchDefaults::default();
        assert_eq!(
            interval(WatchKind::Server, None, &settings.server),
            Ok(Span::from_seconds(300))
        );
    }

    #[test]
    fn every_is_taken_between_the_minimum_and_a_month() {
        assert_eq!(blocklists(Some("1h")), Ok(Span::from_seconds(3_600)));
        assert_eq!(blocklists(Some("30d")), Ok(MAX_INTERVAL));
        assert_eq!(
            blocklists(Some("59m")).unwrap_err().to_string(),
            "every:59m is more often than blocklists watches may be checked: give 1h or longer"
        );
        assert_eq!(
            blocklists(Some("31d")).unwrap_err().to_string(),
            "every:31d is longer than a watch may wait between checks: give 30d or shorter"
        );
        let err = blocklists(Some("6 hours")).unwrap_err().to_string();
        assert!(
            err.starts_with("every: \"6 hours\" is not a length of time"),
            "{err}"
        );
    }

    #[test]
    fn a_lower_minimum_is_the_callers_to_give() {
        let lab = WatchSchedule {
            interval: Span::from_seconds(300),
            min_interval: Span::from_seconds(1),
        };
        assert_eq!(
            interval(WatchKind::Server, Some("30s"), &lab),
            Ok(Span::from_seconds(30))
        );
        assert!(interval(WatchKind::Server, Some("0s"), &lab).is_err());
    }
}
