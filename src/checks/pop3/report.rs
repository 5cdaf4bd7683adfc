//! What the POP3 test found: the mailbox engine's report, typed for POP3. In JSON:
//! `host`, `port`, `security`, `address`, `steps`, `tls`, `capabilities`,
//! `auth_mechanisms`, `login` and `transcript`.

use super::Pop3;
use crate::checks::mailbox::MailboxReport;

/// The POP3 test's findings.
pub type Pop3Report = MailboxReport<Pop3>;
