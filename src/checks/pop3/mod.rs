//! `/pop3`: does the incoming server work for a mail app set up for POP3? A
//! step-by-step test like `/smtp`'s, run by the shared mailbox engine.
//!
//! On 995 (SSL/TLS, the settings page's): resolve, connect, TLS and the certificate,
//! the `+OK` greeting, `CAPA` (`USER`, `SASL` mechanisms, `STLS`), whether a mail app
//! can log in, `QUIT`. On 110: the greeting and `CAPA` in plain text (login offered
//! before encryption is critical), `STLS`, the certificate, `CAPA` again over TLS. A
//! server without `CAPA` (RFC 2449 is an extension) is a warning, not a failure. The
//! test never sends `USER`, `PASS` or `AUTH`.
//!
//! - `dialect`: POP3 as the engine speaks it ([`Pop3`]).
//! - `request`: what the user typed, as a server and port to test.
//! - `report`: the findings.
//! - `verdict`: the verdict rules.
//!
//! The session, the bounded reading and the findings' wording are
//! [`crate::checks::mailbox`]'s, shared with `/imap`.

mod dialect;
mod report;
mod request;
mod verdict;

pub use dialect::Pop3;
pub use report::Pop3Report;
pub use request::{Pop3InputError, Pop3Request};

use crate::checks::mailbox;
use crate::checks::{Progress, Services};

/// Runs the POP3 test. Network faults are findings in the report, never errors.
pub async fn run(services: &Services, request: &Pop3Request, progress: &Progress) -> Pop3Report {
    mailbox::run(services, request, progress).await
}
