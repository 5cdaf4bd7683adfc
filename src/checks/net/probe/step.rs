//! One step of a server test and how it shows. A step's status is derived from its
//! verdict, never stored apart from it, so "ok with a critical verdict" cannot be
//! written.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::checks::Conclusion;
use crate::values::Verdict;

/// The names of a test's steps (one enum per protocol). The shared phases record the
/// steps every server test has: resolve, connect and the certificate.
pub trait StepKind: Copy + PartialEq + fmt::Debug + Serialize + Send + Sync + 'static {
    const RESOLVE: Self;
    const CONNECT: Self;
    const CERTIFICATE: Self;

    /// The step as people read it: `EHLO over TLS`, `CAPABILITY`.
    fn label(self) -> &'static str;

    /// The step as the JSON spells it: `ehlo_tls`, `capability` (also the metrics'
    /// step label).
    fn as_str(self) -> &'static str;
}

/// How a step went, as shown: derived from its verdict, never stored apart from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Warning,
    Failed,
    /// Not run, because an earlier step failed.
    Skipped,
}

impl StepStatus {
    pub fn emoji(self) -> &'static str {
        match self {
            StepStatus::Ok => "✅",
            StepStatus::Warning => "⚠️",
            StepStatus::Failed => "❌",
            StepStatus::Skipped => "⏭️",
        }
    }
}

/// One step of a test. In JSON: `{name, status, millis, detail}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<N> {
    pub name: N,
    /// What the step means for the verdict; `None` while it has not run.
    pub verdict: Option<Verdict>,
    /// How long the step took.
    pub millis: u64,
    /// What was seen, or what went wrong and what to do, in plain words.
    pub detail: String,
}

impl<N> Step<N> {
    /// A planned step that has not run (yet).
    pub fn not_run(name: N) -> Step<N> {
        Step {
            name,
            verdict: None,
            millis: 0,
            detail: "not run: an earlier step failed".to_string(),
        }
    }

    /// How the step went: skipped when it did not run, otherwise by its verdict
    /// (critical and unknown both show as failed).
    pub fn status(&self) -> StepStatus {
        match self.verdict {
            None => StepStatus::Skipped,
            Some(Verdict::Ok) => StepStatus::Ok,
            Some(Verdict::Warning) => StepStatus::Warning,
            Some(Verdict::Critical | Verdict::Unknown) => StepStatus::Failed,
        }
    }

    /// What the step means for the whole test: OK for a step that did not run.
    pub fn impact(&self) -> Verdict {
        self.verdict.unwrap_or(Verdict::Ok)
    }
}

impl<N: Serialize> Serialize for Step<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a, N> {
            name: &'a N,
            status: StepStatus,
            millis: u64,
            detail: &'a str,
        }
        Wire {
            name: &self.name,
            status: self.status(),
            millis: self.millis,
            detail: &self.detail,
        }
        .serialize(serializer)
    }
}

/// The verdict of a test from its steps: the worst step decides, and the first step
/// with that verdict explains it. `works` is the sentence for a server that works
/// ("Your outgoing server works: connect with …"); a warning is added to it.
pub fn conclude<N>(steps: &[Step<N>], works: &str) -> Conclusion {
    let verdict = steps
        .iter()
        .map(Step::impact)
        .fold(Verdict::Ok, Verdict::worst);
    let first_with = |verdict: Verdict| {
        steps
            .iter()
            .find(|step| step.impact() == verdict)
            .map(|step| step.detail.clone())
            .unwrap_or_default()
    };
    let summary = match verdict {
        Verdict::Ok => format!("{works}."),
        Verdict::Warning => format!("{works}, with a warning: {}", first_with(verdict)),
        Verdict::Critical | Verdict::Unknown => first_with(verdict),
    };
    Conclusion { verdict, summary }
}
