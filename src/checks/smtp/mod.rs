//! `/smtp`: does the outgoing mail server work? A step-by-step SMTP submission test.
//!
//! Resolve the host, connect to an address that passed the address policy, read the
//! greeting, EHLO, STARTTLS (or TLS from the first byte on an implicit-TLS port such
//! as 465), inspect the TLS session and certificate, EHLO again, look at the AUTH
//! mechanisms, QUIT. Every step is timed and has its own timeout, the whole test has
//! a deadline, and every read is bounded. The test never sends credentials or mail.
//!
//! - [`request`]: what the user typed, as a server and port to test.
//! - [`report`]: the findings (steps, TLS session, transcript).
//! - [`dialogue`]: bounded SMTP replies and the transcript.
//! - `extensions`: what an EHLO reply offers (AUTH, SIZE, STARTTLS).
//! - [`tls`]: trusted roots, the handshake, the recording certificate verifier.
//! - [`certificate`]: what the certificate says and what is wrong with it.
//! - `session`: the steps, in order.
//! - [`verdict`]: steps to a verdict and a sentence a customer understands.

pub mod certificate;
pub mod dialogue;
mod extensions;
pub mod report;
pub mod request;
mod session;
pub mod tls;
pub mod verdict;

pub use certificate::{CertificateProblem, CertificateReport};
pub use dialogue::{Party, TranscriptLine};
pub use report::{
    days_left_text, megabytes, Security, SmtpReport, Step, StepName, StepStatus, TlsReport,
};
pub use request::{SmtpHost, SmtpInputError, SmtpRequest};
pub use tls::{load_trust_roots, TrustRootsError};

use super::ProgressSender;
use crate::report::Report;
use crate::services::Services;

/// Runs the SMTP test. Network faults are findings in the report, never errors.
pub async fn run(services: &Services, request: &SmtpRequest, progress: ProgressSender) -> Report {
    session::run(services, request, progress).await
}
