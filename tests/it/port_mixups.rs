//! `/imap`, `/pop3` and `/smtp` pointed at another protocol's port, through the real
//! binary (`echoterra-bot check imap|pop3|smtp … --format json|text`) against
//! testkit's servers with TLS from the first byte on 127.0.0.1: a customer who typed
//! the SMTP port into the IMAP field meets an SMTP server, and the answer must name
//! it, never advise "SSL/TLS on this port". On a port any protocol's catalogue lists
//! as TLS from the first byte (`implicit_tls_ports`: 465, 993, 995 as shipped; here
//! the test server's port, written into the COMMANDS_DIR as an operator would) the
//! test starts with TLS; on any other port (lab mode) it waits out the greeting,
//! retries with TLS and reads the greeting over TLS like any other.

use crate::support::bot_process::run_check;
use crate::support::mailbox_server::{Greeting, Script, TestMailbox};
use crate::support::pki::{TestPki, Validity};
use crate::support::smtp_server::{self, TestSmtp};

use echoterra_bot::values::Protocol;

/// The greeting timeout written into the test catalogue: a test that starts with
/// TLS never waits for it.
const GREETING_MS: u64 = 1500;

/// A COMMANDS_DIR holding the shipped `smtp.toml` and `mailbox.toml` with short
/// timeouts, and `port` added to the implicit-TLS ports of `listed_in` ("smtp",
/// "imap" or "pop3"; `None`: no catalogue lists it, as a lab port).
fn commands_dir(port: u16, listed_in: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let short = |text: &str| {
        text.replace(
            "greeting_ms = 15000",
            &format!("greeting_ms = {GREETING_MS}"),
        )
        .replace("connect_ms = 10000", "connect_ms = 2000")
        .replace("command_ms = 10000", "command_ms = 2000")
        .replace("tls_ms = 10000", "tls_ms = 2000")
        .replace("total_ms = 45000", "total_ms = 8000")
    };
    let list = |text: String, shipped: u16, protocol: &str| {
        if listed_in == Some(protocol) {
            let from = format!("implicit_tls_ports = [{shipped}]");
            assert!(text.contains(&from), "{from}");
            text.replace(&from, &format!("implicit_tls_ports = [{shipped}, {port}]"))
        } else {
            text
        }
    };
    let smtp = list(short(include_str!("../../commands/smtp.toml")), 465, "smtp");
    let mailbox = list(
        list(
            short(include_str!("../../commands/mailbox.toml")),
            993,
            "imap",
        ),
        995,
        "pop3",
    );
    std::fs::write(dir.path().join("smtp.toml"), smtp).unwrap();
    std::fs::write(dir.path().join("mailbox.toml"), mailbox).unwrap();
    dir
}

/// `127.0.0.1:<port>` where nothing listens: SMTP's reverse lookup fails at once,
/// and no query leaves the machine.
fn closed_dns() -> String {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().to_string()
}

/// Runs `check <check> 127.0.0.1 --port <port> --format <format>` in lab mode with
/// the test CA: the exit code and stdout.
async fn check(
    pki: &TestPki,
    check: &str,
    port: u16,
    listed_in: Option<&str>,
    format: &str,
) -> (i32, String) {
    let dir = commands_dir(port, listed_in);
    let ca = pki.ca_path().display().to_string();
    let commands = dir.path().display().to_string();
    let dns = closed_dns();
    let env = [
        ("ALLOW_PRIVATE_TARGETS", "true"),
        ("TLS_EXTRA_CA", ca.as_str()),
        ("COMMANDS_DIR", commands.as_str()),
        ("DNS_SERVERS", dns.as_str()),
    ];
    let port = port.to_string();
    let args = ["127.0.0.1", "--port", &port, "--format", format];
    let (code, stdout, stderr) = run_check(check, &args, &env).await;
    (code, format!("{stdout}{stderr}"))
}

/// The greeting step's detail of a JSON report, and whether the TLS retry of a
/// silent port was made (its note in the transcript).
fn greeting_and_retry(json: &str) -> (String, bool, serde_json::Value) {
    let json: serde_json::Value = serde_json::from_str(json).expect(json);
    let greeting = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["name"] == "greeting")
        .expect("a greeting step");
    let retried = json["transcript"].as_array().unwrap().iter().any(|line| {
        line["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("no greeting")
    });
    (
        greeting["detail"].as_str().unwrap().to_string(),
        retried,
        json,
    )
}

const WRONG_ADVICE: &str = "Set the mail app to SSL/TLS on this port";

async fn smtps(pki: &TestPki) -> TestSmtp {
    let identity = pki.leaf(&["127.0.0.1"], Validity::Current);
    TestSmtp::start(smtp_server::Script::implicit(identity)).await
}

async fn tls_mailbox(pki: &TestPki, protocol: Protocol) -> TestMailbox {
    let identity = pki.leaf(&["127.0.0.1"], Validity::Current);
    TestMailbox::start(Script::implicit(protocol, identity)).await
}

/// `/imap` on SMTP's SSL/TLS port (465 in the shipped catalogue): TLS at once, no
/// wait for a plain-text greeting, and the SMTP server named with where IMAP is.
#[tokio::test]
async fn imap_on_an_smtp_tls_port_starts_with_tls_and_names_the_smtp_server() {
    let pki = TestPki::new();
    let server = smtps(&pki).await;
    let port = server.port();
    let started = std::time::Instant::now();
    let (code, json) = check(&pki, "imap", port, Some("smtp"), "json").await;
    assert!(started.elapsed().as_millis() < u128::from(GREETING_MS) * 3);
    assert_eq!(code, 2, "{json}");
    let (greeting, retried, json) = greeting_and_retry(&json);
    assert_eq!(json["security"], "implicit");
    assert!(!retried, "waited for a plain-text greeting: {json}");
    assert!(
        greeting.starts_with(&format!(
            "An SMTP server answers on port {port} (it greeted with \"220 test.smtp.invalid ESMTP ready\"), not an IMAP server"
        )),
        "{greeting}"
    );
    assert!(
        greeting.contains("Use port 993 with SSL/TLS (or 143 with STARTTLS) for IMAP"),
        "{greeting}"
    );
    assert!(!json.to_string().contains(WRONG_ADVICE), "{json}");
    // Nothing was sent to the SMTP server.
    assert!(server.commands().is_empty(), "{:?}", server.commands());
}

/// `/imap` on a port no catalogue lists (lab mode), where an SMTP server speaks TLS
/// from the first byte: after the greeting timeout and the TLS retry, the greeting
/// over TLS names the SMTP server; an IMAP server there still gets the SSL/TLS
/// advice, which is right for it; a port silent over TLS too is said not to be IMAP.
#[tokio::test]
async fn imap_after_the_tls_retry_reads_the_greeting_and_names_the_smtp_server() {
    let pki = TestPki::new();
    let server = smtps(&pki).await;
    let port = server.port();
    let (code, text) = check(&pki, "imap", port, None, "text").await;
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(&format!(
            "An SMTP server answers on port {port} (it stayed silent in plain text, then greeted over TLS with \"220 test.smtp.invalid ESMTP ready\"), not an IMAP server"
        )),
        "{text}"
    );
    assert!(text.contains("Use port 993 with SSL/TLS"), "{text}");
    assert!(!text.contains(WRONG_ADVICE), "{text}");

    let imaps = tls_mailbox(&pki, Protocol::Imap).await;
    let (code, text) = check(&pki, "imap", imaps.port(), None, "text").await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(WRONG_ADVICE), "{text}");

    // Silent over TLS too, for the whole greeting time: TLS works, IMAP does not.
    let mut script = Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.greeting = Greeting::Silent;
    let mute = TestMailbox::start(script).await;
    let (code, text) = check(&pki, "imap", mute.port(), None, "text").await;
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("and over TLS on a new connection too: it is not an IMAP server"),
        "{text}"
    );
    assert!(!text.contains(WRONG_ADVICE), "{text}");
}

/// `/pop3` the same way: on SMTP's SSL/TLS port at once, and on a lab port where
/// an IMAP server speaks TLS, after the retry.
#[tokio::test]
async fn pop3_names_the_smtp_and_the_imap_server_it_meets() {
    let pki = TestPki::new();
    let server = smtps(&pki).await;
    let port = server.port();
    let (code, json) = check(&pki, "pop3", port, Some("smtp"), "json").await;
    assert_eq!(code, 2, "{json}");
    let (greeting, retried, json) = greeting_and_retry(&json);
    assert!(!retried, "{json}");
    assert!(
        greeting.starts_with(&format!("An SMTP server answers on port {port}")),
        "{greeting}"
    );
    assert!(
        greeting.contains("Use port 995 with SSL/TLS (or 110 with STARTTLS) for POP3"),
        "{greeting}"
    );

    let imaps = tls_mailbox(&pki, Protocol::Imap).await;
    let port = imaps.port();
    let (code, json) = check(&pki, "pop3", port, None, "json").await;
    assert_eq!(code, 2, "{json}");
    let (greeting, retried, json) = greeting_and_retry(&json);
    assert!(retried, "{json}");
    assert!(
        greeting.starts_with(&format!(
            "An IMAP server answers on port {port} (it stayed silent in plain text, then greeted over TLS with \"* OK"
        )),
        "{greeting}"
    );
    assert!(!json.to_string().contains(WRONG_ADVICE), "{json}");
    assert!(imaps.commands().is_empty(), "{:?}", imaps.commands());
}

/// `/smtp` on IMAP's SSL/TLS port (993 as shipped): TLS at once and the IMAP
/// server named; on a lab port where a POP3 server speaks TLS, after the retry.
#[tokio::test]
async fn smtp_names_the_imap_and_the_pop3_server_it_meets() {
    let pki = TestPki::new();
    let imaps = tls_mailbox(&pki, Protocol::Imap).await;
    let port = imaps.port();
    let (code, json) = check(&pki, "smtp", port, Some("imap"), "json").await;
    assert_eq!(code, 2, "{json}");
    let (greeting, retried, json) = greeting_and_retry(&json);
    assert_eq!(json["security"], "implicit");
    assert!(!retried, "{json}");
    assert!(
        greeting.starts_with(&format!(
            "An IMAP server answers on port {port} (it greeted with \"* OK"
        )),
        "{greeting}"
    );
    assert!(
        greeting.contains("Use port 465 with SSL/TLS or 587 with STARTTLS for SMTP"),
        "{greeting}"
    );
    assert!(imaps.commands().is_empty(), "{:?}", imaps.commands());

    let pop3s = tls_mailbox(&pki, Protocol::Pop3).await;
    let port = pop3s.port();
    let (code, text) = check(&pki, "smtp", port, None, "text").await;
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(&format!(
            "A POP3 server answers on port {port} (it stayed silent in plain text, then greeted over TLS with \"+OK"
        )),
        "{text}"
    );
    assert!(!text.contains("Set the mail app to SSL/TLS"), "{text}");
}
