//! The running record of an SMTP test: the shared step table over SMTP's steps, and
//! each step's timeout cut to what is left of the whole test's deadline.

use std::time::Duration;

use super::Test;
use crate::checks::net::probe;
use crate::checks::smtp::StepName;

/// The step table, the transcript, and where progress goes.
pub(super) type Log = probe::Log<StepName>;

impl Test<'_> {
    /// A step's own timeout, cut to what is left of the test's deadline.
    pub(super) fn limit(&self, step_limit: Duration) -> Duration {
        self.probe.clock.limit(step_limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::smtp::{Security, StepStatus};
    use crate::checks::Progress;
    use crate::values::Verdict;
    use tokio::time::Instant;

    #[test]
    fn every_planned_step_starts_as_not_run() {
        for security in [Security::Starttls, Security::Implicit] {
            let (steps, _) =
                Log::new(StepName::plan(security), Instant::now(), Progress::none()).finish();
            let names: Vec<StepName> = steps.iter().map(|step| step.name).collect();
            assert_eq!(names, StepName::plan(security));
            assert!(steps
                .iter()
                .all(|step| step.status() == StepStatus::Skipped && step.impact() == Verdict::Ok));
        }
    }

    #[test]
    fn a_recorded_step_reports_its_progress() {
        let (progress, mut updates) = Progress::channel(4);
        let mut log = Log::new(StepName::plan(Security::Starttls), Instant::now(), progress);
        log.record(
            StepName::Connect,
            Verdict::Critical,
            Instant::now(),
            "refused".into(),
        );
        let update = updates.try_recv().unwrap();
        assert_eq!((update.done, update.total), (2, 9));
        assert!(update.line.starts_with("❌ Connect"), "{}", update.line);
    }
}
