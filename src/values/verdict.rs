//! The verdict of a check, in the monitoring-plugin convention (OK, WARNING,
//! CRITICAL, UNKNOWN), with how verdicts combine.

use serde::{Deserialize, Serialize};

/// The outcome of a check, in the monitoring-plugin convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Verdict {
    /// The process exit code of `check`: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Warning => 1,
            Verdict::Critical => 2,
            Verdict::Unknown => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Warning => "WARNING",
            Verdict::Critical => "CRITICAL",
            Verdict::Unknown => "UNKNOWN",
        }
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Verdict::Ok => "✅",
            Verdict::Warning => "⚠️",
            Verdict::Critical => "❌",
            Verdict::Unknown => "❔",
        }
    }

    /// How bad a verdict is, for combining several: critical beats unknown beats warning.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Ok => 0,
            Verdict::Warning => 1,
            Verdict::Unknown => 2,
            Verdict::Critical => 3,
        }
    }

    /// The worse of two verdicts.
    pub fn worst(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_monitoring_plugin_convention() {
        let codes: Vec<u8> = [
            Verdict::Ok,
            Verdict::Warning,
            Verdict::Critical,
            Verdict::Unknown,
        ]
        .iter()
        .map(|v| v.exit_code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3]);
    }

    #[test]
    fn worst_prefers_critical_then_unknown_then_warning() {
        assert_eq!(Verdict::Ok.worst(Verdict::Warning), Verdict::Warning);
        assert_eq!(Verdict::Warning.worst(Verdict::Unknown), Verdict::Unknown);
        assert_eq!(Verdict::Critical.worst(Verdict::Unknown), Verdict::Critical);
        assert_eq!(Verdict::Ok.worst(Verdict::Ok), Verdict::Ok);
    }
}
