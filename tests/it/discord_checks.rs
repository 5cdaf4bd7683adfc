//! End to end for the network checks: the real bot binary, the fake Discord, and a
//! real DNS server on loopback that the bot resolves through (`DNS_SERVERS`); the
//! set-up is `support::discord_bot`.

use std::time::Duration;

use crate::support::discord_bot::{dns, start, start_with, write_catalogue, STAFF};
use crate::support::fake_discord::{FakeDiscord, Recorded};
use crate::support::mailbox_check::mailbox_toml;
use crate::support::mailbox_server::{self, TestMailbox};
use crate::support::messages::{embed_text, final_edit, is_deferral, link_buttons};
use crate::support::smtp_server::{Script, TestPki, TestSmtp, Validity};
use echoterra_bot::values::Protocol;
use serde_json::json;

#[tokio::test]
async fn mx_is_deferred_then_answered_with_the_verdict() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;

    let (_, registered) = fake.registered_commands().await;
    let names: Vec<&str> = registered
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "settings",
            "mx",
            "smtp",
            "blacklist",
            "domain",
            "spf",
            "imap",
            "pop3",
            "watch"
        ]
    );
    for staff_only in ["blacklist", "spf", "watch"] {
        let command = registered
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == staff_only)
            .unwrap();
        assert_eq!(
            command["default_member_permissions"], "32",
            "{staff_only}: staff only by default"
        );
        // Servers only, never in DMs.
        assert_eq!(command["contexts"], json!([0]), "{staff_only}");
    }

    let token = fake.send_command(
        "mx",
        json!([{"name": "domain", "type": 3, "value": "Customer.TEST."}]),
        0,
    );
    let responses = final_edit(&fake, &token).await;
    assert!(
        is_deferral(&responses[0]),
        "deferred first: {:?}",
        responses[0]
    );
    let text = embed_text(responses.last().unwrap().body());
    assert!(text.contains("mail.echoterra.net"), "{text}");
    // The embed colour follows the verdict (green for ok).
    let colour = responses.last().unwrap().body()["embeds"][0]["color"].as_u64();
    assert_eq!(colour, Some(0x2ECC71), "{text}");

    // Bad input is refused at once, privately, with what is accepted.
    let token = fake.send_command(
        "mx",
        json!([{"name": "domain", "type": 3, "value": "https://customer.test/"}]),
        0,
    );
    let responses = fake.wait_responses(&token, 1).await;
    let body = responses[0].body();
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["flags"], 64);
    assert!(embed_text(body).contains("example.com"), "{body}");
}

#[tokio::test]
async fn blacklist_is_live_for_staff_and_refused_to_others() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;
    let target = json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]);

    let token = fake.send_command("blacklist", target.clone(), 0);
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    assert!(
        embed_text(responses[0].body()).contains("staff"),
        "{:?}",
        responses[0]
    );

    let token = fake.send_command("blacklist", target, STAFF);
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]), "deferred at once");
    let edits: Vec<&Recorded> = responses
        .iter()
        .filter(|r| matches!(r, Recorded::Edit { .. }))
        .collect();
    assert!(
        edits.len() >= 2,
        "at least one live progress edit before the result: {responses:#?}"
    );
    assert!(
        embed_text(edits[0].body()).contains("checked"),
        "{:?}",
        edits[0]
    );
    let last = embed_text(edits.last().unwrap().body());
    assert!(last.contains("Test Major List"), "{last}");
    // The listing links to the list's page for exactly that address.
    let links = link_buttons(edits.last().unwrap().body());
    assert_eq!(
        links,
        [(
            "Test Major List".to_string(),
            "https://bl.example/lookup/127.0.0.2".to_string()
        )]
    );
    assert!(
        last.contains("Test Silent List"),
        "the silent zone is reported as an error: {last}"
    );
}

#[tokio::test]
async fn network_checks_are_rate_limited_per_user() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;
    let domain = json!([{"name": "domain", "type": 3, "value": "customer.test"}]);
    for _ in 0..3 {
        let token = fake.send_command("mx", domain.clone(), 0);
        final_edit(&fake, &token).await;
    }
    let token = fake.send_command("mx", domain, 0);
    let responses = fake.wait_responses(&token, 1).await;
    let text = embed_text(responses[0].body());
    assert!(text.contains("Try again in"), "{text}");
    assert_eq!(responses[0].body()["data"]["flags"], 64);
}

#[tokio::test]
async fn smtp_tests_the_provider_for_anyone_and_attaches_the_transcript() {
    let dns = dns().await;
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["mail.echoterra.test"], Validity::Current),
    ))
    .await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let port = server.port();
    std::fs::write(
        commands.path().join("smtp.toml"),
        format!(
            "host = \"mail.echoterra.test\"\nport = {port}\nallowed_ports = [{port}, 587]\nimplicit_tls_ports = [465]\nsubmission_ports = [{port}, 587]\nehlo_name = \"bot.echoterra.test\"\nslow_greeting_ms = 5000\nexpiry_warning_days = 14\n[timeouts]\nresolve_ms = 3000\nconnect_ms = 3000\ngreeting_ms = 3000\ncommand_ms = 3000\ntls_ms = 3000\ntotal_ms = 15000\n"
        ),
    )
    .unwrap();
    let (fake, _bot) = start_with(
        &dns,
        commands.path(),
        &[("TLS_EXTRA_CA", pki.ca_path().display().to_string())],
    )
    .await;

    // Anyone may test the provider's own server.
    let token = fake.send_command("smtp", json!([]), 0);
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]), "deferred at once");
    let last = responses.last().unwrap();
    let text = embed_text(last.body());
    assert!(text.contains("works"), "{text}");
    assert!(text.contains("✅"), "{text}");
    let files = last.files();
    assert_eq!(files.len(), 1, "the transcript is attached");
    assert_eq!(files[0].0, "smtp-transcript.txt");
    let transcript = String::from_utf8_lossy(&files[0].1);
    assert!(
        transcript.contains("EHLO bot.echoterra.test") && transcript.contains("STARTTLS"),
        "{transcript}"
    );
    assert_eq!(
        last.body()["attachments"][0]["filename"],
        "smtp-transcript.txt"
    );

    // Another host needs staff; staff may.
    let other = json!([{"name": "host", "type": 3, "value": "mail.echoterra.test:587"}]);
    let other_host = json!([{"name": "host", "type": 3, "value": "127.0.0.1"}, {"name": "port", "type": 4, "value": port}]);
    let token = fake.send_command("smtp", other_host.clone(), 0);
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    assert!(
        embed_text(responses[0].body()).contains("staff"),
        "{:?}",
        responses[0]
    );
    let token = fake.send_command("smtp", other_host, STAFF);
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]));
    // The provider's host on another allowed port is still the provider's.
    let token = fake.send_command("smtp", other, 0);
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]), "{responses:?}");
}

#[tokio::test]
async fn domain_is_for_everyone_deferred_with_a_line_per_part_and_records_to_publish() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;
    let token = fake.send_command(
        "domain",
        json!([{"name": "domain", "type": 3, "value": "jane@customer.test"}]),
        0,
    );
    let responses = final_edit(&fake, &token).await;
    assert!(
        is_deferral(&responses[0]),
        "deferred at once: {:?}",
        responses[0]
    );
    let last = responses.last().unwrap().body();
    let text = embed_text(last);
    assert!(text.contains("Mail setup of customer.test"), "{text}");
    for part in [
        "**MX**",
        "**SPF**",
        "**DKIM**",
        "**DMARC**",
        "**Autoconfig**",
        "**MTA-STS**",
    ] {
        assert!(text.contains(part), "{part} missing: {text}");
    }
    // SPF without our include under -all: critical, red, with the fixed record.
    assert_eq!(
        last["embeds"][0]["color"].as_u64(),
        Some(0xE74C3C),
        "{text}"
    );
    assert!(
        text.contains(
            "customer.test.  TXT  \\\"v=spf1 ip4:203.0.113.80 include:spf.echoterra.net -all\\\""
        ),
        "{text}"
    );
    assert!(
        text.contains("et1._domainkey.customer.test.  CNAME  et1._domainkey.echoterra.net."),
        "{text}"
    );
}

#[tokio::test]
async fn spf_is_for_staff_and_refused_to_others() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start(&dns, commands.path()).await;
    let options = json!([
        {"name": "domain", "type": 3, "value": "customer.test"},
        {"name": "ip", "type": 3, "value": "203.0.113.80"}
    ]);

    let token = fake.send_command("spf", options.clone(), 0);
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    let refused = embed_text(responses[0].body());
    assert!(
        refused.contains("Staff only") && refused.contains("/domain"),
        "{refused}"
    );

    let token = fake.send_command("spf", options, STAFF);
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]), "deferred at once");
    let text = embed_text(responses.last().unwrap().body());
    assert!(
        text.contains("SPF: customer.test from 203.0.113.80"),
        "{text}"
    );
    assert!(
        text.contains("may send mail as customer.test: SPF pass"),
        "{text}"
    );

    // Bad input: the same sentence as the command line, privately.
    let token = fake.send_command(
        "spf",
        json!([
            {"name": "domain", "type": 3, "value": "customer.test"},
            {"name": "ip", "type": 3, "value": "mail.customer.test"}
        ]),
        STAFF,
    );
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    assert!(embed_text(responses[0].body()).contains("is not an IP address"));

    // What a receiver gets from a broken client is a question with an answer ...
    let token = fake.send_command(
        "spf",
        json!([
            {"name": "domain", "type": 3, "value": "<>"},
            {"name": "ip", "type": 3, "value": "203.0.113.80"},
            {"name": "helo", "type": 3, "value": "JUMPIN' JUPITER"}
        ]),
        STAFF,
    );
    let text = embed_text(
        edit_with(&fake, &token, "SPF:")
            .await
            .last()
            .unwrap()
            .body(),
    );
    assert!(
        text.contains("JUMPIN' JUPITER\\\" is not a domain name") && text.contains("SPF none"),
        "{text}"
    );
    // ... but a control character is refused, with the command line's sentence.
    let token = fake.send_command(
        "spf",
        json!([
            {"name": "domain", "type": 3, "value": "customer.test"},
            {"name": "ip", "type": 3, "value": "203.0.113.80"},
            {"name": "helo", "type": 3, "value": "mx\r\nQUIT"}
        ]),
        STAFF,
    );
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    let refused = embed_text(responses[0].body());
    assert!(
        refused.contains("The HELO name contains the control character U+000D"),
        "{refused}"
    );
}

/// Waits for a deferred interaction's edit whose embed says `marker` (the report's
/// title, which no progress line has).
async fn edit_with(fake: &FakeDiscord, token: &str, marker: &str) -> Vec<Recorded> {
    fake.wait_for_responses(token, Duration::from_secs(30), |responses| {
        responses.iter().any(|response| {
            matches!(response, Recorded::Edit { .. })
                && embed_text(response.body()).contains(marker)
        })
    })
    .await
    .unwrap_or_else(|| panic!("{token}: no {marker} edit: {:#?}", fake.responses(token)))
}

#[tokio::test]
async fn imap_and_pop3_test_the_provider_for_anyone_and_other_hosts_for_staff() {
    let dns = dns().await;
    let pki = TestPki::new();
    let server = TestMailbox::start(mailbox_server::Script::implicit(
        Protocol::Imap,
        pki.leaf(&["mail.echoterra.test"], Validity::Current),
    ))
    .await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    std::fs::write(
        commands.path().join("mailbox.toml"),
        mailbox_toml("mail.echoterra.test", server.port(), true),
    )
    .unwrap();
    let (fake, _bot) = start_with(
        &dns,
        commands.path(),
        &[("TLS_EXTRA_CA", pki.ca_path().display().to_string())],
    )
    .await;

    // Anyone may test the provider's own server.
    let token = fake.send_command("imap", json!([]), 0);
    let responses = edit_with(&fake, &token, "IMAP test").await;
    assert!(is_deferral(&responses[0]), "deferred at once");
    let last = responses.last().unwrap();
    let text = embed_text(last.body());
    assert!(text.contains("Your incoming mail server works"), "{text}");
    assert!(text.contains("✅"), "{text}");
    let files = last.files();
    assert_eq!(files.len(), 1, "the transcript is attached");
    assert_eq!(files[0].0, "imap-transcript.txt");
    let transcript = String::from_utf8_lossy(&files[0].1);
    assert!(transcript.contains("C: a1 CAPABILITY"), "{transcript}");
    assert_eq!(
        last.body()["attachments"][0]["filename"],
        "imap-transcript.txt"
    );

    // Another host needs staff; staff may (nothing listens there: still an answer).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let other_host = json!([{"name": "host", "type": 3, "value": "127.0.0.1"}, {"name": "port", "type": 4, "value": port}]);
    let token = fake.send_command("pop3", other_host.clone(), 0);
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["data"]["flags"], 64);
    let refusal = embed_text(responses[0].body());
    assert!(refusal.contains("Run /pop3 without a host"), "{refusal}");
    let token = fake.send_command("pop3", other_host, STAFF);
    let responses = edit_with(&fake, &token, "POP3 test").await;
    assert!(is_deferral(&responses[0]));
    let text = embed_text(responses.last().unwrap().body());
    assert!(text.contains("nothing is listening"), "{text}");

    // Bad input is refused at once, privately, with what is accepted.
    let bad = json!([{"name": "host", "type": 3, "value": "https://mail.echoterra.test/"}]);
    let token = fake.send_command("imap", bad, STAFF);
    let responses = fake.wait_responses(&token, 1).await;
    assert_eq!(responses[0].body()["type"], 4);
    let text = embed_text(responses[0].body());
    assert!(text.contains("Can't run that IMAP test"), "{text}");
}
