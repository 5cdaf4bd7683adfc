//! The verdict rules of `/imap`: the mailbox engine's, shared with the other incoming
//! protocol. The worst step decides; the first step with that verdict explains it,
//! and a server that works is described as a mail app should be set up for it.

use super::ImapReport;
use crate::checks::mailbox;
use crate::checks::{CheckReport, Conclusion};

impl CheckReport for ImapReport {
    fn conclusion(&self) -> Conclusion {
        mailbox::conclusion(self)
    }
}
