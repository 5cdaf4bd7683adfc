//! What the server-test harnesses (SMTP in `smtp_check`, IMAP and POP3 in
//! `mailbox_check`) share: short step timeouts for the catalogue, and the config a
//! private deployment would have.

use std::path::Path;
use std::time::Duration;

use echoterra_bot::catalog::ServerTimeouts;
use echoterra_bot::config::Config;

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

/// A config as the environment gives it: the test CA in `TLS_EXTRA_CA` and private
/// targets allowed (the servers are on loopback). DNS goes to a closed port on
/// loopback (a lookup, such as SMTP's reverse lookup of the server's address, fails
/// at once): a test that needs DNS sets its own server, and no query ever leaves the
/// machine.
pub fn config(ca: Option<&Path>) -> Config {
    Config::from_lookup(|name| match name {
        "DNS_SERVERS" => Some(closed_loopback_port()),
        "ALLOW_PRIVATE_TARGETS" => Some("true".to_string()),
        "TLS_EXTRA_CA" => ca.map(|path| path.display().to_string()),
        _ => None,
    })
    .expect("config")
}

/// `127.0.0.1:<port>` where nothing listens.
fn closed_loopback_port() -> String {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.local_addr().expect("address").to_string()
}
