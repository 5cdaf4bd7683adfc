//! `/smtp`: does the outgoing mail server work? A step-by-step SMTP submission test.
//!
//! Resolve the host, connect to an address that passed the address policy, read the
//! greeting, EHLO, STARTTLS (or TLS from the first byte on an implicit-TLS port such
//! as 465), inspect the TLS session and certificate, EHLO again, look at the AUTH
//! mechanisms, QUIT. Every step is timed and has its own timeout, the whole test has
//! a deadline, and every read is bounded. The test never sends credentials or mail.
//!
//! - `request`: what the user typed, as a server and port to test.
//! - `report`: the findings: the shared probe report, then AUTH, the EHLO
//!   extensions, reverse DNS, the transcript.
//! - `verdict`: steps to a verdict and a sentence a customer understands.
//! - `reply`: SMTP replies and their bounds, read off the shared
//!   [`Dialogue`](crate::checks::net::probe::Dialogue).
//! - `extensions`: what an EHLO reply offers (AUTH, SIZE, STARTTLS).
//! - `session`: the steps, in order.
//!
//! What every server test shares (target and input errors, connecting, the TLS
//! steps, the dialogue, the report's head) is [`crate::checks::net::probe`]; the TLS
//! handshake and the certificate judgement are [`crate::checks::net::tls`]'s.

mod extensions;
mod reply;
mod report;
mod request;
mod session;
mod verdict;

pub use report::{Security, SmtpReport, Step, StepName, StepStatus};
pub use request::{SmtpHost, SmtpInputError, SmtpRequest};

use crate::checks::{Progress, Services};

/// Runs the SMTP test. Network faults are findings in the report, never errors.
pub async fn run(services: &Services, request: &SmtpRequest, progress: &Progress) -> SmtpReport {
    session::run(services, request, progress).await
}
