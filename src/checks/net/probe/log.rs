//! The running record of a server test and its clock.
//!
//! [`Log`]: every planned step starts as "not run" and is replaced when it runs, with
//! its time (and a progress line); the transcript. [`Clock`]: each step's timeout cut
//! to what is left of the whole test's deadline.

use std::time::Duration;

use tokio::time::Instant;

use super::step::{Step, StepKind};
use crate::checks::net::transcript::{Transcript, TranscriptLine};
use crate::checks::Progress;
use crate::values::Verdict;
use crate::wording::seconds;

/// The step table, the transcript, and where progress goes.
pub struct Log<N> {
    steps: Vec<Step<N>>,
    pub transcript: Transcript,
    progress: Progress,
}

impl<N: StepKind> Log<N> {
    /// The steps of `plan`, none of them run yet.
    pub fn new(plan: &[N], started: Instant, progress: Progress) -> Log<N> {
        Log {
            steps: plan.iter().map(|&name| Step::not_run(name)).collect(),
            transcript: Transcript::new(started),
            progress,
        }
    }

    /// Replaces the planned step `name` with how it went (its verdict decides its
    /// status), and sends a progress line.
    pub fn record(&mut self, name: N, verdict: Verdict, since: Instant, detail: String) {
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
    pub fn note(&mut self, text: impl Into<String>) {
        self.transcript.note(text);
    }

    /// The steps and the transcript, for the report.
    pub fn finish(self) -> (Vec<Step<N>>, Vec<TranscriptLine>) {
        (self.steps, self.transcript.into_lines())
    }
}

/// The deadline of a whole test, and each step's timeout cut to it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    deadline: Instant,
    total: Duration,
}

impl Clock {
    /// A test that started at `started` and may take `total`.
    pub fn new(started: Instant, total: Duration) -> Clock {
        Clock {
            deadline: started + total,
            total,
        }
    }

    /// When the whole test must end.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// A step's own timeout, cut to what is left of the test's deadline.
    pub fn limit(&self, step_limit: Duration) -> Duration {
        step_limit.min(self.deadline.saturating_duration_since(Instant::now()))
    }

    /// How long we waited, and whether the whole test's deadline was the reason.
    pub fn waited(&self, step_limit: Duration, limit: Duration) -> String {
        if limit < step_limit {
            format!(
                "{} (the whole test's limit of {} was reached)",
                seconds(limit),
                seconds(self.total)
            )
        } else {
            seconds(limit)
        }
    }
}
