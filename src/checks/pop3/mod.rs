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
//!
//! Everything else is [`crate::checks::net::mailbox`]'s, shared with `/imap`: the request
//! (ports 995 (SSL/TLS, the settings page's) and 110 (STLS, POP3's STARTTLS), from
//! `[pop3]` of `commands/mailbox.toml`), the session, the bounded reading, the report
//! and its verdict rules. The names below are that engine's types for POP3.

mod dialect;

pub use dialect::Pop3;

use crate::checks::net::mailbox::{MailboxReport, MailboxRequest};
use crate::checks::net::probe::InputError;

/// Runs the POP3 test (`run(&services, &Pop3Request, &progress)`). Network faults
/// are findings in the report, never errors.
pub use crate::checks::net::mailbox::run;

/// A `/pop3` request: which server and port to test. Built with
/// `Pop3Request::from_input(host, port, &catalog.mailbox, allow_private)`.
pub type Pop3Request = MailboxRequest<Pop3>;

/// Why a `/pop3` request cannot be run; its `Display` says what is accepted.
pub type Pop3InputError = InputError;

/// The POP3 test's findings. In JSON: `host`, `port`, `security`, `address`,
/// `steps`, `tls`, `capabilities`, `auth_mechanisms`, `login` and `transcript`.
pub type Pop3Report = MailboxReport<Pop3>;
