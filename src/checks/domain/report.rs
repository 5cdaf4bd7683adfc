//! What `/domain` reports: one part per concern (MX, SPF, DKIM, DMARC, autoconfig,
//! MTA-STS), each with its own verdict, findings and the exact records to publish.

use serde::Serialize;

use crate::values::Verdict;

/// The `/domain` report.
#[derive(Debug, Clone, Serialize)]
pub struct DomainReport {
    /// The domain in ASCII (punycode for an IDN).
    pub domain: String,
    /// The domain as people write it.
    pub display_domain: String,
    /// The provider's name, for the summary.
    #[serde(skip)]
    pub provider: String,
    /// The parts in a fixed order: mx, spf, dkim, dmarc, autoconfig, mta_sts.
    pub parts: Vec<Part>,
}

impl DomainReport {
    /// The parts that need attention (verdict other than OK), worst first.
    pub fn troubled(&self) -> Vec<&Part> {
        let mut troubled: Vec<&Part> = self
            .parts
            .iter()
            .filter(|part| part.verdict != Verdict::Ok)
            .collect();
        troubled.sort_by_key(|part| std::cmp::Reverse(part.verdict.severity()));
        troubled
    }

    /// Every record to publish, part by part.
    pub fn publish(&self) -> impl Iterator<Item = &DnsRecord> {
        self.parts.iter().flat_map(|part| part.publish.iter())
    }
}

/// Which part of the setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartName {
    Mx,
    Spf,
    Dkim,
    Dmarc,
    Autoconfig,
    MtaSts,
}

impl PartName {
    /// As people name it.
    pub fn label(self) -> &'static str {
        match self {
            PartName::Mx => "MX",
            PartName::Spf => "SPF",
            PartName::Dkim => "DKIM",
            PartName::Dmarc => "DMARC",
            PartName::Autoconfig => "Autoconfig",
            PartName::MtaSts => "MTA-STS",
        }
    }
}

/// One part: its verdict follows from its findings (the worst one), never set apart.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub part: PartName,
    pub verdict: Verdict,
    /// One sentence: how this part stands.
    pub summary: String,
    /// Worst first. A finding with verdict `ok` is information.
    pub findings: Vec<Finding>,
    /// The exact records that would fix this part; empty when nothing needs doing.
    pub publish: Vec<DnsRecord>,
}

impl Part {
    /// A part from its findings: the verdict is the worst finding's, the summary
    /// `all_well` when that is OK and otherwise the worst finding's text.
    pub fn new(
        part: PartName,
        all_well: impl Into<String>,
        mut findings: Vec<Finding>,
        publish: Vec<DnsRecord>,
    ) -> Part {
        findings.sort_by_key(|finding| std::cmp::Reverse(finding.verdict.severity()));
        let verdict = findings
            .iter()
            .fold(Verdict::Ok, |worst, finding| worst.worst(finding.verdict));
        let summary = match findings.first() {
            Some(finding) if verdict != Verdict::Ok => finding.text.clone(),
            _ => all_well.into(),
        };
        Part {
            part,
            verdict,
            summary,
            findings,
            publish,
        }
    }
}

/// One thing a part found, with how much it matters (`ok`: for information).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub verdict: Verdict,
    pub text: String,
}

impl Finding {
    pub fn new(verdict: Verdict, text: impl Into<String>) -> Finding {
        Finding {
            verdict,
            text: text.into(),
        }
    }

    /// Information: does not lower the verdict.
    pub fn info(text: impl Into<String>) -> Finding {
        Finding::new(Verdict::Ok, text)
    }
}

/// A DNS record to publish: the full owner name (`_dmarc.example.com`, no trailing
/// dot), the type, and the value as a zone file writes it (host names with their
/// trailing dot, TXT text unquoted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
}

impl DnsRecord {
    pub fn new(name: impl Into<String>, kind: &'static str, value: impl Into<String>) -> Self {
        DnsRecord {
            name: name.into(),
            kind,
            value: value.into(),
        }
    }

    /// The record as one zone-file line: `_dmarc.example.com.  TXT  "v=DMARC1; …"`.
    pub fn zone_line(&self) -> String {
        let value = if self.kind == "TXT" {
            let escaped = self.value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{escaped}\"")
        } else {
            self.value.clone()
        };
        format!("{}.  {}  {value}", self.name, self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_takes_the_verdict_and_summary_of_its_worst_finding() {
        let part = Part::new(
            PartName::Dmarc,
            "fine",
            vec![
                Finding::info("published at _dmarc.example.com"),
                Finding::new(Verdict::Warning, "p=none only monitors"),
            ],
            vec![],
        );
        assert_eq!(part.verdict, Verdict::Warning);
        assert_eq!(part.summary, "p=none only monitors");
        assert_eq!(part.findings[0].verdict, Verdict::Warning);
        let fine = Part::new(PartName::Mx, "fine", vec![Finding::info("x")], vec![]);
        assert_eq!((fine.verdict, fine.summary.as_str()), (Verdict::Ok, "fine"));
    }

    #[test]
    fn records_read_as_zone_file_lines() {
        let txt = DnsRecord::new("_dmarc.example.com", "TXT", "v=DMARC1; p=\"x\"");
        assert_eq!(
            txt.zone_line(),
            "_dmarc.example.com.  TXT  \"v=DMARC1; p=\\\"x\\\"\""
        );
        let json = serde_json::to_value(&txt).unwrap();
        assert_eq!(json["type"], "TXT");
        let cname = DnsRecord::new(
            "et1._domainkey.example.com",
            "CNAME",
            "et1._domainkey.echoterra.net.",
        );
        assert_eq!(
            cname.zone_line(),
            "et1._domainkey.example.com.  CNAME  et1._domainkey.echoterra.net."
        );
    }
}
