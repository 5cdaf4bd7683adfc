//! `/blacklist` against a real DNS server on loopback serving test blocklist zones:
//! listed everywhere (127.0.0.2), two codes with TXT reasons, clean, a refusal code,
//! an answer outside 127/8, PBL only, one zone only, IPv6 in nibble form, a zone that
//! never answers and a zone that answers SERVFAIL; and, for the RFC 5782 §5
//! self-test, a zone that lists nothing (not even its test address), one that lists
//! everything (127.0.0.1 too) and a healthy one. The zones come from a
//! `blacklist.toml` written to a temporary COMMANDS_DIR, as staff would add them.

use crate::support::dns_server;

use std::time::{Duration, Instant};

use dns_server::{Fault, TestDns, Zone};
use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::blacklist::{
    query, BlacklistReport, BlacklistRequest, SelfTest, Status, ZoneResult,
};
use echoterra_bot::checks::Services;
use echoterra_bot::checks::{self, Progress, Request};
use echoterra_bot::checks::{Details, Report};
use echoterra_bot::config::Config;
use echoterra_bot::render::{self, discord::limits, Format};
use echoterra_bot::values::Secret;
use echoterra_bot::values::Verdict;
use hickory_server::proto::rr::RecordType;

/// The per-zone timeout of the test catalogue.
const QUERY_TIMEOUT: Duration = Duration::from_millis(1000);

/// A Spamhaus-like major zone: several codes, PBL as policy, refusal codes.
const ZEN: &str = r#"
[[zones]]
zone = "zen.bl.test"
name = "Test ZEN"
lists = "spam sources and policy ranges"
tier = "major"
ipv6 = true
key = "spamhaus_dqs"
keyed_zone = "zen.dq.bl.test"
delist_url = "https://zen.example/lookup"
codes = [
  { code = "127.0.0.2", meaning = "SBL: a known spam source" },
  { code = "127.0.0.4", meaning = "XBL: an exploited host" },
  { code = "127.0.0.10", meaning = "PBL: an end-user range", policy = true },
]
errors = [
  { code = "127.255.255.254", meaning = "refused: the query came through a public resolver; configure your own resolver or a DQS key" },
]
"#;

const COP: &str = r#"
[[zones]]
zone = "cop.bl.test"
name = "Test Cop"
lists = "reported spam sources"
tier = "major"
delist_url = "https://cop.example/bl"
codes = [{ code = "127.0.0.2", meaning = "reported as a spam source" }]
"#;

const INFO: &str = r#"
[[zones]]
zone = "info.bl.test"
name = "Test Info"
lists = "netblocks"
tier = "informational"
delist_url = "https://info.example/"
codes = [{ code = "127.0.0.2", meaning = "the netblock is listed" }]
"#;

const SILENT: &str = r#"
[[zones]]
zone = "silent.bl.test"
name = "Test Silent"
lists = "nothing: it never answers"
tier = "major"
delist_url = "https://silent.example/"
codes = [{ code = "127.0.0.2", meaning = "listed" }]
"#;

const BROKEN: &str = r#"
[[zones]]
zone = "broken.bl.test"
name = "Test Broken"
lists = "nothing: it fails"
tier = "informational"
delist_url = "https://broken.example/"
failure_hint = "this list answers registered resolvers only"
codes = [{ code = "127.0.0.2", meaning = "listed" }]
"#;

/// Self-tested, and answers NXDOMAIN for everything, its test address included: what
/// a blocked or rewriting resolver makes of a list.
const BLIND: &str = r#"
[[zones]]
zone = "blind.bl.test"
name = "Test Blind"
lists = "nothing, as this resolver sees it"
tier = "major"
self_test = true
delist_url = "https://blind.example/"
codes = [{ code = "127.0.0.2", meaning = "listed" }]
"#;

/// Self-tested, and lists everything it is asked about, 127.0.0.1 included: a lapsed
/// domain or a list refusing this resolver.
const WILD: &str = r#"
[[zones]]
zone = "wild.bl.test"
name = "Test Wild"
lists = "everything"
tier = "major"
self_test = true
delist_url = "https://wild.example/"
codes = [{ code = "127.0.0.2", meaning = "listed" }]
"#;

/// Self-tested and healthy: lists its test addresses (IPv4 and its documented IPv6
/// one) and 192.0.2.20, never 127.0.0.1; asked through DQS when a key is set.
const GOOD: &str = r#"
[[zones]]
zone = "good.bl.test"
name = "Test Good"
lists = "spam sources"
tier = "major"
ipv6 = true
key = "spamhaus_dqs"
keyed_zone = "good.dq.bl.test"
self_test = true
ipv6_test_point = "::FFFF:7F00:2"
delist_url = "https://good.example/"
codes = [{ code = "127.0.0.2", meaning = "a spam source" }]
"#;

/// Self-tested, but its must-be-listed test point (127.0.0.2) never answers.
const MUTE: &str = r#"
[[zones]]
zone = "mute.bl.test"
name = "Test Mute"
lists = "spam sources"
tier = "major"
self_test = true
delist_url = "https://mute.example/"
codes = [{ code = "127.0.0.2", meaning = "a spam source" }]
"#;

/// The nibble forms of the IPv6 test points ::FFFF:7F00:2 and ::FFFF:7F00:1.
const NIBBLES_TEST_LISTED: &str = "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";
const NIBBLES_TEST_UNLISTED: &str =
    "1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";

/// The nibble form of 2001:db8::1.
const NIBBLES: &str = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2";

/// The test zones and their records.
async fn server() -> TestDns {
    let zen = Zone::new("zen.bl.test")
        // 127.0.0.2: the standard test entry, listed everywhere.
        .a("2.0.0.127.zen.bl.test", "127.0.0.2")
        .txt(
            "2.0.0.127.zen.bl.test",
            "Test entry, see https://zen.example/lookup",
        )
        // 192.0.2.20: two codes, two TXT reasons.
        .a("20.2.0.192.zen.bl.test", "127.0.0.2")
        .a("20.2.0.192.zen.bl.test", "127.0.0.4")
        .txt(
            "20.2.0.192.zen.bl.test",
            "Listed in SBL, see https://zen.example/sbl/1",
        )
        .txt("20.2.0.192.zen.bl.test", "Listed in XBL, infected host")
        // 192.0.2.30: a refusal code.
        .a("30.2.0.192.zen.bl.test", "127.255.255.254")
        .txt(
            "30.2.0.192.zen.bl.test",
            "Error: open resolver; https://zen.example/open",
        )
        // 192.0.2.50: PBL only.
        .a("50.2.0.192.zen.bl.test", "127.0.0.10")
        // 2001:db8::1 in nibble form.
        .a(&format!("{NIBBLES}.zen.bl.test"), "127.0.0.2");
    let zen_dqs = Zone::new("zen.dq.bl.test")
        .a("2.0.0.127.sekrit-dqs-key.zen.dq.bl.test", "127.0.0.4")
        .txt(
            "2.0.0.127.sekrit-dqs-key.zen.dq.bl.test",
            "Listed via DQS for sekrit-dqs-key",
        );
    let cop = Zone::new("cop.bl.test")
        .a("2.0.0.127.cop.bl.test", "127.0.0.2")
        .txt(
            "2.0.0.127.cop.bl.test",
            "Blocked - see https://cop.example/bl",
        )
        .a("20.2.0.192.cop.bl.test", "127.0.0.2")
        // 192.0.2.40: an answer outside 127/8 (a resolver rewriting NXDOMAIN).
        .a("40.2.0.192.cop.bl.test", "92.242.140.21");
    let info = Zone::new("info.bl.test")
        .a("2.0.0.127.info.bl.test", "127.0.0.2")
        // 192.0.2.60: listed on this zone only.
        .a("60.2.0.192.info.bl.test", "127.0.0.2")
        .txt("60.2.0.192.info.bl.test", "Netblock listed");
    let wild = Zone::new("wild.bl.test")
        .a("1.0.0.127.wild.bl.test", "127.0.0.2")
        .a("2.0.0.127.wild.bl.test", "127.0.0.2")
        .a("1.2.0.192.wild.bl.test", "127.0.0.2")
        .txt("1.2.0.192.wild.bl.test", "Listed")
        .a("20.2.0.192.wild.bl.test", "127.0.0.2");
    let good = Zone::new("good.bl.test")
        .a("2.0.0.127.good.bl.test", "127.0.0.2")
        .a("20.2.0.192.good.bl.test", "127.0.0.2")
        .txt("20.2.0.192.good.bl.test", "Listed by Good")
        .a(&format!("{NIBBLES_TEST_LISTED}.good.bl.test"), "127.0.0.2")
        .a(&format!("{NIBBLES}.good.bl.test"), "127.0.0.2");
    let good_dqs =
        Zone::new("good.dq.bl.test").a("2.0.0.127.sekrit-dqs-key.good.dq.bl.test", "127.0.0.2");
    let mute = Zone::new("mute.bl.test").a("20.2.0.192.mute.bl.test", "127.0.0.2");
    let hosts = Zone::new("hosts.test")
        .a("mail.hosts.test", "192.0.2.20")
        .aaaa("mail.hosts.test", "2001:db8::1")
        .a("private.hosts.test", "10.1.2.3");
    TestDns::builder()
        .zone(zen)
        .zone(zen_dqs)
        .zone(cop)
        .zone(info)
        .zone(wild)
        .zone(good)
        .zone(good_dqs)
        .zone(mute)
        .zone(Zone::new("blind.bl.test"))
        .zone(hosts)
        .zone(Zone::new("silent.bl.test"))
        .zone(Zone::new("broken.bl.test"))
        .fault("silent.bl.test", Fault::NoAnswer)
        .fault("broken.bl.test", Fault::ServFail)
        .fault("2.0.0.127.mute.bl.test", Fault::NoAnswer)
        .start()
        .await
}

/// A `blacklist.toml` with the given zones, loaded the way COMMANDS_DIR loads it.
fn catalogue(zones: &[&str]) -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "# test zones\nquery_timeout_ms = {}\ndeadline_ms = 3000\nmax_addresses = 4\n{}",
        QUERY_TIMEOUT.as_millis(),
        zones.concat()
    );
    std::fs::write(dir.path().join("blacklist.toml"), text).unwrap();
    let mut catalog = Catalog::load(Some(dir.path())).expect("test catalogue");
    // The resolver's own timeout is longer, so the blocklist timeout is what counts.
    catalog.defaults.dns.timeout_ms = 2500;
    catalog.defaults.dns.attempts = 1;
    catalog
}

fn services(dns: &TestDns, zones: &[&str], dqs_key: Option<&str>) -> Services {
    Services::from_parts(catalogue(zones), keyed_config(dns, dqs_key, None)).unwrap()
}

/// The test server's config with private targets allowed and the keys given.
fn keyed_config(dns: &TestDns, dqs_key: Option<&str>, spamrats_key: Option<&str>) -> Config {
    Config {
        allow_private_targets: true,
        spamhaus_dqs_key: dqs_key.map(Secret::new),
        spamrats_key: spamrats_key.map(Secret::new),
        ..dns.config()
    }
}

/// The shipped catalogue (`commands/blacklist.toml` as embedded) with only `zones`
/// and the test timeouts: the operators' own entries, asked under their real
/// names, of the loopback server (DNS_SERVERS), never of the internet.
fn shipped(zones: &[&str]) -> Catalog {
    let mut catalog = Catalog::embedded().expect("embedded catalogue");
    catalog
        .blacklist
        .zones
        .retain(|zone| zones.contains(&zone.get_ref().zone.as_str()));
    assert_eq!(catalog.blacklist.zones.len(), zones.len(), "{zones:?}");
    catalog.blacklist.query_timeout_ms = QUERY_TIMEOUT.as_millis() as u64;
    catalog.blacklist.deadline_ms = 3000;
    catalog.defaults.dns.timeout_ms = 2500;
    catalog.defaults.dns.attempts = 1;
    catalog
}

fn shipped_services(dns: &TestDns, zones: &[&str], spamrats_key: Option<&str>) -> Services {
    Services::from_parts(shipped(zones), keyed_config(dns, None, spamrats_key)).unwrap()
}

/// Every rendering of a report and its `Debug`, for "never shows the key" checks.
fn every_output(report: &Report) -> Vec<(String, String)> {
    let mut outputs: Vec<(String, String)> = [Format::Text, Format::Json, Format::Discord]
        .into_iter()
        .map(|format| (format!("{format:?}"), render::render(report, format)))
        .collect();
    outputs.push(("Debug".to_string(), format!("{report:?}")));
    outputs
}

async fn check(services: &Services, target: &str) -> (Report, BlacklistReport) {
    let request = BlacklistRequest::from_input(target, true).unwrap();
    let report = checks::run(services, &Request::Blacklist(request), &Progress::none()).await;
    let details = match &report.details {
        Details::Blacklist(details) => details.clone(),
        other => panic!("not a blacklist report: {}", other.check_name()),
    };
    (report, details)
}

fn on<'a>(details: &'a BlacklistReport, zone: &str) -> &'a ZoneResult {
    details
        .results
        .iter()
        .find(|result| result.zone == zone)
        .unwrap_or_else(|| panic!("no result for {zone}"))
}

#[tokio::test]
async fn the_test_entry_is_listed_everywhere() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP, INFO], None);
    let (report, details) = check(&services, "127.0.0.2").await;
    assert_eq!(report.verdict, Verdict::Critical);
    assert_eq!(report.summary, "Checked 3 lists: listed on 3");
    assert_eq!(details.headline(), "Listed on 3 of 3 blocklists");
    assert!(details.results.iter().all(|r| r.status == Status::Listed));
    let zen = on(&details, "zen.bl.test");
    assert_eq!(
        zen.codes,
        ["127.0.0.2".parse::<std::net::Ipv4Addr>().unwrap()]
    );
    assert_eq!(
        zen.reason.as_deref(),
        Some("Test entry, see https://zen.example/lookup")
    );
    assert_eq!(zen.delist_url, "https://zen.example/lookup");
    // A and TXT were both asked, for every zone.
    let queries = dns.queries();
    for zone in ["zen.bl.test", "cop.bl.test", "info.bl.test"] {
        for kind in [RecordType::A, RecordType::TXT] {
            assert!(
                queries
                    .iter()
                    .any(|q| q.name == format!("2.0.0.127.{zone}") && q.record_type == kind),
                "{zone} {kind}: {queries:?}"
            );
        }
    }
}

#[tokio::test]
async fn two_codes_come_with_their_meanings_and_both_reasons() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP, INFO], None);
    let (report, details) = check(&services, "192.0.2.20").await;
    assert_eq!(report.verdict, Verdict::Critical);
    let zen = on(&details, "zen.bl.test");
    assert_eq!(zen.status, Status::Listed);
    assert_eq!(zen.codes.len(), 2);
    let meaning = zen.meaning.as_deref().unwrap();
    assert!(
        meaning.contains("SBL") && meaning.contains("XBL"),
        "{meaning}"
    );
    let reason = zen.reason.as_deref().unwrap();
    assert!(
        reason.contains("Listed in SBL") && reason.contains("infected host"),
        "{reason}"
    );
    assert_eq!(on(&details, "info.bl.test").status, Status::Clean);
    assert_eq!(report.summary, "Checked 3 lists: listed on 2");
}

#[tokio::test]
async fn a_clean_address_is_ok_and_nxdomain_everywhere() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP, INFO], None);
    let (report, details) = check(&services, "192.0.2.1").await;
    assert_eq!(report.verdict, Verdict::Ok);
    assert_eq!(report.summary, "Checked 3 lists: not listed");
    assert!(details.results.iter().all(|r| r.status == Status::Clean));
    assert!(details.results.iter().all(|r| r.reason.is_none()));
}

#[tokio::test]
async fn a_refusal_code_is_an_error_explained_not_a_listing() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP], None);
    let (report, details) = check(&services, "192.0.2.30").await;
    let zen = on(&details, "zen.bl.test");
    assert_eq!(zen.status, Status::Error);
    assert!(zen.meaning.as_deref().unwrap().contains("public resolver"));
    assert!(zen.reason.as_deref().unwrap().contains("open resolver"));
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(
        report.summary,
        "Checked 2 lists: not listed on the 1 list that answered; 1 could not be checked"
    );
}

#[tokio::test]
async fn an_answer_outside_127_is_an_error_not_a_listing() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP], None);
    let (report, details) = check(&services, "192.0.2.40").await;
    let cop = on(&details, "cop.bl.test");
    assert_eq!(cop.status, Status::Error);
    assert!(cop
        .meaning
        .as_deref()
        .unwrap()
        .contains("outside 127.0.0.0/8"));
    assert_eq!(details.listed, 0);
    assert_eq!(report.verdict, Verdict::Warning);
}

#[tokio::test]
async fn pbl_only_is_a_policy_listing_and_not_critical() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP, INFO], None);
    let (report, details) = check(&services, "192.0.2.50").await;
    let zen = on(&details, "zen.bl.test");
    assert_eq!(zen.status, Status::Listed);
    assert!(zen.policy);
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(
        report.summary,
        "Checked 3 lists: listed on 1 (policy list only)"
    );
    let text = render::render(&report, Format::Text);
    assert!(text.contains("not a spam listing"), "{text}");
}

#[tokio::test]
async fn listed_on_a_single_informational_zone_is_a_warning() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP, INFO], None);
    let (report, details) = check(&services, "192.0.2.60").await;
    assert_eq!(details.listed, 1);
    assert_eq!(on(&details, "info.bl.test").status, Status::Listed);
    assert_eq!(
        on(&details, "info.bl.test").reason.as_deref(),
        Some("Netblock listed")
    );
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(details.headline(), "Listed on 1 of 3 blocklists");
}

#[tokio::test]
async fn ipv6_is_asked_in_full_nibble_form_on_ipv6_lists_only() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP], None);
    let (report, details) = check(&services, "2001:db8::1").await;
    assert_eq!(details.results.len(), 1, "{:?}", details.results);
    assert_eq!(on(&details, "zen.bl.test").status, Status::Listed);
    assert_eq!(details.ipv4_only_lists, ["Test Cop"]);
    assert_eq!(report.verdict, Verdict::Critical);
    let asked = format!("{NIBBLES}.zen.bl.test");
    assert_eq!(asked.split('.').count(), 32 + 3);
    assert!(dns.queries().iter().any(|q| q.name == asked));
    assert_eq!(
        query::reversed("2001:db8::1".parse().unwrap()),
        NIBBLES,
        "the name asked is the one the server holds"
    );
}

#[tokio::test]
async fn a_host_name_is_checked_on_each_of_its_addresses() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP], None);
    let (report, details) = check(&services, "mail.hosts.test").await;
    assert_eq!(report.target, "mail.hosts.test");
    let addresses: Vec<String> = details.addresses.iter().map(ToString::to_string).collect();
    assert_eq!(addresses, ["192.0.2.20", "2001:db8::1"]);
    // IPv4 on both lists, IPv6 on the IPv6 list only.
    assert_eq!(details.results.len(), 3);
    assert!(details.results.iter().all(|r| r.status == Status::Listed));
    assert!(
        report
            .summary
            .starts_with("Checked 2 lists for 2 addresses"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn a_host_with_only_private_addresses_is_refused_when_private_is_not_allowed() {
    let dns = server().await;
    let mut services = services(&dns, &[ZEN], None);
    services.config = std::sync::Arc::new(Config {
        allow_private_targets: false,
        ..dns.config()
    });
    let request = BlacklistRequest::from_input("private.hosts.test", false).unwrap();
    let report = checks::run(&services, &Request::Blacklist(request), &Progress::none()).await;
    assert_eq!(report.verdict, Verdict::Unknown);
    assert!(
        report.summary.contains("only list public addresses"),
        "{}",
        report.summary
    );
    assert!(dns
        .queries()
        .iter()
        .all(|q| !q.name.ends_with("zen.bl.test")));
}

#[tokio::test]
async fn a_silent_zone_costs_the_query_timeout_and_holds_no_one_back() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, SILENT, COP, INFO], None);
    let started = Instant::now();
    let (report, details) = check(&services, "127.0.0.2").await;
    let elapsed = started.elapsed();
    let silent = on(&details, "silent.bl.test");
    assert_eq!(silent.status, Status::Error);
    assert!(silent
        .meaning
        .as_deref()
        .unwrap()
        .contains("no answer within 1 s"));
    assert!(
        silent.elapsed_ms >= QUERY_TIMEOUT.as_millis() as u64 - 50,
        "{silent:?}"
    );
    assert!(
        elapsed < QUERY_TIMEOUT + Duration::from_secs(2),
        "{elapsed:?}"
    );
    // The others answered on their own time, before the silent zone gave up.
    for zone in ["zen.bl.test", "cop.bl.test", "info.bl.test"] {
        let result = on(&details, zone);
        assert_eq!(result.status, Status::Listed);
        assert!(
            result.elapsed_ms < QUERY_TIMEOUT.as_millis() as u64,
            "{result:?}"
        );
    }
    assert_eq!(report.verdict, Verdict::Critical);
    assert_eq!(
        report.summary,
        "Checked 4 lists: listed on 3, 1 could not be checked"
    );
}

#[tokio::test]
async fn a_servfail_zone_is_an_error_with_its_hint() {
    let dns = server().await;
    let services = services(&dns, &[COP, BROKEN], None);
    let (report, details) = check(&services, "192.0.2.1").await;
    let broken = on(&details, "broken.bl.test");
    assert_eq!(broken.status, Status::Error);
    let meaning = broken.meaning.as_deref().unwrap();
    assert!(
        meaning.contains("SERVFAIL") && meaning.contains("registered resolvers"),
        "{meaning}"
    );
    assert_eq!(report.verdict, Verdict::Warning);
}

#[tokio::test]
async fn nothing_answering_is_unknown() {
    let dns = server().await;
    let services = services(&dns, &[SILENT, BROKEN], None);
    let (report, _) = check(&services, "192.0.2.1").await;
    assert_eq!(report.verdict, Verdict::Unknown);
    assert_eq!(report.summary, "Checked 2 lists: none could be checked");
}

/// A SpamRATS-like zone: asked with SPAMRATS_KEY in front of the zone itself, only
/// its own code is a listing.
const RATS: &str = r#"
[[zones]]
zone = "rats.bl.test"
name = "Test Rats"
lists = "spam sources"
tier = "informational"
key = "spamrats"
strict_codes = true
delist_url = "https://rats.example/"
lookup_url = "https://rats.example/bl?{ip}"
failure_hint = "set SPAMRATS_KEY and use a resolver with a PTR"
codes = [{ code = "127.0.0.38", meaning = "a spam source" }]
"#;

#[tokio::test]
async fn the_dqs_key_is_sent_but_never_shown() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP], Some("sekrit-dqs-key"));
    let (report, details) = check(&services, "127.0.0.2").await;
    let zen = on(&details, "zen.bl.test");
    // The DQS zone's own answer (XBL) proves the keyed name was asked.
    assert_eq!(
        zen.codes,
        ["127.0.0.4".parse::<std::net::Ipv4Addr>().unwrap()]
    );
    assert!(details.via_dqs);
    assert!(dns
        .queries()
        .iter()
        .any(|q| q.name == "2.0.0.127.sekrit-dqs-key.zen.dq.bl.test"));
    for format in [Format::Text, Format::Json, Format::Discord] {
        let output = render::render(&report, format);
        assert!(!output.contains("sekrit"), "{format:?}: {output}");
        assert!(
            output.contains("zen.bl.test") || format == Format::Discord,
            "{format:?}"
        );
    }
    assert!(!format!("{report:?}").contains("sekrit"));
}

/// Both keys at once, each on its own zones: the DQS zone through its keyed zone,
/// the SpamRATS-like zone with the key in front of the zone itself; neither key
/// shows anywhere, even when the list echoes the name asked in its TXT.
#[tokio::test]
async fn the_spamrats_key_is_sent_but_never_shown_either() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("zen.dq.bl.test").a("20.2.0.192.sekrit-dqs-key.zen.dq.bl.test", "127.0.0.2"),
        )
        .zone(
            Zone::new("rats.bl.test")
                .a("20.2.0.192.sekrit-rats-key.rats.bl.test", "127.0.0.38")
                .txt(
                    "20.2.0.192.sekrit-rats-key.rats.bl.test",
                    "Listed, asked as 20.2.0.192.sekrit-rats-key.rats.bl.test",
                ),
        )
        .start()
        .await;
    let config = keyed_config(&dns, Some("sekrit-dqs-key"), Some("sekrit-rats-key"));
    let services = Services::from_parts(catalogue(&[ZEN, RATS]), config).unwrap();
    let (report, details) = check(&services, "192.0.2.20").await;
    assert!(details.via_dqs && details.via_spamrats_key);
    let rats = on(&details, "rats.bl.test");
    assert_eq!(rats.status, Status::Listed);
    assert_eq!(
        rats.reason.as_deref(),
        Some("Listed, asked as 20.2.0.192.***.rats.bl.test")
    );
    assert_eq!(on(&details, "zen.bl.test").status, Status::Listed);
    for name in [
        "20.2.0.192.sekrit-dqs-key.zen.dq.bl.test",
        "20.2.0.192.sekrit-rats-key.rats.bl.test",
    ] {
        assert!(asked(&dns, name, RecordType::A), "{name}");
    }
    for (what, output) in every_output(&report) {
        assert!(!output.contains("sekrit"), "{what}: {output}");
    }
}

/// A resolver error may quote the name it was asked, key included: the reply,
/// the JSON and the report's Debug still never show the key.
#[tokio::test]
async fn a_resolver_error_quoting_the_name_does_not_show_the_spamrats_key() {
    let dns = TestDns::builder()
        .zone(Zone::new("rats.bl.test"))
        .start()
        .await;
    // Longer than a DNS label may be: the name cannot be sent, and the resolver's
    // error says which name it was.
    let key = format!("sekrit{}", "k".repeat(70));
    let config = keyed_config(&dns, None, Some(&key));
    let services = Services::from_parts(catalogue(&[RATS]), config).unwrap();
    let (report, details) = check(&services, "192.0.2.20").await;
    let rats = on(&details, "rats.bl.test");
    assert_eq!(rats.status, Status::Error);
    let meaning = rats.meaning.as_deref().unwrap();
    assert!(meaning.contains("***"), "{meaning}");
    for (what, output) in every_output(&report) {
        assert!(!output.contains("sekrit"), "{what}: {output}");
    }
}

#[tokio::test]
async fn json_carries_the_documented_fields() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP], None);
    let (report, _) = check(&services, "192.0.2.20").await;
    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    assert_eq!(json["check"], "blacklist");
    assert_eq!(json["target"], "192.0.2.20");
    assert_eq!(json["verdict"], "critical");
    assert!(json["summary"]
        .as_str()
        .unwrap()
        .starts_with("Checked 2 lists"));
    let first = &json["results"][0];
    for key in [
        "address",
        "zone",
        "status",
        "codes",
        "meaning",
        "reason",
        "note",
        "delist_url",
        "lookup_url",
        "self_test",
    ] {
        assert!(first.get(key).is_some(), "{key} missing: {first}");
    }
    assert_eq!(first["address"], "192.0.2.20");
    assert_eq!(first["status"], "listed");
    assert_eq!(first["codes"][0], "127.0.0.2");
    assert_eq!(json["resolver_hides_lists"], false);
}

#[tokio::test]
async fn progress_climbs_as_zones_answer() {
    let dns = server().await;
    let services = services(&dns, &[ZEN, COP, INFO, BROKEN], None);
    let (progress, mut receiver) = Progress::channel(64);
    let request = BlacklistRequest::from_input("192.0.2.60", true).unwrap();
    checks::run(&services, &Request::Blacklist(request), &progress).await;
    drop(progress);
    let mut seen = Vec::new();
    while let Some(progress) = receiver.recv().await {
        seen.push(progress);
    }
    assert_eq!(seen.first().unwrap().done, 0);
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.total), (4, 4));
    assert_eq!(
        last.line,
        "4/4 checked, listed on 1, 1 could not be checked"
    );
    assert!(seen.windows(2).all(|pair| pair[0].done < pair[1].done));
}

/// 100 zones, all listing the test entry with long reasons, plus a silent and a
/// failing one: the embed still fits Discord, and the fan-out is concurrent.
#[tokio::test]
async fn a_hundred_zones_fit_in_one_embed() {
    let reason = "R".repeat(300);
    let mut builder = TestDns::builder();
    let mut zones = vec![SILENT.to_string(), BROKEN.to_string()];
    for i in 0..100usize {
        let zone = format!("z{i}.many.test");
        builder = builder.zone(
            Zone::new(&zone)
                .a(&format!("2.0.0.127.{zone}"), "127.0.0.2")
                .txt(&format!("2.0.0.127.{zone}"), &reason),
        );
        let tier = if i.is_multiple_of(3) {
            "informational"
        } else {
            "major"
        };
        zones.push(format!(
            "[[zones]]\nzone = \"{zone}\"\nname = \"Blocklist number {i} with a long name\"\nlists = \"x\"\ntier = \"{tier}\"\ndelist_url = \"https://lists.example/{i}/delist/lookup\"\ncodes = [{{ code = \"127.0.0.2\", meaning = \"{}\" }}]\n",
            "m".repeat(200)
        ));
    }
    let dns = builder
        .zone(Zone::new("silent.bl.test"))
        .zone(Zone::new("broken.bl.test"))
        .fault("silent.bl.test", Fault::NoAnswer)
        .fault("broken.bl.test", Fault::ServFail)
        .start()
        .await;
    let zones: Vec<&str> = zones.iter().map(String::as_str).collect();
    let services = services(&dns, &zones, None);
    let started = Instant::now();
    let (report, details) = check(&services, "127.0.0.2").await;
    assert!(started.elapsed() < QUERY_TIMEOUT + Duration::from_secs(2));
    assert_eq!(details.listed, 100);
    assert_eq!(details.errors, 2);
    let message = render::discord::report_message(&report);
    assert_eq!(limits::violations(&message), Vec::<String>::new());
    let embed = &message.embeds[0];
    assert!(
        embed.title.contains("Listed on 100 of 102 blocklists"),
        "{}",
        embed.title
    );
    assert!(embed
        .fields
        .iter()
        .any(|f| f.name.contains("more listings")));
    assert!(embed
        .fields
        .last()
        .unwrap()
        .name
        .contains("Could not check"));
}

/// Every zone is asked at once, A and TXT together: while the zones hold their
/// answers back, the server has already seen both questions for every zone, and
/// was holding all of them at the same time. What that costs in time (one round
/// trip to the slowest zone, a listing included) is measured by
/// `benches/dnsbl_fanout.rs` (BENCHMARKS.md).
#[tokio::test]
async fn all_zones_are_asked_at_once_with_a_and_txt_together() {
    const DELAY: Duration = Duration::from_millis(1500);
    const ZONES: usize = 20;
    let mut builder = TestDns::builder();
    let mut zones = Vec::new();
    for i in 0..ZONES {
        let zone = format!("slow{i}.bl.test");
        builder = builder
            .zone(
                Zone::new(&zone)
                    .a(&format!("2.0.0.127.{zone}"), "127.0.0.2")
                    .txt(&format!("2.0.0.127.{zone}"), "slow but listed"),
            )
            .fault(&zone, Fault::Delay(DELAY));
        zones.push(format!(
            "[[zones]]\nzone = \"{zone}\"\nname = \"Slow {i}\"\nlists = \"x\"\ntier = \"major\"\ndelist_url = \"https://slow.example/\"\ncodes = [{{ code = \"127.0.0.2\", meaning = \"listed\" }}]\n"
        ));
    }
    let dns = builder.start().await;
    let zones: Vec<&str> = zones.iter().map(String::as_str).collect();
    let mut catalog = catalogue(&zones);
    catalog.blacklist.query_timeout_ms = 5000;
    catalog.blacklist.deadline_ms = 5000;
    catalog.defaults.dns.timeout_ms = 5000;
    let config = Config {
        allow_private_targets: true,
        ..dns.config()
    };
    let services = Services::from_parts(catalog, config).unwrap();
    let request = BlacklistRequest::from_input("127.0.0.2", true).unwrap();
    let check = tokio::spawn(async move {
        checks::run(&services, &Request::Blacklist(request), &Progress::none()).await
    });
    // Halfway through the delay no answer has come back yet.
    tokio::time::sleep(DELAY / 2).await;
    let asked = dns.queries();
    for i in 0..ZONES {
        let name = format!("2.0.0.127.slow{i}.bl.test");
        for kind in [RecordType::A, RecordType::TXT] {
            assert!(
                asked
                    .iter()
                    .any(|q| q.name == name && q.record_type == kind),
                "{name} {kind} not asked yet: {asked:?}"
            );
        }
    }
    let report = check.await.unwrap();
    assert_eq!(
        report.summary,
        format!("Checked {ZONES} lists: listed on {ZONES}")
    );
    // One delay in all, not twenty (and not two: TXT did not wait for A): the server
    // held every zone's A and TXT at once.
    assert!(
        dns.most_at_once() >= 2 * ZONES,
        "{} at once",
        dns.most_at_once()
    );
    let Details::Blacklist(details) = &report.details else {
        panic!("not a blacklist report")
    };
    assert!(details
        .results
        .iter()
        .all(|r| r.reason.as_deref() == Some("slow but listed")));
}

/// The command line, as staff and monitoring run it: COMMANDS_DIR holds the zones,
/// DNS_SERVERS the test server; the exit code follows the verdict.
#[tokio::test]
async fn the_command_line_checks_and_exits_with_the_verdict() {
    let dns = server().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("blacklist.toml"),
        format!(
            "# test zones\nquery_timeout_ms = 1000\ndeadline_ms = 3000\nmax_addresses = 4\n{ZEN}{COP}{INFO}"
        ),
    )
    .unwrap();
    let run = |args: &[&str], allow_private: bool| {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"));
        command
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("COMMANDS_DIR", dir.path())
            .env("DNS_SERVERS", dns.addr().to_string())
            .env("ALLOW_PRIVATE_TARGETS", allow_private.to_string());
        command.output()
    };
    let listed = run(&["check", "blacklist", "192.0.2.20"], true)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.status.code(), Some(2), "{text}");
    assert!(
        text.starts_with("BLACKLIST CRITICAL: Checked 3 lists: listed on 2"),
        "{text}"
    );
    assert!(text.contains("Listed in SBL") && text.contains("https://zen.example/lookup"));

    let clean = run(
        &["check", "blacklist", "192.0.2.1", "--format", "json"],
        true,
    )
    .await
    .unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert_eq!(json["verdict"], "ok");
    assert_eq!(json["results"].as_array().unwrap().len(), 3);

    let pbl = run(&["check", "blacklist", "192.0.2.50"], true)
        .await
        .unwrap();
    assert_eq!(pbl.status.code(), Some(1));

    let refused = run(&["check", "blacklist", "192.0.2.20"], false)
        .await
        .unwrap();
    assert_eq!(refused.status.code(), Some(3));
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(
        error.contains("blocklists only list public addresses"),
        "{error}"
    );

    let garbage = run(&["check", "blacklist", "not an address"], true)
        .await
        .unwrap();
    assert_eq!(garbage.status.code(), Some(3));
    let error = String::from_utf8_lossy(&garbage.stderr);
    assert!(
        error.contains("IPv4 address") && error.contains("host name"),
        "{error}"
    );
}

#[tokio::test]
async fn a_host_that_does_not_exist_is_unknown_and_says_so() {
    let dns = server().await;
    let services = services(&dns, &[ZEN], None);
    let (report, details) = check(&services, "nothing.hosts.test").await;
    assert_eq!(report.verdict, Verdict::Unknown);
    assert_eq!(
        report.summary,
        "nothing.hosts.test does not exist (NXDOMAIN): check the spelling"
    );
    assert!(details.results.is_empty());
    let message = render::discord::report_message(&report);
    assert!(limits::violations(&message).is_empty());
}

/// Whether the server was asked `name` with `kind`.
fn asked(dns: &TestDns, name: &str, kind: RecordType) -> bool {
    dns.queries()
        .iter()
        .any(|q| q.name == name && q.record_type == kind)
}

#[tokio::test]
async fn a_self_test_zone_that_does_not_list_its_test_address_is_an_error_not_clean() {
    let dns = server().await;
    // Beside a self-tested list that passes, so the resolver is trusted.
    let both = services(&dns, &[BLIND, GOOD, COP], None);
    let (report, details) = check(&both, "192.0.2.1").await;
    assert!(asked(&dns, "2.0.0.127.blind.bl.test", RecordType::A));
    let blind = on(&details, "blind.bl.test");
    assert_eq!(blind.status, Status::Error);
    let meaning = blind.meaning.as_deref().unwrap();
    for words in [
        "self-test failed",
        "127.0.0.2",
        "NXDOMAIN",
        "cannot be trusted",
        "Why blocklists need your own resolver",
    ] {
        assert!(meaning.contains(words), "{words}: {meaning}");
    }
    assert_eq!(on(&details, "cop.bl.test").status, Status::Clean);
    assert_eq!(on(&details, "good.bl.test").self_test, SelfTest::Passed);
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(
        report.summary,
        "Checked 3 lists: not listed on the 2 lists that answered; 1 could not be checked"
    );
    let text = render::render(&report, Format::Text);
    assert!(text.contains("did not list its own test address"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    let blind = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["zone"] == "blind.bl.test")
        .unwrap();
    assert_eq!(blind["status"], "error");
    assert!(blind["meaning"].as_str().unwrap().contains("self-test"));
    // Alone, nothing answered that can be trusted.
    let alone = services(&dns, &[BLIND], None);
    let (report, _) = check(&alone, "192.0.2.1").await;
    assert_eq!(report.verdict, Verdict::Unknown);
    // As the only self-tested list, its failure says the resolver hides the lists:
    // the list without a test point is not believed either.
    let unchecked = services(&dns, &[BLIND, COP], None);
    let (report, details) = check(&unchecked, "192.0.2.1").await;
    assert_eq!(report.verdict, Verdict::Unknown);
    assert!(details.resolver_hides_lists);
    assert_eq!(on(&details, "cop.bl.test").status, Status::Error);
}

#[tokio::test]
async fn a_self_test_zone_that_lists_everything_is_an_error_not_listed() {
    let dns = server().await;
    let services = services(&dns, &[WILD, GOOD, COP], None);
    let (report, details) = check(&services, "192.0.2.1").await;
    assert!(asked(&dns, "1.0.0.127.wild.bl.test", RecordType::A));
    let wild = on(&details, "wild.bl.test");
    assert_eq!(wild.status, Status::Error);
    assert_eq!(
        wild.codes,
        ["127.0.0.2".parse::<std::net::Ipv4Addr>().unwrap()]
    );
    let meaning = wild.meaning.as_deref().unwrap();
    assert!(
        meaning.contains("127.0.0.1") && meaning.contains("\"listed\" for everything"),
        "{meaning}"
    );
    assert_eq!(details.listed, 0);
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(
        report.summary,
        "Checked 3 lists: not listed on the 2 lists that answered; 1 could not be checked"
    );
    let message = render::discord::report_message(&report);
    assert!(limits::violations(&message).is_empty());
    let discord = render::render(&report, Format::Discord);
    assert!(discord.contains("self-test failed"), "{discord}");
}

#[tokio::test]
async fn a_healthy_self_test_zone_keeps_its_listings_and_its_clean_answers() {
    let dns = server().await;
    let services = services(&dns, &[GOOD, COP], None);
    let (report, details) = check(&services, "192.0.2.20").await;
    let good = on(&details, "good.bl.test");
    assert_eq!(good.status, Status::Listed);
    assert_eq!(good.reason.as_deref(), Some("Listed by Good"));
    assert_eq!(report.verdict, Verdict::Critical);
    assert!(asked(&dns, "1.0.0.127.good.bl.test", RecordType::A));

    let (report, details) = check(&services, "192.0.2.1").await;
    assert_eq!(on(&details, "good.bl.test").status, Status::Clean);
    assert_eq!(report.verdict, Verdict::Ok);
    assert_eq!(report.summary, "Checked 2 lists: not listed");

    // IPv6: the IPv4-mapped test points, in nibble form.
    let (report, details) = check(&services, "2001:db8::1").await;
    assert_eq!(on(&details, "good.bl.test").status, Status::Listed);
    assert_eq!(report.verdict, Verdict::Critical);
    for point in [NIBBLES_TEST_LISTED, NIBBLES_TEST_UNLISTED] {
        let name = format!("{point}.good.bl.test");
        assert!(asked(&dns, &name, RecordType::A), "{name}");
    }
    // Test points are asked for A only.
    assert!(dns
        .queries()
        .iter()
        .all(|q| !(q.name.ends_with("0.0.127.good.bl.test") && q.record_type != RecordType::A)));
}

#[tokio::test]
async fn test_points_go_through_dqs_with_the_real_query_and_never_show_the_key() {
    let dns = server().await;
    let keyed = services(&dns, &[GOOD], Some("sekrit-dqs-key"));
    let (report, details) = check(&keyed, "192.0.2.1").await;
    // The DQS zone lists its test point, so the clean answer stands.
    assert_eq!(on(&details, "good.bl.test").status, Status::Clean);
    for point in ["2.0.0.127", "1.0.0.127"] {
        let name = format!("{point}.sekrit-dqs-key.good.dq.bl.test");
        assert!(asked(&dns, &name, RecordType::A), "{name}");
    }
    assert!(dns
        .queries()
        .iter()
        .all(|q| !q.name.ends_with("good.bl.test")));
    // Through DQS, 192.0.2.20 is not listed and the test point is: clean. A
    // self-test failure under the key says nothing of the key either.
    let blind = services(&dns, &[GOOD], Some("other-key"));
    let (failed, details) = check(&blind, "192.0.2.1").await;
    assert_eq!(on(&details, "good.bl.test").status, Status::Error);
    for (report, key) in [(&report, "sekrit"), (&failed, "other-key")] {
        for format in [Format::Text, Format::Json, Format::Discord] {
            let output = render::render(report, format);
            assert!(!output.contains(key), "{format:?}: {output}");
        }
        assert!(!format!("{report:?}").contains(key));
    }
}

#[tokio::test]
async fn a_zone_without_self_test_sends_no_test_point_queries() {
    let dns = server().await;
    let services = services(&dns, &[COP, INFO, GOOD], None);
    let (report, details) = check(&services, "192.0.2.1").await;
    assert_eq!(report.verdict, Verdict::Ok);
    assert!(details.results.iter().all(|r| r.status == Status::Clean));
    let queries = dns.queries();
    // The self-tested zone's points were asked in the same check...
    assert!(asked(&dns, "2.0.0.127.good.bl.test", RecordType::A));
    // ...and nothing but the real query went to the others.
    for zone in ["cop.bl.test", "info.bl.test"] {
        let names: Vec<&str> = queries
            .iter()
            .filter(|q| q.name.ends_with(zone))
            .map(|q| q.name.as_str())
            .collect();
        assert!(!names.is_empty(), "{zone} was not asked");
        assert!(
            names
                .iter()
                .all(|name| *name == format!("1.2.0.192.{zone}")),
            "{zone}: {names:?}"
        );
    }
}

/// A test point that never answers: the real answer stands, and no other zone waits.
#[tokio::test]
async fn a_silent_test_point_changes_nothing_and_holds_no_one_back() {
    let dns = server().await;
    let services = services(&dns, &[MUTE, COP], None);
    let started = Instant::now();
    let (report, details) = check(&services, "192.0.2.1").await;
    assert!(started.elapsed() < QUERY_TIMEOUT + Duration::from_secs(2));
    assert_eq!(on(&details, "mute.bl.test").status, Status::Clean);
    let cop = on(&details, "cop.bl.test");
    assert!(cop.elapsed_ms < QUERY_TIMEOUT.as_millis() as u64, "{cop:?}");
    assert_eq!(report.verdict, Verdict::Ok);
    // A listing needs only the 127.0.0.1 point, so it does not wait for 127.0.0.2.
    let (_, details) = check(&services, "192.0.2.20").await;
    let mute = on(&details, "mute.bl.test");
    assert_eq!(mute.status, Status::Listed);
    assert!(
        mute.elapsed_ms < QUERY_TIMEOUT.as_millis() as u64,
        "{mute:?}"
    );
}

/// The test points go out with the real query, not after it: while the zone holds
/// its answers back, the server has already seen the real A and TXT and both
/// test points' A.
#[tokio::test]
async fn test_points_are_asked_together_with_the_real_query() {
    const DELAY: Duration = Duration::from_millis(1500);
    let zone = "slowtest.bl.test";
    let dns = TestDns::builder()
        .zone(
            Zone::new(zone)
                .a(&format!("2.0.0.127.{zone}"), "127.0.0.2")
                .a(&format!("20.2.0.192.{zone}"), "127.0.0.2"),
        )
        .fault(zone, Fault::Delay(DELAY))
        .start()
        .await;
    let entry = format!(
        "[[zones]]\nzone = \"{zone}\"\nname = \"Slow self-tested\"\nlists = \"x\"\ntier = \"major\"\nself_test = true\ndelist_url = \"https://slow.example/\"\ncodes = [{{ code = \"127.0.0.2\", meaning = \"listed\" }}]\n"
    );
    let mut catalog = catalogue(&[&entry]);
    catalog.blacklist.query_timeout_ms = 5000;
    catalog.blacklist.deadline_ms = 5000;
    catalog.defaults.dns.timeout_ms = 5000;
    for (target, reversed, status) in [
        ("192.0.2.1", "1.2.0.192", Status::Clean),
        ("192.0.2.20", "20.2.0.192", Status::Listed),
    ] {
        // A fresh resolver each time, so no test point comes from its cache.
        let config = Config {
            allow_private_targets: true,
            ..dns.config()
        };
        let services = Services::from_parts(catalog.clone(), config).unwrap();
        let before = dns.queries().len();
        dns.reset_most_at_once();
        let request = BlacklistRequest::from_input(target, true).unwrap();
        let check = tokio::spawn(async move {
            checks::run(&services, &Request::Blacklist(request), &Progress::none()).await
        });
        // Halfway through the delay no answer has come back yet.
        tokio::time::sleep(DELAY / 2).await;
        let asked = dns.queries().split_off(before);
        for (name, kind) in [
            (format!("{reversed}.{zone}"), RecordType::A),
            (format!("{reversed}.{zone}"), RecordType::TXT),
            (format!("2.0.0.127.{zone}"), RecordType::A),
            (format!("1.0.0.127.{zone}"), RecordType::A),
        ] {
            assert!(
                asked
                    .iter()
                    .any(|q| q.name == name && q.record_type == kind),
                "{name} {kind} not asked yet: {asked:?}"
            );
        }
        let report = check.await.unwrap();
        // The real A and TXT and both test points were held by the server at once.
        assert!(
            dns.most_at_once() >= 4,
            "{target}: {} at once",
            dns.most_at_once()
        );
        let Details::Blacklist(details) = &report.details else {
            panic!("not a blacklist report")
        };
        assert_eq!(on(details, zone).status, status, "{target}");
    }
}

#[tokio::test]
async fn the_dqs_key_never_reaches_the_logs_whatever_the_filter() {
    let dns = server().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("blacklist.toml"),
        format!(
            "# test zones\nquery_timeout_ms = 1000\ndeadline_ms = 3000\nmax_addresses = 4\n{ZEN}"
        ),
    )
    .unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "blacklist", "127.0.0.2"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COMMANDS_DIR", dir.path())
        .env("DNS_SERVERS", dns.addr().to_string())
        .env("ALLOW_PRIVATE_TARGETS", "true")
        .env("SPAMHAUS_DQS_KEY", "sekrit-dqs-key")
        // Asking for hickory by name lifts the default pin on its query logs.
        .env(
            "RUST_LOG",
            "debug,hickory_proto=trace,hickory_resolver=trace",
        )
        .output()
        .await
        .unwrap();
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(dns
        .queries()
        .iter()
        .any(|q| q.name.contains("sekrit-dqs-key")));
    assert!(
        logs.contains("zen.dq.bl.test"),
        "the queries were logged: {logs}"
    );
    assert!(!logs.contains("sekrit"), "{logs}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("sekrit"));
}

// ------------------------------------------------------------ the shipped catalogue
//
// The tests below run the zones of `commands/blacklist.toml` as shipped (issue 14:
// the operators' own documentation), served under their real names by the
// loopback DNS server.

/// 0spam documents 127.0.0.1 as "general spam": a listing there, while any other
/// list answering 127.0.0.1 is refusing or broken (RFC 5782 §5).
#[tokio::test]
async fn a_zerospam_127_0_0_1_answer_is_a_general_spam_listing() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("bl.0spam.org")
                .a("70.2.0.192.bl.0spam.org", "127.0.0.1")
                .txt("70.2.0.192.bl.0spam.org", "Listed by 0spam"),
        )
        .zone(Zone::new("bl.spamcop.net").a("70.2.0.192.bl.spamcop.net", "127.0.0.1"))
        .start()
        .await;
    let services = shipped_services(&dns, &["bl.spamcop.net", "bl.0spam.org"], None);
    let (report, details) = check(&services, "192.0.2.70").await;
    let zerospam = on(&details, "bl.0spam.org");
    assert_eq!(zerospam.status, Status::Listed);
    assert_eq!(
        zerospam.codes,
        ["127.0.0.1".parse::<std::net::Ipv4Addr>().unwrap()]
    );
    let meaning = zerospam.meaning.as_deref().unwrap();
    assert!(meaning.starts_with("127.0.0.1: general spam"), "{meaning}");
    assert_eq!(zerospam.reason.as_deref(), Some("Listed by 0spam"));
    let spamcop = on(&details, "bl.spamcop.net");
    assert_eq!(spamcop.status, Status::Error);
    assert!(spamcop.meaning.as_deref().unwrap().contains("RFC 5782"));
    // 0spam is informational: a warning, not critical.
    assert_eq!(report.verdict, Verdict::Warning);
    assert_eq!(
        report.summary,
        "Checked 2 lists: listed on 1, 1 could not be checked"
    );
    // 127.0.0.1 is a listing there, so 0spam cannot be self-tested.
    for point in ["2.0.0.127", "1.0.0.127"] {
        let name = format!("{point}.bl.0spam.org");
        assert!(!asked(&dns, &name, RecordType::A), "{name}");
    }
    let text = render::render(&report, Format::Text);
    assert!(text.contains("[INFO] 0spam (bl.0spam.org)"), "{text}");
    assert!(text.contains("general spam"), "{text}");
}

/// SpamRATS with SPAMRATS_KEY: `<reversed-ip>.<key>.<zone>` on all four zones; its
/// own code is a listing, any other answer an error that may be a refusal.
#[tokio::test]
async fn spamrats_is_asked_with_the_key_between_the_address_and_the_zone() {
    const KEY: &str = "sekrit-rats-key";
    let dns = TestDns::builder()
        .zone(
            Zone::new("spam.spamrats.com")
                .a(&format!("20.2.0.192.{KEY}.spam.spamrats.com"), "127.0.0.38")
                .txt(
                    &format!("20.2.0.192.{KEY}.spam.spamrats.com"),
                    "SPAMRATS IP Addresses See: https://www.spamrats.com/bl?192.0.2.20",
                )
                .a("20.2.0.192.spam.spamrats.com", "127.0.0.38"),
        )
        // Not its code (127.0.0.36): the operator says that may be a refusal.
        .zone(
            Zone::new("dyna.spamrats.com")
                .a(&format!("20.2.0.192.{KEY}.dyna.spamrats.com"), "127.0.0.2"),
        )
        .zone(Zone::new("noptr.spamrats.com"))
        .zone(Zone::new("auth.spamrats.com"))
        .fault("noptr.spamrats.com", Fault::ServFail)
        .start()
        .await;
    let zones = [
        "spam.spamrats.com",
        "dyna.spamrats.com",
        "noptr.spamrats.com",
        "auth.spamrats.com",
    ];
    let services = shipped_services(&dns, &zones, Some(KEY));
    let (report, details) = check(&services, "192.0.2.20").await;
    for zone in zones {
        let name = format!("20.2.0.192.{KEY}.{zone}");
        assert!(asked(&dns, &name, RecordType::A), "{name}");
    }
    // Nothing went to a SpamRATS zone without the key (the target's own reverse DNS
    // is asked too, in in-addr.arpa).
    assert!(
        dns.queries()
            .iter()
            .filter(|q| q.name.ends_with("spamrats.com"))
            .all(|q| q.name.contains(KEY)),
        "{:?}",
        dns.queries()
    );
    assert!(details.via_spamrats_key && !details.via_dqs);

    let spam = on(&details, "spam.spamrats.com");
    assert_eq!(spam.status, Status::Listed);
    assert_eq!(
        spam.lookup_url.as_deref(),
        Some("https://www.spamrats.com/bl?192.0.2.20")
    );
    let dyna = on(&details, "dyna.spamrats.com");
    assert_eq!(dyna.status, Status::Error);
    let meaning = dyna.meaning.as_deref().unwrap();
    for words in [
        "127.0.0.2",
        "not its code 127.0.0.36",
        "refusal",
        "SPAMRATS_KEY",
    ] {
        assert!(meaning.contains(words), "{words}: {meaning}");
    }
    let noptr = on(&details, "noptr.spamrats.com");
    assert_eq!(noptr.status, Status::Error);
    let meaning = noptr.meaning.as_deref().unwrap();
    assert!(
        meaning.contains("SERVFAIL") && meaning.contains("PTR"),
        "{meaning}"
    );
    assert_eq!(on(&details, "auth.spamrats.com").status, Status::Clean);
    assert_eq!(report.verdict, Verdict::Warning);
    for (what, output) in every_output(&report) {
        assert!(!output.contains("sekrit"), "{what}: {output}");
    }
    let text = render::render(&report, Format::Text);
    assert!(text.contains("SpamRATS asked with an API key"), "{text}");

    // Without a key the zone itself is asked.
    let unkeyed = shipped_services(&dns, &["spam.spamrats.com"], None);
    let (_, details) = check(&unkeyed, "192.0.2.20").await;
    assert!(asked(&dns, "20.2.0.192.spam.spamrats.com", RecordType::A));
    assert_eq!(on(&details, "spam.spamrats.com").status, Status::Listed);
    assert!(!details.via_spamrats_key);
}

/// Barracuda documents 127.0.0.2 as its test address: a clean answer is trusted
/// only while 2.0.0.127 is listed; an unregistered resolver gets a DNS failure
/// and the hint says to register it.
#[tokio::test]
async fn barracuda_is_self_tested_on_its_documented_test_address() {
    const BARRACUDA: &str = "b.barracudacentral.org";
    let healthy = TestDns::builder()
        .zone(
            Zone::new(BARRACUDA)
                .a("2.0.0.127.b.barracudacentral.org", "127.0.0.2")
                .a("20.2.0.192.b.barracudacentral.org", "127.0.0.2"),
        )
        .start()
        .await;
    let services = shipped_services(&healthy, &[BARRACUDA], None);
    let (report, details) = check(&services, "192.0.2.1").await;
    assert_eq!(on(&details, BARRACUDA).status, Status::Clean);
    assert_eq!(report.verdict, Verdict::Ok);
    for point in ["2.0.0.127", "1.0.0.127"] {
        let name = format!("{point}.{BARRACUDA}");
        assert!(asked(&healthy, &name, RecordType::A), "{name}");
    }
    let (report, details) = check(&services, "192.0.2.20").await;
    assert_eq!(on(&details, BARRACUDA).status, Status::Listed);
    assert_eq!(report.verdict, Verdict::Critical);

    // A resolver that gets NXDOMAIN for everything, test address included.
    let blind = TestDns::builder().zone(Zone::new(BARRACUDA)).start().await;
    let services = shipped_services(&blind, &[BARRACUDA], None);
    let (report, details) = check(&services, "192.0.2.1").await;
    let barracuda = on(&details, BARRACUDA);
    assert_eq!(barracuda.status, Status::Error);
    let meaning = barracuda.meaning.as_deref().unwrap();
    assert!(
        meaning.contains("self-test failed") && meaning.contains("127.0.0.2"),
        "{meaning}"
    );
    assert_eq!(report.verdict, Verdict::Unknown);

    // Unregistered: a temporary DNS failure, test point included; the hint says why.
    let unregistered = TestDns::builder()
        .zone(Zone::new(BARRACUDA))
        .fault(BARRACUDA, Fault::ServFail)
        .start()
        .await;
    let services = shipped_services(&unregistered, &[BARRACUDA], None);
    let (_, details) = check(&services, "192.0.2.1").await;
    let barracuda = on(&details, BARRACUDA);
    assert_eq!(barracuda.status, Status::Error);
    let meaning = barracuda.meaning.as_deref().unwrap();
    for words in [
        "SERVFAIL",
        "temporary DNS failure",
        "Register the resolver's IP",
    ] {
        assert!(meaning.contains(words), "{words}: {meaning}");
    }
}

/// Spamhaus documents no IPv6 test point: an IPv6 address on ZEN is not
/// self-tested, so a clean answer stays clean even though ::FFFF:7F00:2 is not
/// listed; NordSpam documents one, and is self-tested with it.
#[tokio::test]
async fn an_ipv6_target_is_self_tested_only_where_an_ipv6_test_point_is_documented() {
    let zones = ["zen.spamhaus.org", "bl.spamcop.net", "bl.nordspam.com"];
    let dns = TestDns::builder()
        // ZEN lists its IPv4 test point, nothing for IPv6.
        .zone(Zone::new("zen.spamhaus.org").a("2.0.0.127.zen.spamhaus.org", "127.0.0.2"))
        .zone(Zone::new("bl.spamcop.net"))
        .zone(
            Zone::new("bl.nordspam.com")
                .a("2.0.0.127.bl.nordspam.com", "127.0.0.2")
                .a(
                    &format!("{NIBBLES_TEST_LISTED}.bl.nordspam.com"),
                    "127.0.0.2",
                ),
        )
        .start()
        .await;
    let services = shipped_services(&dns, &zones, None);
    let (report, details) = check(&services, "2001:db8::1").await;
    assert_eq!(on(&details, "zen.spamhaus.org").status, Status::Clean);
    assert_eq!(on(&details, "bl.nordspam.com").status, Status::Clean);
    assert_eq!(details.ipv4_only_lists, ["SpamCop"]);
    assert_eq!(report.verdict, Verdict::Ok);
    assert_eq!(report.summary, "Checked 2 lists: not listed");
    for point in [NIBBLES_TEST_LISTED, NIBBLES_TEST_UNLISTED] {
        let zen = format!("{point}.zen.spamhaus.org");
        assert!(!asked(&dns, &zen, RecordType::A), "{zen} was asked");
    }
    let nordspam = format!("{NIBBLES_TEST_LISTED}.bl.nordspam.com");
    assert!(asked(&dns, &nordspam, RecordType::A), "{nordspam}");
    // IPv4 addresses are still self-tested on ZEN.
    let (_, details) = check(&services, "192.0.2.1").await;
    assert_eq!(on(&details, "zen.spamhaus.org").status, Status::Clean);
    assert!(asked(&dns, "2.0.0.127.zen.spamhaus.org", RecordType::A));

    // NordSpam not listing its documented IPv6 test point: its clean answer is
    // not trusted; as the only list self-tested for IPv6, its failure says the
    // resolver hides the lists, so ZEN's untested clean answer is not trusted
    // either.
    let blind = TestDns::builder()
        .zone(Zone::new("zen.spamhaus.org"))
        .zone(Zone::new("bl.nordspam.com"))
        .start()
        .await;
    let services = shipped_services(&blind, &["zen.spamhaus.org", "bl.nordspam.com"], None);
    let (report, details) = check(&services, "2001:db8::1").await;
    assert_eq!(report.verdict, Verdict::Unknown);
    let zen = on(&details, "zen.spamhaus.org");
    assert_eq!(zen.status, Status::Error);
    assert_eq!(zen.self_test, SelfTest::None);
    assert_eq!(
        zen.meaning.as_deref(),
        Some(echoterra_bot::checks::blacklist::HIDDEN_NOTE)
    );
    let nordspam = on(&details, "bl.nordspam.com");
    assert_eq!(nordspam.status, Status::Error);
    assert!(
        nordspam
            .meaning
            .as_deref()
            .unwrap()
            .contains("::ffff:127.0.0.2"),
        "{nordspam:?}"
    );
}

/// Backscatterer's note goes with its listing, and a list's page for the address
/// replaces its general delisting page in every rendering.
#[tokio::test]
async fn a_listing_shows_the_operators_note_and_the_page_for_the_address() {
    let dns = TestDns::builder()
        .zone(Zone::new("ips.backscatterer.org").a("80.2.0.192.ips.backscatterer.org", "127.0.0.2"))
        .zone(
            Zone::new("zen.spamhaus.org")
                .a("80.2.0.192.zen.spamhaus.org", "127.0.0.4")
                .a(&format!("{NIBBLES}.zen.spamhaus.org"), "127.0.0.3"),
        )
        .start()
        .await;
    let services = shipped_services(&dns, &["zen.spamhaus.org", "ips.backscatterer.org"], None);
    let (report, details) = check(&services, "192.0.2.80").await;
    let backscatterer = on(&details, "ips.backscatterer.org");
    assert_eq!(backscatterer.status, Status::Listed);
    let note = backscatterer.note.as_deref().unwrap();
    assert!(note.contains("only for bounces"), "{note}");
    assert_eq!(backscatterer.lookup_url, None);
    let zen = on(&details, "zen.spamhaus.org");
    assert_eq!(zen.note, None);
    assert_eq!(
        zen.lookup_url.as_deref(),
        Some("https://check.spamhaus.org/query/ip/192.0.2.80")
    );

    let text = render::render(&report, Format::Text);
    for line in [
        "      Look up: https://check.spamhaus.org/query/ip/192.0.2.80",
        "      Note: The operator recommends acting on this list only for bounces",
        "      Delist: http://www.backscatterer.org/?target=test",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(
        !text.contains("Delist: https://check.spamhaus.org/"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
    let results = json["results"].as_array().unwrap();
    let find = |zone: &str| results.iter().find(|r| r["zone"] == zone).unwrap();
    assert!(find("ips.backscatterer.org")["note"]
        .as_str()
        .unwrap()
        .contains("bounces"));
    assert_eq!(
        find("zen.spamhaus.org")["lookup_url"],
        "https://check.spamhaus.org/query/ip/192.0.2.80"
    );
    let message = render::discord::report_message(&report);
    assert!(limits::violations(&message).is_empty());
    // In Discord each listing's page is a link button named for its list.
    let links: Vec<(&str, &str)> = message
        .components
        .iter()
        .flat_map(|row| &row.components)
        .filter_map(|button| Some((button.label.as_str(), button.url.as_deref()?)))
        .collect();
    assert!(
        links.contains(&(
            "Spamhaus ZEN",
            "https://check.spamhaus.org/query/ip/192.0.2.80"
        )),
        "{links:?}"
    );
    assert!(
        links.contains(&("Backscatterer", "http://www.backscatterer.org/?target=test")),
        "{links:?}"
    );
    let discord = render::render(&report, Format::Discord);
    assert!(discord.contains("only for bounces"), "{discord}");

    // IPv6 goes into the page in its usual text form.
    let (_, details) = check(&services, "2001:db8::1").await;
    assert_eq!(
        on(&details, "zen.spamhaus.org").lookup_url.as_deref(),
        Some("https://check.spamhaus.org/query/ip/2001:db8::1")
    );
}

/// The shipped `commands/blacklist.toml` in a COMMANDS_DIR, and the binary run
/// against `dns` as staff run it: `check blacklist <target> --format <format>`.
async fn run_shipped(dns: &TestDns, target: &str, format: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let shipped = include_str!("../../commands/blacklist.toml");
    std::fs::write(dir.path().join("blacklist.toml"), shipped).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
        .args(["check", "blacklist", target, "--format", format])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("COMMANDS_DIR", dir.path())
        .env("DNS_SERVERS", dns.addr().to_string())
        .env("ALLOW_PRIVATE_TARGETS", "true")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.code(), stdout)
}

/// Every zone of the shipped catalogue, as the loopback server will serve it.
fn shipped_zones() -> Vec<String> {
    Catalog::embedded()
        .unwrap()
        .blacklist
        .zones()
        .map(|zone| zone.zone.clone())
        .collect()
}

/// The shipped lists whose operators document a test point (127.0.0.2 listed).
const SELF_TESTED: [&str; 5] = [
    "zen.spamhaus.org",
    "b.barracudacentral.org",
    "all.s5h.net",
    "bl.nordspam.com",
    "bl.spameatingmonkey.net",
];

/// A resolver that answers NXDOMAIN to everything (what a public resolver the lists
/// refuse looks like), asked about an address that is in fact listed: every
/// self-tested list fails its self-test, so the answer is unknown, names the
/// resolver and the fix, and says "not listed" nowhere, in any format.
#[tokio::test]
async fn a_resolver_that_hides_every_list_is_unknown_never_not_listed() {
    let mut builder = TestDns::builder();
    for zone in shipped_zones() {
        builder = builder.zone(Zone::new(&zone));
    }
    let dns = builder.start().await;
    assert_eq!(shipped_zones().len(), 18);

    let (code, json) = run_shipped(&dns, "192.0.2.20", "json").await;
    assert_eq!(code, Some(3), "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["verdict"], "unknown");
    assert_eq!(json["resolver_hides_lists"], true);
    let summary = json["summary"].as_str().unwrap();
    for words in [
        "Checked 18 lists",
        "failed its RFC 5782 self-test",
        "this resolver",
        "DNS_SERVERS",
        "Why blocklists need your own resolver",
    ] {
        assert!(summary.contains(words), "{words}: {summary}");
    }
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 18);
    // Nothing is counted clean, the lists without a test point included.
    assert!(results.iter().all(|r| r["status"] == "error"), "{json}");
    for zone in SELF_TESTED {
        let result = results.iter().find(|r| r["zone"] == zone).unwrap();
        assert_eq!(result["self_test"], "failed", "{zone}");
    }
    let untested = results
        .iter()
        .find(|r| r["zone"] == "bl.spamcop.net")
        .unwrap();
    assert_eq!(untested["self_test"], "none");
    assert!(untested["meaning"]
        .as_str()
        .unwrap()
        .contains("proves nothing"));

    let (code, text) = run_shipped(&dns, "192.0.2.20", "text").await;
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.starts_with("BLACKLIST UNKNOWN: Checked 18 lists"),
        "{text}"
    );
    assert!(
        text.contains("None of 18 blocklists could be checked: the resolver hides them"),
        "{text}"
    );
    let (code, discord) = run_shipped(&dns, "192.0.2.20", "discord").await;
    assert_eq!(code, Some(3), "{discord}");
    let payload: serde_json::Value = serde_json::from_str(&discord).unwrap();
    let title = payload["embeds"][0]["title"].as_str().unwrap();
    assert!(
        title.contains("None of 18 blocklists could be checked"),
        "{title}"
    );
    for output in [&json.to_string(), &text, &discord] {
        assert!(!output.to_lowercase().contains("not listed"), "{output}");
    }
}

/// A resolver that hides only some lists: two self-tested lists answer NXDOMAIN
/// even for their test point, three lists refuse it; the other three self-tested
/// lists pass, so the resolver is trusted and the result says what it knows.
#[tokio::test]
async fn a_resolver_that_hides_some_lists_says_how_many_answered() {
    let hidden = ["zen.spamhaus.org", "b.barracudacentral.org"];
    let refused = [
        "dnsbl-1.uceprotect.net",
        "dnsbl-2.uceprotect.net",
        "dnsbl-3.uceprotect.net",
    ];
    let mut builder = TestDns::builder();
    for zone in shipped_zones() {
        let mut served = Zone::new(&zone);
        if SELF_TESTED.contains(&zone.as_str()) && !hidden.contains(&zone.as_str()) {
            served = served.a(&format!("2.0.0.127.{zone}"), "127.0.0.2");
        }
        builder = builder.zone(served);
        if refused.contains(&zone.as_str()) {
            builder = builder.fault(&zone, Fault::Refused);
        }
    }
    let dns = builder.start().await;

    let (code, json) = run_shipped(&dns, "192.0.2.1", "json").await;
    assert_eq!(code, Some(1), "{json}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["verdict"], "warning");
    assert_eq!(json["resolver_hides_lists"], false);
    assert_eq!(
        json["summary"],
        "Checked 18 lists: not listed on the 13 lists that answered; 5 could not be checked"
    );
    let results = json["results"].as_array().unwrap();
    let status = |zone: &str| {
        let result = results.iter().find(|r| r["zone"] == zone).unwrap();
        (result["status"].clone(), result["self_test"].clone())
    };
    assert_eq!(
        status("zen.spamhaus.org"),
        ("error".into(), "failed".into())
    );
    assert_eq!(status("all.s5h.net"), ("clean".into(), "passed".into()));
    assert_eq!(status("bl.spamcop.net"), ("clean".into(), "none".into()));

    let (code, text) = run_shipped(&dns, "192.0.2.1", "text").await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("Not listed on the 13 blocklists that answered; 5 could not be checked"),
        "{text}"
    );
    assert!(!text.contains("any of 18"), "{text}");
    let (_, discord) = run_shipped(&dns, "192.0.2.1", "discord").await;
    let payload: serde_json::Value = serde_json::from_str(&discord).unwrap();
    let title = payload["embeds"][0]["title"].as_str().unwrap();
    assert!(
        title.ends_with("Not listed on the 13 blocklists that answered; 5 could not be checked"),
        "{title}"
    );
}
