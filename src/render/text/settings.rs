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
    if let Some(login) = &report.login_address {
        let _ = writeln!(
            out,
            "\nIf your mail app refuses the address, log in as {login}"
        );
    }
    let _ = writeln!(out, "\nUsername: {}", report.username_rule);
    let _ = writeln!(out, "Password: {}", report.password_rule);
    let _ = writeln!(out, "{}", report.footer);
}

#[cfg(test)]
mod tests {
    use crate::checks::settings::{run, SettingsRequest};
    use crate::checks::{Progress, Report, Services};
    use crate::config::Config;

    #[test]
    fn an_international_address_is_shown_in_unicode_with_its_login_form() {
        let services = Services::new(Config::default()).unwrap();
        let request =
            SettingsRequest::from_input("imap", Some("jane@bücher.example"), None).unwrap();
        let report = Report::new("imap", run(&services, &request, &Progress::none()));
        let text = crate::render::text::render(&report);
        assert!(
            text.contains("Username           jane@bücher.example"),
            "{text}"
        );
        assert!(
            text.contains("log in as jane@xn--bcher-kva.example"),
            "{text}"
        );
    }
}
