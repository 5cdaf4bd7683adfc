//! RFC 5782 §5 self-test: is a zone's answer worth believing?
//!
//! A resolver that answers NXDOMAIN for everything (some public resolvers asking
//! Spamhaus, once) makes every address look clean; a list whose domain lapsed or
//! that refuses you may answer "listed" for everything (SpamCop on 31 Jan 2021,
//! AHBL since 2015). Each list has test points that settle it: 127.0.0.2 must be
//! listed and 127.0.0.1 must not be. For a zone with `self_test = true` they are
//! asked together with a real IPv4 query (see `fanout`), under the same name, key
//! included; an IPv6 query is self-tested only on a zone whose operator documents
//! an IPv6 test point (`ipv6_test_point`, e.g. ::FFFF:7F00:2, with ::FFFF:7F00:1
//! as the point that must not be listed): on a list that does not list the RFC's
//! IPv6 point, every clean IPv6 answer would otherwise become an error. Here a
//! clean answer is checked against the must-be-listed point and a listing against
//! the must-not-be-listed one. A test point that failed proves nothing, so it
//! leaves the answer as it was.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde::Serialize;

use super::classify::{self, Outcome, Status};
use super::query::{Keys, QueryName};
use crate::catalog::{Zone, RFC5782_IPV6_UNLISTED};
use crate::checks::net::resolver::DnsAnswer;

/// One of a zone's two test points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// 127.0.0.2 (or the zone's IPv6 test point): a working list lists it.
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
}

/// How a result's self-test ended, as the report tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SelfTest {
    /// The zone has no test point for the address's family: nothing was asked.
    None,
    /// The test point answered as a working list answers.
    Passed,
    /// The test point disproved the answer: the result is an error.
    Failed,
    /// The test point (or the real query) failed or timed out: it proves nothing.
    Inconclusive,
}

impl SelfTest {
    /// How the self-test of a result ended: `before` is the real status, `after`
    /// the status once judged, `answer` the test point's answer (`None` when it was
    /// not waited for: the real query failed).
    pub fn settle(before: Status, after: Status, answer: Option<&DnsAnswer<Ipv4Addr>>) -> SelfTest {
        match answer {
            _ if before != after => SelfTest::Failed,
            None | Some(DnsAnswer::Failed(_)) => SelfTest::Inconclusive,
            Some(_) => SelfTest::Passed,
        }
    }
}

/// A zone's two test points for one checked address: the addresses and the names
/// asked for them.
#[derive(Debug, Clone)]
pub struct TestPoints {
    must_be_listed: (IpAddr, QueryName),
    must_not_be_listed: (IpAddr, QueryName),
}

impl TestPoints {
    /// The test points to ask with the query about `address` on `zone`, in the
    /// address's family and built like the real query name (so with the key when
    /// the real one has it). `None` when the zone is not self-tested for that
    /// family: no `self_test` for IPv4, no documented `ipv6_test_point` for IPv6.
    pub fn new(address: IpAddr, zone: &Zone, keys: &Keys<'_>) -> Option<TestPoints> {
        let (listed, unlisted): (IpAddr, IpAddr) = match address {
            IpAddr::V4(_) if zone.self_test => (
                Ipv4Addr::new(127, 0, 0, 2).into(),
                Ipv4Addr::LOCALHOST.into(),
            ),
            IpAddr::V4(_) => return None,
            IpAddr::V6(_) => (zone.ipv6_test_point?.into(), RFC5782_IPV6_UNLISTED.into()),
        };
        Some(TestPoints {
            must_be_listed: (listed, QueryName::new(listed, zone, keys)),
            must_not_be_listed: (unlisted, QueryName::new(unlisted, zone, keys)),
        })
    }

    fn get(&self, point: Point) -> &(IpAddr, QueryName) {
        match point {
            Point::MustBeListed => &self.must_be_listed,
            Point::MustNotBeListed => &self.must_not_be_listed,
        }
    }

    /// The name asked for `point`.
    pub fn name(&self, point: Point) -> &QueryName {
        &self.get(point).1
    }

    /// The test address of `point`.
    pub fn address(&self, point: Point) -> IpAddr {
        self.get(point).0
    }
}

/// The real outcome, checked against what `point` (the address `test_address`)
/// answered (its `A` records). Only a test point that answered can overturn a
/// result: a failure or timeout leaves the real outcome as it is.
pub fn judge(
    zone: &Zone,
    real: Outcome,
    point: Point,
    test_address: IpAddr,
    answer: &DnsAnswer<Ipv4Addr>,
) -> Outcome {
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
                    "self-test failed: {} did not list its own test address {test_address} (it answered {answered}), so its clean answer cannot be trusted: the list is probably blocking this resolver, or the resolver rewrites its answers; configure your own resolver (DNS_SERVERS; see docs/production.md, \"Why blocklists need your own resolver\")",
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
    use crate::catalog::ZoneKey;
    use crate::checks::net::resolver::{DnsFailure, Records};
    use crate::values::Secret;

    fn zone(self_test: bool) -> Zone {
        Zone {
            key: Some(ZoneKey::SpamhausDqs),
            keyed_zone: Some("zen.dq.spamhaus.net".into()),
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
    const V6: &str = "2001:db8::1";
    const T: Duration = Duration::from_secs(4);

    fn judged(real: &DnsAnswer<Ipv4Addr>, point_answer: &DnsAnswer<Ipv4Addr>) -> Outcome {
        let zone = zone(true);
        let real = classify::classify(&zone, real, T);
        let point = Point::for_status(real.status).expect("a clean or listed answer");
        let points = TestPoints::new(V4.parse().unwrap(), &zone, &Keys::default()).unwrap();
        judge(&zone, real, point, points.address(point), point_answer)
    }

    #[test]
    fn ipv4_test_points_are_the_rfc_5782_addresses() {
        let points = TestPoints::new(V4.parse().unwrap(), &zone(true), &Keys::default()).unwrap();
        assert_eq!(points.address(Point::MustBeListed).to_string(), "127.0.0.2");
        assert_eq!(
            points.address(Point::MustNotBeListed).to_string(),
            "127.0.0.1"
        );
        assert_eq!(
            points.name(Point::MustBeListed).to_send(),
            "2.0.0.127.zen.spamhaus.org."
        );
    }

    #[test]
    fn ipv6_is_self_tested_only_with_a_documented_ipv6_test_point() {
        let v6: IpAddr = V6.parse().unwrap();
        // Self-tested for IPv4, but no IPv6 test point documented: nothing to ask.
        assert!(TestPoints::new(v6, &zone(true), &Keys::default()).is_none());
        let documented = Zone {
            ipv6_test_point: Some("::ffff:7f00:2".parse().unwrap()),
            ..zone(false)
        };
        // The IPv6 point stands on its own: no IPv4 self-test needed.
        assert!(TestPoints::new(V4.parse().unwrap(), &documented, &Keys::default()).is_none());
        let points = TestPoints::new(v6, &documented, &Keys::default()).unwrap();
        assert_eq!(
            points.address(Point::MustBeListed),
            "::ffff:7f00:2".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            points.address(Point::MustNotBeListed),
            "::ffff:7f00:1".parse::<IpAddr>().unwrap()
        );
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
        let keys = Keys {
            spamhaus_dqs: Some(&key),
            spamrats: None,
        };
        let points = TestPoints::new(V4.parse().unwrap(), &zone(true), &keys).unwrap();
        assert_eq!(
            points.name(Point::MustBeListed).to_send(),
            "2.0.0.127.sekritkey123.zen.dq.spamhaus.net."
        );
        assert_eq!(
            points.name(Point::MustNotBeListed).to_send(),
            "1.0.0.127.sekritkey123.zen.dq.spamhaus.net."
        );
        assert!(!format!("{points:?}").contains("sekrit"));
        // The same for a SpamRATS-style key in front of the zone itself.
        let rats_key = Secret::new("ratsekrit42");
        let keys = Keys {
            spamhaus_dqs: None,
            spamrats: Some(&rats_key),
        };
        let rats = Zone {
            zone: "spam.spamrats.com".into(),
            key: Some(ZoneKey::Spamrats),
            keyed_zone: None,
            self_test: true,
            ..classify::tests::spamhaus()
        };
        let points = TestPoints::new(V4.parse().unwrap(), &rats, &keys).unwrap();
        assert_eq!(
            points.name(Point::MustBeListed).to_send(),
            "2.0.0.127.ratsekrit42.spam.spamrats.com."
        );
        assert!(!format!("{points:?}").contains("ratsekrit"));
    }

    #[test]
    fn a_zone_without_self_test_has_no_test_points() {
        assert!(TestPoints::new(V4.parse().unwrap(), &zone(false), &Keys::default()).is_none());
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
                real.clone(),
                point,
                "127.0.0.2".parse().unwrap(),
                &DnsAnswer::NxDomain,
            );
            assert_eq!(judged, real);
        }
    }
}
