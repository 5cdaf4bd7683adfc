//! The verdict rules of `/pop3`: the mailbox engine's, shared with the other incoming
//! protocol. The worst step decides; the first step with that verdict explains it,
//! and a server that works is described as a mail app should be set up for it.

use super::Pop3Report;
use crate::checks::mailbox;
use crate::checks::{CheckReport, Conclusion};

impl CheckReport for Pop3Report {
    fn conclusion(&self) -> Conclusion {
        mailbox::conclusion(self)
    }
}
