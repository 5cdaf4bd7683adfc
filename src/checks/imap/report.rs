//! What the IMAP test found: the mailbox engine's report, typed for IMAP. In JSON:
//! `host`, `port`, `security`, `address`, `steps`, `tls`, `capabilities`,
//! `auth_mechanisms`, `login` and `transcript`.

use super::Imap;
use crate::checks::mailbox::MailboxReport;

/// The IMAP test's findings.
pub type ImapReport = MailboxReport<Imap>;
