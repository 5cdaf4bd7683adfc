//! The SMTP test (`/smtp`, `check smtp`) against real SMTP servers on 127.0.0.1 that
//! speak real SMTP and real TLS, healthy and broken in the ways customers meet.
//!
//! The harness (a catalogue with short timeouts, the test CA through `TLS_EXTRA_CA`
//! as in a private deployment) is `support::smtp_check`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::catalogs::config;
use crate::support::dns_server::{TestDns, Zone};
use crate::support::smtp_check::{
    assert_no_credentials_or_mail, catalog, check, check_server, status, step, with_smtp_settings,
    TOTAL,
};
use crate::support::smtp_server::{Greeting, Script, TestPki, TestSmtp, Validity};
use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::net::probe::TargetError;
use echoterra_bot::checks::net::tls::CertificateProblem;
use echoterra_bot::checks::net::transcript::Party;
use echoterra_bot::checks::smtp::{Security, SmtpRequest, StepName, StepStatus};
use echoterra_bot::checks::{self, Progress, Request};
use echoterra_bot::checks::{Details, Services, StartupError};
use echoterra_bot::config::Config;
use echoterra_bot::render::{self, discord::limits, Format};
use echoterra_bot::values::Verdict;

#[tokio::test]
async fn a_healthy_starttls_submission_server_is_ok() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, false).await;

    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(report.target, format!("127.0.0.1:{}", server.port()));
    assert!(
        report.summary.contains(&format!(
            "works: connect with port {}, STARTTLS",
            server.port()
        )),
        "{}",
        report.summary
    );
    for step in &smtp.steps {
        assert_eq!(step.status(), StepStatus::Ok, "{step:?}");
    }
    assert_eq!(smtp.security, Security::Starttls);
    let tls = smtp.tls.as_ref().unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLS 1.3"));
    let certificate = tls.certificate.as_ref().unwrap();
    assert!(certificate.valid);
    assert!(certificate.issuer.contains("Echoterra Test CA"));
    assert!(
        (363..=365).contains(&certificate.days_left),
        "{}",
        certificate.days_left
    );
    assert_eq!(smtp.auth_mechanisms, ["PLAIN", "LOGIN"]);
    assert_eq!(smtp.size_limit, Some(36_700_160));
    assert_no_credentials_or_mail(&server);
    assert_eq!(
        server.commands(),
        [
            "EHLO echoterra-bot.invalid",
            "STARTTLS",
            "EHLO echoterra-bot.invalid",
            "QUIT"
        ]
    );
    // The transcript holds both sides.
    assert!(smtp
        .transcript
        .iter()
        .any(|line| line.from == Party::Client && line.text == "STARTTLS"));
    assert!(smtp
        .transcript
        .iter()
        .any(|line| line.from == Party::Server && line.text.starts_with("220 test.smtp.invalid")));
}

#[tokio::test]
async fn the_json_carries_steps_tls_certificate_and_auth() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, _) = check_server(&pki, &server, false).await;
    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    assert_eq!(json["check"], "smtp");
    assert_eq!(json["target"], format!("127.0.0.1:{}", server.port()));
    assert_eq!(json["verdict"], "ok");
    assert!(json["summary"].as_str().unwrap().contains("works"));
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps[0]["name"], "resolve");
    for step in steps {
        assert_eq!(step["status"], "ok");
        assert!(step["millis"].is_u64() && step["detail"].is_string());
    }
    assert_eq!(json["tls"]["version"], "TLS 1.3");
    assert!(json["tls"]["cipher"]
        .as_str()
        .unwrap()
        .starts_with("TLS13_"));
    let certificate = &json["tls"]["certificate"];
    for key in [
        "subject",
        "issuer",
        "not_after",
        "days_left",
        "valid",
        "problem",
    ] {
        assert!(certificate.get(key).is_some(), "no {key}");
    }
    assert_eq!(certificate["valid"], true);
    assert_eq!(
        json["auth_mechanisms"],
        serde_json::json!(["PLAIN", "LOGIN"])
    );
    assert!(json["transcript"].as_array().unwrap().len() > 10);
}

#[tokio::test]
async fn the_discord_message_lists_steps_and_attaches_the_transcript() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, _) = check_server(&pki, &server, false).await;
    let message = render::discord::report_message(&report);
    assert_eq!(limits::violations(&message), Vec::<String>::new());
    let embed = &message.embeds[0];
    let description = embed.description.as_deref().unwrap();
    assert!(description.contains("✅ **STARTTLS**"), "{description}");
    assert!(
        description.contains("works: connect with port"),
        "{description}"
    );
    assert!(embed.fields.iter().any(|f| f.name.contains("Certificate")));
    assert_eq!(message.files.len(), 1);
    assert_eq!(message.files[0].name, "smtp-transcript.txt");
    let transcript = String::from_utf8(message.files[0].bytes.clone()).unwrap();
    assert!(transcript.contains("C: STARTTLS"), "{transcript}");
    assert!(transcript.contains("S: 221"), "{transcript}");
}

#[tokio::test]
async fn implicit_tls_from_the_first_byte_is_ok() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::implicit(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, true).await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(smtp.security, Security::Implicit);
    assert!(report.summary.contains("SSL/TLS"), "{}", report.summary);
    let names: Vec<StepName> = smtp.steps.iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            StepName::Resolve,
            StepName::Connect,
            StepName::Tls,
            StepName::Certificate,
            StepName::Greeting,
            StepName::Ehlo,
            StepName::Auth,
            StepName::Quit
        ]
    );
    assert!(smtp.steps.iter().all(|s| s.status() == StepStatus::Ok));
    assert_eq!(smtp.auth_mechanisms, ["PLAIN", "LOGIN"]);
    assert_no_credentials_or_mail(&server);
}

#[tokio::test]
async fn a_554_greeting_is_critical_with_its_text() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::greeting(Greeting::Reply(
        "554 5.7.1 No SMTP service here".into(),
    )))
    .await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&smtp, StepName::Greeting);
    assert_eq!(greeting.status(), StepStatus::Failed);
    assert!(
        greeting.detail.contains("554 5.7.1 No SMTP service here"),
        "{}",
        greeting.detail
    );
    assert!(greeting.detail.contains("policy"));
    assert_eq!(status(&smtp, StepName::Ehlo), StepStatus::Skipped);
    // Still said goodbye politely.
    assert_eq!(server.commands(), ["QUIT"]);
    assert!(step(&smtp, StepName::Quit).detail.starts_with("221"));
}

#[tokio::test]
async fn a_server_that_never_speaks_is_critical_within_the_deadline() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::greeting(Greeting::Silent)).await;
    let started = Instant::now();
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert!(started.elapsed() < TOTAL + Duration::from_secs(2));
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&smtp, StepName::Greeting);
    assert_eq!(greeting.status(), StepStatus::Failed);
    assert!(
        greeting.detail.contains("did not greet us"),
        "{}",
        greeting.detail
    );
    assert!(!greeting.detail.contains("TLS from the first byte"));
}

#[tokio::test]
async fn a_silent_starttls_port_that_speaks_tls_is_named_as_the_ssl_port_mix_up() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::implicit(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    // Tested as a STARTTLS port, as a customer who picked the wrong setting would.
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        report
            .summary
            .contains("expects TLS from the first byte (SSL/TLS, usually 465)"),
        "{}",
        report.summary
    );
    assert_eq!(status(&smtp, StepName::Starttls), StepStatus::Skipped);
    assert_eq!(status(&smtp, StepName::Certificate), StepStatus::Ok);
    assert!(smtp.probe.tls.unwrap().certificate.unwrap().valid);
}

#[tokio::test]
async fn a_plain_greeting_on_an_implicit_tls_port_is_the_reverse_mix_up() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, true).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let tls = step(&smtp, StepName::Tls);
    assert_eq!(tls.status(), StepStatus::Failed);
    assert!(tls.detail.contains("speaks plain SMTP"), "{}", tls.detail);
    assert!(
        tls.detail.contains("220 test.smtp.invalid"),
        "{}",
        tls.detail
    );
    assert!(tls.detail.contains("STARTTLS"), "{}", tls.detail);
}

#[tokio::test]
async fn no_starttls_on_a_submission_port_is_critical() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    script.starttls = false;
    let server = TestSmtp::start(script).await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let starttls = step(&smtp, StepName::Starttls);
    assert_eq!(starttls.status(), StepStatus::Failed);
    assert!(
        starttls.detail.contains("Encryption is not offered"),
        "{}",
        starttls.detail
    );
    assert_eq!(status(&smtp, StepName::Certificate), StepStatus::Skipped);
    assert_eq!(status(&smtp, StepName::Quit), StepStatus::Ok);
    assert!(!server.commands().contains(&"STARTTLS".to_string()));
}

#[tokio::test]
async fn auth_offered_before_tls_is_a_warning() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    script.auth_before_tls = true;
    let server = TestSmtp::start(script).await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    let ehlo = step(&smtp, StepName::Ehlo);
    assert_eq!(ehlo.status(), StepStatus::Warning);
    assert!(
        ehlo.detail.contains("without encryption"),
        "{}",
        ehlo.detail
    );
    assert!(report.summary.contains("works"), "{}", report.summary);
    assert_no_credentials_or_mail(&server);
}

#[tokio::test]
async fn no_auth_after_tls_on_a_submission_port_is_critical() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    script.auth_after_tls = false;
    let server = TestSmtp::start(script).await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert_eq!(status(&smtp, StepName::Auth), StepStatus::Failed);
    assert!(
        report.summary.contains("cannot log in"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn an_expired_certificate_is_a_certificate_failure_and_the_test_goes_on() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Expired),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(report.summary.contains("expired on"), "{}", report.summary);
    // A certificate failure is not "no STARTTLS": STARTTLS itself worked.
    assert_eq!(status(&smtp, StepName::Starttls), StepStatus::Ok);
    assert_eq!(status(&smtp, StepName::Certificate), StepStatus::Failed);
    let certificate = smtp.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(certificate.problems, [CertificateProblem::Expired]);
    assert!(certificate.days_left < 0);
    // The dialogue went on over TLS to look at AUTH.
    assert_eq!(status(&smtp, StepName::Auth), StepStatus::Ok);
    assert_no_credentials_or_mail(&server);
    let message = render::discord::report_message(&report);
    assert_eq!(limits::violations(&message), Vec::<String>::new());
    let description = message.embeds[0].description.as_deref().unwrap();
    assert!(
        description.starts_with("❌ **The certificate expired on"),
        "{description}"
    );
    assert!(description.contains("❌ **Certificate**"), "{description}");
    assert!(description.contains("✅ **STARTTLS**"), "{description}");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_a_wrong_name_failure() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["mail.other-provider.invalid"], Validity::Current),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let certificate = smtp.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(certificate.problems, [CertificateProblem::WrongName]);
    assert!(
        report
            .summary
            .contains("is for mail.other-provider.invalid, not 127.0.0.1"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_as_such() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(TestPki::self_signed(&["127.0.0.1"]))).await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let certificate = smtp.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(certificate.problems, [CertificateProblem::SelfSigned]);
    assert!(report.summary.contains("self-signed"), "{}", report.summary);
}

#[tokio::test]
async fn a_certificate_from_an_unknown_authority_is_not_trusted() {
    let pki = TestPki::new();
    let stranger = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        stranger.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let certificate = smtp.tls.as_ref().unwrap().certificate.as_ref().unwrap();
    assert_eq!(
        certificate.problems,
        [CertificateProblem::UnknownIssuer],
        "{:?}",
        certificate.problem
    );
    assert!(report.summary.contains("not trusted"), "{}", report.summary);
}

#[tokio::test]
async fn a_certificate_expiring_within_14_days_is_a_warning() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::ExpiresInDays(5)),
    ))
    .await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    assert_eq!(status(&smtp, StepName::Certificate), StepStatus::Warning);
    assert!(
        report.summary.contains("expires in 5 days"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn an_aborted_tls_handshake_is_a_tls_failure() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    script.abort_handshake = true;
    let server = TestSmtp::start(script).await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let starttls = step(&smtp, StepName::Starttls);
    assert_eq!(starttls.status(), StepStatus::Failed);
    assert!(
        starttls
            .detail
            .contains("closed the connection during the TLS handshake"),
        "{}",
        starttls.detail
    );
    assert!(!starttls.detail.contains("not offered"));
    assert_eq!(status(&smtp, StepName::Certificate), StepStatus::Skipped);
}

#[tokio::test]
async fn a_server_trickling_one_byte_a_second_ends_as_a_finding() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::greeting(Greeting::Trickle)).await;
    let started = Instant::now();
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert!(started.elapsed() < TOTAL + Duration::from_secs(2));
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&smtp, StepName::Greeting);
    assert!(
        greeting.detail.contains("byte by byte"),
        "{}",
        greeting.detail
    );
}

#[tokio::test]
async fn an_endless_line_ends_as_a_finding() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::greeting(Greeting::EndlessLine)).await;
    let started = Instant::now();
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert!(started.elapsed() < TOTAL + Duration::from_secs(2));
    assert_eq!(report.verdict, Verdict::Critical);
    let greeting = step(&smtp, StepName::Greeting);
    assert!(
        greeting.detail.contains("line longer than"),
        "{}",
        greeting.detail
    );
}

#[tokio::test]
async fn a_slow_greeting_is_only_a_warning() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    script.greeting = Greeting::Delayed(Duration::from_millis(700));
    let server = TestSmtp::start(script).await;
    let mut catalog = catalog(server.port(), false);
    catalog.smtp.slow_greeting_ms = 300;
    let services = Services::from_parts(catalog, config(Some(pki.ca_path()))).unwrap();
    let (report, smtp) = check(&services, "127.0.0.1", server.port()).await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    assert_eq!(status(&smtp, StepName::Greeting), StepStatus::Warning);
    assert_eq!(status(&smtp, StepName::Auth), StepStatus::Ok);
}

#[tokio::test]
async fn nothing_listening_is_critical() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let services = Services::from_parts(catalog(port, false), config(None)).unwrap();
    let (report, smtp) = check(&services, "127.0.0.1", port).await;
    assert_eq!(report.verdict, Verdict::Critical);
    let connect = step(&smtp, StepName::Connect);
    assert!(
        connect.detail.contains("nothing is listening"),
        "{}",
        connect.detail
    );
}

#[tokio::test]
async fn a_host_name_is_resolved_through_the_shared_resolver() {
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["smtp.example.test"], Validity::Current),
    ))
    .await;
    let dns = TestDns::builder()
        .zone(Zone::new("example.test").a("smtp.example.test", "127.0.0.1"))
        .start()
        .await;
    let mut catalog = dns.catalog();
    with_smtp_settings(&mut catalog, server.port(), false);
    let config = Config {
        dns_servers: Some(vec![dns.addr()]),
        ..config(Some(pki.ca_path()))
    };
    let services = Services::from_parts(catalog, config).unwrap();
    let (report, smtp) = check(&services, "smtp.example.test", server.port()).await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert!(step(&smtp, StepName::Resolve).detail.contains("127.0.0.1"));
    assert_eq!(smtp.address, Some(format!("127.0.0.1:{}", server.port())));
    // Reverse DNS, looked up beside the dialogue. The resolver answers for loopback
    // itself (RFC 6761: 127.0.0.1 is localhost, and back); the server greets as
    // test.smtp.invalid.
    let rdns = smtp.reverse_dns.as_ref().expect("reverse DNS");
    assert_eq!(rdns.ptr, ["localhost"]);
    assert!(rdns.forward_confirmed);
    assert_eq!(rdns.matches_greeting, Some(false));
    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    assert_eq!(json["reverse_dns"]["ptr"][0], "localhost");
    assert_eq!(json["reverse_dns"]["forward_confirmed"], true);
    let text = render::render(&report, Format::Text);
    assert!(text.contains("Reverse DNS: 127.0.0.1 → localhost (forward-confirmed, differs from the greeting's host name)"), "{text}");
}

#[tokio::test]
async fn a_dns_failure_is_unknown() {
    let dns = TestDns::builder()
        .zone(Zone::new("example.test").a("smtp.example.test", "127.0.0.1"))
        .start()
        .await;
    let mut catalog = dns.catalog();
    with_smtp_settings(&mut catalog, 587, false);
    let config = Config {
        dns_servers: Some(vec![dns.addr()]),
        ..config(None)
    };
    let services = Services::from_parts(catalog, config).unwrap();
    let (report, smtp) = check(&services, "missing.example.test", 587).await;
    assert_eq!(report.verdict, Verdict::Unknown);
    assert!(report.summary.contains("DNS problem"), "{}", report.summary);
    assert_eq!(status(&smtp, StepName::Connect), StepStatus::Skipped);
}

#[tokio::test]
async fn private_targets_and_other_ports_are_refused_unless_allowed() {
    let catalog = Catalog::embedded().unwrap();
    let err =
        SmtpRequest::from_input(Some("127.0.0.1"), Some(587), &catalog.smtp, false).unwrap_err();
    assert!(matches!(err.kind, TargetError::NotPublic { .. }), "{err}");
    let err = SmtpRequest::from_input(Some("smtp.example.com"), Some(8025), &catalog.smtp, false)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "port 8025 is not an SMTP port: the bot tests only ports 25, 465, 587 and 2525"
    );

    // A name that resolves to loopback is refused before any connection is made.
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let dns = TestDns::builder()
        .zone(Zone::new("example.test").a("inside.example.test", "127.0.0.1"))
        .start()
        .await;
    let mut catalog = dns.catalog();
    with_smtp_settings(&mut catalog, 587, false);
    let services = Services::from_parts(catalog, dns.config()).unwrap();
    assert!(!services.config.allow_private_targets);
    let request = SmtpRequest::from_input(
        Some("inside.example.test"),
        Some(587),
        &services.catalog.smtp,
        false,
    )
    .unwrap();
    let report = checks::run(&services, &Request::Smtp(request), &Progress::none()).await;
    let Details::Smtp(smtp) = &report.details else {
        panic!("not an SMTP report")
    };
    assert_eq!(report.verdict, Verdict::Unknown);
    assert!(
        report.summary.contains("only public mail servers"),
        "{}",
        report.summary
    );
    assert_eq!(smtp.address, None);
    assert_eq!(status(smtp, StepName::Connect), StepStatus::Skipped);
    assert!(server.commands().is_empty());
}

#[tokio::test]
async fn an_unreadable_tls_extra_ca_stops_start_up() {
    let err = match Services::from_parts(
        Catalog::embedded().unwrap(),
        config(Some(Path::new("/nonexistent/test-ca.pem"))),
    ) {
        Err(err) => err,
        Ok(_) => panic!("a missing TLS_EXTRA_CA file must stop start-up"),
    };
    assert!(matches!(err, StartupError::TrustRoots(_)));
    assert!(
        err.to_string().starts_with("TLS_EXTRA_CA: cannot read"),
        "{err}"
    );
}

/// Runs `echoterra-bot check smtp ...` with only the given environment.
async fn cli(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    crate::support::bot_process::run_check("smtp", args, env).await
}

#[tokio::test]
async fn the_command_line_gives_the_verdict_as_exit_code() {
    let pki = TestPki::new();
    let ca = pki.ca_path().display().to_string();
    let healthy = TestSmtp::start(Script::starttls(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let port = healthy.port().to_string();
    let env = [
        ("ALLOW_PRIVATE_TARGETS", "true"),
        ("TLS_EXTRA_CA", ca.as_str()),
    ];
    let (code, stdout, stderr) = cli(&["127.0.0.1", "--port", &port], &env).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("SMTP OK: "), "{stdout}");
    assert!(stdout.contains("[ok  ] STARTTLS"), "{stdout}");

    let refusing = TestSmtp::start(Script::greeting(Greeting::Reply(
        "554 5.7.1 Go away".into(),
    )))
    .await;
    let target = format!("127.0.0.1:{}", refusing.port());
    let (code, stdout, _) = cli(&[&target, "--format", "json"], &env).await;
    assert_eq!(code, 2, "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "critical");
    assert_eq!(json["steps"][2]["name"], "greeting");
    assert_eq!(json["steps"][2]["status"], "failed");

    // Without ALLOW_PRIVATE_TARGETS neither the port nor the address is accepted.
    let (code, _, stderr) = cli(&["smtp.example.com", "--port", "8025"], &[]).await;
    assert_eq!(code, 3);
    assert!(stderr.contains("port 8025 is not an SMTP port"), "{stderr}");
    let (code, _, stderr) = cli(&["127.0.0.1"], &[]).await;
    assert_eq!(code, 3);
    assert!(stderr.contains("only public mail servers"), "{stderr}");
}

#[tokio::test]
async fn the_command_line_reads_implicit_tls_ports_from_commands_dir() {
    let pki = TestPki::new();
    let ca = pki.ca_path().display().to_string();
    let server = TestSmtp::start(Script::implicit(
        pki.leaf(&["127.0.0.1"], Validity::Current),
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let embedded =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("commands/smtp.toml"))
            .unwrap();
    let port = server.port();
    let smtp_toml = embedded
        .replace(
            "implicit_tls_ports = [465]",
            &format!("implicit_tls_ports = [{port}]"),
        )
        .replace(
            "submission_ports = [465, 587]",
            &format!("submission_ports = [{port}]"),
        );
    assert_ne!(smtp_toml, embedded);
    std::fs::write(dir.path().join("smtp.toml"), smtp_toml).unwrap();
    let commands_dir = dir.path().display().to_string();
    let env = [
        ("ALLOW_PRIVATE_TARGETS", "true"),
        ("TLS_EXTRA_CA", ca.as_str()),
        ("COMMANDS_DIR", commands_dir.as_str()),
    ];
    let (code, stdout, stderr) = cli(&[&format!("127.0.0.1:{port}")], &env).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("SSL/TLS"), "{stdout}");
    assert!(stdout.contains("[ok  ] TLS"), "{stdout}");
}

/// `count` unique mechanism names, as short as base 36 allows, on EHLO lines of at
/// most 2,000 bytes: what a hostile server can send within the line bounds.
fn hostile_auth_lines(count: usize) -> Vec<String> {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let name = |mut n: usize| {
        let mut text = Vec::new();
        loop {
            text.push(DIGITS[n % 36]);
            n /= 36;
            if n == 0 {
                break;
            }
        }
        String::from_utf8(text).unwrap()
    };
    let mut lines = Vec::new();
    let mut line = String::from("AUTH");
    for n in 0..count {
        let next = name(n);
        if line.len() + 1 + next.len() > 2000 {
            lines.push(std::mem::replace(&mut line, String::from("AUTH")));
        }
        line.push(' ');
        line.push_str(&next);
    }
    lines.push(line);
    lines
}

#[tokio::test]
async fn a_hostile_ehlo_past_the_reply_bound_ends_the_test_at_once() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    // About 49,000 unique names in 98 lines of 2 KB.
    script.ehlo_extra = hostile_auth_lines(49_000);
    assert!(script.ehlo_extra.len() < 100);
    let server = TestSmtp::start(script).await;
    let started = Instant::now();
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(status(&smtp, StepName::Ehlo), StepStatus::Failed);
    let detail = &step(&smtp, StepName::Ehlo).detail;
    assert!(detail.contains("more than 8 KB"), "{detail}");
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(smtp.auth_mechanisms.is_empty());
    // What reached the report is bounded: nothing like the 200 KB sent.
    let json = render::render(&report, Format::Json);
    assert!(json.len() < 32 * 1024, "{} bytes of JSON", json.len());
    assert!(started.elapsed() < TOTAL);
}

#[tokio::test]
async fn many_mechanisms_are_cut_to_32_rfc_4422_names() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    // 300 names in three lines, a repeat, and names RFC 4422 does not allow.
    let names: Vec<String> = (0..300).map(|i| format!("MECH-{i}")).collect();
    script.ehlo_extra = names
        .chunks(100)
        .map(|chunk| format!("AUTH {}", chunk.join(" ")))
        .chain([format!("AUTH PLAIN bad!name {}", "L".repeat(21))])
        .collect();
    script.ehlo_extra_over_tls_only = true;
    let server = TestSmtp::start(script).await;
    let (report, smtp) = check_server(&pki, &server, false).await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(smtp.auth_mechanisms.len(), 32);
    assert_eq!(&smtp.auth_mechanisms[..3], ["PLAIN", "LOGIN", "MECH-0"]);
    let detail = &step(&smtp, StepName::EhloTls).detail;
    assert!(detail.contains("AUTH mechanism names left out"), "{detail}");
}

#[tokio::test]
async fn control_characters_from_the_server_are_escaped_in_every_format() {
    let server = TestSmtp::start(Script::greeting(Greeting::Reply(
        "220 evil\u{1b}[2J\u{7}\u{202e}moc.elpmaxe ESMTP".to_string(),
    )))
    .await;
    let pki = TestPki::new();
    let (report, smtp) = check_server(&pki, &server, false).await;
    let greeting = &step(&smtp, StepName::Greeting).detail;
    assert!(
        greeting.contains("evil\\u{1b}[2J\\u{7}\\u{202e}moc"),
        "{greeting}"
    );
    for format in [Format::Text, Format::Json, Format::Discord] {
        let output = render::render(&report, format);
        for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!output.contains(raw), "{format:?} shows {raw:?} raw");
        }
    }
    let message = render::discord::report_message(&report);
    let transcript = String::from_utf8(message.files[0].bytes.clone()).unwrap();
    assert!(!transcript.contains('\u{1b}') && transcript.contains("\\u{1b}"));
}

#[tokio::test]
async fn at_most_two_sessions_talk_to_one_server_and_the_rest_wait_their_turn() {
    let pki = TestPki::new();
    let mut script = Script::starttls(pki.leaf(&["127.0.0.1"], Validity::Current));
    // A greet-pause keeps each session open long enough to overlap.
    script.greeting = Greeting::Delayed(Duration::from_millis(300));
    let server = TestSmtp::start(script).await;
    let mut catalog = catalog(server.port(), false);
    catalog.defaults.limits.max_sessions_per_server = 2;
    let services = Services::from_parts(catalog, config(Some(pki.ca_path()))).unwrap();
    let checks = (0..5).map(|_| check(&services, "127.0.0.1", server.port()));
    let results = futures::future::join_all(checks).await;
    for (report, _) in &results {
        assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    }
    assert_eq!(server.most_at_once(), 2);
    let waited = results.iter().any(|(_, smtp)| {
        smtp.transcript
            .iter()
            .any(|line| line.text.contains("waiting for our turn"))
    });
    assert!(waited, "some test waited for its turn");
}
