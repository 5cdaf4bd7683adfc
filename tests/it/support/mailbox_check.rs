//! Running `/imap` and `/pop3` against the test servers: the catalogue with short
//! timeouts (so the suite stays fast), the config of `catalogs` (the test CA through
//! `TLS_EXTRA_CA`, as a private deployment would), and the report of a run. The SMTP
//! harness beside it is `smtp_check`.

use std::time::Duration;

use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::imap::Imap;
use echoterra_bot::checks::net::mailbox::{Dialect, MailboxReport, MailboxRequest, Step, StepName};
use echoterra_bot::checks::net::probe::StepStatus;
use echoterra_bot::checks::pop3::Pop3;
use echoterra_bot::checks::{self, Details, Progress, Report, Request, Services};

use super::catalogs::{config, short_timeouts};
use super::mailbox_server::TestMailbox;
use super::pki::TestPki;

/// The test catalogue's overall deadline; no test may take much longer.
pub const TOTAL: Duration = Duration::from_millis(8000);

/// A dialect the tests run (IMAP or POP3): how its request becomes a `Request`, and
/// its report comes back out of the `Details`.
pub trait TestedDialect: Dialect {
    fn request(request: MailboxRequest<Self>) -> Request;
    fn details(details: &Details) -> Option<&MailboxReport<Self>>;
}

impl TestedDialect for Imap {
    fn request(request: MailboxRequest<Imap>) -> Request {
        Request::Imap(request)
    }
    fn details(details: &Details) -> Option<&MailboxReport<Imap>> {
        match details {
            Details::Imap(report) => Some(report),
            _ => None,
        }
    }
}

impl TestedDialect for Pop3 {
    fn request(request: MailboxRequest<Pop3>) -> Request {
        Request::Pop3(request)
    }
    fn details(details: &Details) -> Option<&MailboxReport<Pop3>> {
        match details {
            Details::Pop3(report) => Some(report),
            _ => None,
        }
    }
}

/// The embedded catalogue with short timeouts; `port` speaks TLS from the first
/// byte when `implicit`, STARTTLS otherwise (for both protocols).
pub fn catalog(port: u16, implicit: bool) -> Catalog {
    let mut catalog = Catalog::embedded().expect("embedded catalogue");
    with_mailbox_settings(&mut catalog, port, implicit);
    catalog
}

pub fn with_mailbox_settings(catalog: &mut Catalog, port: u16, implicit: bool) {
    let mailbox = &mut catalog.mailbox;
    mailbox.timeouts = short_timeouts(TOTAL);
    for ports in [&mut mailbox.imap, &mut mailbox.pop3] {
        ports.implicit_tls_ports = if implicit { vec![port] } else { vec![] };
    }
}

/// Runs the check against 127.0.0.1 on `server`'s port.
pub async fn check_server<D: TestedDialect>(
    pki: &TestPki,
    server: &TestMailbox,
    implicit: bool,
) -> (Report, MailboxReport<D>) {
    check_port(pki, server.port(), implicit).await
}

/// Runs the check against 127.0.0.1:`port` (which may serve another protocol).
pub async fn check_port<D: TestedDialect>(
    pki: &TestPki,
    port: u16,
    implicit: bool,
) -> (Report, MailboxReport<D>) {
    let services = Services::from_parts(catalog(port, implicit), config(Some(pki.ca_path())))
        .expect("services");
    check(&services, "127.0.0.1", port).await
}

pub async fn check<D: TestedDialect>(
    services: &Services,
    host: &str,
    port: u16,
) -> (Report, MailboxReport<D>) {
    let request = MailboxRequest::<D>::from_input(
        Some(host),
        Some(i64::from(port)),
        &services.catalog.mailbox,
        services.config.allow_private_targets,
    )
    .expect("a valid request");
    let report = checks::run(services, &D::request(request), &Progress::none()).await;
    let details = D::details(&report.details)
        .unwrap_or_else(|| panic!("not a {} report", D::NAME))
        .clone();
    (report, details)
}

pub fn step<D>(report: &MailboxReport<D>, name: StepName) -> &Step {
    report
        .steps
        .iter()
        .find(|step| step.name == name)
        .unwrap_or_else(|| panic!("no {name:?} step in {:?}", report.steps))
}

pub fn status<D>(report: &MailboxReport<D>, name: StepName) -> StepStatus {
    step(report, name).status()
}

/// The bot must never try to log in, whatever the server offers.
pub fn assert_never_logged_in(commands: &[String]) {
    for command in commands {
        let upper = command.to_ascii_uppercase();
        for word in upper.split_whitespace().take(2) {
            assert!(
                !["LOGIN", "AUTHENTICATE", "USER", "PASS", "AUTH", "APOP"].contains(&word),
                "the bot sent {command:?}"
            );
        }
    }
}

/// `commands/mailbox.toml` with `port` as both protocols' default, allowed and (when
/// `implicit`) TLS-from-the-first-byte port, and short timeouts; for `COMMANDS_DIR`.
pub fn mailbox_toml(host: &str, port: u16, implicit: bool) -> String {
    let implicit_ports = if implicit {
        port.to_string()
    } else {
        String::new()
    };
    let ports = format!(
        "port = {port}\nallowed_ports = [{port}]\nimplicit_tls_ports = [{implicit_ports}]\n"
    );
    format!(
        "host = \"{host}\"\nslow_greeting_ms = 5000\nexpiry_warning_days = 14\n[imap]\n{ports}[pop3]\n{ports}[timeouts]\nresolve_ms = 3000\nconnect_ms = 3000\ngreeting_ms = 3000\ncommand_ms = 3000\ntls_ms = 3000\ntotal_ms = 15000\n"
    )
}

/// A hostile capability list: `lines` lines of unique words (`X0`, `X1`, …, in
/// base 36), each line `prefix` and words up to `line_len` bytes; with `lines` = 8,
/// `line_len` = 8000 it is just under the 64 KB a dialogue reads of one answer.
pub fn hostile_capability_lines(prefix: &str, lines: usize, line_len: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut n: u64 = 0;
    for _ in 0..lines {
        let mut line = prefix.to_string();
        loop {
            let word = format!("X{}", base36(n));
            if line.len() + 1 + word.len() > line_len {
                break;
            }
            line.push(' ');
            line.push_str(&word);
            n += 1;
        }
        out.push(line);
    }
    out
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut digits = Vec::new();
    loop {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap()
}
