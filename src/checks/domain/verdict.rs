//! The verdict rules of `/domain`: the worst part decides; the summary says either
//! that everything is in place, or how many parts need work and what the worst one
//! needs.

use super::report::DomainReport;
use crate::checks::{CheckReport, Conclusion};
use crate::values::Verdict;

impl CheckReport for DomainReport {
    fn conclusion(&self) -> Conclusion {
        let verdict = self
            .parts
            .iter()
            .fold(Verdict::Ok, |worst, part| worst.worst(part.verdict));
        let troubled = self.troubled();
        let summary = match troubled.first() {
            None => format!(
                "{} is set up to send and receive mail through {}: MX, SPF, DKIM and DMARC are in place.",
                self.display_domain, self.provider
            ),
            Some(worst) => {
                let labels: Vec<&str> = troubled.iter().map(|part| part.part.label()).collect();
                let count = if troubled.len() == 1 {
                    "1 part needs attention".to_string()
                } else {
                    format!("{} parts need attention", troubled.len())
                };
                format!(
                    "{}: {count} ({}). {}: {}",
                    self.display_domain,
                    labels.join(", "),
                    worst.part.label(),
                    worst.summary
                )
            }
        };
        Conclusion { verdict, summary }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::domain::{Finding, Part, PartName};

    fn report(parts: Vec<Part>) -> DomainReport {
        DomainReport {
            domain: "example.com".into(),
            display_domain: "example.com".into(),
            provider: "Echoterra Communications".into(),
            parts,
        }
    }

    fn part(name: PartName, verdict: Verdict, text: &str) -> Part {
        Part::new(name, "fine", vec![Finding::new(verdict, text)], vec![])
    }

    #[test]
    fn all_parts_ok_is_ok() {
        let conclusion = report(vec![part(PartName::Mx, Verdict::Ok, "x")]).conclusion();
        assert_eq!(conclusion.verdict, Verdict::Ok);
        assert!(conclusion
            .summary
            .contains("through Echoterra Communications"));
    }

    #[test]
    fn the_worst_part_decides_and_explains() {
        let conclusion = report(vec![
            part(PartName::Mx, Verdict::Ok, "x"),
            part(PartName::Dmarc, Verdict::Warning, "p=none only monitors."),
            part(PartName::Spf, Verdict::Critical, "Our servers fail SPF."),
            part(PartName::Dkim, Verdict::Unknown, "DNS failed."),
        ])
        .conclusion();
        assert_eq!(conclusion.verdict, Verdict::Critical);
        assert_eq!(
            conclusion.summary,
            "example.com: 3 parts need attention (SPF, DKIM, DMARC). SPF: Our servers fail SPF."
        );
    }
}
