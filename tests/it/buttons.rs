//! Issue 12 end to end, through the real binary and the fake Discord: answers that
//! lead on (Run again and next steps, pressed by their owner and by others), an
//! address that keeps `/settings` private, tabs that belong to whoever ran them,
//! port choices, autocomplete, link buttons to a list's page for the address, and
//! mail-client profiles parsed back field by field. Every body the bot sends is
//! checked against Discord's limits by the fake (it refuses those that break one).

use serde_json::{json, Value};

use crate::support::bot_process::BotProcess;
use crate::support::discord_bot::{dns, serve, start_with, write_catalogue, DEFAULTS, STAFF};
use crate::support::fake_discord::{FakeDiscord, OnMessage, Recorded, CUSTOMER, STRANGER, TOKEN};
use crate::support::messages::{
    action_buttons, embed_text, final_edit, first_answer, is_deferral, link_buttons,
};
use crate::support::smtp_server::{Script, TestPki, TestSmtp, Validity};
use echoterra_bot::catalog::Catalog;
use echoterra_bot::values::Protocol;

/// The bot with no DNS, no staff server and no private targets: as a customer's
/// server would run it.
async fn start_plain() -> (FakeDiscord, BotProcess) {
    let fake = FakeDiscord::start().await;
    let bot = BotProcess::start(
        &[],
        &[
            ("DISCORD_TOKEN", TOKEN.to_string()),
            ("DISCORD_API_BASE", fake.base()),
        ],
    );
    fake.wait_ready(1).await;
    (fake, bot)
}

fn is_private(body: &Value) -> bool {
    body["data"]["flags"]
        .as_u64()
        .is_some_and(|flags| flags & 64 != 0)
}

fn settings(protocol: &str, email: Option<&str>, extra: &[(&str, Value)]) -> Value {
    let mut options = vec![json!({"name": "protocol", "type": 3, "value": protocol})];
    if let Some(email) = email {
        options.push(json!({"name": "email", "type": 3, "value": email}));
    }
    for (name, value) in extra {
        let kind = if value.is_boolean() { 5 } else { 3 };
        options.push(json!({"name": name, "type": kind, "value": value}));
    }
    Value::Array(options)
}

/// The custom id of the button labelled `label`.
fn button_id(body: &Value, label: &str) -> String {
    action_buttons(body)
        .into_iter()
        .find(|(name, _)| name == label)
        .unwrap_or_else(|| panic!("no button {label:?} in {body}"))
        .1
}

/// Nothing was refused: for pinging, for breaking a message limit or Discord's
/// schema, or for going where Discord has no route.
fn assert_all_sent_bodies_were_acceptable(fake: &FakeDiscord) {
    assert!(
        fake.pinging_bodies().is_empty(),
        "{:?}",
        fake.pinging_bodies()
    );
    assert!(
        fake.oversized_bodies().is_empty(),
        "{:?}",
        fake.oversized_bodies()
    );
    assert!(
        fake.invalid_bodies().is_empty(),
        "{:?}",
        fake.invalid_bodies()
    );
    assert!(
        fake.unserved_requests().is_empty(),
        "{:?}",
        fake.unserved_requests()
    );
}

/// The embeds of a body with digits taken out of the footers (a cached DNS answer
/// has a lower TTL the second time).
fn comparable_embeds(body: &Value) -> Value {
    let mut embeds = body["embeds"].clone();
    for embed in embeds.as_array_mut().into_iter().flatten() {
        if let Some(text) = embed["footer"]["text"].as_str() {
            let text: String = text.chars().filter(|c| !c.is_ascii_digit()).collect();
            embed["footer"]["text"] = json!(text);
        }
    }
    embeds
}

#[tokio::test]
async fn an_address_keeps_settings_private_and_tabs_belong_to_whoever_ran_them() {
    let (fake, bot) = start_plain().await;

    // With an address the answer is private by default, the address as typed.
    let token = fake.send_command(
        "settings",
        settings("imap", Some("jane@Bücher.example"), &[]),
        0,
    );
    let body = first_answer(&fake, &token).await;
    assert_eq!(body["type"], 4);
    assert!(is_private(&body), "{body}");
    let text = embed_text(&body);
    assert!(text.contains("`jane@bücher.example`"), "{text}");
    assert!(text.contains("`jane@xn--bcher-kva.example`"), "{text}");
    // Explicit: both ways.
    let token = fake.send_command(
        "settings",
        settings(
            "imap",
            Some("jane@example.org"),
            &[("private", json!(true))],
        ),
        0,
    );
    assert!(is_private(&first_answer(&fake, &token).await));
    let token = fake.send_command(
        "settings",
        settings(
            "imap",
            Some("jane@example.org"),
            &[("private", json!(false))],
        ),
        0,
    );
    let public = first_answer(&fake, &token).await;
    assert!(!is_private(&public), "{public}");
    // Without an address, public as before.
    let token = fake.send_command("settings", settings("imap", None, &[]), 0);
    assert!(!is_private(&first_answer(&fake, &token).await));

    let buttons = action_buttons(&public);
    let ids: Vec<&str> = buttons.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "v2:tab:imap:jane@example.org",
            "v2:tab:smtp:jane@example.org",
            "v2:tab:pop3:jane@example.org",
            "v2:next:smtp",
            "v2:next:imap"
        ]
    );

    // Someone else's press: their own private copy on that tab; the public
    // message is not touched (no update, no edit).
    let pop3 = button_id(&public, "POP3");
    let token = fake.press_button_as(STRANGER, &pop3, OnMessage::customers());
    let copy = first_answer(&fake, &token).await;
    assert_eq!(copy["type"], 4, "{copy}");
    assert!(is_private(&copy), "{copy}");
    assert!(embed_text(&copy).contains("POP3"), "{copy}");
    assert!(embed_text(&copy).contains("`jane@example.org`"), "{copy}");
    // Once the bot says it has answered that press, nothing more can come of it:
    // no update, no edit, and no call anywhere else to touch the public message.
    bot.wait_answered(&token).await;
    assert_eq!(fake.responses(&token).len(), 1, "only the private copy");
    assert_eq!(fake.unserved_requests(), Vec::<String>::new());

    // The owner's press switches the message in place, whichever payload form
    // names them.
    for older_payload in [false, true] {
        let on = OnMessage {
            older_payload,
            ..OnMessage::customers()
        };
        let token = fake.press_button_as(CUSTOMER, &pop3, on);
        let update = first_answer(&fake, &token).await;
        assert_eq!(update["type"], 7, "{update}");
        assert!(embed_text(&update).contains("POP3"));
    }

    // A stranger pressing a tab on their own private copy switches it in place.
    let token = fake.press_button_as(
        STRANGER,
        "v2:tab:smtp:jane@example.org",
        OnMessage {
            invoker: STRANGER,
            ephemeral: true,
            older_payload: false,
        },
    );
    assert_eq!(first_answer(&fake, &token).await["type"], 7);

    // A tab from before v2 still works.
    let token = fake.press_button("settings:smtp:jane@example.org");
    let legacy = first_answer(&fake, &token).await;
    assert_eq!(legacy["type"], 7);
    assert!(embed_text(&legacy).contains("`587`"), "{legacy}");

    // A button of another version says, privately, what to type instead.
    let token = fake.press_button("v1:again:mx:customer.test");
    let expired = first_answer(&fake, &token).await;
    assert!(is_private(&expired));
    assert!(
        embed_text(&expired).contains("Type /mx domain:customer.test instead"),
        "{expired}"
    );
    assert_all_sent_bodies_were_acceptable(&fake);
}

#[tokio::test]
async fn the_registered_smtp_port_offers_the_catalogues_ports() {
    let (fake, _bot) = start_plain().await;
    let (_, commands) = fake.registered_commands().await;
    let option = |command: &str, name: &str| -> Value {
        commands
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == command)
            .unwrap()["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()
            .clone()
    };
    let port = option("smtp", "port");
    assert_eq!(port["type"], 4);
    let values: Vec<u64> = port["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_u64().unwrap())
        .collect();
    assert_eq!(
        values,
        Catalog::embedded()
            .unwrap()
            .smtp
            .allowed_ports
            .iter()
            .map(|&p| u64::from(p))
            .collect::<Vec<_>>()
    );
    assert_eq!(values, [25, 465, 587, 2525]);
    assert_eq!(option("mx", "domain")["autocomplete"], true);

    // With private targets allowed the port is a free number.
    let dns = dns().await;
    let commands_dir = tempfile::tempdir().unwrap();
    write_catalogue(commands_dir.path());
    let (lab, _lab_bot) = start_with(&dns, commands_dir.path(), &[]).await;
    let (_, registered) = lab.registered_commands().await;
    let smtp = registered
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "smtp")
        .unwrap();
    let port = smtp["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "port")
        .unwrap();
    assert!(
        port["choices"].as_array().is_none_or(Vec::is_empty),
        "{port}"
    );
    assert_eq!(
        (port["min_value"].as_u64(), port["max_value"].as_u64()),
        (Some(1), Some(65535))
    );
}

#[tokio::test]
async fn run_again_reruns_for_whoever_presses_it_and_autocomplete_remembers_the_domain() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start_with(&dns, commands.path(), &[]).await;

    // Nothing to suggest before a check.
    let token = fake.send_autocomplete(CUSTOMER, "mx", "domain", "");
    assert_eq!(
        first_answer(&fake, &token).await,
        json!({"type": 8, "data": {"choices": []}})
    );

    let domain = json!([{"name": "domain", "type": 3, "value": "Customer.TEST"}]);
    let token = fake.send_command("mx", domain, 0);
    let first = final_edit(&fake, &token)
        .await
        .last()
        .unwrap()
        .body()
        .clone();
    assert_eq!(
        action_buttons(&first),
        [
            (
                "Run again".to_string(),
                "v2:again:mx:customer.test".to_string()
            ),
            (
                "Test SMTP server".to_string(),
                "v2:next:smtp:mail.echoterra.net:25".to_string()
            ),
            (
                "Check whole domain".to_string(),
                "v2:next:dom:customer.test".to_string()
            )
        ]
    );

    // The customer's own domain is suggested to them, and to nobody else.
    let token = fake.send_autocomplete(CUSTOMER, "mx", "domain", "cus");
    assert_eq!(
        first_answer(&fake, &token).await,
        json!({"type": 8, "data": {"choices": [{"name": "customer.test", "value": "customer.test"}]}})
    );
    let token = fake.send_autocomplete(STRANGER, "mx", "domain", "");
    assert_eq!(
        first_answer(&fake, &token).await["data"]["choices"],
        json!([])
    );

    // The owner runs it again: a new public message with the same answer.
    let again = button_id(&first, "Run again");
    let token = fake.press_button_as(CUSTOMER, &again, OnMessage::customers());
    let responses = final_edit(&fake, &token).await;
    assert!(
        is_deferral(&responses[0]),
        "a new message: {:?}",
        responses[0]
    );
    assert!(!is_private(responses[0].body()), "{:?}", responses[0]);
    let second = responses.last().unwrap().body().clone();
    assert_eq!(comparable_embeds(&second), comparable_embeds(&first));
    assert_eq!(action_buttons(&second), action_buttons(&first));

    // Anyone else gets it privately; the first message is left alone.
    let token = fake.press_button_as(STRANGER, &again, OnMessage::customers());
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]));
    assert!(is_private(responses[0].body()), "{:?}", responses[0]);
    assert!(responses.iter().all(|r| r.body()["type"] != 7));
    assert_eq!(
        comparable_embeds(responses.last().unwrap().body()),
        comparable_embeds(&first)
    );

    // /mx → "Check whole domain": /domain for the same domain, which leads back to
    // the MX details and runs again itself.
    let whole = button_id(&first, "Check whole domain");
    let token = fake.press_button_as(CUSTOMER, &whole, OnMessage::customers());
    let responses = final_edit(&fake, &token).await;
    assert!(!is_private(responses[0].body()));
    let domain = responses.last().unwrap().body().clone();
    assert!(embed_text(&domain).contains("customer.test"), "{domain}");
    assert_eq!(
        action_buttons(&domain),
        [
            (
                "Run again".to_string(),
                "v2:again:dom:customer.test".to_string()
            ),
            (
                "Show MX details".to_string(),
                "v2:next:mx:customer.test".to_string()
            )
        ]
    );
    let token = fake.press_button_as(
        STRANGER,
        &button_id(&domain, "Show MX details"),
        OnMessage::customers(),
    );
    let responses = final_edit(&fake, &token).await;
    assert!(is_private(responses[0].body()));
    assert_eq!(
        comparable_embeds(responses.last().unwrap().body()),
        comparable_embeds(&first)
    );
    // /domain suggests the same domains as /mx.
    let token = fake.send_autocomplete(CUSTOMER, "domain", "domain", "");
    assert_eq!(
        first_answer(&fake, &token).await["data"]["choices"][0]["value"],
        "customer.test"
    );
    assert_all_sent_bodies_were_acceptable(&fake);
}

#[tokio::test]
async fn blacklist_listings_link_to_the_page_for_the_address_and_run_again_is_for_staff() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot) = start_with(&dns, commands.path(), &[]).await;
    let target = json!([{"name": "target", "type": 3, "value": "127.0.0.2"}]);
    let token = fake.send_command("blacklist", target, STAFF);
    let first = final_edit(&fake, &token)
        .await
        .last()
        .unwrap()
        .body()
        .clone();
    assert_eq!(
        link_buttons(&first),
        [(
            "Test Major List".to_string(),
            "https://bl.example/lookup/127.0.0.2".to_string()
        )]
    );
    let again = button_id(&first, "Run again");
    assert_eq!(again, "v2:again:bl:127.0.0.2");

    // Not staff: refused privately, whoever ran the message.
    let token = fake.press_button_as(STRANGER, &again, OnMessage::customers());
    let refusal = first_answer(&fake, &token).await;
    assert!(is_private(&refusal));
    assert!(embed_text(&refusal).contains("Staff only"), "{refusal}");
    // Staff: the same check again.
    let token = fake.press_button_with(CUSTOMER, STAFF, &again, OnMessage::customers());
    let responses = final_edit(&fake, &token).await;
    assert!(is_deferral(&responses[0]));
    let second = responses.last().unwrap().body();
    assert_eq!(link_buttons(second), link_buttons(&first));
    assert!(embed_text(second).contains("Test Major List"));
    assert_all_sent_bodies_were_acceptable(&fake);
}

#[tokio::test]
async fn next_steps_lead_from_settings_mx_and_smtp_to_the_next_check() {
    let dns = dns().await;
    let pki = TestPki::new();
    let server = TestSmtp::start(Script::starttls(
        pki.leaf(&["mail.echoterra.test"], Validity::Current),
    ))
    .await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    // Room for every check of this test.
    std::fs::write(
        commands.path().join("defaults.toml"),
        DEFAULTS.replace("checks_per_window = 3", "checks_per_window = 20"),
    )
    .unwrap();
    let port = server.port();
    std::fs::write(
        commands.path().join("smtp.toml"),
        format!(
            "host = \"mail.echoterra.test\"\nport = {port}\nallowed_ports = [{port}, 25, 587]\nimplicit_tls_ports = [465]\nsubmission_ports = [{port}, 587]\nehlo_name = \"bot.echoterra.test\"\nslow_greeting_ms = 5000\nexpiry_warning_days = 14\n[timeouts]\nresolve_ms = 3000\nconnect_ms = 3000\ngreeting_ms = 3000\ncommand_ms = 3000\ntls_ms = 3000\ntotal_ms = 15000\n"
        ),
    )
    .unwrap();
    let (fake, _bot) = start_with(
        &dns,
        commands.path(),
        &[("TLS_EXTRA_CA", pki.ca_path().display().to_string())],
    )
    .await;
    let target = format!("mail.echoterra.test:{port}");

    // /settings → "Test SMTP server": the provider's server, for anyone (privately
    // for someone who did not run /settings).
    let token = fake.send_command("settings", settings("imap", None, &[]), 0);
    let body = first_answer(&fake, &token).await;
    let next = button_id(&body, "Test SMTP server");
    let token = fake.press_button_as(STRANGER, &next, OnMessage::customers());
    let responses = final_edit(&fake, &token).await;
    assert!(is_private(responses[0].body()));
    let tested = responses.last().unwrap().body().clone();
    assert!(embed_text(&tested).contains("works"), "{tested}");
    assert_eq!(
        responses.last().unwrap().files()[0].0,
        "smtp-transcript.txt"
    );
    // Not staff: no "Check blacklists".
    assert_eq!(
        action_buttons(&tested),
        [("Run again".to_string(), format!("v2:again:smtp:{target}"))]
    );

    // Staff's /smtp leads to the blocklist check of the address it connected to.
    let token = fake.send_command("smtp", json!([]), STAFF);
    let staff_result = final_edit(&fake, &token)
        .await
        .last()
        .unwrap()
        .body()
        .clone();
    assert_eq!(
        action_buttons(&staff_result),
        [
            ("Run again".to_string(), format!("v2:again:smtp:{target}")),
            (
                "Check blacklists".to_string(),
                "v2:next:bl:127.0.0.1".to_string()
            )
        ]
    );
    let token = fake.press_button_with(
        CUSTOMER,
        STAFF,
        "v2:next:bl:127.0.0.1",
        OnMessage::customers(),
    );
    let responses = final_edit(&fake, &token).await;
    assert!(!is_private(responses[0].body()), "the owner's: public");
    assert!(
        embed_text(responses.last().unwrap().body()).contains("127.0.0.1"),
        "{:?}",
        responses.last()
    );

    // Run again on /smtp: the same server, the same verdict.
    let token = fake.press_button(&format!("v2:again:smtp:{target}"));
    let again = final_edit(&fake, &token)
        .await
        .last()
        .unwrap()
        .body()
        .clone();
    assert!(embed_text(&again).contains("works"), "{again}");

    // /mx → "Test SMTP server": the host the domain's mail goes to, on port 25
    // (nothing listens there on this machine, which the test reports).
    let domain = json!([{"name": "domain", "type": 3, "value": "loop.test"}]);
    let token = fake.send_command("mx", domain, 0);
    let mx = final_edit(&fake, &token)
        .await
        .last()
        .unwrap()
        .body()
        .clone();
    let next = button_id(&mx, "Test SMTP server");
    assert_eq!(next, "v2:next:smtp:mail.echoterra.test:25");
    let token = fake.press_button(&next);
    let responses = final_edit(&fake, &token).await;
    let text = embed_text(responses.last().unwrap().body());
    assert!(
        text.contains("SMTP test · mail.echoterra.test:25"),
        "{text}"
    );
    assert_all_sent_bodies_were_acceptable(&fake);
}

/// The `.mobileconfig` parsed back: every field against the catalogue.
fn check_apple_profile(bytes: &[u8], address: &str, display: &str) {
    let catalog = Catalog::embedded().unwrap();
    let settings = &catalog.settings;
    let profile = plist::Value::from_reader_xml(bytes)
        .unwrap()
        .into_dictionary()
        .unwrap();
    let text = |dict: &plist::Dictionary, key: &str| {
        dict.get(key)
            .and_then(plist::Value::as_string)
            .unwrap_or_else(|| panic!("{key}"))
            .to_string()
    };
    assert_eq!(text(&profile, "PayloadType"), "Configuration");
    assert_eq!(profile["PayloadVersion"].as_unsigned_integer(), Some(1));
    assert!(text(&profile, "PayloadDisplayName").contains(display));
    let mail = profile["PayloadContent"].as_array().unwrap()[0]
        .as_dictionary()
        .unwrap()
        .clone();
    assert_eq!(text(&mail, "PayloadType"), "com.apple.mail.managed");
    assert_eq!(text(&mail, "EmailAccountType"), "EmailTypeIMAP");
    for key in [
        "EmailAddress",
        "IncomingMailServerUsername",
        "OutgoingMailServerUsername",
    ] {
        assert_eq!(text(&mail, key), address, "{key}");
    }
    for key in ["IncomingMailServerHostName", "OutgoingMailServerHostName"] {
        assert_eq!(text(&mail, key), settings.host, "{key}");
    }
    assert_eq!(
        mail["IncomingMailServerPortNumber"].as_unsigned_integer(),
        Some(settings.protocol(Protocol::Imap).port.into())
    );
    assert_eq!(
        mail["OutgoingMailServerPortNumber"].as_unsigned_integer(),
        Some(settings.protocol(Protocol::Smtp).port.into())
    );
    for key in ["IncomingMailServerUseSSL", "OutgoingMailServerUseSSL"] {
        assert_eq!(mail[key].as_boolean(), Some(true), "{key}");
    }
    assert!(mail.get("IncomingPassword").is_none());
}

/// The Thunderbird file parsed back.
fn check_thunderbird_file(bytes: &[u8], domain: &str) {
    #[derive(serde::Deserialize)]
    struct ClientConfig {
        #[serde(rename = "@version")]
        version: String,
        #[serde(rename = "emailProvider")]
        provider: Provider,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Provider {
        domain: String,
        incoming_server: Server,
        outgoing_server: Server,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Server {
        #[serde(rename = "@type")]
        kind: String,
        hostname: String,
        port: u16,
        socket_type: String,
        username: String,
    }
    let catalog = Catalog::embedded().unwrap();
    let config: ClientConfig =
        quick_xml::de::from_str(std::str::from_utf8(bytes).unwrap()).unwrap();
    assert_eq!(config.version, "1.1");
    assert_eq!(config.provider.domain, domain);
    let (incoming, outgoing) = (
        config.provider.incoming_server,
        config.provider.outgoing_server,
    );
    assert_eq!(
        (
            incoming.kind.as_str(),
            incoming.port,
            incoming.socket_type.as_str()
        ),
        (
            "imap",
            catalog.settings.protocol(Protocol::Imap).port,
            "SSL"
        )
    );
    assert_eq!(
        (
            outgoing.kind.as_str(),
            outgoing.port,
            outgoing.socket_type.as_str()
        ),
        (
            "smtp",
            catalog.settings.protocol(Protocol::Smtp).port,
            "STARTTLS"
        )
    );
    for server in [&incoming, &outgoing] {
        assert_eq!(server.hostname, catalog.settings.host);
        assert_eq!(server.username, "%EMAILADDRESS%");
    }
}

#[tokio::test]
async fn profiles_are_attached_privately_with_how_to_install_them() {
    let (fake, _bot) = start_plain().await;
    let token = fake.send_command(
        "settings",
        settings(
            "imap",
            Some("jane@bücher.example"),
            &[("profile", json!("apple"))],
        ),
        0,
    );
    let responses = fake.wait_responses(&token, 1).await;
    let Recorded::Callback { body, files, .. } = &responses[0] else {
        panic!("{responses:?}")
    };
    assert_eq!(body["type"], 4);
    assert!(is_private(body), "private: it carries the address");
    assert_eq!(
        body["data"]["attachments"][0]["filename"],
        "echoterra.mobileconfig"
    );
    assert_eq!(files[0].0, "echoterra.mobileconfig");
    check_apple_profile(
        &files[0].1,
        "jane@xn--bcher-kva.example",
        "jane@bücher.example",
    );
    let text = embed_text(body);
    assert!(text.contains("Profile Downloaded"), "{text}");

    let token = fake.send_command(
        "settings",
        settings(
            "imap",
            Some("jane@example.org"),
            &[("profile", json!("thunderbird"))],
        ),
        0,
    );
    let responses = fake.wait_responses(&token, 1).await;
    let (name, bytes) = &responses[0].files()[0];
    assert_eq!(name, "example.org.xml");
    check_thunderbird_file(bytes, "example.org");
    assert!(embed_text(responses[0].body()).contains("isp"));

    // No address, no profile: said privately.
    let token = fake.send_command(
        "settings",
        settings("imap", None, &[("profile", json!("apple"))]),
        0,
    );
    let refusal = first_answer(&fake, &token).await;
    assert!(is_private(&refusal));
    assert!(
        embed_text(&refusal).contains("needs your email address"),
        "{refusal}"
    );
    assert_all_sent_bodies_were_acceptable(&fake);
}

/// The file parts of a `multipart/form-data` body: (file name, bytes).
fn multipart_files(content_type: &str, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    let delimiter = format!("--{boundary}");
    let text = body.to_vec();
    let mut files = Vec::new();
    let positions: Vec<usize> = text
        .windows(delimiter.len())
        .enumerate()
        .filter(|(_, window)| *window == delimiter.as_bytes())
        .map(|(at, _)| at)
        .collect();
    for pair in positions.windows(2) {
        let part = &text[pair[0] + delimiter.len()..pair[1]];
        let Some(split) = part.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]);
        let Some(name) = headers
            .split("filename=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        let content = &part[split + 4..part.len() - 2];
        files.push((name.to_string(), content.to_vec()));
    }
    files
}

#[tokio::test]
async fn in_serve_mode_profiles_autocomplete_and_buttons_answer_over_http() {
    let dns = dns().await;
    let commands = tempfile::tempdir().unwrap();
    write_catalogue(commands.path());
    let (fake, _bot, url) = serve(&dns, commands.path()).await;
    let post = |interaction: Value| {
        let url = url.clone();
        async move {
            let body = serde_json::to_vec(&interaction).unwrap();
            FakeDiscord::post_signed(&url, &body, true, None).await
        }
    };

    // A profile: the first response is multipart, with the file.
    let interaction = fake.command_interaction(
        crate::support::fake_discord::Origin::TestServer,
        "settings",
        settings(
            "imap",
            Some("jane@example.org"),
            &[("profile", json!("apple"))],
        ),
        0,
    );
    let (status, content_type, body) = post(interaction).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("multipart/form-data"),
        "{content_type}"
    );
    let files = multipart_files(&content_type, &body);
    assert_eq!(files[0].0, "echoterra.mobileconfig");
    check_apple_profile(&files[0].1, "jane@example.org", "jane@example.org");

    // Autocomplete: nothing checked yet, nothing suggested (type 8).
    let (status, _, body) = post(fake.autocomplete_interaction(CUSTOMER, "mx", "domain", "")).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"type": 8, "data": {"choices": []}})
    );

    // Run again pressed by someone else: "thinking…" privately, the answer as an edit.
    let press = fake.button_interaction(
        STRANGER,
        0,
        "v2:again:mx:customer.test",
        OnMessage::customers(),
    );
    let token = press["token"].as_str().unwrap().to_string();
    let (status, _, body) = post(press).await;
    assert_eq!(status, 200);
    let first: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (first["type"].as_u64(), first["data"]["flags"].as_u64()),
        (Some(5), Some(64))
    );
    let edits = final_edit(&fake, &token).await;
    assert!(embed_text(edits.last().unwrap().body()).contains("mail.echoterra.net"));
    assert_all_sent_bodies_were_acceptable(&fake);
}
