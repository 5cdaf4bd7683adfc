//! From the steps to a verdict and one sentence a customer understands: "Your
//! incoming mail server works: connect with IMAP, port 993, SSL/TLS, full email
//! address as username", or the first thing that stops mail apps from reading mail.
//! The same rules for IMAP and POP3 (and, through [`probe::conclude`], for SMTP):
//! the worst step decides.

use super::dialect::Dialect;
use super::report::MailboxReport;
use crate::checks::net::probe;
use crate::checks::{CheckReport, Conclusion, Details};

/// The verdict rules of `/imap` and `/pop3` alike: the worst step decides, and the
/// first step with that verdict explains it.
impl<D: Dialect> CheckReport for MailboxReport<D>
where
    MailboxReport<D>: Into<Details>,
{
    fn conclusion(&self) -> Conclusion {
        probe::conclude(&self.steps, &works(self))
    }
}

/// "Your incoming mail server works: connect with IMAP, port 993, SSL/TLS, full
/// email address as username".
fn works<D: Dialect>(report: &MailboxReport<D>) -> String {
    let how = format!("port {}, {}", report.port, report.security.label());
    if report.provider_host {
        format!(
            "Your incoming mail server works: connect with {}, {how}, full email address as username",
            D::NAME
        )
    } else if report.login.is_empty() {
        format!(
            "The {} server {} works: connect with {how}",
            D::NAME,
            report.target()
        )
    } else {
        format!(
            "The {} server {} works: connect with {how} and log in ({})",
            D::NAME,
            report.target(),
            report.login.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::imap::Imap;
    use crate::checks::net::mailbox::{Step, StepName};
    use crate::checks::net::probe::{ProbeReport, Security};
    use crate::checks::pop3::Pop3;
    use crate::values::Verdict;

    fn report<D: Dialect>(protocol: D, provider_host: bool, steps: Vec<Step>) -> MailboxReport<D> {
        MailboxReport {
            probe: ProbeReport {
                host: "mail.example.com".into(),
                port: 993,
                security: Security::Implicit,
                address: None,
                steps,
                tls: None,
                provider_host,
            },
            capabilities: Vec::new(),
            auth_mechanisms: Vec::new(),
            login: vec!["LOGIN".into(), "PLAIN".into()],
            transcript: Vec::new(),
            protocol,
        }
    }

    fn step(name: StepName, verdict: Verdict, detail: &str) -> Step {
        Step {
            name,
            verdict: Some(verdict),
            millis: 1,
            detail: detail.into(),
        }
    }

    #[test]
    fn a_working_server_says_how_to_connect() {
        let ok = report(
            Imap,
            true,
            vec![step(StepName::Greeting, Verdict::Ok, "* OK")],
        );
        assert_eq!(
            ok.conclusion().summary,
            "Your incoming mail server works: connect with IMAP, port 993, SSL/TLS, full email address as username."
        );
        let other = report(Pop3, false, vec![]);
        assert_eq!(
            other.conclusion().summary,
            "The POP3 server mail.example.com:993 works: connect with port 993, SSL/TLS and log in (LOGIN, PLAIN)."
        );
    }

    #[test]
    fn the_worst_step_decides_and_explains() {
        let warned = report(
            Imap,
            false,
            vec![
                step(StepName::Greeting, Verdict::Warning, "Slow greeting."),
                step(StepName::Login, Verdict::Ok, "ok"),
            ],
        );
        let conclusion = warned.conclusion();
        assert_eq!(conclusion.verdict, Verdict::Warning);
        assert!(conclusion
            .summary
            .ends_with("with a warning: Slow greeting."));
        let failed = report(
            Imap,
            false,
            vec![
                step(StepName::Greeting, Verdict::Warning, "Slow greeting."),
                step(StepName::Certificate, Verdict::Critical, "Expired."),
            ],
        );
        assert_eq!(
            failed.conclusion(),
            Conclusion {
                verdict: Verdict::Critical,
                summary: "Expired.".into()
            }
        );
    }
}
