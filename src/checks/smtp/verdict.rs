//! From the steps to a verdict and one sentence a customer understands: "Your
//! outgoing server works: connect with port 587, STARTTLS, full email address as
//! username", or the first thing that stops mail apps from sending.

use super::{Security, SmtpReport, Step};
use crate::checks::net::probe;
use crate::checks::{CheckReport, Conclusion};
use crate::values::Verdict;

impl CheckReport for SmtpReport {
    fn conclusion(&self) -> Conclusion {
        let context = Context {
            target: &self.target(),
            port: self.port,
            security: self.security,
            provider_host: self.provider_host,
            auth_mechanisms: &self.auth_mechanisms,
        };
        let conclusion = conclude(&self.steps, &context);
        // Reverse DNS (port 25 only) warns when the steps found nothing worse.
        match self.reverse_dns_problem() {
            Some(problem) if conclusion.verdict == Verdict::Ok => Conclusion {
                verdict: Verdict::Warning,
                summary: format!("{}, with a warning: {problem}", works(&context)),
            },
            _ => conclusion,
        }
    }
}

/// What the verdict sentence needs besides the steps.
#[derive(Debug, Clone)]
struct Context<'a> {
    /// `host:port`.
    pub target: &'a str,
    pub port: u16,
    pub security: Security,
    /// The provider's own server, whose username rule is known.
    pub provider_host: bool,
    pub auth_mechanisms: &'a [String],
}

/// The worst step decides the verdict; the first step with that verdict explains it.
fn conclude(steps: &[Step], context: &Context<'_>) -> Conclusion {
    probe::conclude(steps, &works(context))
}

/// "Your outgoing server works: connect with port 587, STARTTLS, full email address
/// as username".
fn works(context: &Context<'_>) -> String {
    let how = format!("port {}, {}", context.port, context.security.label());
    if context.provider_host {
        format!("Your outgoing server works: connect with {how}, full email address as username")
    } else if context.auth_mechanisms.is_empty() {
        format!(
            "The outgoing server {} works: connect with {how}",
            context.target
        )
    } else {
        format!(
            "The outgoing server {} works: connect with {how} and log in ({})",
            context.target,
            context.auth_mechanisms.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::net::probe::ProbeReport;
    use crate::checks::smtp::{StepName, StepStatus};
    use crate::values::Verdict;

    /// A step that ran, checked to show `status` for its verdict `impact`.
    fn step(name: StepName, status: StepStatus, impact: Verdict, detail: &str) -> Step {
        let step = Step {
            name,
            verdict: Some(impact),
            millis: 1,
            detail: detail.to_string(),
        };
        assert_eq!(step.status(), status);
        step
    }

    fn context(provider_host: bool) -> Context<'static> {
        Context {
            target: "mail.example.com:587",
            port: 587,
            security: Security::Starttls,
            provider_host,
            auth_mechanisms: &[],
        }
    }

    /// A report of a server that passed every step, with no PTR name, on `port`.
    fn without_reverse_dns(port: u16) -> SmtpReport {
        SmtpReport {
            probe: ProbeReport {
                host: "mx.example.com".into(),
                port,
                security: Security::Starttls,
                address: Some(format!("203.0.113.5:{port}")),
                steps: vec![step(
                    StepName::Connect,
                    StepStatus::Ok,
                    Verdict::Ok,
                    "connected",
                )],
                tls: None,
                provider_host: false,
            },
            auth_mechanisms: vec![],
            extensions: vec![],
            size_limit: None,
            reverse_dns: Some(crate::checks::net::reverse_dns::ReverseDns {
                address: "203.0.113.5".parse().unwrap(),
                ptr: vec![],
                forward_confirmed: false,
                matches_greeting: None,
                failure: None,
            }),
            transcript: vec![],
        }
    }

    #[test]
    fn missing_reverse_dns_warns_on_port_25_only() {
        let relay = without_reverse_dns(25).conclusion();
        assert_eq!(relay.verdict, Verdict::Warning);
        assert!(
            relay.summary.contains("no reverse DNS (PTR) name"),
            "{}",
            relay.summary
        );
        let submission = without_reverse_dns(587).conclusion();
        assert_eq!(submission.verdict, Verdict::Ok, "{}", submission.summary);
    }

    #[test]
    fn all_passing_steps_say_how_to_connect() {
        let steps = [step(
            StepName::Connect,
            StepStatus::Ok,
            Verdict::Ok,
            "connected",
        )];
        let conclusion = conclude(&steps, &context(true));
        assert_eq!(conclusion.verdict, Verdict::Ok);
        assert_eq!(
            conclusion.summary,
            "Your outgoing server works: connect with port 587, STARTTLS, full email address as username."
        );
    }

    #[test]
    fn a_warning_keeps_the_works_sentence_and_adds_the_reason() {
        let steps = [
            step(
                StepName::Greeting,
                StepStatus::Warning,
                Verdict::Warning,
                "Slow greeting.",
            ),
            step(
                StepName::Certificate,
                StepStatus::Warning,
                Verdict::Warning,
                "Expires soon.",
            ),
        ];
        let conclusion = conclude(&steps, &context(false));
        assert_eq!(conclusion.verdict, Verdict::Warning);
        assert!(conclusion
            .summary
            .starts_with("The outgoing server mail.example.com:587 works"));
        assert!(conclusion
            .summary
            .ends_with("with a warning: Slow greeting."));
    }

    #[test]
    fn critical_beats_unknown_and_warning_and_names_its_step() {
        let steps = [
            step(
                StepName::Ehlo,
                StepStatus::Warning,
                Verdict::Warning,
                "AUTH before TLS.",
            ),
            step(
                StepName::Certificate,
                StepStatus::Failed,
                Verdict::Critical,
                "Certificate expired.",
            ),
            step(
                StepName::Auth,
                StepStatus::Failed,
                Verdict::Critical,
                "No AUTH.",
            ),
        ];
        let conclusion = conclude(&steps, &context(true));
        assert_eq!(conclusion.verdict, Verdict::Critical);
        assert_eq!(conclusion.summary, "Certificate expired.");
    }
}
