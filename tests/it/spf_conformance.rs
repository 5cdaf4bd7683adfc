//! The RFC 7208 conformance suite (openspf.org, release 2014.04), run as data: each
//! scenario's `zonedata` served by the test DNS server on loopback, and each of its
//! 203 tests asked as `check spf` and `/spf` ask it (`SpfRequest::from_input` with the
//! test's `mailfrom`, `host` and `helo`, then `spf::run`). Every test must give one of
//! its listed results and, where it names one, its explanation, but for the
//! [`DEVIATIONS`], which must give theirs. None is skipped.

use crate::support::spf_suite::{self, Scenario, SuiteTest};

use echoterra_bot::checks::spf::{self, SpfRequest};
use echoterra_bot::checks::{Progress, Services};
use futures::future::join_all;

/// How many tests the release has: a suite read short would pass too easily.
const SUITE_TESTS: usize = 203;

/// Tests whose result differs from the suite's: the name, the result given here and
/// words the reason must hold. Each is checked to still differ, so an entry goes as
/// soon as the bot gives the suite's result again.
///
/// `null-text` serves a `TXT` record of no strings (zero-length data, which no zone
/// file can hold: RFC 1035 §3.3.14) beside the SPF record. hickory-proto 0.26 refuses
/// a whole response holding a record of no data outside an UPDATE, so the lookup is
/// an error and RFC 7208 §4.4 makes it `temperror`; the suite expects `pass`.
const DEVIATIONS: [(&str, &str, &str); 1] = [("null-text", "temperror", "is not valid DNS")];

#[tokio::test]
async fn every_test_of_the_rfc_7208_suite_passes() {
    let scenarios = spf_suite::scenarios();
    let total: usize = scenarios.iter().map(|scenario| scenario.tests.len()).sum();
    assert_eq!(total, SUITE_TESTS, "the suite was not read whole");
    let mut failures = Vec::new();
    for scenario in &scenarios {
        failures.extend(run_scenario(scenario).await);
    }
    assert!(
        failures.is_empty(),
        "{} of {total} tests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs a scenario's tests concurrently against its own DNS server; returns a line
/// for each failure.
async fn run_scenario(scenario: &Scenario) -> Vec<String> {
    let dns = spf_suite::serve(scenario).await;
    let services = dns.services();
    let runs = scenario
        .tests
        .iter()
        .map(|(name, test)| run_test(&services, name, test));
    join_all(runs)
        .await
        .into_iter()
        .flatten()
        .map(|failure| format!("{}: {failure}", scenario.description))
        .collect()
}

/// One test; `Some` says how it failed.
async fn run_test(services: &Services, name: &str, test: &SuiteTest) -> Option<String> {
    let spec = match &test.spec {
        Some(serde_norway::Value::String(spec)) => spec.clone(),
        other => format!("{other:?}"),
    };
    let question = format!(
        "{name} (RFC 7208 {spec}; mailfrom {:?}, host {}, helo {:?})",
        test.mailfrom, test.host, test.helo
    );
    // What a receiver got in MAIL FROM: empty is the null sender, typed `<>`.
    let sender = match test.mailfrom.as_str() {
        "" => "<>",
        sender => sender,
    };
    let request = match SpfRequest::from_input(sender, &test.host, Some(&test.helo)) {
        Ok(request) => request,
        Err(err) => return Some(format!("{question}: refused as input: {err}")),
    };
    let report = spf::run(services, &request, &Progress::none()).await;
    let result = report.result.as_str();
    if let Some(&(_, given, why)) = DEVIATIONS.iter().find(|(test, ..)| *test == name) {
        return (result != given || !report.reason.contains(why)).then(|| {
            format!(
                "{question}: a known deviation gave {result} ({}) instead of {given} ({why}); if it now gives the suite's {}, remove it from DEVIATIONS",
                report.reason, test.result
            )
        });
    }
    if !test.result.accepts(result) {
        return Some(format!(
            "{question}: {result} instead of {} ({})",
            test.result, report.reason
        ));
    }
    let explanation = report.explanation.as_deref();
    let explained = match test.explanation.as_deref() {
        None => true,
        // The receiver's own explanation: the domain gave none.
        Some("DEFAULT") => explanation.is_none(),
        Some(expected) => explanation == Some(expected),
    };
    if !explained {
        return Some(format!(
            "{question}: the explanation is {explanation:?} instead of {:?}",
            test.explanation
        ));
    }
    None
}
