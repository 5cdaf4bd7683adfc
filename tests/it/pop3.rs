//! The POP3 test (`/pop3`, `check pop3`) against real POP3 servers on 127.0.0.1 that
//! speak real POP3 and real TLS, healthy and broken in the ways customers meet, and
//! against an IMAP server where POP3 was expected.

use crate::support::bot_process::run_check;
use crate::support::catalogs::config;
use crate::support::dns_server::{TestDns, Zone};
use crate::support::mailbox_check::{
    assert_never_logged_in, check, check_port, check_server, status, step, with_mailbox_settings,
};
use crate::support::mailbox_server::{Greeting, Script, TestMailbox};
use crate::support::pki::{TestPki, Validity};

use echoterra_bot::checks::net::mailbox::{MailboxReport, StepName};
use echoterra_bot::checks::net::probe::{Security, StepStatus};
use echoterra_bot::checks::net::tls::CertificateProblem;
use echoterra_bot::checks::pop3::Pop3;
use echoterra_bot::checks::{Report, Services};
use echoterra_bot::config::Config;
use echoterra_bot::render::{self, discord::limits, Format};
use echoterra_bot::values::{Protocol, Verdict};

type Pop3Report = MailboxReport<Pop3>;

async fn healthy(pki: &TestPki, implicit: bool) -> TestMailbox {
    let identity = pki.leaf(&["127.0.0.1"], Validity::Current);
    TestMailbox::start(if implicit {
        Script::implicit(Protocol::Pop3, identity)
    } else {
        Script::starttls(Protocol::Pop3, identity)
    })
    .await
}

async fn run(pki: &TestPki, server: &TestMailbox, implicit: bool) -> (Report, Pop3Report) {
    check_server::<Pop3>(pki, server, implicit).await
}

#[tokio::test]
async fn a_healthy_server_on_995_is_ok() {
    let pki = TestPki::new();
    let server = healthy(&pki, true).await;
    let (report, pop3) = run(&pki, &server, true).await;

    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(pop3.security, Security::Implicit);
    let names: Vec<StepName> = pop3.steps.iter().map(|step| step.name).collect();
    assert_eq!(
        names,
        [
            StepName::Resolve,
            StepName::Connect,
            StepName::Tls,
            StepName::Certificate,
            StepName::Greeting,
            StepName::Capa,
            StepName::Login,
            StepName::Quit
        ]
    );
    for step in &pop3.steps {
        assert_eq!(step.status(), StepStatus::Ok, "{step:?}");
    }
    assert_eq!(pop3.capabilities, ["TOP", "UIDL", "USER", "SASL PLAIN"]);
    assert_eq!(pop3.login, ["USER/PASS", "PLAIN"]);
    assert!(
        report
            .summary
            .contains("SSL/TLS and log in (USER/PASS, PLAIN)"),
        "{}",
        report.summary
    );
    assert_eq!(server.commands(), ["CAPA", "QUIT"]);
}

#[tokio::test]
async fn stls_on_110_is_ok_and_never_logs_in() {
    let pki = TestPki::new();
    let server = healthy(&pki, false).await;
    let (report, pop3) = run(&pki, &server, false).await;

    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    for step in &pop3.steps {
        assert_eq!(step.status(), StepStatus::Ok, "{step:?}");
    }
    assert_eq!(
        step(&pop3, StepName::Capa).detail,
        "TOP, UIDL, STLS",
        "no login before STLS"
    );
    assert!(step(&pop3, StepName::Stls).detail.starts_with("TLS 1.3"));
    assert_eq!(
        step(&pop3, StepName::CapaTls).detail,
        "TOP, UIDL, USER, SASL PLAIN"
    );
    assert_eq!(server.commands(), ["CAPA", "STLS", "CAPA", "QUIT"]);
    assert_never_logged_in(&server.commands());
}

#[tokio::test]
async fn user_before_stls_is_critical() {
    let pki = TestPki::new();
    let mut script = Script::starttls(Protocol::Pop3, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.login_before_tls = true;
    let server = TestMailbox::start(script).await;
    let (report, pop3) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let capa = step(&pop3, StepName::Capa);
    assert!(
        capa.detail
            .starts_with("Login is offered before encryption (USER/PASS, PLAIN)"),
        "{}",
        capa.detail
    );
    assert!(capa.detail.contains("only after STLS"), "{}", capa.detail);
    assert_never_logged_in(&server.commands());
}

#[tokio::test]
async fn a_server_without_capa_is_a_warning_and_stls_is_still_tried() {
    let pki = TestPki::new();
    let mut script = Script::starttls(Protocol::Pop3, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.capa = false;
    let server = TestMailbox::start(script).await;
    let (report, pop3) = run(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    assert_eq!(status(&pop3, StepName::Capa), StepStatus::Warning);
    assert!(
        step(&pop3, StepName::Capa)
            .detail
            .contains("does not answer CAPA"),
        "{}",
        report.summary
    );
    assert_eq!(status(&pop3, StepName::Stls), StepStatus::Ok);
    assert_eq!(status(&pop3, StepName::Login), StepStatus::Warning);
    assert_eq!(server.commands(), ["CAPA", "STLS", "CAPA", "QUIT"]);
}

#[tokio::test]
async fn an_imap_server_where_pop3_was_expected_is_named() {
    let pki = TestPki::new();
    let imap = TestMailbox::start(Script::implicit(
        Protocol::Imap,
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, pop3) = check_port::<Pop3>(&pki, imap.port(), true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&pop3, StepName::Greeting);
    let answers = format!(
        "An IMAP server answers on port {} (it greeted with \"* OK test.imap.invalid",
        imap.port()
    );
    assert!(greeting.detail.starts_with(&answers), "{}", greeting.detail);
    assert!(greeting
        .detail
        .contains("Use port 995 with SSL/TLS (or 110 with STARTTLS) for POP3"));
}

#[tokio::test]
async fn a_plain_text_greeting_on_995_and_an_err_greeting_are_named() {
    let pki = TestPki::new();
    let plain = healthy(&pki, false).await;
    let (report, pop3) = run(&pki, &plain, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let tls = step(&pop3, StepName::Tls);
    assert!(tls.detail.contains("speaks plain text"), "{}", tls.detail);
    assert!(
        tls.detail.contains("+OK test.pop3.invalid ready"),
        "{}",
        tls.detail
    );

    let refusing = TestMailbox::start(Script::greeting(Protocol::Pop3, Greeting::Refused)).await;
    let (report, _) = run(&pki, &refusing, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        report.summary.contains("\"-ERR Too many connections"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_as_such() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::implicit(
        Protocol::Pop3,
        TestPki::self_signed(&["127.0.0.1"]),
    ))
    .await;
    let (report, pop3) = run(&pki, &server, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let certificate = pop3.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(certificate.problems, [CertificateProblem::SelfSigned]);
    assert!(report.summary.contains("self-signed"), "{}", report.summary);
}

#[tokio::test]
async fn a_host_name_is_resolved_and_a_dns_failure_is_unknown() {
    let pki = TestPki::new();
    let server = TestMailbox::start(Script::implicit(
        Protocol::Pop3,
        pki.leaf(&["pop.example.test"], Validity::Current),
    ))
    .await;
    let dns = TestDns::builder()
        .zone(Zone::new("example.test").a("pop.example.test", "127.0.0.1"))
        .start()
        .await;
    let mut catalog = dns.catalog();
    with_mailbox_settings(&mut catalog, server.port(), true);
    let config = Config {
        dns_servers: Some(vec![dns.addr()]),
        ..config(Some(pki.ca_path()))
    };
    let services = Services::from_parts(catalog, config).unwrap();
    let (report, pop3) = check::<Pop3>(&services, "pop.example.test", server.port()).await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert!(step(&pop3, StepName::Resolve).detail.contains("127.0.0.1"));
    assert_eq!(pop3.address, Some(format!("127.0.0.1:{}", server.port())));

    let (report, pop3) = check::<Pop3>(&services, "missing.example.test", server.port()).await;
    assert_eq!(report.verdict, Verdict::Unknown);
    assert!(report.summary.contains("DNS problem"), "{}", report.summary);
    assert_eq!(status(&pop3, StepName::Connect), StepStatus::Skipped);
}

#[tokio::test]
async fn the_json_and_the_discord_message_carry_the_findings() {
    let pki = TestPki::new();
    let server = healthy(&pki, true).await;
    let (report, _) = run(&pki, &server, true).await;
    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    assert_eq!(json["check"], "pop3");
    assert_eq!(json["verdict"], "ok");
    assert_eq!(json["steps"][5]["name"], "capa");
    assert_eq!(json["steps"][7]["name"], "quit");
    assert_eq!(json["auth_mechanisms"], serde_json::json!(["PLAIN"]));
    assert_eq!(json["tls"]["certificate"]["valid"], true);

    let message = render::discord::report_message(&report);
    assert_eq!(limits::violations(&message), Vec::<String>::new());
    assert!(message.embeds[0].title.starts_with("📥 POP3 test"));
    assert_eq!(message.files[0].name, "pop3-transcript.txt");
    let description = message.embeds[0].description.as_deref().unwrap();
    assert!(description.contains("✅ **CAPA**"), "{description}");
}

#[tokio::test]
async fn the_command_line_gives_the_verdict_as_exit_code() {
    let pki = TestPki::new();
    let ca = pki.ca_path().display().to_string();
    let dns = TestDns::builder()
        .zone(Zone::new("example.test").a("pop.example.test", "127.0.0.1"))
        .start()
        .await;
    let dns_servers = dns.addr().to_string();
    let env = [
        ("ALLOW_PRIVATE_TARGETS", "true"),
        ("TLS_EXTRA_CA", ca.as_str()),
        ("DNS_SERVERS", dns_servers.as_str()),
    ];
    let server = healthy(&pki, false).await;
    let port = server.port().to_string();
    let (code, stdout, stderr) = run_check("pop3", &["127.0.0.1", "--port", &port], &env).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("POP3 OK: "), "{stdout}");
    assert!(stdout.contains("[ok  ] STLS"), "{stdout}");

    let expiring = TestMailbox::start(Script::starttls(
        Protocol::Pop3,
        pki.leaf(&["127.0.0.1"], Validity::ExpiresInDays(3)),
    ))
    .await;
    let target = format!("127.0.0.1:{}", expiring.port());
    let (code, stdout, _) = run_check("pop3", &[&target], &env).await;
    assert_eq!(code, 1, "{stdout}");

    let mut script = Script::starttls(Protocol::Pop3, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.login_before_tls = true;
    let clear_text = TestMailbox::start(script).await;
    let target = format!("127.0.0.1:{}", clear_text.port());
    let (code, stdout, _) = run_check("pop3", &[&target, "--format", "json"], &env).await;
    assert_eq!(code, 2, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "critical");
    assert_eq!(json["steps"][3]["name"], "capa");
    assert_eq!(json["steps"][3]["status"], "failed");

    let (code, stdout, _) =
        run_check("pop3", &["missing.example.test", "--port", &port], &env).await;
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.starts_with("POP3 UNKNOWN: "), "{stdout}");

    let (code, _, stderr) = run_check("pop3", &["pop.example.com", "--port", "993"], &[]).await;
    assert_eq!(code, 3);
    assert!(stderr.contains("port 993 is not a POP3 port"), "{stderr}");
}

#[tokio::test]
async fn an_ssh_banner_and_an_unknown_greeting_are_told_apart() {
    let pki = TestPki::new();
    let ssh = TestMailbox::start(Script::greeting(
        Protocol::Pop3,
        Greeting::Line("SSH-2.0-OpenSSH_9.6".into()),
    ))
    .await;
    let (report, _) = run(&pki, &ssh, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        report.summary.starts_with(&format!(
            "An SSH server answers on port {} (it greeted with \"SSH-2.0-OpenSSH_9.6\"), not a POP3 server",
            ssh.port()
        )),
        "{}",
        report.summary
    );

    let odd = TestMailbox::start(Script::greeting(
        Protocol::Pop3,
        Greeting::Line("hello there".into()),
    ))
    .await;
    let (report, _) = run(&pki, &odd, false).await;
    assert_eq!(
        report.summary,
        "Unexpected greeting \"hello there\" (a POP3 server greets with \"+OK\")."
    );
}

/// A server whose CAPA answer is 64 KB of `SASL` lines of unique mechanism names
/// (8 lines of 8,000 bytes): at most `MAX_MECHANISMS` kept, no line longer than
/// `MAX_ITEM_LEN` kept as an item, and the step says what was left out.
#[tokio::test]
async fn a_64_kb_capa_answer_is_cut_to_the_caps_and_says_so() {
    use crate::support::mailbox_check::hostile_capability_lines;
    use echoterra_bot::checks::net::mailbox::{MAX_ITEM_LEN, MAX_MECHANISMS};

    let pki = TestPki::new();
    let mut script = Script::implicit(Protocol::Pop3, pki.leaf(&["127.0.0.1"], Validity::Current));
    script.capability_extra = hostile_capability_lines("SASL", 8, 8000);
    let server = TestMailbox::start(script).await;
    let (_, pop3) = run(&pki, &server, true).await;
    assert_eq!(pop3.auth_mechanisms.len(), MAX_MECHANISMS);
    assert_eq!(pop3.auth_mechanisms[0], "PLAIN");
    assert!(pop3.capabilities.iter().all(|c| c.len() <= MAX_ITEM_LEN));
    assert!(pop3.capabilities.iter().any(|c| c == "USER"));
    let capa = step(&pop3, StepName::Capa);
    assert!(
        capa.detail.contains("8 more capabilities left out")
            && capa.detail.contains("SASL mechanism names left out"),
        "{}",
        capa.detail
    );
}
