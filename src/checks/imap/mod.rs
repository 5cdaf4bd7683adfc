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
//!
//! Everything else is [`crate::checks::net::mailbox`]'s, shared with `/pop3`: the request
//! (ports 993 (SSL/TLS, the settings page's) and 143 (STARTTLS), from `[imap]` of
//! `commands/mailbox.toml`), the session, the bounded reading, the report and its
//! verdict rules. The names below are that engine's types for IMAP.

mod dialect;

pub use dialect::Imap;

use crate::checks::net::mailbox::{MailboxReport, MailboxRequest};
use crate::checks::net::probe::InputError;

/// Runs the IMAP test (`run(&services, &ImapRequest, &progress)`). Network faults
/// are findings in the report, never errors.
pub use crate::checks::net::mailbox::run;

/// A `/imap` request: which server and port to test. Built with
/// `ImapRequest::from_input(host, port, &catalog.mailbox, allow_private)`.
pub type ImapRequest = MailboxRequest<Imap>;

/// Why a `/imap` request cannot be run; its `Display` says what is accepted.
pub type ImapInputError = InputError;

/// The IMAP test's findings. In JSON: `host`, `port`, `security`, `address`,
/// `steps`, `tls`, `capabilities`, `auth_mechanisms`, `login` and `transcript`.
pub type ImapReport = MailboxReport<Imap>;
