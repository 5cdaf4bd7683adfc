//! The buttons that lead on from a report: "Run again" on every check result (but
//! `/spf`'s, whose three inputs are typed for one question), and the next steps that
//! follow from it (`/mx` → "Test SMTP server" and "Check whole domain"; `/domain` →
//! "Show MX details"; `/smtp`, for staff → "Check blacklists" for the server's
//! address; `/settings` → "Test SMTP server"). They are made from the report alone;
//! their custom ids are written by [`super::custom_id`].
//!
//! A button whose custom id would not fit Discord's 100 characters is left out and
//! the message's footer says what to type instead ([`RunButtons::note`]).

use super::custom_id::{ButtonAction, CheckInput, Run};
use super::message::{ActionRow, Button, ButtonStyle};
use crate::checks::mx::MxReport;
use crate::checks::smtp::SmtpReport;
use crate::checks::Check;
use crate::checks::{Details, Report};
use crate::values::Protocol;

/// The port an MX host receives mail on (RFC 5321 §4.5.4: SMTP between servers).
const MX_PORT: u16 = 25;

/// Who a message is made for: the person who ran the check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Audience {
    /// Staff get the staff-only next steps (`/smtp` → "Check blacklists"). The
    /// gates are applied again when a button is pressed, whoever presses it.
    pub staff: bool,
}

/// The buttons that run checks from a report's message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunButtons {
    pub buttons: Vec<Button>,
    /// What to type for the buttons left out because their custom id would be too
    /// long, for the footer: "Run again: type /mx domain:…".
    pub note: Option<String>,
}

impl RunButtons {
    /// The row of these buttons, if there are any.
    pub fn row(&self) -> Option<ActionRow> {
        (!self.buttons.is_empty()).then(|| ActionRow::new(self.buttons.clone()))
    }

    /// Adds a button running `check`, or its line in the note when it cannot be made.
    fn add(&mut self, label: &str, check: CheckInput, why: Run) {
        let typed = check.typed();
        let style = match why {
            Run::Again => ButtonStyle::Secondary,
            Run::Next => ButtonStyle::Primary,
        };
        match (ButtonAction::Run { check, why }).custom_id() {
            Some(id) => self.buttons.push(Button::new(label, id, style)),
            None => {
                let line = format!("{label}: type {}", super::escape(&typed));
                self.note = Some(match self.note.take() {
                    Some(note) => format!("{note}\n{line}"),
                    None => line,
                });
            }
        }
    }
}

/// The "Run again" and next-step buttons of a report's message for `audience`.
pub fn for_report(report: &Report, audience: Audience) -> RunButtons {
    let mut run = RunButtons::default();
    match &report.details {
        Details::Mx(details) => {
            let again = CheckInput::new(Check::Mx, details.display_domain.clone());
            run.add("Run again", again, Run::Again);
            if let Some(host) = receiving_host(details) {
                let smtp = CheckInput::new(Check::Smtp, format!("{host}:{MX_PORT}"));
                run.add("Test SMTP server", smtp, Run::Next);
            }
            let domain = CheckInput::new(Check::Domain, details.display_domain.clone());
            run.add("Check whole domain", domain, Run::Next);
        }
        Details::Domain(details) => {
            let again = CheckInput::new(Check::Domain, details.display_domain.clone());
            run.add("Run again", again, Run::Again);
            let mx = CheckInput::new(Check::Mx, details.display_domain.clone());
            run.add("Show MX details", mx, Run::Next);
        }
        Details::Imap(_) => {
            let again = CheckInput::new(Check::Imap, report.target.clone());
            run.add("Run again", again, Run::Again);
        }
        Details::Pop3(_) => {
            let again = CheckInput::new(Check::Pop3, report.target.clone());
            run.add("Run again", again, Run::Again);
        }
        // An SPF question has three inputs (sender, address, HELO name) typed for
        // one investigation: it gets no buttons.
        Details::Spf(_) => {}
        Details::Smtp(details) => {
            let again = CheckInput::new(Check::Smtp, report.target.clone());
            run.add("Run again", again, Run::Again);
            if audience.staff {
                if let Some(ip) = server_address(details) {
                    let check = CheckInput::new(Check::Blacklist, ip);
                    run.add("Check blacklists", check, Run::Next);
                }
            }
        }
        Details::Blacklist(_) => {
            let again = CheckInput::new(Check::Blacklist, report.target.clone());
            run.add("Run again", again, Run::Again);
        }
        Details::Settings(details) => {
            // The provider's own servers, as `/smtp`, `/imap` and `/pop3` with no
            // options test them: always the outgoing one, and the incoming one shown.
            let check = CheckInput::provider(Check::Smtp);
            run.add("Test SMTP server", check, Run::Next);
            for shown in &details.protocols {
                match shown.protocol {
                    Protocol::Imap => run.add(
                        "Test IMAP server",
                        CheckInput::provider(Check::Imap),
                        Run::Next,
                    ),
                    Protocol::Pop3 => run.add(
                        "Test POP3 server",
                        CheckInput::provider(Check::Pop3),
                        Run::Next,
                    ),
                    Protocol::Smtp => {}
                }
            }
        }
    }
    run
}

/// The host that receives the domain's mail first: the best MX host reachable from
/// the Internet, or else the best one with any address (its test then shows what
/// is wrong with it); none for a null MX, a domain that does not exist, a failed
/// lookup, or hosts written as IP addresses.
fn receiving_host(details: &MxReport) -> Option<&str> {
    let hosts = &details.hosts;
    hosts
        .iter()
        .find(|host| host.reachable == Some(true) && !host.addresses.is_empty())
        .or_else(|| hosts.iter().find(|host| !host.addresses.is_empty()))
        .map(|host| host.host.as_str())
}

/// The address the SMTP test connected to, as `/blacklist` takes it.
fn server_address(details: &SmtpReport) -> Option<String> {
    details.ip().map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mx::{MxHost, MxKind};
    use crate::values::Verdict;

    fn mx_report(domain: &str, hosts: Vec<MxHost>) -> Report {
        let details = MxReport {
            domain: domain.into(),
            display_domain: domain.into(),
            provider_host: "mail.echoterra.net".into(),
            kind: MxKind::Records,
            hosts,
            unchecked: vec![],
            findings: vec![],
            suggested_record: None,
            ttl: Some(300),
        };
        Report {
            target: domain.into(),
            verdict: Verdict::Ok,
            summary: "fine".into(),
            details: Details::Mx(details),
        }
    }

    fn host(name: &str, addresses: &[&str], reachable: Option<bool>) -> MxHost {
        MxHost {
            preference: 10,
            host: name.into(),
            is_provider: false,
            addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
            alias_of: None,
            reachable,
            problems: vec![],
        }
    }

    fn decoded(button: &Button) -> ButtonAction {
        ButtonAction::decode(button.id()).unwrap()
    }

    #[test]
    fn mx_runs_again_and_tests_the_first_host_that_receives_mail() {
        let report = mx_report(
            "example.com",
            vec![
                host("192.0.2.9", &[], Some(false)),
                host("mx1.example.com", &["203.0.113.5"], Some(true)),
                host("mx2.example.com", &["203.0.113.6"], Some(true)),
            ],
        );
        let run = for_report(&report, Audience::default());
        let labels: Vec<&str> = run.buttons.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Run again", "Test SMTP server", "Check whole domain"]
        );
        assert_eq!(run.buttons[2].id(), "v2:next:dom:example.com");
        assert_eq!(run.buttons[0].id(), "v2:again:mx:example.com");
        assert_eq!(
            decoded(&run.buttons[1]),
            ButtonAction::Run {
                check: CheckInput::new(Check::Smtp, "mx1.example.com:25"),
                why: Run::Next
            }
        );
        assert_eq!(run.note, None);
        // No host to test: no "Test SMTP server".
        let none = for_report(&mx_report("example.com", vec![]), Audience::default());
        assert_eq!(none.buttons.len(), 2);
        let literal = mx_report("example.com", vec![host("192.0.2.9", &[], Some(false))]);
        assert_eq!(for_report(&literal, Audience::default()).buttons.len(), 2);
        // Only a host on a private network: still the one to test.
        let private = mx_report(
            "example.com",
            vec![host("mx.example.com", &["10.0.0.25"], Some(false))],
        );
        assert_eq!(
            for_report(&private, Audience::default()).buttons[1].id(),
            "v2:next:smtp:mx.example.com:25"
        );
    }

    #[test]
    fn a_request_too_long_for_a_custom_id_is_said_in_the_note() {
        let long = format!("{}.{}.example", "a".repeat(63), "b".repeat(40));
        let report = mx_report(&long, vec![]);
        let run = for_report(&report, Audience::default());
        assert!(run.buttons.is_empty());
        assert_eq!(
            run.note.as_deref(),
            Some(
                format!(
                    "Run again: type /mx domain:{long}\nCheck whole domain: type /domain domain:{long}"
                )
                .as_str()
            )
        );
    }

    #[test]
    fn settings_lead_to_the_providers_smtp_server() {
        let services = crate::checks::Services::new(crate::config::Config::default()).unwrap();
        let request =
            crate::checks::settings::SettingsRequest::from_input("imap", None, None).unwrap();
        let settings =
            crate::checks::settings::run(&services, &request, &crate::checks::Progress::none());
        let run = for_report(&Report::new("imap", settings), Audience::default());
        assert_eq!(run.buttons.len(), 2);
        assert_eq!(run.buttons[0].label, "Test SMTP server");
        assert_eq!(run.buttons[0].id(), "v2:next:smtp");
        // The incoming server shown gets its own test (issue 13's "Test this server").
        assert_eq!(run.buttons[1].label, "Test IMAP server");
        assert_eq!(run.buttons[1].id(), "v2:next:imap");
        let request =
            crate::checks::settings::SettingsRequest::from_input("all", None, None).unwrap();
        let all =
            crate::checks::settings::run(&services, &request, &crate::checks::Progress::none());
        let labels: Vec<String> = for_report(&Report::new("all", all), Audience::default())
            .buttons
            .iter()
            .map(|button| button.label.clone())
            .collect();
        assert_eq!(
            labels,
            ["Test SMTP server", "Test IMAP server", "Test POP3 server"]
        );
    }
}
