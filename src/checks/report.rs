//! What every check returns: a verdict, a one-line summary and the check's details.
//!
//! Each check builds its own report type (`MxReport`, `SmtpReport`, …) and states
//! its verdict rules by implementing [`CheckReport`]; [`Report::new`] wraps it into
//! the common shape. A `Report` knows nothing of Discord or terminals: `render`
//! turns it into either. It serializes to the JSON that `check --format json`
//! prints: `{"check": "...", "target": "...", "verdict": "...", "summary": "...",
//! ...details}`.

use serde::Serialize;

use super::blacklist::BlacklistReport;
use super::domain::DomainReport;
use super::imap::ImapReport;
use super::mx::MxReport;
use super::pop3::Pop3Report;
use super::settings::SettingsReport;
use super::smtp::SmtpReport;
use super::spf::SpfReport;
use super::table::Check;
use crate::values::Verdict;

/// A check's own report: it says how the check ended by the check's verdict rules.
pub trait CheckReport: Into<Details> {
    fn conclusion(&self) -> Conclusion;
}

/// The verdict of a report and the one sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    pub verdict: Verdict,
    /// One line a customer understands.
    pub summary: String,
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

impl Report {
    /// Wraps a check's report, concluded by its own verdict rules.
    pub fn new(target: impl Into<String>, report: impl CheckReport) -> Report {
        let Conclusion { verdict, summary } = report.conclusion();
        Report {
            target: target.into(),
            verdict,
            summary,
            details: report.into(),
        }
    }
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
    Domain(DomainReport),
    Spf(SpfReport),
    /// Boxed, as SMTP's: steps, TLS, capabilities and the transcript.
    Imap(Box<ImapReport>),
    Pop3(Box<Pop3Report>),
}

impl Details {
    /// Which check made these details.
    pub fn check(&self) -> Check {
        match self {
            Details::Settings(_) => Check::Settings,
            Details::Smtp(_) => Check::Smtp,
            Details::Blacklist(_) => Check::Blacklist,
            Details::Mx(_) => Check::Mx,
            Details::Domain(_) => Check::Domain,
            Details::Spf(_) => Check::Spf,
            Details::Imap(_) => Check::Imap,
            Details::Pop3(_) => Check::Pop3,
        }
    }

    /// The check's name as the command line and the JSON spell it.
    pub fn check_name(&self) -> &'static str {
        self.check().name()
    }
}

impl From<SettingsReport> for Details {
    fn from(report: SettingsReport) -> Details {
        Details::Settings(report)
    }
}

impl From<SmtpReport> for Details {
    fn from(report: SmtpReport) -> Details {
        Details::Smtp(Box::new(report))
    }
}

impl From<BlacklistReport> for Details {
    fn from(report: BlacklistReport) -> Details {
        Details::Blacklist(report)
    }
}

impl From<MxReport> for Details {
    fn from(report: MxReport) -> Details {
        Details::Mx(report)
    }
}

impl From<DomainReport> for Details {
    fn from(report: DomainReport) -> Details {
        Details::Domain(report)
    }
}

impl From<SpfReport> for Details {
    fn from(report: SpfReport) -> Details {
        Details::Spf(report)
    }
}

impl From<ImapReport> for Details {
    fn from(report: ImapReport) -> Details {
        Details::Imap(Box::new(report))
    }
}

impl From<Pop3Report> for Details {
    fn from(report: Pop3Report) -> Details {
        Details::Pop3(Box::new(report))
    }
}
