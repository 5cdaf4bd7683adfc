//! The IMAP test (`/imap`, `check imap`) against real IMAP servers on 127.0.0.1 that
//! speak real IMAP and real TLS, healthy and broken in the ways customers meet, and
//! against an SMTP and a web server where IMAP was expected.

use std::time::{Duration, Instant};

use crate::support::bot_process::run_check;
use crate::support::catalogs::config;
use crate::support::mailbox_check::{
    assert_never_logged_in, check_port, check_server, status, step, TOTAL,
};
use crate::support::mailbox_server::{Greeting, Script, TestMailbox};
use crate::support::pki::{TestPki, Validity};
use crate::support::smtp_server::{self, TestSmtp};

use echoterra_bot::checks::imap::Imap;
use echoterra_bot::checks::net::mailbox::{MailboxReport, StepName};
use echoterra_bot::checks::net::probe::{Security, StepStatus};
use echoterra_bot::checks::net::tls::CertificateProblem;
use echoterra_bot::checks::net::transcript::Party;
use echoterra_bot::checks::{Report, Services};
use echoterra_bot::render::{self, discord::limits, Format};
use echoterra_bot::values::{Protocol, Verdict};

type ImapReport = MailboxReport<Imap>;

async fn healthy(pki: &TestPki, implicit: bool) -> TestMailbox {
    let identity = pki.leaf(&["127.0.0.1"], Validity::Current);
    TestMailbox::start(if implicit {
        Script::implicit(Protocol::Imap, identity)
    } else {
        Script::starttls(Protocol::Imap, identity)
    })
    .await
}

async fn run(pki: &TestPki, server: &TestMailbox, implicit: bool) -> (Report, ImapReport) {
    check_server::<Imap>(pki, server, implicit).await
}

fn names(report: &ImapReport) -> Vec<StepName> {
    report.steps.iter().map(|step| step.name).collect()
}

#[tokio::test]
async fn a_healthy_server_on_993_is_ok() {
    let pki = TestPki::new();
    let server = healthy(&pki, true).await;
    let (report, imap) = run(&pki, &server, true).await;

    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(report.target, format!("127.0.0.1:{}", server.port()));
    assert_eq!(
        report.summary,
        format!(
            "The IMAP server 127.0.0.1:{} works: connect with port {}, SSL/TLS and log in (LOGIN, PLAIN).",
            server.port(),
            server.port()
        )
    );
    assert_eq!(imap.security, Security::Implicit);
    assert_eq!(
        names(&imap),
        [
            StepName::Resolve,
            StepName::Connect,
            StepName::Tls,
            StepName::Certificate,
            StepName::Greeting,
            StepName::Capability,
            StepName::Login,
            StepName::Logout
        ]
    );
    for step in &imap.steps {
        assert_eq!(step.status(), StepStatus::Ok, "{step:?}");
    }
    let tls = imap.tls.as_ref().unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLS 1.3"));
    assert!(tls.certificate.as_ref().unwrap().valid);
    assert_eq!(imap.login, ["LOGIN", "PLAIN"]);
    assert_eq!(imap.auth_mechanisms, ["PLAIN"]);
    assert_eq!(imap.capabilities, ["IMAP4rev1", "IDLE", "AUTH=PLAIN"]);
    assert_eq!(server.commands(), ["a1 CAPABILITY", "a2 LOGOUT"]);
    assert!(step(&imap, StepName::Logout).detail.contains("a2 OK"));
    assert!(imap
        .transcript
        .iter()
        .any(|line| line.from == Party::Server && line.text.starts_with("* OK test.imap.invalid")));
}

#[tokio::test]
async fn starttls_on_143_with_logindisabled_before_it_is_ok() {
    let pki = TestPki::new();
    let server = healthy(&pki, false).await;
    let (report, imap) = run(&pki, &server, false).await;

    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(imap.security, Security::Starttls);
    assert!(report.summary.contains("STARTTLS"), "{}", report.summary);
    assert_eq!(
        names(&imap),
        [
            StepName::Resolve,
            StepName::Connect,
            StepName::Greeting,
            StepName::Capability,
            StepName::Starttls,
            StepName::Certificate,
            StepName::CapabilityTls,
            StepName::Login,
            StepName::Logout
        ]
    );
    for step in &imap.steps {
        assert_eq!(step.status(), StepStatus::Ok, "{step:?}");
    }
    let before = step(&imap, StepName::Capability);
    assert!(before.detail.contains("LOGINDISABLED"), "{}", before.detail);
    assert!(step(&imap, StepName::Starttls)
        .detail
        .starts_with("TLS 1.3"));
    // After TLS: the capabilities seen over TLS, with login.
    assert_eq!(imap.capabilities, ["IMAP4rev1", "IDLE", "AUTH=PLAIN"]);
    assert_eq!(
        server.commands(),
        ["a1 CAPABILITY", "a2 STARTTLS", "a3 CAPABILITY", "a4 LOGOUT"]
    );
}

#[tokio::test]
async fn login_offered_before_starttls_is_critical_and_loopback_is_said() {
    let pki = TestPki::new();
    let mut script = Script::starttls(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.login_before_tls = true;
    let server = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &server, false).await;

    assert_eq!(report.verdict, Verdict::Critical, "{}", report.summary);
    let before = step(&imap, StepName::Capability);
    assert_eq!(before.status(), StepStatus::Failed);
    assert!(
        before
            .detail
            .starts_with("Login is offered before encryption (LOGIN, PLAIN)"),
        "{}",
        before.detail
    );
    assert!(before.detail.contains("LOGINDISABLED"), "{}", before.detail);
    assert!(before.detail.contains("loopback"), "{}", before.detail);
    assert_eq!(report.summary, before.detail);
    // The rest of the test still ran: TLS works, login after it too.
    assert_eq!(status(&imap, StepName::Starttls), StepStatus::Ok);
    assert_eq!(status(&imap, StepName::Login), StepStatus::Ok);
    assert_never_logged_in(&server.commands());
}

#[tokio::test]
async fn no_starttls_on_143_is_critical() {
    let pki = TestPki::new();
    let mut script = Script::starttls(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.starttls = false;
    let server = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let starttls = step(&imap, StepName::Starttls);
    assert!(
        starttls
            .detail
            .starts_with("Encryption is not offered (no STARTTLS"),
        "{}",
        starttls.detail
    );
    assert_eq!(status(&imap, StepName::Certificate), StepStatus::Skipped);
    assert_eq!(status(&imap, StepName::Logout), StepStatus::Ok);
    assert_eq!(server.commands(), ["a1 CAPABILITY", "a2 LOGOUT"]);
}

#[tokio::test]
async fn a_plain_text_greeting_on_993_is_named() {
    let pki = TestPki::new();
    let server = healthy(&pki, false).await;
    // Tested as an SSL/TLS port, as a customer who picked the wrong setting would.
    let (report, imap) = run(&pki, &server, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let tls = step(&imap, StepName::Tls);
    assert_eq!(tls.status(), StepStatus::Failed);
    assert!(
        tls.detail.contains(
            "expects TLS from the first byte (SSL/TLS), but the server speaks plain text"
        ),
        "{}",
        tls.detail
    );
    assert!(
        tls.detail.contains("* OK test.imap.invalid"),
        "{}",
        tls.detail
    );
    assert_eq!(status(&imap, StepName::Greeting), StepStatus::Skipped);
}

#[tokio::test]
async fn an_smtp_server_on_993_is_named_from_its_220() {
    let pki = TestPki::new();
    // An SMTP server with TLS from the first byte, as on 465.
    let smtps = TestSmtp::start(smtp_server::Script::implicit(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, imap) = check_port::<Imap>(&pki, smtps.port(), true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert_eq!(status(&imap, StepName::Tls), StepStatus::Ok);
    let greeting = step(&imap, StepName::Greeting);
    assert!(
        greeting.detail.starts_with(&format!(
            "An SMTP server answers on port {} (it greeted with \"220 test.smtp.invalid ESMTP ready\"), not an IMAP server",
            smtps.port()
        )),
        "{}",
        greeting.detail
    );
    assert!(greeting
        .detail
        .contains("Use port 993 with SSL/TLS (or 143 with STARTTLS) for IMAP"));
    assert!(smtps.commands().is_empty(), "{:?}", smtps.commands());

    // A plain SMTP server (as on 587) on the SSL/TLS port.
    let smtp = TestSmtp::start(smtp_server::Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, imap) = check_port::<Imap>(&pki, smtp.port(), true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let tls = step(&imap, StepName::Tls);
    assert!(tls.detail.contains("speaks plain text"), "{}", tls.detail);
    assert!(
        tls.detail.contains("An SMTP server answers on port"),
        "{}",
        tls.detail
    );
}

#[tokio::test]
async fn a_tls_server_on_143_is_named_as_the_ssl_port_mix_up() {
    let pki = TestPki::new();
    let server = healthy(&pki, true).await;
    let (report, imap) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        report
            .summary
            .contains("expects TLS from the first byte (SSL/TLS, usually 993), not STARTTLS"),
        "{}",
        report.summary
    );
    assert_eq!(status(&imap, StepName::Certificate), StepStatus::Ok);
    assert!(
        imap.tls
            .as_ref()
            .unwrap()
            .certificate
            .as_ref()
            .unwrap()
            .valid
    );
    assert_eq!(status(&imap, StepName::Starttls), StepStatus::Skipped);
}

#[tokio::test]
async fn a_web_server_on_143_is_named() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::greeting(Protocol::Imap, Greeting::Http)).await;
    let (report, imap) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&imap, StepName::Greeting);
    assert!(
        greeting
            .detail
            .starts_with("A web (HTTP) server answers on port"),
        "{}",
        greeting.detail
    );
    assert!(
        greeting.detail.contains("HTTP/1.1 400"),
        "{}",
        greeting.detail
    );
}

#[tokio::test]
async fn a_server_that_never_greets_is_critical_within_the_deadline() {
    let pki = TestPki::new();
    let plain = TestMailbox::start(Script::greeting(Protocol::Imap, Greeting::Silent)).await;
    let started = Instant::now();
    let (report, imap) = run(&pki, &plain, false).await;
    assert!(started.elapsed() < TOTAL + Duration::from_secs(2));
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&imap, StepName::Greeting);
    assert!(
        greeting.detail.contains("did not greet us"),
        "{}",
        greeting.detail
    );

    // Silent after a good TLS handshake on 993.
    let mut script = Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.greeting = Greeting::Silent;
    let silent = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &silent, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert_eq!(status(&imap, StepName::Tls), StepStatus::Ok);
    assert!(step(&imap, StepName::Greeting)
        .detail
        .contains("did not greet us"));
}

#[tokio::test]
async fn a_greeting_longer_than_the_read_bounds_ends_as_a_finding() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::greeting(Protocol::Imap, Greeting::Long(20_000))).await;
    let (report, imap) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&imap, StepName::Greeting);
    assert!(
        greeting
            .detail
            .contains("a line longer than 8192 bytes, more than the test reads"),
        "{}",
        greeting.detail
    );
    assert!(greeting.detail.contains("not an IMAP server"));
    assert!(server.commands().is_empty());
}

#[tokio::test]
async fn bye_and_preauth_greetings_are_named() {
    let pki = TestPki::new();
    let bye = TestMailbox::start(Script::greeting(Protocol::Imap, Greeting::Refused)).await;
    let (report, imap) = run(&pki, &bye, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        step(&imap, StepName::Greeting)
            .detail
            .contains("refuses this connection: it greeted with \"* BYE Too many connections"),
        "{}",
        report.summary
    );

    let mut script = Script::starttls(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.greeting = Greeting::Preauth;
    let preauth = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &preauth, false).await;
    let greeting = step(&imap, StepName::Greeting);
    assert_eq!(greeting.status(), StepStatus::Warning);
    assert!(greeting.detail.contains("PREAUTH"), "{}", greeting.detail);
    // After PREAUTH the server refuses STARTTLS, as RFC 9051 says it must.
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        step(&imap, StepName::Starttls)
            .detail
            .starts_with("The server refused STARTTLS"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn nothing_listening_is_critical() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let pki = TestPki::new();
    let (report, imap) = check_port::<Imap>(&pki, port, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        step(&imap, StepName::Connect)
            .detail
            .contains("nothing is listening"),
        "{}",
        report.summary
    );
    assert_eq!(status(&imap, StepName::Tls), StepStatus::Skipped);
}

#[tokio::test]
async fn an_expired_certificate_is_critical_and_the_test_goes_on() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::implicit(
        Protocol::Imap,
        pki.leaf(&["127.0.0.1"], Validity::Expired),
    ))
    .await;
    let (report, imap) = run(&pki, &server, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(report.summary.contains("expired on"), "{}", report.summary);
    assert_eq!(status(&imap, StepName::Tls), StepStatus::Ok);
    assert_eq!(status(&imap, StepName::Certificate), StepStatus::Failed);
    let certificate = imap.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(certificate.problems, [CertificateProblem::Expired]);
    assert_eq!(status(&imap, StepName::Login), StepStatus::Ok);
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_wrong_name_failure() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::starttls(
        Protocol::Imap,
        pki.leaf(&["imap.other-provider.invalid"], Validity::Current),
    ))
    .await;
    let (report, imap) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let certificate = imap.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(certificate.problems, [CertificateProblem::WrongName]);
    assert!(
        report
            .summary
            .contains("is for imap.other-provider.invalid, not 127.0.0.1"),
        "{}",
        report.summary
    );
    assert_eq!(status(&imap, StepName::Starttls), StepStatus::Ok);
}

#[tokio::test]
async fn no_password_login_after_tls_is_critical_and_no_usable_auth_a_warning() {
    let pki = TestPki::new();
    let mut script = Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.login_after_tls = false;
    let locked = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &locked, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        step(&imap, StepName::Login)
            .detail
            .starts_with("Mail apps cannot log in"),
        "{}",
        report.summary
    );

    let mut script = Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.mechanisms = vec!["XOAUTH2".into(), "GSSAPI".into()];
    let oauth = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &oauth, true).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    let login = step(&imap, StepName::Login);
    assert!(
        login.detail.starts_with(
            "No AUTH mechanism a mail app can use: the server offers only XOAUTH2, GSSAPI"
        ),
        "{}",
        login.detail
    );
    assert_eq!(imap.login, ["LOGIN"]);
}

#[tokio::test]
async fn a_certificate_expiring_soon_and_a_slow_greeting_are_warnings() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::implicit(
        Protocol::Imap,
        pki.leaf(&["127.0.0.1"], Validity::ExpiresInDays(5)),
    ))
    .await;
    let (report, imap) = run(&pki, &server, true).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    assert_eq!(status(&imap, StepName::Certificate), StepStatus::Warning);
    assert!(
        report.summary.contains("expires in 5 days"),
        "{}",
        report.summary
    );

    let mut script = Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.greeting = Greeting::Delayed(Duration::from_millis(700));
    let slow = TestMailbox::start(script).await;
    let mut catalog = crate::support::mailbox_check::catalog(slow.port(), true);
    catalog.mailbox.slow_greeting_ms = 300;
    let services = Services::from_parts(catalog, config(Some(pki.ca_path()))).unwrap();
    let (report, imap) =
        crate::support::mailbox_check::check::<Imap>(&services, "127.0.0.1", slow.port()).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    assert!(
        step(&imap, StepName::Greeting)
            .detail
            .starts_with("The server greeted us only after"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn the_json_and_the_discord_message_carry_the_findings() {
    let pki = TestPki::new();
    let server = healthy(&pki, false).await;
    let (report, _) = run(&pki, &server, false).await;

    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    assert_eq!(json["check"], "imap");
    assert_eq!(json["target"], format!("127.0.0.1:{}", server.port()));
    assert_eq!(json["verdict"], "ok");
    assert_eq!(json["security"], "starttls");
    let steps = json["steps"].as_array().unwrap();
    let step_names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        step_names,
        [
            "resolve",
            "connect",
            "greeting",
            "capability",
            "starttls",
            "certificate",
            "capability_tls",
            "login",
            "logout"
        ]
    );
    for step in steps {
        assert_eq!(step["status"], "ok");
        assert!(step["millis"].is_u64() && step["detail"].is_string());
    }
    assert_eq!(json["tls"]["version"], "TLS 1.3");
    assert_eq!(json["tls"]["certificate"]["valid"], true);
    assert_eq!(
        json["capabilities"],
        serde_json::json!(["IMAP4rev1", "IDLE", "AUTH=PLAIN"])
    );
    assert_eq!(json["auth_mechanisms"], serde_json::json!(["PLAIN"]));
    assert_eq!(json["login"], serde_json::json!(["LOGIN", "PLAIN"]));
    assert!(json["transcript"].as_array().unwrap().len() > 10);

    let message = render::discord::report_message(&report);
    assert_eq!(limits::violations(&message), Vec::<String>::new());
    let embed = &message.embeds[0];
    assert!(
        embed.title.starts_with("📥 IMAP test · 127.0.0.1:"),
        "{}",
        embed.title
    );
    let description = embed.description.as_deref().unwrap();
    assert!(
        description.contains("✅ **CAPABILITY over TLS**"),
        "{description}"
    );
    assert!(description.contains("✅ **STARTTLS**"), "{description}");
    assert!(embed.fields.iter().any(|f| f.name.contains("Certificate")));
    assert_eq!(message.files.len(), 1);
    assert_eq!(message.files[0].name, "imap-transcript.txt");
    // "Run again" tests the same server again.
    let again = &message.components[0].components[0];
    assert_eq!(again.label, "Run again");
    assert_eq!(
        again.id(),
        format!("v2:again:imap:127.0.0.1:{}", server.port())
    );
    let transcript = String::from_utf8(message.files[0].bytes.clone()).unwrap();
    assert!(transcript.contains("C: a2 STARTTLS"), "{transcript}");
    assert!(
        transcript.contains("S: a4 OK LOGOUT completed"),
        "{transcript}"
    );

    let text = render::render(&report, Format::Text);
    assert!(text.starts_with("IMAP OK: "), "{text}");
    assert!(text.contains("[ok  ] CAPABILITY over TLS"), "{text}");
    assert!(text.contains("Login: LOGIN, PLAIN"), "{text}");
}

#[tokio::test]
async fn the_command_line_gives_the_verdict_as_exit_code() {
    let pki = TestPki::new();
    let ca = pki.ca_path().display().to_string();
    let env = [
        ("ALLOW_PRIVATE_TARGETS", "true"),
        ("TLS_EXTRA_CA", ca.as_str()),
    ];
    // 143 is not an implicit-TLS port in the shipped catalogue: a STARTTLS server
    // on another port is tested with STARTTLS.
    let healthy = healthy(&pki, false).await;
    let port = healthy.port().to_string();
    let (code, stdout, stderr) = run_check("imap", &["127.0.0.1", "--port", &port], &env).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("IMAP OK: "), "{stdout}");
    assert!(stdout.contains("[ok  ] STARTTLS"), "{stdout}");

    let mut script = Script::starttls(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.mechanisms = vec!["XOAUTH2".into()];
    let warned = TestMailbox::start(script).await;
    let target = format!("127.0.0.1:{}", warned.port());
    let (code, stdout, _) = run_check("imap", &[&target], &env).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("IMAP WARNING: "), "{stdout}");

    let refusing = TestMailbox::start(Script::greeting(Protocol::Imap, Greeting::Refused)).await;
    let target = format!("127.0.0.1:{}", refusing.port());
    let (code, stdout, _) = run_check("imap", &[&target, "--format", "json"], &env).await;
    assert_eq!(code, 2, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["check"], "imap");
    assert_eq!(json["verdict"], "critical");
    assert_eq!(json["steps"][2]["name"], "greeting");
    assert_eq!(json["steps"][2]["status"], "failed");

    // Without ALLOW_PRIVATE_TARGETS neither the port nor the address is accepted.
    let (code, _, stderr) = run_check("imap", &["imap.example.com", "--port", "995"], &[]).await;
    assert_eq!(code, 3);
    assert!(
        stderr.contains("port 995 is not an IMAP port: the bot tests only ports 993 and 143"),
        "{stderr}"
    );
    let (code, _, stderr) = run_check("imap", &["127.0.0.1"], &[]).await;
    assert_eq!(code, 3);
    assert!(stderr.contains("only public mail servers"), "{stderr}");
}

/// A server whose CAPABILITY answer is 64 KB of unique words (8 lines of 8,000
/// bytes, about 12,000 words): read in one pass, at most `MAX_ITEMS` kept, and the
/// step says the list was cut; what a mail app needs (IMAP4rev1, AUTH=PLAIN) is
/// still read.
#[tokio::test]
async fn a_64_kb_capability_answer_is_cut_to_the_cap_and_says_so() {
    use crate::support::mailbox_check::hostile_capability_lines;
    use echoterra_bot::checks::net::mailbox::MAX_ITEMS;

    let pki = TestPki::new();
    let mut script = Script::implicit(Protocol::Imap, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.capability_extra = hostile_capability_lines("* CAPABILITY", 8, 8000);
    let sent: usize = script.capability_extra.iter().map(|l| l.len() + 2).sum();
    assert!((60_000..64 * 1024).contains(&sent), "{sent}");
    let server = TestMailbox::start(script).await;
    let (report, imap) = run(&pki, &server, true).await;
    assert_eq!(
        imap.capabilities.len(),
        MAX_ITEMS,
        "{:?}",
        imap.capabilities
    );
    assert!(imap.capabilities.iter().any(|c| c == "IMAP4rev1"));
    assert_eq!(imap.auth_mechanisms, ["PLAIN"]);
    let capability = step(&imap, StepName::Capability);
    assert_eq!(capability.status(), StepStatus::Ok, "{}", capability.detail);
    assert!(
        capability
            .detail
            .contains("more capabilities left out: the list was cut at 100 items"),
        "{}",
        capability.detail
    );
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
}
