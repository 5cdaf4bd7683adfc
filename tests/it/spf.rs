//! SPF end to end against a real DNS server on loopback: `check_host()` for every result
//! (RFC 7208 §2.6), includes, redirects, explanations, the processing limits (§4.6.4),
//! each mechanism, and the linter over whole record trees, including how many DNS round
//! trips a tree costs.

use crate::support::dns_server;

use std::time::Duration;

use dns_server::{reverse_name, Fault, TestDns, Zone};
use echoterra_bot::checks::net::resolver::DnsResolver;
use echoterra_bot::checks::spf::lookups::TXT_COST;
use echoterra_bot::checks::spf::{
    check_host, lint, Evaluation, Lookups, Severity, SpfQuery, SpfResult, TraceOutcome,
};
use hickory_server::proto::rr::RecordType;

/// The zone of the case table: one domain per situation.
fn example_zone() -> Zone {
    let includes: Vec<String> = (1..=11)
        .map(|n| format!("include:i{n}.example.com"))
        .collect();
    let mut zone = Zone::new("example.com")
        .txt("inc-exp.example.com", "v=spf1 include:exp.example.com ~all")
        .txt("pass.example.com", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("softfail.example.com", "v=spf1 ip4:192.0.2.1 ~all")
        .txt("neutral.example.com", "v=spf1 ?all")
        .txt("no-all.example.com", "v=spf1 ip4:192.0.2.1")
        .txt("notspf.example.com", "google-site-verification=abc")
        .txt("bad.example.com", "v=spf1 ip4:192.0.2.300 -all")
        .txt("unknown-term.example.com", "v=spf1 a mx frobnicate -all")
        .txt("modifier.example.com", "v=spf1 ip4:192.0.2.1 foo=bar -all")
        .txt("two.example.com", "v=spf1 -all")
        .txt("two.example.com", "v=spf1 +all")
        .txt("version-case.example.com", "V=SPF1 +ALL")
        .txt(
            "inc-pass.example.com",
            "v=spf1 include:pass.example.com -all",
        )
        .txt(
            "inc-fail.example.com",
            "v=spf1 include:pass.example.com ~all",
        )
        .txt(
            "inc-none.example.com",
            "v=spf1 include:nothing.example.com -all",
        )
        .txt(
            "inc-servfail.example.com",
            "v=spf1 include:spf.broken.example -all",
        )
        .txt(
            "inc-perm.example.com",
            "v=spf1 include:bad.example.com -all",
        )
        .txt(
            "redirect.example.com",
            "v=spf1 ip4:203.0.113.1 redirect=pass.example.com",
        )
        .txt(
            "redirect-all.example.com",
            "v=spf1 ?all redirect=pass.example.com",
        )
        .txt(
            "redirect-none.example.com",
            "v=spf1 redirect=nothing.example.com",
        )
        .txt(
            "exp.example.com",
            "v=spf1 ip4:192.0.2.1 -all exp=explain.%{d2}",
        )
        .txt(
            "explain.example.com",
            "%{i} is not one of %{d}'s designated mail servers; see https://example.com/spf?s=%{S}",
        )
        .txt(
            "exp-missing.example.com",
            "v=spf1 -all exp=nowhere.example.com",
        )
        .txt(
            "exp-softfail.example.com",
            "v=spf1 ~all exp=explain.example.com",
        )
        .txt(
            "exp-redirect.example.com",
            "v=spf1 exp=explain.example.com redirect=pass.example.com",
        )
        .txt_strings(
            "eleven.example.com",
            &[
                &format!("v=spf1 {} ", includes[..6].join(" ")),
                &format!("{} -all", includes[6..].join(" ")),
            ],
        )
        .txt_strings(
            "ten.example.com",
            &[
                &format!("v=spf1 {} ", includes[..6].join(" ")),
                &format!("{} ip4:198.51.100.0/24 -all", includes[6..10].join(" ")),
            ],
        )
        .txt(
            "void3.example.com",
            "v=spf1 exists:v1.example.com exists:v2.example.com exists:v3.example.com -all",
        )
        .txt(
            "void2.example.com",
            "v=spf1 exists:v1.example.com exists:v2.example.com -all",
        )
        .txt("mx11.example.com", "v=spf1 mx -all")
        .txt("mx-cidr.example.com", "v=spf1 mx/24 mx//64 -all")
        .mx("mx-cidr.example.com", 10, "host.example.com")
        .txt(
            "a-cidr.example.com",
            "v=spf1 a:host.example.com/24//48 -all",
        )
        .txt("a-plain.example.com", "v=spf1 a -all")
        .a("a-plain.example.com", "192.0.2.50")
        .a("host.example.com", "192.0.2.77")
        .aaaa("host.example.com", "2001:db8:1::1")
        .txt("ip6.example.com", "v=spf1 ip6:2001:db8::/32 -all")
        .txt("ptr.example.com", "v=spf1 ptr:example.com -all")
        .a("mail.example.com", "192.0.2.3")
        .txt(
            "exists.example.com",
            "v=spf1 exists:%{ir}.%{l1r+}._allow.example.com -all",
        )
        .a("10.2.0.192.jane._allow.example.com", "127.0.0.2")
        .txt(
            "ptr-macro.example.com",
            "v=spf1 exists:%{p}._ptr.%{d2} -all",
        )
        .a("mail.example.com._ptr.example.com", "127.0.0.2")
        .txt(
            "ctrl.example.com",
            "v=spf1 ip4:192.0.2.1 \u{1b}[31mred -all",
        )
        .txt(
            "null-sender.example.com",
            "v=spf1 exists:%{l}.%{o}._who.example.com -all",
        )
        .a("postmaster.mx.client.example._who.example.com", "127.0.0.2");
    for n in 1..=11 {
        zone = zone.txt(&format!("i{n}.example.com"), "v=spf1 -all");
        zone = zone
            .mx("mx11.example.com", n, &format!("mx{n}.example.com"))
            .a(&format!("mx{n}.example.com"), &format!("10.0.0.{n}"));
    }
    zone
}

/// Reverse zone: 192.0.2.3 is mail.example.com (which resolves back to it); 192.0.2.4
/// claims mail.example.com too, but that name does not resolve to it.
fn reverse_zone() -> Zone {
    Zone::new("2.0.192.in-addr.arpa")
        .ptr(&reverse_name("192.0.2.3"), "mail.example.com")
        .ptr(&reverse_name("192.0.2.4"), "mail.example.com")
}

async fn start() -> TestDns {
    TestDns::builder()
        .zone(example_zone())
        .zone(reverse_zone())
        .zone(Zone::new("broken.example"))
        .fault("broken.example", Fault::ServFail)
        .zone(Zone::new("silent.example").txt("silent.example", "v=spf1 -all"))
        .fault("silent.example", Fault::NoAnswer)
        .start()
        .await
}

fn resolver(dns: &TestDns) -> DnsResolver {
    dns.services().resolver
}

async fn evaluate(resolver: &DnsResolver, ip: &str, domain: &str, sender: &str) -> Evaluation {
    let query = SpfQuery {
        ip: ip.parse().unwrap(),
        domain: domain.to_string(),
        sender: sender.to_string(),
        helo: Some("mx.client.example".to_string()),
    };
    check_host(&Lookups::new(resolver), &query).await
}

#[tokio::test]
async fn every_result_from_the_case_table() {
    use SpfResult::*;
    let dns = start().await;
    let resolver = resolver(&dns);
    // (client, domain, expected, a word the reason must hold)
    let cases: &[(&str, &str, SpfResult, &str)] = &[
        ("192.0.2.10", "pass.example.com", Pass, "ip4:192.0.2.0/24"),
        ("198.51.100.1", "pass.example.com", Fail, "-all"),
        ("198.51.100.1", "softfail.example.com", Softfail, "~all"),
        ("198.51.100.1", "neutral.example.com", Neutral, "?all"),
        ("198.51.100.1", "no-all.example.com", Neutral, "§4.7"),
        ("198.51.100.1", "nothing.example.com", None, "NXDOMAIN"),
        (
            "198.51.100.1",
            "notspf.example.com",
            None,
            "starts with v=spf1",
        ),
        (
            "198.51.100.1",
            "bad.example.com",
            Permerror,
            "ip4:192.0.2.300",
        ),
        (
            "198.51.100.1",
            "unknown-term.example.com",
            Permerror,
            "frobnicate",
        ),
        ("192.0.2.1", "modifier.example.com", Pass, "ip4:192.0.2.1"),
        (
            "198.51.100.1",
            "two.example.com",
            Permerror,
            "2 SPF records",
        ),
        ("198.51.100.1", "version-case.example.com", Pass, "+ALL"),
        ("198.51.100.1", "spf.broken.example", Temperror, "SERVFAIL"),
        ("198.51.100.1", "silent.example", Temperror, "in time"),
        (
            "198.51.100.1",
            "bad-label-.example.com..",
            None,
            "not a valid domain",
        ),
        (
            "198.51.100.1",
            &format!("{}.example.com", "a".repeat(64)),
            None,
            "63",
        ),
        ("198.51.100.1", "localhost", None, "single label"),
        // §5.2 include.
        (
            "192.0.2.10",
            "inc-pass.example.com",
            Pass,
            "include:pass.example.com",
        ),
        ("198.51.100.1", "inc-fail.example.com", Softfail, "~all"),
        (
            "198.51.100.1",
            "inc-none.example.com",
            Permerror,
            "no SPF record",
        ),
        (
            "198.51.100.1",
            "inc-servfail.example.com",
            Temperror,
            "SERVFAIL",
        ),
        (
            "198.51.100.1",
            "inc-perm.example.com",
            Permerror,
            "ip4:192.0.2.300",
        ),
        // §6.1 redirect.
        (
            "192.0.2.10",
            "redirect.example.com",
            Pass,
            "pass.example.com",
        ),
        ("198.51.100.1", "redirect.example.com", Fail, "-all"),
        ("192.0.2.10", "redirect-all.example.com", Neutral, "?all"),
        (
            "198.51.100.1",
            "redirect-none.example.com",
            Permerror,
            "§6.1",
        ),
        // §4.6.4 limits.
        ("198.51.100.1", "eleven.example.com", Permerror, "number 11"),
        (
            "198.51.100.1",
            "ten.example.com",
            Pass,
            "ip4:198.51.100.0/24",
        ),
        (
            "198.51.100.1",
            "void3.example.com",
            Permerror,
            "void lookup number 3",
        ),
        ("198.51.100.1", "void2.example.com", Fail, "-all"),
        ("198.51.100.1", "mx11.example.com", Permerror, "11 MX names"),
        // §5.3, §5.4 with prefix lengths; §5.6 ip4/ip6; IPv4-mapped clients.
        ("192.0.2.5", "a-cidr.example.com", Pass, "192.0.2.77/24"),
        ("192.0.3.5", "a-cidr.example.com", Fail, "-all"),
        ("2001:db8:1:ffff::9", "a-cidr.example.com", Pass, "/48"),
        (
            "192.0.2.50",
            "a-plain.example.com",
            Pass,
            "a-plain.example.com has 192.0.2.50",
        ),
        (
            "192.0.2.200",
            "mx-cidr.example.com",
            Pass,
            "host.example.com",
        ),
        (
            "2001:db8:1::abcd",
            "mx-cidr.example.com",
            Pass,
            "2001:db8:1::1/64",
        ),
        ("2001:db8:2::1", "mx-cidr.example.com", Fail, "-all"),
        ("2001:db8::1", "ip6.example.com", Pass, "ip6:2001:db8::/32"),
        ("192.0.2.10", "ip6.example.com", Fail, "-all"),
        (
            "::ffff:192.0.2.10",
            "pass.example.com",
            Pass,
            "192.0.2.10 is in",
        ),
        ("::ffff:192.0.2.10", "ip6.example.com", Fail, "-all"),
        // §5.5 ptr: validated names only.
        ("192.0.2.3", "ptr.example.com", Pass, "mail.example.com"),
        ("192.0.2.4", "ptr.example.com", Fail, "-all"),
        ("192.0.2.9", "ptr.example.com", Fail, "-all"),
        // §5.7 exists with macros.
        (
            "192.0.2.10",
            "exists.example.com",
            Pass,
            "10.2.0.192.jane._allow.example.com exists",
        ),
        ("192.0.2.11", "exists.example.com", Fail, "-all"),
        // §7.3 %{p}: the validated name, else "unknown".
        (
            "192.0.2.3",
            "ptr-macro.example.com",
            Pass,
            "mail.example.com._ptr.example.com exists",
        ),
        ("192.0.2.4", "ptr-macro.example.com", Fail, "-all"),
        // Text from DNS reaches the reason escaped.
        (
            "198.51.100.1",
            "ctrl.example.com",
            Permerror,
            "\\u{1b}[31mred",
        ),
    ];
    for (ip, domain, expected, word) in cases {
        let evaluation = evaluate(&resolver, ip, domain, "jane@example.com").await;
        assert_eq!(
            evaluation.result, *expected,
            "{ip} {domain}: {}\n{:#?}",
            evaluation.reason, evaluation.trace
        );
        assert!(
            evaluation.reason.contains(word),
            "{ip} {domain}: {:?} lacks {word:?}",
            evaluation.reason
        );
        assert!(evaluation.dns_lookups <= 11 && evaluation.void_lookups <= 3);
        let texts = evaluation
            .trace
            .iter()
            .flat_map(|step| [&step.term, &step.detail, &step.domain]);
        for text in texts.chain([&evaluation.reason]) {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
        if *expected != SpfResult::Fail {
            assert_eq!(evaluation.explanation, Option::None, "{domain}");
        }
    }
}

#[tokio::test]
async fn the_trace_lists_terms_in_order_with_lookup_counts() {
    let dns = start().await;
    let resolver = resolver(&dns);
    let evaluation = evaluate(
        &resolver,
        "198.51.100.1",
        "eleven.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(evaluation.result, SpfResult::Permerror);
    assert_eq!(evaluation.dns_lookups, 11);
    // Each include: its step, then the inner "-all" that made it no match.
    let top: Vec<_> = evaluation
        .trace
        .iter()
        .filter(|step| step.depth == 0)
        .collect();
    assert_eq!(top.len(), 11);
    for (n, step) in top.iter().enumerate() {
        assert_eq!(step.term, format!("include:i{}.example.com", n + 1));
        assert_eq!(step.dns_lookups, n + 1);
        assert_eq!(step.domain, "eleven.example.com");
    }
    assert_eq!(top[10].outcome, TraceOutcome::Error);
    assert!(top[..10]
        .iter()
        .all(|step| step.outcome == TraceOutcome::NoMatch));
    let inner: Vec<_> = evaluation
        .trace
        .iter()
        .filter(|step| step.depth == 1)
        .collect();
    assert_eq!(inner.len(), 10);
    assert!(inner
        .iter()
        .all(|step| step.term == "-all" && step.outcome == TraceOutcome::Matched));
    let json = serde_json::to_value(&evaluation).unwrap();
    assert_eq!(json["result"], "permerror");
    assert_eq!(json["trace"][0]["outcome"], "no_match");
    assert_eq!(json["trace"][1]["term"], "-all");
}

#[tokio::test]
async fn exp_explains_a_fail_with_macros_and_nothing_else() {
    let dns = start().await;
    let resolver = resolver(&dns);
    let failed = evaluate(
        &resolver,
        "198.51.100.1",
        "exp.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(failed.result, SpfResult::Fail);
    assert_eq!(
        failed.explanation.as_deref(),
        Some("198.51.100.1 is not one of exp.example.com's designated mail servers; see https://example.com/spf?s=jane%40example.com")
    );
    let exp_step = failed.trace.last().unwrap();
    assert_eq!(exp_step.term, "exp=explain.%{d2}");
    assert_eq!(exp_step.outcome, TraceOutcome::Followed);

    // No TXT at the exp target: still a fail, just no explanation (§6.2).
    let missing = evaluate(
        &resolver,
        "198.51.100.1",
        "exp-missing.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(missing.result, SpfResult::Fail);
    assert_eq!(missing.explanation, None);
    assert_eq!(missing.trace.last().unwrap().outcome, TraceOutcome::Ignored);

    // The exp= of an included record is not used, not even fetched (§6.2).
    let included = evaluate(
        &resolver,
        "198.51.100.1",
        "inc-exp.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(included.result, SpfResult::Softfail);
    assert_eq!(included.explanation, None);
    assert!(
        included
            .trace
            .iter()
            .all(|step| !step.term.starts_with("exp=")),
        "{:#?}",
        included.trace
    );

    // A softfail is not explained.
    let soft = evaluate(
        &resolver,
        "198.51.100.1",
        "exp-softfail.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(soft.result, SpfResult::Softfail);
    assert_eq!(soft.explanation, None);

    // After a redirect, the exp= of the original domain is not used (§6.2).
    let redirected = evaluate(
        &resolver,
        "198.51.100.1",
        "exp-redirect.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(redirected.result, SpfResult::Fail);
    assert_eq!(redirected.explanation, None);
}

#[tokio::test]
async fn null_sender_is_postmaster_at_the_helo_name() {
    let dns = start().await;
    let resolver = resolver(&dns);
    let evaluation = evaluate(&resolver, "198.51.100.1", "null-sender.example.com", "").await;
    assert_eq!(evaluation.result, SpfResult::Pass, "{}", evaluation.reason);
    let someone = evaluate(
        &resolver,
        "198.51.100.1",
        "null-sender.example.com",
        "jane@example.com",
    )
    .await;
    assert_eq!(someone.result, SpfResult::Fail);
}

#[tokio::test]
async fn lint_reports_plus_all_ptr_missing_targets_and_too_many_lookups() {
    let includes: Vec<String> = (1..=9)
        .map(|n| format!("include:i{n}.example.com"))
        .collect();
    let dns = TestDns::builder()
        .zone(
            example_zone()
                .txt(
                    "lint.example.com",
                    "v=spf1 ptr include:gone.example.com include:many.example.com a:nowhere.example.com mx:nomx.example.com exists:nope.example.com include=typo.example.com +all",
                )
                .txt_strings(
                    "many.example.com",
                    &[&format!("v=spf1 {} ", includes[..5].join(" ")), &format!("{} -all", includes[5..].join(" "))],
                ),
        )
        .start()
        .await;
    let resolver = resolver(&dns);
    let report = lint(&Lookups::new(&resolver), "Lint.Example.COM.").await;
    let domains: Vec<&str> = report
        .records
        .iter()
        .map(|(domain, _)| domain.as_str())
        .collect();
    assert_eq!(domains[..2], ["lint.example.com", "many.example.com"]);
    assert_eq!(domains.len(), 11, "{domains:?}");
    // ptr, include x2, a, mx, exists at the top; 9 includes in many.example.com.
    assert_eq!(report.dns_terms, 15);
    assert_eq!(report.void_lookups, 3);
    let has = |severity: Severity, words: &[&str]| {
        report.findings.iter().any(|finding| {
            finding.severity == severity && words.iter().all(|word| finding.text.contains(word))
        })
    };
    assert!(
        has(Severity::Critical, &["+all", "anyone may send"]),
        "{:#?}",
        report.findings
    );
    assert!(
        has(Severity::Warning, &["ptr", "SHOULD NOT"]),
        "{:#?}",
        report.findings
    );
    assert!(has(
        Severity::Critical,
        &["gone.example.com", "no SPF record", "permerror"]
    ));
    assert!(has(Severity::Critical, &["15 DNS-querying terms", "10"]));
    assert!(has(Severity::Critical, &["3 void lookups"]));
    assert!(has(
        Severity::Warning,
        &["include=typo.example.com", "include:typo.example.com"]
    ));
    assert_eq!(report.findings[0].severity, Severity::Critical);
    assert!(report
        .findings
        .windows(2)
        .all(|pair| pair[0].severity <= pair[1].severity));
}

#[tokio::test]
async fn lint_reports_two_records_syntax_errors_macros_and_loops() {
    let dns = TestDns::builder()
        .zone(
            Zone::new("example.net")
                .txt("two.example.net", "v=spf1 -all")
                .txt("two.example.net", "v=spf1 mx -all")
                .txt("syntax.example.net", "v=spf1 ip4:192.0.2.1/33 -all")
                .txt("macro.example.net", "v=spf1 include:%{d1}.example.net ~all")
                .txt("loop.example.net", "v=spf1 include:loop2.example.net -all")
                .txt("loop2.example.net", "v=spf1 include:loop.example.net -all")
                .txt("mx.example.net", "v=spf1 mx -all")
                .mx("mx.example.net", 10, "a.example.net")
                .a("a.example.net", "192.0.2.1"),
        )
        .start()
        .await;
    let resolver = resolver(&dns);
    let two = lint(&Lookups::new(&resolver), "two.example.net").await;
    assert!(two
        .findings
        .iter()
        .any(|f| f.severity == Severity::Critical && f.text.contains("2 SPF records")));
    let syntax = lint(&Lookups::new(&resolver), "syntax.example.net").await;
    assert!(syntax
        .findings
        .iter()
        .any(|f| f.severity == Severity::Critical && f.text.contains("ip4:192.0.2.1/33")));
    let macros = lint(&Lookups::new(&resolver), "macro.example.net").await;
    assert!(macros
        .findings
        .iter()
        .any(|f| f.severity == Severity::Info && f.text.contains("macros")));
    let looped = lint(&Lookups::new(&resolver), "loop.example.net").await;
    assert!(looped
        .findings
        .iter()
        .any(|f| f.severity == Severity::Critical && f.text.contains("loops back")));
    let none = lint(&Lookups::new(&resolver), "nothing.example.net").await;
    assert!(none.records.is_empty());
    assert!(none
        .findings
        .iter()
        .any(|f| f.severity == Severity::Warning && f.text.contains("no SPF record")));
    let fine = lint(&Lookups::new(&resolver), "mx.example.net").await;
    assert!(
        fine.findings
            .iter()
            .all(|f| f.severity != Severity::Critical),
        "{:#?}",
        fine.findings
    );
    assert_eq!((fine.dns_terms, fine.void_lookups), (1, 0));
}

/// A tree of 1 + 2 + 4 + 8 records, every answer held back: the linter asks each level
/// at once, so the server sees a whole level in flight together (sequential fetching
/// would show one query at a time). How long that takes is measured by the benchmark
/// (`benches/domain_latency.rs`), not here.
#[tokio::test]
async fn lint_fetches_each_level_of_the_tree_concurrently() {
    const DELAY: Duration = Duration::from_millis(200);
    let mut zone = Zone::new("tree.example");
    let mut names = vec!["tree.example".to_string()];
    for depth in 0..3 {
        let mut children = Vec::new();
        for name in &names {
            let kids = [format!("a{depth}.{name}"), format!("b{depth}.{name}")];
            zone = zone.txt(
                name,
                &format!("v=spf1 include:{} include:{} -all", kids[0], kids[1]),
            );
            children.extend(kids);
        }
        names = children;
    }
    for name in &names {
        zone = zone.txt(name, "v=spf1 ip4:192.0.2.1 -all");
    }
    let dns = TestDns::builder()
        .zone(zone)
        .fault("tree.example", Fault::Delay(DELAY))
        .start()
        .await;
    let resolver = resolver(&dns);
    let report = lint(&Lookups::new(&resolver), "tree.example").await;
    assert_eq!(report.records.len(), 15);
    let txt_queries = dns
        .queries()
        .iter()
        .filter(|query| query.record_type == RecordType::TXT)
        .count();
    assert!(txt_queries >= 15, "{txt_queries}");
    // The last level's eight records were asked together.
    assert!(dns.most_at_once() >= 8, "{} at once", dns.most_at_once());
}

/// check_host() prefetches the include targets of a record it reads: its five includes
/// are asked together, and each once (the evaluation then reads them from the cache).
#[tokio::test]
async fn check_host_prefetches_include_targets_concurrently() {
    const DELAY: Duration = Duration::from_millis(200);
    let mut zone = Zone::new("wide.example");
    let kids: Vec<String> = (1..=5).map(|n| format!("k{n}.wide.example")).collect();
    let terms: Vec<String> = kids.iter().map(|kid| format!("include:{kid}")).collect();
    zone = zone.txt("wide.example", &format!("v=spf1 {} -all", terms.join(" ")));
    for kid in &kids {
        zone = zone.txt(kid, "v=spf1 ip4:192.0.2.1 -all");
    }
    let dns = TestDns::builder()
        .zone(zone)
        .fault("wide.example", Fault::Delay(DELAY))
        .start()
        .await;
    let resolver = resolver(&dns);
    let evaluation = evaluate(
        &resolver,
        "198.51.100.1",
        "wide.example",
        "jane@wide.example",
    )
    .await;
    assert_eq!(evaluation.result, SpfResult::Fail, "{}", evaluation.reason);
    assert_eq!(evaluation.dns_lookups, 5);
    // The five includes were in flight together; without the prefetch, one at a time.
    assert!(dns.most_at_once() >= 5, "{} at once", dns.most_at_once());
    // Every record was asked for once: the evaluation read them from the cache.
    let txt: Vec<_> = dns
        .queries()
        .into_iter()
        .filter(|query| query.record_type == RecordType::TXT)
        .collect();
    for kid in &kids {
        assert_eq!(
            txt.iter().filter(|query| &query.name == kid).count(),
            1,
            "{kid}: {txt:?}"
        );
    }
}

/// `check spf` as a check: the request from what a user types, the report, the
/// verdict, and the binary's output and exit code.
#[tokio::test]
async fn check_spf_runs_as_a_check_with_verdict_json_and_exit_code() {
    use echoterra_bot::checks::spf::SpfRequest;
    use echoterra_bot::checks::{self, Details, Progress, Request};
    use echoterra_bot::render::{self, discord::limits, Format};
    use echoterra_bot::values::Verdict;

    let dns = start().await;
    let services = dns.services();
    // (sender, client, verdict, result)
    let cases = [
        ("jane@pass.example.com", "192.0.2.10", Verdict::Ok, "pass"),
        (
            "pass.example.com",
            "198.51.100.1",
            Verdict::Critical,
            "fail",
        ),
        (
            "softfail.example.com",
            "198.51.100.1",
            Verdict::Warning,
            "softfail",
        ),
        (
            "nothing.example.com",
            "198.51.100.1",
            Verdict::Warning,
            "none",
        ),
        (
            "two.example.com",
            "198.51.100.1",
            Verdict::Critical,
            "permerror",
        ),
        (
            "spf.broken.example",
            "198.51.100.1",
            Verdict::Unknown,
            "temperror",
        ),
    ];
    for (sender, ip, verdict, result) in cases {
        let request = SpfRequest::from_input(sender, ip, None).unwrap();
        let report = checks::run(&services, &Request::Spf(request), &Progress::none()).await;
        assert_eq!(report.verdict, verdict, "{sender}: {}", report.summary);
        assert!(
            report.summary.contains(&format!("SPF {result}")),
            "{}",
            report.summary
        );
        let Details::Spf(details) = &report.details else {
            panic!("not an SPF report")
        };
        assert_eq!(details.result.as_str(), result);
        let message = render::discord::report_message(&report);
        assert_eq!(limits::violations(&message), Vec::<String>::new());
        let json: serde_json::Value =
            serde_json::from_str(&render::render(&report, Format::Json)).unwrap();
        assert_eq!(json["check"], "spf");
        assert_eq!(json["result"], result);
        assert!(json["trace"].is_array() && json["dns_lookups"].is_number());
        assert!(json["void_lookups"].is_number());
    }

    let server = dns.addr().to_string();
    let dir = tempfile::tempdir().unwrap();
    // The DNS server runs on this test's runtime: wait for the binary without blocking it.
    let run = |args: &[&str]| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_echoterra-bot"))
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("DNS_SERVERS", &server)
            .output()
    };
    let output = run(&[
        "check",
        "spf",
        "jane@exp.example.com",
        "--ip",
        "198.51.100.1",
    ])
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.starts_with(
            "SPF CRITICAL: 198.51.100.1 may not send mail as exp.example.com: SPF fail"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Explanation: "), "{stdout}");
    assert!(stdout.contains("Terms evaluated:"), "{stdout}");
    let output = run(&[
        "check",
        "spf",
        "pass.example.com",
        "--ip",
        "192.0.2.10",
        "--format",
        "json",
    ])
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["result"], "pass");
    assert_eq!(json["sender"], "postmaster@pass.example.com");
    let output = run(&[
        "check",
        "spf",
        "pass.example.com",
        "--ip",
        "mail.example.com",
    ])
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an IP address"));
}

/// The prefetch is a query, not a term: it is charged to the run's budget of queries
/// ([`Lookups`]) and never to RFC 7208's 10 DNS-querying terms (§4.6.4), whose meaning
/// stays exact.
#[tokio::test]
async fn the_prefetch_counts_against_the_budget_and_not_toward_the_ten_terms() {
    let mut zone = Zone::new("wide.example");
    let kids: Vec<String> = (1..=5).map(|n| format!("k{n}.wide.example")).collect();
    let terms: Vec<String> = kids.iter().map(|kid| format!("include:{kid}")).collect();
    zone = zone.txt("wide.example", &format!("v=spf1 {} -all", terms.join(" ")));
    for kid in &kids {
        zone = zone.txt(kid, "v=spf1 ip4:192.0.2.1 -all");
    }
    let dns = TestDns::builder()
        .zone(zone)
        .zone(example_zone())
        .start()
        .await;
    let resolver = resolver(&dns);
    let query = |domain: &str| SpfQuery {
        ip: "198.51.100.1".parse().unwrap(),
        domain: domain.to_string(),
        sender: format!("jane@{domain}"),
        helo: None,
    };

    // The root's record and its five includes, prefetched together: six TXT questions
    // charged (two queries each, UDP then TCP at worst), five terms counted (the
    // includes themselves, read from the cache).
    let lookups = Lookups::with_budget(&resolver, 6 * TXT_COST);
    let evaluation = check_host(&lookups, &query("wide.example")).await;
    assert_eq!(evaluation.result, SpfResult::Fail, "{}", evaluation.reason);
    assert_eq!(evaluation.dns_lookups, 5);
    assert_eq!(lookups.sent(), 6 * TXT_COST);
    assert!(!lookups.cut_off());

    // One query less: the last prefetch is refused, and the include that needs it
    // makes the evaluation temperror for the bot's budget, not a permerror.
    let lookups = Lookups::with_budget(&resolver, 6 * TXT_COST - 1);
    let evaluation = check_host(&lookups, &query("wide.example")).await;
    assert_eq!(evaluation.result, SpfResult::Temperror);
    let budget = format!("budget of {}", 6 * TXT_COST - 1);
    assert!(
        evaluation.reason.contains(&budget) && evaluation.reason.contains("not RFC 7208's"),
        "{}",
        evaluation.reason
    );
    assert_eq!(evaluation.dns_lookups, 5);
    assert!(lookups.cut_off());

    // Ten includes, all prefetched: eleven TXT questions, and still ten terms, the most the
    // RFC allows, so the record evaluates (its ip4 matches after them).
    let lookups = Lookups::new(&resolver);
    let ten = SpfQuery {
        ip: "198.51.100.7".parse().unwrap(),
        ..query("ten.example.com")
    };
    let evaluation = check_host(&lookups, &ten).await;
    assert_eq!(evaluation.result, SpfResult::Pass, "{}", evaluation.reason);
    assert_eq!(evaluation.dns_lookups, 10);
    assert_eq!(lookups.sent(), 11 * TXT_COST);
}
