//! Reports as plain text for a terminal: a headline with the verdict, then the details.

mod blacklist;
mod domain;
mod mailbox;
mod mx;
mod probe;
mod settings;
mod smtp;
mod spf;

use crate::checks::{Details, Report};

pub fn render(report: &Report) -> String {
    let mut out = format!(
        "{} {}: {}\n",
        report.details.check_name().to_uppercase(),
        report.verdict.label(),
        report.summary
    );
    match &report.details {
        Details::Settings(details) => settings::render(details, &mut out),
        Details::Smtp(details) => smtp::render(details, &mut out),
        Details::Blacklist(details) => blacklist::render(details, &mut out),
        Details::Mx(details) => mx::render(details, &mut out),
        Details::Domain(details) => domain::render(details, &mut out),
        Details::Spf(details) => spf::render(details, &mut out),
        Details::Imap(details) => mailbox::render(details, &mut out),
        Details::Pop3(details) => mailbox::render(details, &mut out),
    }
    out
}
