//! The settings always succeed: the verdict is OK and the summary names the host,
//! port and security of what was asked for.

use super::SettingsReport;
use crate::checks::{CheckReport, Conclusion};
use crate::values::Verdict;

impl CheckReport for SettingsReport {
    fn conclusion(&self) -> Conclusion {
        let summary = match self.protocols.as_slice() {
            [one] => format!(
                "{} ({}) settings: {}, port {}, {}",
                one.name, one.role, self.host, one.port, one.security
            ),
            all => {
                let parts: Vec<String> = all
                    .iter()
                    .map(|p| format!("{} {} {}", p.name, p.port, p.security))
                    .collect();
                format!(
                    "{} settings for {}: {}",
                    self.provider,
                    self.host,
                    parts.join(", ")
                )
            }
        };
        Conclusion {
            verdict: Verdict::Ok,
            summary,
        }
    }
}
