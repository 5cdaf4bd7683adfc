//! What staff asked to watch, read the same way from `/watch add` and `watch add`:
//! the target (one watch per address of a range), the kind when given, `every:`
//! held to the kind's minimum (lowered by `WATCH_MIN_INTERVAL_SECONDS`), the label
//! and the channel, into the rows to add.

use crate::checks::Services;
use crate::store::watches::NewWatch;
use crate::values::Span;

use super::{interval, IntervalError, WatchKind, WatchTarget, WatchTargetError};

/// The longest label kept.
pub const MAX_LABEL: usize = 100;

/// Why a watch cannot be added. The `Display` says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("kind {0:?} is not a kind of watch: give blocklists, domain or server")]
    Kind(String),
    #[error(transparent)]
    Target(#[from] WatchTargetError),
    #[error(transparent)]
    Interval(#[from] IntervalError),
    #[error("a label is at most {MAX_LABEL} characters")]
    Label,
}

/// What staff typed for a new watch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Asked<'a> {
    pub target: &'a str,
    pub every: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub label: Option<&'a str>,
    pub channel: Option<u64>,
}

/// The watches `asked` adds, created by `who`.
pub fn plan(asked: Asked<'_>, services: &Services, who: &str) -> Result<Vec<NewWatch>, PlanError> {
    let kind = match asked.kind.map(str::trim).filter(|kind| !kind.is_empty()) {
        None => None,
        Some(name) => {
            Some(WatchKind::from_name(name).ok_or_else(|| PlanError::Kind(name.to_string()))?)
        }
    };
    let label = asked.label.map(str::trim).filter(|label| !label.is_empty());
    if label.is_some_and(|label| label.chars().count() > MAX_LABEL) {
        return Err(PlanError::Label);
    }
    let catalog = &services.catalog;
    let targets = WatchTarget::parse(
        asked.target,
        kind,
        catalog,
        services.config.allow_private_targets,
    )?;
    targets
        .into_iter()
        .map(|target| {
            let kind = target.kind();
            let mut schedule = kind.schedule(&catalog.defaults.watch);
            if let Some(lowest) = services.config.watch_min_interval {
                schedule.min_interval = schedule
                    .min_interval
                    .min(Span::from_seconds(lowest.as_secs()));
            }
            let every = interval(kind, asked.every, &schedule)?;
            Ok(NewWatch {
                target_key: target.key(),
                target: target.to_string(),
                kind: kind.as_str().to_string(),
                label: label.map(str::to_string),
                channel_id: asked.channel,
                interval_ms: i64::try_from(every.millis()).unwrap_or(i64::MAX),
                created_by: who.to_string(),
            })
        })
        .collect()
}
