//! The running record of a test and its clock: every planned step starts as "not
//! run" and is replaced when it runs, with its time (and a progress line); the
//! transcript; and each step's timeout cut to what is left of the whole test's
//! deadline.

use std::time::Duration;

use tokio::time::Instant;

use super::Test;
use crate::checks::smtp::{Security, Step, StepName};
use crate::checks::transcript::{Transcript, TranscriptLine};
use crate::checks::Progress;
use crate::values::Verdict;
use crate::wording::seconds;

/// The step table, the transcript, and where progress goes.
pub(super) struct Log {
    steps: Vec<Step>,
    pub(super) transcript: Transcript,
    progress: Progress,
}

impl Log {
    /// The steps of a test on a port with `security`, none of them run yet.
    pub(super) fn new(security: Security, started: Instant, progress: Progress) -> Log {
        Log {
            steps: StepName::plan(security)
                .iter()
                .map(|&name| Step::not_run(name))
                .collect(),
            transcript: Transcript::new(started),
            progress,
        }
    }

    /// Replaces the planned step `name` with how it went (its verdict decides its
    /// status), and sends a progress line.
    pub(super) fn record(
        &mut self,
        name: StepName,
        verdict: Verdict,
        since: Instant,
        detail: String,
    ) {
        let total = self.steps.len();
        let Some(index) = self.steps.iter().position(|step| step.name == name) else {
            return;
        };
        let step = Step {
            name,
            verdict: Some(verdict),
            millis: since.elapsed().as_millis() as u64,
            detail,
        };
        self.progress.report(
            index + 1,
            total,
            format!(
                "{} {} · {} ms",
                step.status().emoji(),
                name.label(),
                step.millis
            ),
        );
        self.steps[index] = step;
    }

    /// A line of the transcript that is not a protocol line.
    pub(super) fn note(&mut self, text: impl Into<String>) {
        self.transcript.note(text);
    }

    /// The steps and the transcript, for the report.
    pub(super) fn finish(self) -> (Vec<Step>, Vec<TranscriptLine>) {
        (self.steps, self.transcript.into_lines())
    }
}

impl Test<'_> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::smtp::StepStatus;

    #[test]
    fn every_planned_step_starts_as_not_run() {
        for security in [Security::Starttls, Security::Implicit] {
            let (steps, _) = Log::new(security, Instant::now(), Progress::none()).finish();
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
        let mut log = Log::new(Security::Starttls, Instant::now(), progress);
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
