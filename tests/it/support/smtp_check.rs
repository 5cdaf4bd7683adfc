//! Running `/smtp` against the test SMTP servers: the catalogue with short timeouts
//! (so the suite stays fast), the config of `catalogs` (the test CA through
//! `TLS_EXTRA_CA`, as a private deployment would), the report of a run, and what the
//! bot may say to a server. The IMAP/POP3 harness beside it is `mailbox_check`.

use std::time::Duration;

use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::smtp::{SmtpReport, SmtpRequest, Step, StepName, StepStatus};
use echoterra_bot::checks::{self, Details, Progress, Report, Request, Services};

use super::catalogs::{config, short_timeouts};
use super::pki::TestPki;
use super::smtp_server::TestSmtp;

/// The test catalogue's overall deadline; no test may take much longer.
pub const TOTAL: Duration = Duration::from_millis(8000);

/// The embedded catalogue with short timeouts; `port` is a submission port and, when
/// `implicit`, a TLS-from-the-first-byte port.
pub fn catalog(port: u16, implicit: bool) -> Catalog {
    let mut catalog = Catalog::embedded().expect("embedded catalogue");
    with_smtp_settings(&mut catalog, port, implicit);
    catalog
}

pub fn with_smtp_settings(catalog: &mut Catalog, port: u16, implicit: bool) {
    let smtp = &mut catalog.smtp;
    smtp.timeouts = short_timeouts(TOTAL);
    smtp.implicit_tls_ports = if implicit { vec![port] } else { vec![] };
    smtp.submission_ports = vec![port];
}

/// Runs the check against 127.0.0.1 on `server`'s port.
pub async fn check_server(
    pki: &TestPki,
    server: &TestSmtp,
    implicit: bool,
) -> (Report, SmtpReport) {
    let services = Services::from_parts(
        catalog(server.port(), implicit),
        config(Some(pki.ca_path())),
    )
    .expect("services");
    check(&services, "127.0.0.1", server.port()).await
}

pub async fn check(services: &Services, host: &str, port: u16) -> (Report, SmtpReport) {
    let request = SmtpRequest::from_input(
        Some(host),
        Some(i64::from(port)),
        &services.catalog.smtp,
        services.config.allow_private_targets,
    )
    .expect("a valid request");
    let report = checks::run(services, &Request::Smtp(request), &Progress::none()).await;
    let Details::Smtp(details) = &report.details else {
        panic!("not an SMTP report");
    };
    let details = (**details).clone();
    (report, details)
}

pub fn step(report: &SmtpReport, name: StepName) -> &Step {
    report
        .steps
        .iter()
        .find(|step| step.name == name)
        .unwrap_or_else(|| panic!("no {name:?} step"))
}

pub fn status(report: &SmtpReport, name: StepName) -> StepStatus {
    step(report, name).status()
}

/// The bot must never log in or send mail, whatever the server offers.
pub fn assert_no_credentials_or_mail(server: &TestSmtp) {
    for command in server.commands() {
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_uppercase();
        assert!(
            ["EHLO", "HELO", "STARTTLS", "QUIT"].contains(&verb.as_str()),
            "the bot sent {command:?}"
        );
    }
}
