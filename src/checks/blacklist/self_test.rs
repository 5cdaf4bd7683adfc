//! RFC 5782 §5 self-test: is a zone's answer worth believing?
//!
//! A resolver that answers NXDOMAIN for everything (some public resolvers asking
//! Spamhaus, once) makes every address look clean; a list whose domain lapsed or
//! that refuses you may answer "listed" for everything (SpamCop on 31 Jan 2021,
//! AHBL since 2015). Each list has test points that settle it: 127.0.0.2 must be
//! listed and 127.0.0.1 must not be (::FFFF:7F00:2 and ::FFFF:7F00:1 on an IPv6
//! list). For a zone with `self_test = true` they are asked together with the real
//! query (see `fanout`), under the same name, DQS key included; here a clean
//! answer is checked against the must-be-listed point and a listing against the
//! must-not-be-listed one. A test point that failed proves nothing, so it leaves
//! the answer as it was.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::classify::{self, Outcome, Status};
use super::query::QueryName;
use crate::catalog::Zone;
use crate::checks::resolver::DnsAnswer;
use crate::values::Secret;

/// One of a zone's two test points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// 127.0.0.2 (or ::FFFF:7F00:2): a working list lists it.
    MustBeListed,
    /// 127.0.0.1 (or ::FFFF:7F00:1): a working list never lists it.
    MustNotBeListed,
}

impl Point {
    /// The point a real answer is checked against: a clean answer is only as good
    /// as the list's listing of 127.0.0.2, a listing only as good as its not listing
    /// 127.0.0.1. An error needs neither.
    pub fn for_status(status: Status) -> Option<Point> {
        match status {
            Status::Clean => Some(Point::MustBeListed),
            Status::Listed => Some(Point::MustNotBeListed),
            Status::Error => None,
        }
    }

    /// The test address in the family of the address checked: an IPv6 address is
    /// tested with the IPv4-mapped IPv6 test points, asked in nibble form.
    pub fn address(self, checked: IpAddr) -> IpAddr {
        let last = match self {
            Point::MustBeListed => 2,
            Point::MustNotBeListed => 1,
        };
        match checked {
            IpAddr::V4(_) => Ipv4Addr::new(127, 0, 0, last).into(),
            IpAddr::V6(_) => Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x7f00, u16::from(last)).into(),
        }
    }
}

/// The names of a zone's two test points for one checked address.
#[derive(Debug, Clone)]
pub struct TestPoints {
    pub must_be_listed: QueryName,
    pub must_not_be_listed: QueryName,
}

impl TestPoints {
    /// The test points to ask with the query about `address` on `zone`, built like
    /// the real query name (so through DQS when the real one is); `None` when the
    /// zone has no `self_test`.
    pub fn new(address: IpAddr, zone: &Zone, dqs_key: Option<&Secret>) -> Option<TestPoints> {
        zone.self_test.then(|| TestPoints {
            must_be_listed: QueryName::new(Point::MustBeListed.address(address), zone, dqs_key),
            must_not_be_listed: QueryName::new(
                Point::MustNotBeListed.address(address),
                zone,
                dqs_key,
            ),
        })
    }

    pub fn name(&self, point: Point) -> &QueryName {
        match point {
            Point::MustBeListed => &self.must_be_listed,
            Point::MustNotBeListed => &self.must_not_be_listed,
        }
    }
}

/// The real outcome, checked against what `point` answered (its `A` records).
/// Only a test point that answered can overturn a result: a failure or timeout
/// leaves the real outcome as it is.
pub fn judge(
    zone: &Zone,
    checked: IpAddr,
    real: Outcome,
    point: Point,
    answer: &DnsAnswer<Ipv4Addr>,
) -> Outcome {
    let test_address = point.address(checked);
    match (point, real.status) {
        (Point::MustBeListed, Status::Clean) => {
            let answered = match answer {
                DnsAnswer::NxDomain => "NXDOMAIN",
                DnsAnswer::NoData => "NODATA",
                _ => return real,
            };
            failed(
                vec![],
                format!(
                    "self-test failed: {} did not list its own test address {test_address} (it answered {answered}), so its \"not listed\" cannot be trusted: the list is probably blocking this resolver, or the resolver rewrites its answers; configure your own resolver (DNS_SERVERS; see the README, \"Why blocklists need your own resolver\")",
                    zone.name
                ),
            )
        }
        (Point::MustNotBeListed, Status::Listed) => {
            // Read with the zone's own codes: the test point is listed when its
            // answer would have counted as a listing. Records never reach the
            // failure text the timeout is for.
            let listed = matches!(answer, DnsAnswer::Records(_))
                && classify::classify(zone, answer, Duration::ZERO).status == Status::Listed;
            if !listed {
                return real;
            }
            failed(
                real.codes,
                format!(
                    "self-test failed: {} also lists its test address {test_address}, which RFC 5782 says must never be listed, so it answers \"listed\" for everything (its domain may have lapsed, or it is refusing this resolver): this listing cannot be trusted; check that {} still operates",
                    zone.name, zone.zone
                ),
            )
        }
        _ => real,
    }
}

fn failed(codes: Vec<Ipv4Addr>, meaning: String) -> Outcome {
    Outcome {
        status: Status::Error,
        codes,
        meaning: Some(meaning),
        policy_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::resolver::{DnsFailure, Records};

    fn zone(self_test: bool) -> Zone {
        Zone {
            dqs_zone: Some("zen.dq.spamhaus.net".into()),
            self_test,
            ..classify::tests::spamhaus()
        }
    }

    fn answer(codes: &[&str]) -> DnsAnswer<Ipv4Addr> {
        DnsAnswer::Records(Records {
            records: codes.iter().map(|c| c.parse().unwrap()).collect(),
            ttl: 60,
            aliases: vec![],
        })
    }

    const V4: &str = "192.0.2.1";
    const T: Duration = Duration::from_secs(4);

    fn judged(real: &DnsAnswer<Ipv4Addr>, point_answer: &DnsAnswer<Ipv4Addr>) -> Outcome {
        let zone = zone(true);
        let real = classify::classify(&zone, real, T);
        let point = Point::for_status(real.status).expect("a clean or listed answer");
        judge(&zone, V4.parse().unwrap(), real, point, point_answer)
    }

    #[test]
    fn test_points_are_the_rfc_5782_addresses_in_the_checked_family() {
        let v4: IpAddr = V4.parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(Point::MustBeListed.address(v4).to_string(), "127.0.0.2");
        assert_eq!(Point::MustNotBeListed.address(v4).to_string(), "127.0.0.1");
        assert_eq!(
            Point::MustBeListed.address(v6),
            "::ffff:7f00:2".parse::<IpAddr>().unwrap()
        );
        let points = TestPoints::new(v6, &zone(true), None).unwrap();
        assert_eq!(
            points.name(Point::MustBeListed).to_send(),
            "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.zen.spamhaus.org."
        );
        assert!(points
            .name(Point::MustNotBeListed)
            .to_send()
            .starts_with("1.0.0.0.0.0.f.7.f.f.f.f."));
    }

    #[test]
    fn test_points_share_the_real_query_base_and_hide_the_key() {
        let key = Secret::new("sekritkey123");
        let points = TestPoints::new(V4.parse().unwrap(), &zone(true), Some(&key)).unwrap();
        assert_eq!(
            points.must_be_listed.to_send(),
            "2.0.0.127.sekritkey123.zen.dq.spamhaus.net."
        );
        assert_eq!(
            points.must_not_be_listed.to_send(),
            "1.0.0.127.sekritkey123.zen.dq.spamhaus.net."
        );
        assert!(!format!("{points:?}").contains("sekrit"));
    }

    #[test]
    fn a_zone_without_self_test_has_no_test_points() {
        assert!(TestPoints::new(V4.parse().unwrap(), &zone(false), None).is_none());
    }

    #[test]
    fn each_answer_is_checked_against_the_point_that_can_disprove_it() {
        assert_eq!(Point::for_status(Status::Clean), Some(Point::MustBeListed));
        assert_eq!(
            Point::for_status(Status::Listed),
            Some(Point::MustNotBeListed)
        );
        assert_eq!(Point::for_status(Status::Error), None);
    }

    #[test]
    fn clean_while_the_test_address_is_not_listed_is_an_error() {
        for (point_answer, words) in [
            (DnsAnswer::NxDomain, "NXDOMAIN"),
            (DnsAnswer::NoData, "NODATA"),
        ] {
            let outcome = judged(&DnsAnswer::NxDomain, &point_answer);
            assert_eq!(outcome.status, Status::Error);
            let meaning = outcome.meaning.unwrap();
            for expected in [
                words,
                "127.0.0.2",
                "cannot be trusted",
                "own resolver",
                "self-test",
            ] {
                assert!(meaning.contains(expected), "{expected}: {meaning}");
            }
        }
    }

    #[test]
    fn listed_while_loopback_one_is_listed_too_is_an_error() {
        let outcome = judged(&answer(&["127.0.0.2"]), &answer(&["127.0.0.2"]));
        assert_eq!(outcome.status, Status::Error);
        // The raw answer stays visible.
        assert_eq!(outcome.codes, ["127.0.0.2".parse::<Ipv4Addr>().unwrap()]);
        let meaning = outcome.meaning.unwrap();
        assert!(
            meaning.contains("127.0.0.1") && meaning.contains("listed\" for everything"),
            "{meaning}"
        );
    }

    #[test]
    fn a_healthy_zone_keeps_its_answer() {
        let clean = judged(&DnsAnswer::NxDomain, &answer(&["127.0.0.2"]));
        assert_eq!(clean.status, Status::Clean);
        let listed = judged(&answer(&["127.0.0.10"]), &DnsAnswer::NxDomain);
        assert_eq!(listed.status, Status::Listed);
        assert!(listed.policy_only);
    }

    #[test]
    fn a_failed_test_point_changes_nothing() {
        for failure in [
            DnsFailure::Timeout,
            DnsFailure::ServFail,
            DnsFailure::Refused,
        ] {
            let point = DnsAnswer::Failed(failure);
            assert_eq!(judged(&DnsAnswer::NxDomain, &point).status, Status::Clean);
            assert_eq!(
                judged(&answer(&["127.0.0.2"]), &point).status,
                Status::Listed
            );
        }
    }

    #[test]
    fn a_test_point_answering_a_refusal_code_is_not_a_listing() {
        // A refusal on 127.0.0.1 says nothing about listing everything.
        let listed = judged(&answer(&["127.0.0.2"]), &answer(&["127.255.255.254"]));
        assert_eq!(listed.status, Status::Listed);
    }

    #[test]
    fn an_error_is_left_alone() {
        let zone = zone(true);
        let real = classify::classify(&zone, &answer(&["127.255.255.254"]), T);
        for point in [Point::MustBeListed, Point::MustNotBeListed] {
            let judged = judge(
                &zone,
                V4.parse().unwrap(),
                real.clone(),
                point,
                &DnsAnswer::NxDomain,
            );
            assert_eq!(judged, real);
        }
    }
}
