//! `/imap`: does the incoming server work for a mail app set up for IMAP? A
//! step-by-step test like `/smtp`'s, run by the shared mailbox engine.
//!
//! On 993 (SSL/TLS, the settings page's): resolve, connect, TLS and the certificate,
//! the `* OK` greeting, `CAPABILITY` (IMAP4rev1/IMAP4rev2, IDLE, AUTH mechanisms),
//! whether a mail app can log in, `LOGOUT`. On 143: the greeting and `CAPABILITY` in
//! plain text (login offered before encryption, i.e. no `LOGINDISABLED`, is
//! critical), `STARTTLS`, the certificate, `CAPABILITY` again over TLS. The test never
//! sends `LOGIN` or `AUTHENTICATE`.
//!
//! - `dialect`: IMAP as the engine speaks it ([`Imap`]).
//! - `request`: what the user typed, as a server and port to test.
//! - `report`: the findings.
//! - `verdict`: the verdict rules.
//!
//! The session, the bounded reading and the findings' wording are
//! [`crate::checks::mailbox`]'s, shared with `/pop3`.

mod dialect;
mod report;
mod request;
mod verdict;

pub use dialect::Imap;
pub use report::ImapReport;
pub use request::{ImapInputError, ImapRequest};

use crate::checks::mailbox;
use crate::checks::{Progress, Services};

/// Runs the IMAP test. Network faults are findings in the report, never errors.
pub async fn run(services: &Services, request: &ImapRequest, progress: &Progress) -> ImapReport {
    mailbox::run(services, request, progress).await
}
