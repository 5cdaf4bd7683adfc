//! What every check returns: a verdict, a one-line summary and the check's details.
//!
//! A `Report` knows nothing of Discord or terminals; `render` turns it into either.
//! It serializes to the JSON that `check --format json` prints:
//! `{"check": "...", "target": "...", "verdict": "...", "summary": "...", ...details}`.

use serde::Serialize;

use crate::checks::dnsbl::BlacklistReport;
use crate::checks::mx::MxReport;
use crate::checks::settings::SettingsReport;
use crate::checks::smtp::SmtpReport;

/// The outcome of a check, in the monitoring-plugin convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

/// The result of one check.
#[derive(Debug, Clone)]
pub struct Report {
    /// What was checked, e.g. `example.com` or `mail.echoterra.net:587`.
    pub target: String,
    pub verdict: Verdict,
    /// One line a customer understands.
    pub summary: String,
    /// The check's own findings; the variant names the check.
    pub details: Details,
}

/// Scripts read the head first: `check`, `target`, `verdict`, `summary`, then the
/// details' own fields at the same level.
impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            check: &'static str,
            target: &'a str,
            verdict: Verdict,
            summary: &'a str,
            #[serde(flatten)]
            details: &'a Details,
        }
        Wire {
            check: self.details.check_name(),
            target: &self.target,
            verdict: self.verdict,
            summary: &self.summary,
            details: &self.details,
        }
        .serialize(serializer)
    }
}

/// The check-specific part of a report.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Details {
    Settings(SettingsReport),
    /// Boxed: the SMTP report (steps, TLS, transcript) is much larger than the others.
    Smtp(Box<SmtpReport>),
    Blacklist(BlacklistReport),
    Mx(MxReport),
}

impl Details {
    /// The check's name as the command line and the JSON spell it.
    pub fn check_name(&self) -> &'static str {
        match self {
            Details::Settings(_) => "settings",
            Details::Smtp(_) => "smtp",
            Details::Blacklist(_) => "blacklist",
            Details::Mx(_) => "mx",
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
