//! The step table and the clock: every planned step starts as "not run" and is
//! replaced when it runs, with its time (and a progress line); each step's timeout
//! is cut to what is left of the whole test's deadline.

use std::time::Duration;

use tokio::time::Instant;

use super::Session;
use crate::checks::smtp::dialogue::seconds;
use crate::checks::smtp::{Security, Step, StepName, StepStatus};
use crate::checks::Progress;
use crate::report::Verdict;

/// The steps of a test on a port with `security`, none of them run yet.
pub(super) fn planned(security: Security) -> Vec<Step> {
    StepName::plan(security)
        .iter()
        .map(|&name| Step {
            name,
            status: StepStatus::Skipped,
            millis: 0,
            detail: "not run: an earlier step failed".to_string(),
            impact: Verdict::Ok,
        })
        .collect()
}

impl Session<'_> {
    /// A step's own timeout, cut to what is left of the test's deadline.
    pub(super) fn limit(&self, step_limit: Duration) -> Duration {
        step_limit.min(self.deadline.saturating_duration_since(Instant::now()))
    }

    /// How long we waited, and whether the whole test's deadline was the reason.
    pub(super) fn waited(&self, step_limit: Duration, limit: Duration) -> String {
        if limit < step_limit {
            format!(
                "{} (the whole test's limit of {} was reached)",
                seconds(limit),
                seconds(self.catalog.timeouts.total())
            )
        } else {
            seconds(limit)
        }
    }

    /// Replaces the planned step `name` with how it went, and sends a progress line.
    pub(super) fn record(
        &mut self,
        name: StepName,
        status: StepStatus,
        impact: Verdict,
        since: Instant,
        detail: String,
    ) {
        let total = self.steps.len();
        let Some(index) = self.steps.iter().position(|step| step.name == name) else {
            return;
        };
        self.steps[index] = Step {
            name,
            status,
            millis: since.elapsed().as_millis() as u64,
            detail,
            impact,
        };
        if let Some(sender) = &self.progress {
            let _ = sender.try_send(Progress {
                done: index + 1,
                total,
                line: format!(
                    "{} {} · {} ms",
                    status.emoji(),
                    name.label(),
                    self.steps[index].millis
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_planned_step_starts_as_not_run() {
        for security in [Security::Starttls, Security::Implicit] {
            let steps = planned(security);
            let names: Vec<StepName> = steps.iter().map(|step| step.name).collect();
            assert_eq!(names, StepName::plan(security));
            assert!(steps
                .iter()
                .all(|step| step.status == StepStatus::Skipped && step.impact == Verdict::Ok));
        }
    }
}
