//! What `/imap` and `/pop3` share: one engine that tests an incoming mail server the
//! way `/smtp` tests the outgoing one, written once over a small description of the
//! protocol (a [`Dialect`]: its greeting, capability command, STARTTLS command and
//! logout command).
//!
//! Resolve the host, connect to an address that passed the address policy, then on
//! an SSL/TLS port (993, 995) TLS and the certificate before the greeting, on a
//! STARTTLS port (143, 110) the greeting and the capabilities in plain text, then
//! STARTTLS/STLS, the certificate and the capabilities again; whether a mail app can
//! log in after TLS; LOGOUT/QUIT. Every step is timed and has its own timeout, the
//! whole test has a deadline, and every read is bounded. The test never logs in and
//! never sends a password.
//!
//! - `dialect`: the [`Dialect`] trait, greetings, framing, recognising other servers.
//! - `request`: what the user typed, as a server and port to test.
//! - `step`: the names of the steps.
//! - `report`: the findings: the shared probe report, then capabilities, login,
//!   transcript.
//! - `verdict`: steps to a verdict and a sentence a customer understands (the
//!   `CheckReport` of `/imap` and `/pop3`).
//! - `capabilities`: what a capability answer offers, for login before and after TLS.
//! - `answer`: how IMAP and POP3 answers end and are bounded, read off the shared
//!   [`Dialogue`](crate::checks::net::probe::Dialogue).
//! - `session`: the steps, in order.
//!
//! The two protocols are `crate::checks::imap` and `crate::checks::pop3`; what every
//! server test shares (SMTP too) is [`crate::checks::net::probe`].

mod answer;
mod capabilities;
mod dialect;
mod report;
mod request;
mod session;
mod step;
mod verdict;

pub use capabilities::{Capabilities, MAX_ITEMS, MAX_ITEM_LEN, MAX_MECHANISMS, MAX_MECHANISM_LEN};
pub use dialect::{Command, Dialect, Framing, Greeting, ServerKind};
pub use report::MailboxReport;
pub use request::MailboxRequest;
pub use step::{Step, StepName};

use crate::checks::{Progress, Services};

/// Runs an IMAP or POP3 test. Network faults are findings in the report, never errors.
pub async fn run<D: Dialect>(
    services: &Services,
    request: &MailboxRequest<D>,
    progress: &Progress,
) -> MailboxReport<D> {
    session::run(services, request, progress).await
}
