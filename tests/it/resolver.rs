//! The shared resolver against a real DNS server on loopback: every kind of answer a
//! check must tell apart (records, NODATA, NXDOMAIN, SERVFAIL, REFUSED, silence).

use crate::support::dns_server;

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use dns_server::{Fault, TestDns, Zone, TEST_DNS_TIMEOUT};
use echoterra_bot::checks::net::resolver::{
    Alias, DnsAnswer, DnsFailure, DnsResolver, MxData, ResolverSettings, MAX_CACHE_AGE,
};
use hickory_server::proto::rr::RecordType;

async fn server() -> TestDns {
    TestDns::builder()
        .zone(
            Zone::new("example.com")
                .a("example.com", "93.184.215.14")
                .aaaa("example.com", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
                .mx("example.com", 20, "backup.example.com")
                .mx("example.com", 10, "Mail.Example.COM")
                .a("mail.example.com", "93.184.215.20")
                .txt("example.com", "v=spf1 -all")
                .cname("alias.example.com", "mail.example.com")
                .mx("nomail.example.com", 0, "."),
        )
        .zone(Zone::new("broken.test"))
        .fault("servfail.broken.test", Fault::ServFail)
        .fault("refused.broken.test", Fault::Refused)
        .fault("silent.broken.test", Fault::NoAnswer)
        .start()
        .await
}

#[tokio::test]
async fn finds_addresses_text_and_mail_exchangers() {
    let dns = server().await;
    let resolver = dns.services().resolver;

    let v4 = resolver.ipv4("example.com").await;
    assert_eq!(v4.records(), Some(&[Ipv4Addr::new(93, 184, 215, 14)][..]));
    let v6 = resolver.ipv6("example.com").await;
    assert_eq!(
        v6.records(),
        Some(
            &["2606:2800:21f:cb07:6820:80da:af6b:8b2c"
                .parse::<Ipv6Addr>()
                .unwrap()][..]
        )
    );
    let txt = resolver.txt("example.com").await;
    assert_eq!(txt.records(), Some(&["v=spf1 -all".to_string()][..]));

    let DnsAnswer::Records(mx) = resolver.mx("EXAMPLE.com.").await else {
        panic!("MX records expected");
    };
    let mut exchangers = mx.records.clone();
    exchangers.sort_by_key(|mx| mx.preference);
    assert_eq!(
        exchangers,
        [
            MxData {
                preference: 10,
                exchange: "mail.example.com".into()
            },
            MxData {
                preference: 20,
                exchange: "backup.example.com".into()
            }
        ]
    );
    assert_eq!(mx.ttl, dns_server::TEST_TTL);
    assert!(mx.aliases.is_empty());
}

#[tokio::test]
async fn a_null_mx_names_the_root() {
    let dns = server().await;
    let answer = dns.services().resolver.mx("nomail.example.com").await;
    assert_eq!(
        answer.records(),
        Some(
            &[MxData {
                preference: 0,
                exchange: ".".into()
            }][..]
        )
    );
}

#[tokio::test]
async fn tells_nxdomain_from_nodata() {
    let dns = server().await;
    let resolver = dns.services().resolver;
    assert_eq!(
        resolver.ipv4("nowhere.example.com").await,
        DnsAnswer::NxDomain
    );
    // mail.example.com exists (it has an A record) but has no MX.
    assert_eq!(resolver.mx("mail.example.com").await, DnsAnswer::NoData);
    assert_eq!(resolver.ipv6("mail.example.com").await, DnsAnswer::NoData);
}

#[tokio::test]
async fn keeps_the_aliases_it_followed() {
    let dns = server().await;
    let DnsAnswer::Records(found) = dns.services().resolver.ipv4("alias.example.com").await else {
        panic!("the alias should resolve");
    };
    assert_eq!(found.records, [Ipv4Addr::new(93, 184, 215, 20)]);
    assert_eq!(
        found.aliases,
        [Alias {
            name: "alias.example.com".into(),
            target: "mail.example.com".into()
        }]
    );
}

#[tokio::test]
async fn server_failures_are_failures_not_absence() {
    let dns = server().await;
    let resolver = dns.services().resolver;
    assert_eq!(
        resolver.ipv4("2.0.0.127.servfail.broken.test").await,
        DnsAnswer::Failed(DnsFailure::ServFail)
    );
    assert_eq!(
        resolver.ipv4("refused.broken.test").await,
        DnsAnswer::Failed(DnsFailure::Refused)
    );
    // A name in no zone of the server: an authoritative server refuses it.
    assert_eq!(
        resolver.txt("elsewhere.example.org").await,
        DnsAnswer::Failed(DnsFailure::Refused)
    );
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_within_the_deadline() {
    let dns = server().await;
    let resolver = dns.services().resolver;
    let started = Instant::now();
    let answer = resolver.ipv4("silent.broken.test").await;
    assert_eq!(answer, DnsAnswer::Failed(DnsFailure::Timeout));
    assert!(resolver.deadline() <= TEST_DNS_TIMEOUT * 2);
    assert!(started.elapsed() < resolver.deadline() + Duration::from_secs(2));
}

#[tokio::test]
async fn an_unreachable_nameserver_is_a_failure_within_the_deadline() {
    // Nothing listens on this port once the socket is closed.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let resolver = DnsResolver::new(&ResolverSettings {
        servers: Some(vec![port]),
        timeout: Duration::from_millis(500),
        attempts: 2,
        max_in_flight: 16,
        cache_max_age: MAX_CACHE_AGE,
    })
    .unwrap();
    let started = Instant::now();
    let answer = resolver.ipv4("example.com").await;
    assert!(answer.failure().is_some(), "{answer:?}");
    assert!(started.elapsed() < resolver.deadline() + Duration::from_secs(2));
}

/// Answers come from the cache with their zone's TTL (not the cache's bound), and no
/// answer is served from the cache once it is older than the cache's max age.
#[tokio::test]
async fn answers_keep_their_ttl_and_leave_the_cache_after_its_max_age() {
    let dns = server().await;
    let resolver = DnsResolver::new(&ResolverSettings {
        servers: Some(vec![dns.addr()]),
        timeout: Duration::from_secs(2),
        attempts: 1,
        max_in_flight: 4,
        cache_max_age: Duration::from_millis(400),
    })
    .unwrap();
    let asked = |dns: &TestDns| {
        dns.queries()
            .iter()
            .filter(|query| query.name == "example.com" && query.record_type == RecordType::MX)
            .count()
    };
    let DnsAnswer::Records(first) = resolver.mx("example.com").await else {
        panic!("MX records expected");
    };
    assert_eq!(first.ttl, dns_server::TEST_TTL);
    let DnsAnswer::Records(cached) = resolver.mx("example.com").await else {
        panic!("MX records expected");
    };
    assert!(cached.ttl > dns_server::TEST_TTL - 5, "{}", cached.ttl);
    assert_eq!(asked(&dns), 1, "the second answer came from the cache");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(resolver.mx("example.com").await.records().is_some());
    assert_eq!(
        asked(&dns),
        2,
        "an answer older than the max age is asked again"
    );
}

#[tokio::test]
async fn queries_the_absolute_name_only() {
    let dns = server().await;
    let resolver = dns.services().resolver;
    let _ = resolver.ipv4("nowhere.example.com").await;
    let _ = resolver.txt("example.com").await;
    let queries = dns.queries();
    assert!(queries
        .iter()
        .all(|q| q.name == "nowhere.example.com" || q.name == "example.com"));
    assert!(queries
        .iter()
        .any(|q| q.name == "example.com" && q.record_type == RecordType::TXT));
}

#[tokio::test]
async fn an_invalid_name_is_refused_before_any_query() {
    let dns = server().await;
    let answer = dns.services().resolver.ipv4("").await;
    assert!(matches!(
        answer,
        DnsAnswer::Failed(DnsFailure::InvalidName(_))
    ));
    assert!(dns.queries().is_empty());
}

#[tokio::test]
async fn queries_in_flight_are_capped_and_the_rest_wait_their_turn() {
    let names: Vec<String> = (0..12).map(|i| format!("host{i}.slow.test")).collect();
    let zone = names.iter().fold(Zone::new("slow.test"), |zone, name| {
        zone.a(name, "192.0.2.1")
    });
    let dns = TestDns::builder()
        .zone(zone)
        .fault("slow.test", Fault::Delay(Duration::from_millis(150)))
        .start()
        .await;
    let resolver = DnsResolver::new(&ResolverSettings {
        servers: Some(vec![dns.addr()]),
        timeout: Duration::from_secs(2),
        attempts: 1,
        max_in_flight: 3,
        cache_max_age: MAX_CACHE_AGE,
    })
    .unwrap();
    let answers = futures::future::join_all(names.iter().map(|name| resolver.ipv4(name))).await;
    // Queued, not failed: every one is answered.
    assert!(
        answers.iter().all(|answer| answer.records().is_some()),
        "{answers:?}"
    );
    assert_eq!(dns.queries().len(), 12);
    assert!(dns.most_at_once() <= 3, "{} at once", dns.most_at_once());
}

/// Reverse DNS: PTR names, and whether one leads back to the address (FCrDNS).
#[tokio::test]
async fn reverse_dns_finds_ptr_names_and_checks_they_lead_back() {
    use echoterra_bot::checks::net::reverse_dns;
    let dns = TestDns::builder()
        .zone(
            Zone::new("2.0.192.in-addr.arpa")
                .ptr(&dns_server::reverse_name("192.0.2.3"), "mail.example.com")
                .ptr(&dns_server::reverse_name("192.0.2.4"), "mail.example.com"),
        )
        .zone(Zone::new("example.com").a("mail.example.com", "192.0.2.3"))
        .zone(Zone::new("8.b.d.0.1.0.0.2.ip6.arpa").ptr(
            &dns_server::reverse_name("2001:db8::25"),
            "mail.example.com",
        ))
        .start()
        .await;
    let resolver = dns.services().resolver;
    let confirmed = reverse_dns::look_up(&resolver, "192.0.2.3".parse().unwrap()).await;
    assert_eq!(confirmed.ptr, ["mail.example.com"]);
    assert!(confirmed.forward_confirmed);
    assert_eq!(confirmed.problem(), None);
    // The name exists but resolves to another address.
    let claimed = reverse_dns::look_up(&resolver, "192.0.2.4".parse().unwrap()).await;
    assert!(!claimed.forward_confirmed);
    assert!(claimed.problem().unwrap().contains("does not resolve back"));
    let v6 = reverse_dns::look_up(&resolver, "2001:db8::25".parse().unwrap()).await;
    assert_eq!(v6.ptr, ["mail.example.com"]);
    assert!(!v6.forward_confirmed, "mail.example.com has no AAAA");
    let none = reverse_dns::look_up(&resolver, "192.0.2.9".parse().unwrap()).await;
    assert!(none.ptr.is_empty() && none.failure.is_none());
    assert!(none.problem().unwrap().contains("no reverse DNS"));
}
