//! `/mx` end to end against a real DNS server on loopback: every case of the issue
//! (ok with one and two MX, mixed, CNAME exchange, implicit MX, null MX, dangling
//! exchange, IP-literal exchange, NXDOMAIN, IDN, SERVFAIL, silence, an answer too big
//! for UDP), through `checks::run` and all three renderers.

use crate::support::dns_server;
use crate::support::render::render_all;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use dns_server::{Fault, TestDns, Transport, Zone, TEST_DNS_TIMEOUT};
use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::mx::{MxKind, MxReport, MxRequest, MAX_HOSTS};
use echoterra_bot::checks::Services;
use echoterra_bot::checks::{self, Progress, Request};
use echoterra_bot::checks::{Details, Report};
use echoterra_bot::config::Config;
use echoterra_bot::render;
use echoterra_bot::values::Verdict;
use hickory_server::proto::rr::RecordType;
use tokio::process::Command;

const OURS: &str = "mail.echoterra.net";
const OUR_IP: &str = "185.199.108.153";

/// The provider's zone, as it is in real life.
fn provider_zone() -> Zone {
    Zone::new("echoterra.net")
        .a(OURS, OUR_IP)
        .aaaa(OURS, "2a00:1450:4001:80b::25")
}

async fn check(dns: &TestDns, domain: &str) -> Report {
    let request = MxRequest::from_input(domain).expect("a valid domain");
    checks::run(&dns.services(), &Request::Mx(request), &Progress::none()).await
}

fn details(report: &Report) -> &MxReport {
    match &report.details {
        Details::Mx(details) => details,
        other => panic!("not an MX report: {}", other.check_name()),
    }
}

#[tokio::test]
async fn mail_for_the_provider_alone_is_ok() {
    let dns = TestDns::builder()
        .zone(Zone::new("example.com").mx("example.com", 10, OURS))
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "Example.COM").await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(report.target, "example.com");
    assert!(report.summary.contains(OURS), "{}", report.summary);
    let mx = details(&report);
    assert_eq!(mx.kind, MxKind::Records);
    assert_eq!(mx.hosts.len(), 1);
    assert!(mx.hosts[0].is_provider);
    assert_eq!(
        mx.hosts[0].addresses,
        [
            OUR_IP.parse::<IpAddr>().unwrap(),
            "2a00:1450:4001:80b::25".parse().unwrap()
        ]
    );
    assert_eq!(mx.hosts[0].reachable, Some(true));
    assert!(mx.findings.is_empty());
    assert_eq!(mx.suggested_record, None);
    assert_eq!(mx.ttl, Some(dns_server::TEST_TTL));
    let (text, json) = render_all(&report);
    assert!(text.starts_with("MX OK:"), "{text}");
    assert_eq!(json["check"], "mx");
    assert_eq!(json["verdict"], "ok");
    assert_eq!(json["target"], "example.com");
    assert!(json["summary"].as_str().unwrap().contains(OURS));
    let record = &json["records"][0];
    assert_eq!(record["preference"], 10);
    assert_eq!(record["exchange"], OURS);
    assert_eq!(record["points_to_provider"], true);
    assert_eq!(record["addresses"][0], OUR_IP);
}

#[tokio::test]
async fn the_provider_at_two_preferences_is_ok() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("example.com")
                .mx("example.com", 20, OURS)
                .mx("example.com", 10, OURS),
        )
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "example.com").await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert!(
        report.summary.contains("(preference 10)"),
        "{}",
        report.summary
    );
    let mx = details(&report);
    let preferences: Vec<u16> = mx.hosts.iter().map(|h| h.preference).collect();
    assert_eq!(preferences, [10, 20]);
    assert!(mx.hosts.iter().all(|h| h.is_provider));
    assert!(mx.findings.is_empty());
    assert_eq!(mx.suggested_record, None);
    let (text, json) = render_all(&report);
    assert!(text.starts_with("MX OK:"), "{text}");
    assert_eq!(json["records"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_email_address_checks_its_domain() {
    let dns = TestDns::builder()
        .zone(Zone::new("example.com").mx("example.com", 10, OURS))
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "jane.doe@example.com").await;
    assert_eq!(report.target, "example.com");
    assert_eq!(report.verdict, Verdict::Ok);
}

#[tokio::test]
async fn another_provider_only_is_critical_with_the_record_to_set() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("example.com")
                .mx("example.com", 10, "mx.oldmail.example.com")
                .a("mx.oldmail.example.com", "93.184.215.20"),
        )
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "example.com").await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(
        report.summary.contains("mx.oldmail.example.com"),
        "{}",
        report.summary
    );
    assert!(
        report.summary.contains(&format!("not to {OURS}")),
        "{}",
        report.summary
    );
    let mx = details(&report);
    assert_eq!(
        mx.suggested_record.as_deref(),
        Some("example.com.  MX  10  mail.echoterra.net.")
    );
    let (text, _) = render_all(&report);
    assert!(
        text.contains("example.com.  MX  10  mail.echoterra.net."),
        "{text}"
    );
    let message = render::discord::report_message(&report);
    let fields = &message.embeds[0].fields;
    assert!(fields.iter().any(|f| f
        .value
        .contains("```\nexample.com.  MX  10  mail.echoterra.net.\n```")));
}

#[tokio::test]
async fn another_host_in_front_behind_or_beside_the_provider_is_a_warning() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("front.example")
                .mx("front.example", 5, "mx.old.front.example")
                .mx("front.example", 10, OURS)
                .a("mx.old.front.example", "93.184.215.21"),
        )
        .zone(
            Zone::new("behind.example")
                .mx("behind.example", 10, OURS)
                .mx("behind.example", 20, "mx.old.behind.example")
                .a("mx.old.behind.example", "93.184.215.22"),
        )
        .zone(
            Zone::new("shared.example")
                .mx("shared.example", 10, OURS)
                .mx("shared.example", 10, "mx.other.shared.example")
                .a("mx.other.shared.example", "93.184.215.23"),
        )
        .zone(provider_zone())
        .start()
        .await;

    let front = check(&dns, "front.example").await;
    assert_eq!(front.verdict, Verdict::Warning, "{}", front.summary);
    assert!(
        front.summary.contains("goes first to mx.old.front.example"),
        "{}",
        front.summary
    );
    assert!(front.summary.contains("Remove it."), "{}", front.summary);
    assert_eq!(
        details(&front).suggested_record.as_deref(),
        Some("front.example.  MX  10  mail.echoterra.net.")
    );
    // Best first, whatever order the server gave.
    let hosts: Vec<&str> = details(&front)
        .hosts
        .iter()
        .map(|h| h.host.as_str())
        .collect();
    assert_eq!(hosts, ["mx.old.front.example", OURS]);

    let behind = check(&dns, "behind.example").await;
    assert_eq!(behind.verdict, Verdict::Warning, "{}", behind.summary);
    assert!(
        behind.summary.contains("cannot be reached"),
        "{}",
        behind.summary
    );
    assert!(details(&behind).suggested_record.is_some());

    let shared = check(&dns, "shared.example").await;
    assert_eq!(shared.verdict, Verdict::Warning, "{}", shared.summary);
    assert!(
        shared.summary.contains("shares preference 10"),
        "{}",
        shared.summary
    );
    render_all(&front);
    render_all(&behind);
    render_all(&shared);
}

#[tokio::test]
async fn no_mx_means_the_domain_itself_receives_the_mail() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("implicit.example")
                .a("implicit.example", "93.184.215.30")
                .txt("nothing.implicit.example", "exists, but has no address"),
        )
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "implicit.example").await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    let mx = details(&report);
    assert_eq!(mx.kind, MxKind::Implicit);
    assert_eq!(mx.hosts.len(), 1);
    assert_eq!(mx.hosts[0].host, "implicit.example");
    assert_eq!(mx.hosts[0].preference, 0);
    assert_eq!(
        mx.hosts[0].addresses,
        ["93.184.215.30".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(
        mx.suggested_record.as_deref(),
        Some("implicit.example.  MX  10  mail.echoterra.net.")
    );
    assert!(
        report.summary.contains("no MX records"),
        "{}",
        report.summary
    );
    assert!(
        report.summary.contains("domain's own address"),
        "{}",
        report.summary
    );

    // Neither MX nor an address: no mail can arrive at all.
    let bare = check(&dns, "nothing.implicit.example").await;
    assert_eq!(bare.verdict, Verdict::Critical, "{}", bare.summary);
    assert!(details(&bare).suggested_record.is_some());
    assert!(
        bare.summary.contains("cannot receive mail"),
        "{}",
        bare.summary
    );
    render_all(&report);
    render_all(&bare);
}

#[tokio::test]
async fn a_missing_domain_and_a_null_mx_are_critical() {
    let dns = TestDns::builder()
        .zone(Zone::new("example.com").mx("nomail.example.com", 0, "."))
        .zone(provider_zone())
        .start()
        .await;
    let missing = check(&dns, "typo.example.com").await;
    assert_eq!(missing.verdict, Verdict::Critical);
    assert_eq!(details(&missing).kind, MxKind::NoSuchDomain);
    assert!(
        missing.summary.contains("does not exist"),
        "{}",
        missing.summary
    );
    assert_eq!(details(&missing).suggested_record, None);

    let null = check(&dns, "nomail.example.com").await;
    assert_eq!(null.verdict, Verdict::Critical);
    assert_eq!(details(&null).kind, MxKind::NullMx);
    assert!(null.summary.contains("null MX"), "{}", null.summary);
    assert!(details(&null).hosts.is_empty());
    assert_eq!(
        details(&null).suggested_record.as_deref(),
        Some("nomail.example.com.  MX  10  mail.echoterra.net.")
    );
    render_all(&missing);
    render_all(&null);
}

/// The finding about `host`, which must exist.
fn finding_about<'a>(report: &'a Report, host: &str) -> &'a echoterra_bot::checks::mx::Finding {
    details(report)
        .findings
        .iter()
        .find(|f| f.text.starts_with(host))
        .unwrap_or_else(|| panic!("no finding about {host}: {:?}", details(report).findings))
}

#[tokio::test]
async fn a_cname_exchange_or_a_private_address_is_a_warning() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("alias.example")
                .mx("alias.example", 10, OURS)
                .mx("alias.example", 20, "mx.alias.example")
                .cname("mx.alias.example", "real.alias.example")
                .a("real.alias.example", "93.184.215.40"),
        )
        .zone(
            Zone::new("internal.example")
                .mx("internal.example", 10, OURS)
                .mx("internal.example", 20, "mx.internal.example")
                .a("mx.internal.example", "10.0.0.5"),
        )
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "alias.example").await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    let alias = &details(&report).hosts[1];
    assert_eq!(alias.host, "mx.alias.example");
    assert_eq!(alias.alias_of.as_deref(), Some("real.alias.example"));
    assert_eq!(alias.reachable, Some(true));
    let finding = finding_about(
        &report,
        "mx.alias.example (preference 20) is an alias (CNAME)",
    );
    assert_eq!(finding.verdict, Verdict::Warning);
    assert!(finding.text.contains("RFC 5321"), "{}", finding.text);
    assert!(details(&report).suggested_record.is_some());

    let internal = check(&dns, "internal.example").await;
    assert_eq!(internal.verdict, Verdict::Warning, "{}", internal.summary);
    assert_eq!(details(&internal).hosts[1].reachable, Some(false));
    let finding = finding_about(
        &internal,
        "mx.internal.example (preference 20) resolves to 10.0.0.5",
    );
    assert_eq!(finding.verdict, Verdict::Warning);
    let (text, _) = render_all(&internal);
    assert!(text.contains("! resolves to 10.0.0.5"), "{text}");
    render_all(&report);
}

#[tokio::test]
async fn a_dangling_exchange_is_critical_wherever_it_stands() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("dangling.example")
                .mx("dangling.example", 10, OURS)
                .mx("dangling.example", 20, "gone.dangling.example"),
        )
        .zone(
            Zone::new("dead-front.example")
                .mx("dead-front.example", 5, "noaddress.dead-front.example")
                .mx("dead-front.example", 10, OURS)
                .txt("noaddress.dead-front.example", "exists, but has no address"),
        )
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "dangling.example").await;
    assert_eq!(report.verdict, Verdict::Critical, "{}", report.summary);
    let gone = &details(&report).hosts[1];
    assert_eq!(gone.reachable, Some(false));
    assert!(gone.addresses.is_empty());
    assert!(
        report
            .summary
            .starts_with("gone.dangling.example (preference 20) does not exist in DNS"),
        "{}",
        report.summary
    );
    assert!(
        report.summary.contains("remove this MX record"),
        "{}",
        report.summary
    );
    assert_eq!(
        details(&report).suggested_record.as_deref(),
        Some("dangling.example.  MX  10  mail.echoterra.net.")
    );

    // A dead host before ours only delays mail, but it is still a record that can
    // never work.
    let front = check(&dns, "dead-front.example").await;
    assert_eq!(front.verdict, Verdict::Critical, "{}", front.summary);
    assert!(
        front.summary.contains("has no address"),
        "{}",
        front.summary
    );
    assert!(
        details(&front)
            .findings
            .iter()
            .any(|f| f.verdict == Verdict::Warning && f.text.contains("cannot receive mail")),
        "{:?}",
        details(&front).findings
    );
    let (text, _) = render_all(&report);
    assert!(text.starts_with("MX CRITICAL:"), "{text}");
    render_all(&front);
}

#[tokio::test]
async fn an_exchange_written_as_an_ip_address_is_critical() {
    let dns = TestDns::builder()
        // `MX 10 192.0.2.25.`: the address itself as the exchange.
        .zone(Zone::new("literal.example").mx("literal.example", 10, "192.0.2.25"))
        // `MX 10 203.0.113.5` without the trailing dot in a zone file: the zone's
        // origin is appended.
        .zone(Zone::new("slip.example").mx("slip.example", 10, OURS).mx(
            "slip.example",
            20,
            "203.0.113.5.slip.example",
        ))
        .zone(provider_zone())
        .start()
        .await;
    let literal = check(&dns, "literal.example").await;
    assert_eq!(literal.verdict, Verdict::Critical, "{}", literal.summary);
    let host = &details(&literal).hosts[0];
    assert_eq!(host.host, "192.0.2.25");
    assert_eq!(host.reachable, Some(false));
    let finding = finding_about(
        &literal,
        "192.0.2.25 (preference 10) is written as an IP address",
    );
    assert_eq!(finding.verdict, Verdict::Critical);
    assert!(
        finding.text.contains("must name a host name"),
        "{}",
        finding.text
    );
    // The address is never looked up as if it were a name.
    assert!(
        !dns.queries()
            .iter()
            .any(|q| q.name.starts_with("192.0.2.25")),
        "{:?}",
        dns.queries()
    );
    assert_eq!(
        details(&literal).suggested_record.as_deref(),
        Some("literal.example.  MX  10  mail.echoterra.net.")
    );

    let slip = check(&dns, "slip.example").await;
    assert_eq!(slip.verdict, Verdict::Critical, "{}", slip.summary);
    assert!(
        slip.summary.starts_with(
            "203.0.113.5.slip.example (preference 20) is written as an IP address (203.0.113.5 written without a trailing dot"
        ),
        "{}",
        slip.summary
    );
    assert!(
        slip.summary.contains("must name a host name"),
        "{}",
        slip.summary
    );
    render_all(&literal);
    render_all(&slip);
}

#[tokio::test]
async fn an_alias_of_the_provider_host_delivers_but_warns() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("vanity.example")
                .mx("vanity.example", 10, "mx.vanity.example")
                .cname("mx.vanity.example", OURS),
        )
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "vanity.example").await;
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    assert!(details(&report).hosts[0].is_provider);
    assert!(
        report.summary.contains("name mail.echoterra.net itself"),
        "{}",
        report.summary
    );
    assert!(details(&report).suggested_record.is_some());
    render_all(&report);
}

#[tokio::test]
async fn a_broken_provider_host_is_critical_but_not_the_customers_to_fix() {
    let dns = TestDns::builder()
        .zone(Zone::new("example.com").mx("example.com", 10, OURS))
        .zone(Zone::new("echoterra.net").txt(OURS, "no address here"))
        .start()
        .await;
    let report = check(&dns, "example.com").await;
    assert_eq!(report.verdict, Verdict::Critical, "{}", report.summary);
    assert!(report.summary.contains("on our side"), "{}", report.summary);
    assert_eq!(details(&report).suggested_record, None);
    render_all(&report);
}

#[tokio::test]
async fn a_long_mx_set_is_cut_and_says_so() {
    let mut zone = Zone::new("many.example").mx("many.example", 1, OURS);
    for index in 0..MAX_HOSTS + 2 {
        let host = format!("mx{index:02}.many.example");
        zone = zone
            .mx("many.example", 10 + index as u16, &host)
            .a(&host, "93.184.215.50");
    }
    let dns = TestDns::builder()
        .zone(zone)
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "many.example").await;
    let mx = details(&report);
    assert_eq!(mx.hosts.len(), MAX_HOSTS);
    assert_eq!(mx.unchecked.len(), 3);
    assert!(mx.hosts[0].is_provider);
    render_all(&report);
}

#[tokio::test]
async fn dns_failures_are_unknown_never_a_verdict_on_the_domain() {
    let dns = TestDns::builder()
        .zone(Zone::new("example.com").mx("example.com", 10, OURS))
        .zone(Zone::new("failing.example"))
        .fault("servfail.failing.example", Fault::ServFail)
        .fault("silent.failing.example", Fault::NoAnswer)
        // The provider's zone is missing: its host cannot be resolved here.
        .start()
        .await;

    let servfail = check(&dns, "servfail.failing.example").await;
    assert_eq!(servfail.verdict, Verdict::Unknown, "{}", servfail.summary);
    assert_eq!(details(&servfail).kind, MxKind::LookupFailed);
    assert!(
        servfail.summary.contains("SERVFAIL"),
        "{}",
        servfail.summary
    );
    assert!(
        servfail
            .summary
            .contains("a DNS problem, not a problem with your setup"),
        "{}",
        servfail.summary
    );
    assert!(
        servfail.summary.contains("try again"),
        "{}",
        servfail.summary
    );
    assert_eq!(details(&servfail).suggested_record, None);

    let started = Instant::now();
    let silent = check(&dns, "silent.failing.example").await;
    assert_eq!(silent.verdict, Verdict::Unknown, "{}", silent.summary);
    assert!(
        silent.summary.contains("did not answer in time"),
        "{}",
        silent.summary
    );
    let deadline = dns.services().resolver.deadline();
    assert!(started.elapsed() < deadline + Duration::from_secs(2));

    let provider_unresolved = check(&dns, "example.com").await;
    assert_eq!(provider_unresolved.verdict, Verdict::Unknown);
    assert_eq!(details(&provider_unresolved).hosts[0].reachable, None);
    assert_eq!(details(&provider_unresolved).suggested_record, None);
    render_all(&servfail);
    render_all(&silent);
    render_all(&provider_unresolved);
}

#[tokio::test]
async fn a_nameserver_socket_that_never_answers_is_unknown_within_the_bound() {
    // UDP and TCP sockets that take queries and connections but never answer.
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let _tcp = tokio::net::TcpListener::bind(addr).await.ok();
    let mut catalog = Catalog::embedded().unwrap();
    catalog.defaults.dns.timeout_ms = TEST_DNS_TIMEOUT.as_millis() as u64;
    catalog.defaults.dns.attempts = 1;
    let config = Config {
        dns_servers: Some(vec![addr]),
        ..Config::default()
    };
    let services = Services::from_parts(catalog, config).unwrap();
    let deadline = services.resolver.deadline();
    let started = Instant::now();
    let request = MxRequest::from_input("example.com").unwrap();
    let report = checks::run(&services, &Request::Mx(request), &Progress::none()).await;
    assert!(
        started.elapsed() < deadline + Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(report.verdict, Verdict::Unknown, "{}", report.summary);
    assert_eq!(details(&report).kind, MxKind::LookupFailed);
    assert!(report.summary.contains("DNS problem"), "{}", report.summary);
    assert_eq!(details(&report).suggested_record, None);
    // The socket did receive the query: the bound is the resolver's, not a refusal.
    let mut buffer = [0u8; 512];
    let (len, _) = udp.try_recv_from(&mut buffer).expect("a query was sent");
    assert!(len > 12);
    render_all(&report);
}

#[tokio::test]
async fn an_mx_set_too_big_for_udp_is_read_whole_over_tcp() {
    const COUNT: usize = 40;
    let mut zone = Zone::new("big.example");
    let mut exchanges = Vec::new();
    for index in 0..COUNT {
        // 63-character labels: the answer is several kilobytes, far above the
        // 1232-byte UDP payload the resolver offers.
        let label = format!("mx{index:02}-{}", "a".repeat(58));
        let exchange = format!("{label}.big.example");
        zone = zone
            .mx("big.example", 10 + index as u16, &exchange)
            .a(&exchange, "93.184.215.70");
        exchanges.push(exchange);
    }
    let dns = TestDns::builder()
        .zone(zone.mx("big.example", 5, OURS))
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "big.example").await;
    let mx = details(&report);
    assert_eq!(mx.kind, MxKind::Records);
    // Every record arrived: the resolved ones and the ones listed as not checked.
    assert_eq!(mx.hosts.len() + mx.unchecked.len(), COUNT + 1);
    assert!(mx.hosts[0].is_provider);
    let mut seen: Vec<String> = mx.hosts[1..].iter().map(|h| h.host.clone()).collect();
    seen.extend(
        mx.unchecked
            .iter()
            .map(|u| u.split_once(' ').unwrap().1.to_string()),
    );
    assert_eq!(seen, exchanges);
    assert_eq!(report.verdict, Verdict::Warning, "{}", report.summary);
    // The UDP answer was truncated, and the resolver asked again over TCP.
    let mx_queries: Vec<Transport> = dns
        .queries()
        .into_iter()
        .filter(|q| q.name == "big.example" && q.record_type == RecordType::MX)
        .map(|q| q.transport)
        .collect();
    assert!(mx_queries.contains(&Transport::Udp), "{mx_queries:?}");
    assert!(mx_queries.contains(&Transport::Tcp), "{mx_queries:?}");
    render_all(&report);
}

#[tokio::test]
async fn an_international_domain_is_checked_in_punycode_and_shown_in_unicode() {
    let dns = TestDns::builder()
        .zone(Zone::new("xn--bcher-kva.example").mx("xn--bcher-kva.example", 10, OURS))
        .zone(provider_zone())
        .start()
        .await;
    let report = check(&dns, "Bücher.example").await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(report.target, "xn--bcher-kva.example");
    assert_eq!(details(&report).display_domain, "bücher.example");
    assert!(
        report.summary.contains("bücher.example"),
        "{}",
        report.summary
    );
    let message = render::discord::report_message(&report);
    assert!(message.embeds[0].title.contains("bücher.example"));
}

#[tokio::test]
async fn the_command_line_exits_with_the_verdict() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("example.com")
                .mx("example.com", 10, OURS)
                .mx("other.example.com", 10, "mx.elsewhere.example.com")
                .a("mx.elsewhere.example.com", "93.184.215.60"),
        )
        .zone(provider_zone())
        .start()
        .await;
    let run = |args: &'static [&'static str]| {
        let server = dns.addr().to_string();
        async move {
            let dir = tempfile::tempdir().unwrap();
            Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
                .args(args)
                // No .env of the developer may leak in.
                .current_dir(dir.path())
                .env_clear()
                .env("DNS_SERVERS", server)
                .output()
                .await
                .unwrap()
        }
    };
    let output = run(&["check", "mx", "example.com"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.starts_with("MX OK:"), "{stdout}");

    let output = run(&["check", "--format", "json", "mx", "other.example.com"]).await;
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["verdict"], "critical");
    assert_eq!(json["check"], "mx");

    let output = run(&["check", "mx", "https://example.com/"]).await;
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("type just the domain"), "{stderr}");
}

/// Lab mode: with ALLOW_PRIVATE_TARGETS a provider host on 127.0.0.1 receives mail;
/// without it, today's judgement stands (an address the Internet cannot reach).
#[tokio::test]
async fn a_loopback_provider_host_counts_as_reachable_only_in_lab_mode() {
    let dns = TestDns::builder()
        .zone(Zone::new("lab.example").mx("lab.example", 10, OURS))
        .zone(Zone::new("echoterra.net").a(OURS, "127.0.0.1"))
        .start()
        .await;
    let request = Request::Mx(MxRequest::from_input("lab.example").unwrap());
    let strict = checks::run(&dns.services(), &request, &Progress::none()).await;
    assert_eq!(strict.verdict, Verdict::Critical, "{}", strict.summary);
    assert!(
        strict.summary.contains("cannot receive mail"),
        "{}",
        strict.summary
    );
    let lab = Config {
        allow_private_targets: true,
        ..dns.config()
    };
    let services = Services::from_parts(dns.catalog(), lab).unwrap();
    let report = checks::run(&services, &request, &Progress::none()).await;
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.summary);
    assert_eq!(details(&report).hosts[0].reachable, Some(true));
    assert!(details(&report).findings.is_empty());
}
