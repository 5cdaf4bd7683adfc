//! Catalogue settings the server-test suites (SMTP, IMAP, POP3) share.

use std::time::Duration;

use echoterra_bot::catalog::ServerTimeouts;

/// Short step timeouts so the suites stay fast, and `total` for the whole test.
pub fn short_timeouts(total: Duration) -> ServerTimeouts {
    ServerTimeouts {
        resolve_ms: 2000,
        connect_ms: 2000,
        greeting_ms: 1500,
        command_ms: 2000,
        tls_ms: 2000,
        total_ms: total.as_millis() as u64,
    }
}
