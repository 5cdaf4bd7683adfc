//! `/settings` as text: one table per protocol, as on the support page.

use std::fmt::Write;

use crate::checks::settings::SettingsReport;

pub fn render(report: &SettingsReport, out: &mut String) {
    for protocol in &report.protocols {
        let recommended = if protocol.recommended {
            ", recommended"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "\n{} ({}{})",
            protocol.name, protocol.role, recommended
        );
        let _ = writeln!(out, "  {}", protocol.description);
        if let Some(warning) = &protocol.warning {
            let _ = writeln!(out, "  Warning: {warning}");
        }
        let width = protocol
            .settings
            .iter()
            .map(|s| s.label.chars().count())
            .max()
            .unwrap_or(0);
        for setting in &protocol.settings {
            let _ = writeln!(out, "  {:width$}  {}", setting.label, setting.value);
        }
    }
    let _ = writeln!(out, "\nUsername: {}", report.username_rule);
    let _ = writeln!(out, "Password: {}", report.password_rule);
    let _ = writeln!(out, "{}", report.footer);
}
