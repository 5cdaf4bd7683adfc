//! `/domain` end to end against a real DNS server on loopback: a zone per case of the
//! issue (everything right; no SPF; SPF without our include under -all; two SPF
//! records; too many lookups; +all; an include with no record; redirect= to us;
//! DMARC missing, p=none, inherited, reported elsewhere; DKIM missing, revoked, by
//! TXT, weak; SRV present and missing; a dead resolver), through `checks::run`, all
//! three renderers and the real binary.

use crate::support::dns_server::{TestDns, Zone};
use crate::support::render::render_all;
use crate::support::zones::{
    customer, customer_in, key_record, provider_zone, spf_amplifier, KEY_ET1, KEY_ET2,
};

use echoterra_bot::checks::domain::{DomainReport, DomainRequest, Part, PartName};
use echoterra_bot::checks::{self, Details, Progress, Report, Request, Services};
use echoterra_bot::config::Config;
use echoterra_bot::render;
use echoterra_bot::values::Verdict;
use tokio::process::Command;

/// A real 1024-bit key: accepted by verifiers, below the recommended 2048.
const KEY_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDorTch9qH6mKUM4XrZWC8uy3nG0csah5jNiZD08CXwm1wSrsY+yWgjs+RmmXDjKevCKFWqwJJ3LkV5LvV4RK4m5RV6c4zEIJEvWz2g0Q54GpmXOHsD4hahTtEOwv90AE4BnzykhllNazJSLgNUYj5N4X+82FrOl6khfkoyBGYz9QIDAQAB";

async fn check_with(services: &Services, domain: &str) -> Report {
    let request = DomainRequest::from_input(domain).expect("a valid domain");
    checks::run(services, &Request::Domain(request), &Progress::none()).await
}

async fn check(dns: &TestDns, domain: &str) -> Report {
    check_with(&dns.services(), domain).await
}

fn details(report: &Report) -> &DomainReport {
    match &report.details {
        Details::Domain(details) => details,
        other => panic!("not a domain report: {}", other.check_name()),
    }
}

fn part(report: &Report, name: PartName) -> &Part {
    details(report)
        .parts
        .iter()
        .find(|part| part.part == name)
        .unwrap()
}

/// The texts of a part's findings, for messages.
fn texts(part: &Part) -> String {
    part.findings
        .iter()
        .map(|finding| format!("{:?} {}", finding.verdict, finding.text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn everything_right_is_ok_with_nothing_to_publish() {
    let dns = TestDns::builder()
        .zone(customer("good.example", &[]))
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "Jane@Good.Example").await;
    for part in &details(&report).parts {
        assert_eq!(
            part.verdict,
            Verdict::Ok,
            "{:?}: {}",
            part.part,
            texts(part)
        );
        assert!(
            part.publish.is_empty(),
            "{:?}: {:?}",
            part.part,
            part.publish
        );
    }
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert!(
        report
            .summary
            .contains("is set up to send and receive mail"),
        "{}",
        report.summary
    );
    let dkim = texts(part(&report, PartName::Dkim));
    assert!(dkim.contains("RSA key of 2048 bits"), "{dkim}");
    assert!(
        dkim.contains("CNAME to et1._domainkey.echoterra.net"),
        "{dkim}"
    );
    let spf = texts(part(&report, PartName::Spf));
    assert!(
        spf.contains("(185.199.108.0, 2a00:1450:4001:80b::) pass SPF"),
        "{spf}"
    );
    let (text, json) = render_all(&report);
    assert!(text.starts_with("DOMAIN OK:"), "{text}");
    assert!(!text.contains("Records to publish"), "{text}");
    assert_eq!(json["check"], "domain");
    assert_eq!(json["target"], "good.example");
    assert_eq!(json["verdict"], "ok");
    let names: Vec<&str> = json["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| part["part"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["mx", "spf", "dkim", "dmarc", "autoconfig", "mta_sts"]
    );
    for part in json["parts"].as_array().unwrap() {
        assert!(part["summary"].is_string() && part["findings"].is_array());
        assert_eq!(part["publish"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn spf_cases_each_with_the_record_to_publish() {
    let includes: Vec<String> = (1..=11)
        .map(|n| format!("include:i{n}.toomany.example"))
        .collect();
    // Longer than one TXT string may be (255): two strings, joined by readers.
    let mut toomany = customer("toomany.example", &["spf"]).txt_strings(
        "toomany.example",
        &[
            &format!("v=spf1 {} ", includes[..6].join(" ")),
            &format!("{} include:spf.echoterra.net -all", includes[6..].join(" ")),
        ],
    );
    for n in 1..=11 {
        toomany = toomany.txt(
            &format!("i{n}.toomany.example"),
            "v=spf1 ip4:192.0.2.1 -all",
        );
    }
    let dns = TestDns::builder()
        .zone(customer("nospf.example", &["spf"]))
        .zone(
            customer("noinclude.example", &["spf"])
                .txt("noinclude.example", "v=spf1 ip4:192.0.2.1 -all"),
        )
        .zone(
            customer("twospf.example", &["spf"])
                .txt("twospf.example", "v=spf1 ip4:192.0.2.1 -all")
                .txt("twospf.example", "v=spf1 include:spf.echoterra.net ~all"),
        )
        .zone(toomany)
        .zone(
            customer("plusall.example", &["spf"])
                .txt("plusall.example", "v=spf1 include:spf.echoterra.net +all"),
        )
        .zone(customer("deadinclude.example", &["spf"]).txt(
            "deadinclude.example",
            "v=spf1 include:spf.echoterra.net include:gone.deadinclude.example -all",
        ))
        .zone(
            customer("redirect.example", &["spf"])
                .txt("redirect.example", "v=spf1 redirect=spf.echoterra.net"),
        )
        .zone(provider_zone())
        .start()
        .await;
    // (domain, verdict, a word of the findings, the record to publish)
    let cases: &[(&str, Verdict, &str, Option<&str>)] = &[
        (
            "nospf.example",
            Verdict::Warning,
            "has no SPF record",
            Some("v=spf1 include:spf.echoterra.net ~all"),
        ),
        (
            "noinclude.example",
            Verdict::Critical,
            "fails SPF",
            Some("v=spf1 ip4:192.0.2.1 include:spf.echoterra.net -all"),
        ),
        (
            "twospf.example",
            Verdict::Critical,
            "publishes 2 SPF records",
            Some("v=spf1 ip4:192.0.2.1 include:spf.echoterra.net -all"),
        ),
        (
            "toomany.example",
            Verdict::Critical,
            "12 DNS-querying terms",
            None,
        ),
        (
            "plusall.example",
            Verdict::Critical,
            "lets every server on the internet pass",
            Some("v=spf1 include:spf.echoterra.net ~all"),
        ),
        (
            "deadinclude.example",
            Verdict::Critical,
            "gone.deadinclude.example, which has no SPF record",
            None,
        ),
        ("redirect.example", Verdict::Ok, "pass SPF", None),
    ];
    for &(domain, verdict, word, record) in cases {
        let report = check(&dns, domain).await;
        let spf = part(&report, PartName::Spf);
        assert_eq!(spf.verdict, verdict, "{domain}: {}", texts(spf));
        assert!(
            texts(spf).contains(word),
            "{domain}: {word:?} not in\n{}",
            texts(spf)
        );
        let published: Vec<&str> = spf.publish.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(
            published,
            record.into_iter().collect::<Vec<_>>(),
            "{domain}"
        );
        for published in &spf.publish {
            assert_eq!((published.name.as_str(), published.kind), (domain, "TXT"));
        }
        assert_eq!(report.verdict, verdict, "{domain}: {}", report.summary);
        let (text, json) = render_all(&report);
        if let Some(record) = record {
            assert!(
                text.contains(&format!("{domain}.  TXT  \"{record}\"")),
                "{text}"
            );
            assert_eq!(json["parts"][1]["publish"][0]["value"], record);
            assert_eq!(json["parts"][1]["publish"][0]["type"], "TXT");
        }
    }
}

#[tokio::test]
async fn dmarc_missing_monitoring_inherited_and_reported_elsewhere() {
    let dns = TestDns::builder()
        .zone(customer("nodmarc.example", &["dmarc"]))
        .zone(customer("monitor.example", &["dmarc"]).txt(
            "_dmarc.monitor.example",
            "v=DMARC1; p=none; pct=50; rua=mailto:reports@monitor.example",
        ))
        .zone(
            customer_in("inherit.example", "shop.inherit.example", &["dmarc"])
                .txt("_dmarc.inherit.example", "v=DMARC1; p=reject"),
        )
        .zone(customer("ext.example", &["dmarc"]).txt(
            "_dmarc.ext.example",
            "v=DMARC1; p=reject; rua=mailto:a@thirdparty.example,mailto:b@okparty.example",
        ))
        .zone(Zone::new("thirdparty.example"))
        .zone(
            Zone::new("okparty.example")
                .txt("ext.example._report._dmarc.okparty.example", "v=DMARC1"),
        )
        .zone(provider_zone())
        .start()
        .await;

    let missing = check(&dns, "nodmarc.example").await;
    let dmarc = part(&missing, PartName::Dmarc);
    assert_eq!(dmarc.verdict, Verdict::Warning, "{}", texts(dmarc));
    assert!(
        dmarc.summary.contains("no DMARC record"),
        "{}",
        dmarc.summary
    );
    assert_eq!(dmarc.publish.len(), 1);
    assert_eq!(dmarc.publish[0].name, "_dmarc.nodmarc.example");
    assert_eq!(
        dmarc.publish[0].value,
        "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@nodmarc.example"
    );

    let monitor = check(&dns, "monitor.example").await;
    let dmarc = part(&monitor, PartName::Dmarc);
    assert_eq!(dmarc.verdict, Verdict::Warning);
    assert!(texts(dmarc).contains("p=none"), "{}", texts(dmarc));
    assert!(texts(dmarc).contains("pct=50"), "{}", texts(dmarc));
    assert_eq!(
        dmarc.publish[0].value,
        "v=DMARC1; p=quarantine; rua=mailto:reports@monitor.example"
    );

    let inherited = check(&dns, "shop.inherit.example").await;
    let dmarc = part(&inherited, PartName::Dmarc);
    assert_eq!(dmarc.verdict, Verdict::Ok, "{}", texts(dmarc));
    assert!(
        texts(dmarc).contains("organizational domain inherit.example"),
        "{}",
        texts(dmarc)
    );
    assert!(dmarc.publish.is_empty());

    let external = check(&dns, "ext.example").await;
    let dmarc = part(&external, PartName::Dmarc);
    assert_eq!(dmarc.verdict, Verdict::Warning, "{}", texts(dmarc));
    assert!(
        texts(dmarc).contains("okparty.example accepts reports"),
        "{}",
        texts(dmarc)
    );
    assert_eq!(dmarc.publish.len(), 1, "{:?}", dmarc.publish);
    assert_eq!(
        dmarc.publish[0].name,
        "ext.example._report._dmarc.thirdparty.example"
    );
    assert_eq!(dmarc.publish[0].value, "v=DMARC1");
    render_all(&external);
}

#[tokio::test]
async fn dkim_missing_revoked_by_txt_and_weak() {
    let dns = TestDns::builder()
        .zone(customer("nodkim.example", &["dkim"]))
        .zone(
            customer("revoked.example", &["dkim"])
                .txt("et1._domainkey.revoked.example", "v=DKIM1; k=rsa; p=")
                .cname(
                    "et2._domainkey.revoked.example",
                    "et2._domainkey.echoterra.net",
                ),
        )
        .zone({
            let zone = customer("txtkey.example", &["dkim"]);
            let zone = key_record(zone, "et1._domainkey.txtkey.example", KEY_ET1, "");
            key_record(zone, "et2._domainkey.txtkey.example", KEY_ET2, "")
        })
        .zone({
            let zone = customer("weak.example", &["dkim"]).cname(
                "et2._domainkey.weak.example",
                "et2._domainkey.echoterra.net",
            );
            key_record(zone, "et1._domainkey.weak.example", KEY_1024, " t=y;")
        })
        .zone(provider_zone())
        .start()
        .await;

    let missing = check(&dns, "nodkim.example").await;
    let dkim = part(&missing, PartName::Dkim);
    assert_eq!(dkim.verdict, Verdict::Critical, "{}", texts(dkim));
    assert!(
        dkim.summary.contains("DKIM is not set up"),
        "{}",
        dkim.summary
    );
    let cnames: Vec<String> = dkim.publish.iter().map(|r| r.zone_line()).collect();
    assert_eq!(
        cnames,
        [
            "et1._domainkey.nodkim.example.  CNAME  et1._domainkey.echoterra.net.",
            "et2._domainkey.nodkim.example.  CNAME  et2._domainkey.echoterra.net."
        ]
    );

    let revoked = check(&dns, "revoked.example").await;
    let dkim = part(&revoked, PartName::Dkim);
    assert_eq!(dkim.verdict, Verdict::Critical, "{}", texts(dkim));
    assert!(
        texts(dkim).contains("revoked (empty p=)"),
        "{}",
        texts(dkim)
    );

    let by_txt = check(&dns, "txtkey.example").await;
    let dkim = part(&by_txt, PartName::Dkim);
    assert_eq!(dkim.verdict, Verdict::Ok, "{}", texts(dkim));
    assert!(dkim.publish.is_empty());

    let weak = check(&dns, "weak.example").await;
    let dkim = part(&weak, PartName::Dkim);
    assert_eq!(dkim.verdict, Verdict::Warning, "{}", texts(dkim));
    let found = texts(dkim);
    assert!(found.contains("RSA key of 1024 bits"), "{found}");
    assert!(found.contains("testing mode (t=y)"), "{found}");
    assert!(found.contains("not our current et1 key"), "{found}");
    assert_eq!(dkim.publish.len(), 1);
}

#[tokio::test]
async fn autoconfig_present_is_ok_and_missing_is_a_suggestion() {
    let dns = TestDns::builder()
        .zone(customer("nosrv.example", &["srv"]))
        .zone(customer("wrongsrv.example", &["srv"]).srv(
            "_imaps._tcp.wrongsrv.example",
            0,
            1,
            993,
            "imap.elsewhere.example",
        ))
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "nosrv.example").await;
    let srv = part(&report, PartName::Autoconfig);
    assert_eq!(srv.verdict, Verdict::Ok, "{}", texts(srv));
    assert_eq!(srv.publish.len(), 3);
    assert_eq!(
        srv.publish[2].zone_line(),
        "_pop3s._tcp.nosrv.example.  SRV  10 1 995 mail.echoterra.net."
    );
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    let message = render::discord::report_message(&report);
    let description = message.embeds[0].description.clone().unwrap();
    assert!(description.contains("💡 **Autoconfig**"), "{description}");

    let wrong = check(&dns, "wrongsrv.example").await;
    let srv = part(&wrong, PartName::Autoconfig);
    assert_eq!(srv.verdict, Verdict::Warning, "{}", texts(srv));
    assert!(
        texts(srv).contains("imap.elsewhere.example:993"),
        "{}",
        texts(srv)
    );
}

#[tokio::test]
async fn a_dead_resolver_makes_every_part_unknown_not_wrong() {
    // A port nothing listens on: every query fails at once.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead = socket.local_addr().unwrap();
    drop(socket);
    let dns = TestDns::builder().start().await;
    let config = Config {
        dns_servers: Some(vec![dead]),
        ..Config::default()
    };
    let services = Services::from_parts(dns.catalog(), config).unwrap();
    let report = check_with(&services, "good.example").await;
    assert_eq!(report.verdict, Verdict::Unknown, "{}", report.summary);
    for name in [
        PartName::Mx,
        PartName::Spf,
        PartName::Dkim,
        PartName::Dmarc,
        PartName::Autoconfig,
    ] {
        let part = part(&report, name);
        assert_eq!(part.verdict, Verdict::Unknown, "{name:?}: {}", texts(part));
        assert!(
            part.publish.is_empty(),
            "{name:?} suggests records without knowing: {:?}",
            part.publish
        );
    }
    render_all(&report);
}

#[tokio::test]
async fn the_binary_prints_the_report_and_exits_with_the_verdict() {
    let dns = TestDns::builder()
        .zone(customer("nodmarc.example", &["dmarc"]))
        .zone(provider_zone())
        .start()
        .await;
    let server = dns.addr().to_string();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &'static [&'static str]| {
        let server = server.clone();
        let dir = dir.path().to_path_buf();
        async move {
            Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
                .args(args)
                .current_dir(dir)
                .env_clear()
                .env("DNS_SERVERS", server)
                .output()
                .await
                .unwrap()
        }
    };
    let output = run(&["check", "domain", "nodmarc.example"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("DOMAIN WARNING: nodmarc.example: 1 part needs attention (DMARC)."),
        "{stdout}"
    );
    assert!(stdout.contains("_dmarc.nodmarc.example.  TXT  \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@nodmarc.example\""), "{stdout}");
    let output = run(&["check", "domain", "nodmarc.example", "--format", "json"]).await;
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["parts"][3]["part"], "dmarc");
    assert_eq!(
        json["parts"][3]["publish"][0]["name"],
        "_dmarc.nodmarc.example"
    );
    let output = run(&["check", "domain", "https://nodmarc.example/"]).await;
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("web address"));
}

/// Issue 22: a domain's SPF tree of 40 records of 3,000 `a:` terms, every term naming a
/// host under a victim's zone, once made one `check domain` send 240,118 queries (and
/// print 23 MB of JSON). Through the real binary against a server that counts what it
/// receives: the whole check (every part, not only SPF) sends at most 100 queries, at
/// most 26 of them to the victim's zone, prints under 64 KB, and says that the SPF tree
/// was cut off.
#[tokio::test]
async fn a_hostile_spf_tree_costs_at_most_100_queries_and_says_it_was_cut_off() {
    let (tree, victim) = spf_amplifier("amp.example", "victim.example", 40, 3_000);
    let dns = TestDns::builder()
        .zone(tree)
        .zone(victim)
        .zone(provider_zone())
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "domain", "amp.example", "--format", "json"])
        .current_dir(dir.path())
        .env_clear()
        .env("DNS_SERVERS", dns.addr().to_string())
        .output()
        .await
        .unwrap();
    let queries = dns.queries();
    let to_victim = queries
        .iter()
        .filter(|query| query.name.ends_with("victim.example"))
        .count();
    assert!(
        queries.len() <= 100,
        "{} queries: {queries:#?}",
        queries.len()
    );
    // The linter's 10 names (A and AAAA), and the 3 void lookups an evaluation makes
    // before RFC 7208's permerror (A for our IPv4 addresses, AAAA for IPv6).
    assert!(to_victim <= 26, "{to_victim} queries to the victim's zone");
    assert!(
        output.stdout.len() < 64 * 1024,
        "{} bytes of JSON",
        output.stdout.len()
    );
    // Too many lookups is critical whatever was cut off.
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let spf = &json["parts"][1];
    assert_eq!(spf["part"], "spf");
    assert_eq!(spf["verdict"], "critical");
    let texts: Vec<&str> = spf["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .any(|text| text.contains("SPF tree of amp.example was cut off")),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|text| text.contains("DNS-querying terms")),
        "{texts:#?}"
    );
}
