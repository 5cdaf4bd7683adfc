//! The verdict rules of `check spf`: what a receiver concludes from the result, in one
//! sentence, and how much it matters (RFC 7208 §8 says what each result means).
//!
//! pass is OK; softfail, neutral and none are warnings (the mail is accepted but not
//! vouched for: spam folders, and Gmail and Yahoo want SPF or DKIM to pass); fail and
//! permerror are critical (receivers may reject, §8.4, §8.7); temperror is unknown (a
//! DNS failure: receivers defer and retry, §8.6).

use super::eval::check_domain;
use super::{SpfReport, SpfResult};
use crate::checks::{CheckReport, Conclusion};
use crate::values::Verdict;
use crate::wording::capitalise;

impl CheckReport for SpfReport {
    fn conclusion(&self) -> Conclusion {
        let (ip, domain) = (self.ip, self.domain.as_str());
        let (verdict, conclusion) = match self.result {
            SpfResult::Pass => (
                Verdict::Ok,
                format!("{ip} may send mail as {domain}: SPF pass"),
            ),
            SpfResult::Fail => (
                Verdict::Critical,
                format!("{ip} may not send mail as {domain}: SPF fail, so receivers reject the mail or put it in spam"),
            ),
            SpfResult::Softfail => (
                Verdict::Warning,
                format!("{domain} does not authorise {ip}: SPF softfail, so receivers accept the mail but treat it as suspicious (often spam)"),
            ),
            SpfResult::Neutral => (
                Verdict::Warning,
                format!("{domain} says nothing about {ip}: SPF neutral, which receivers treat like no SPF at all"),
            ),
            // A HELO name or sender domain as a broken client sent it (§2.3, §4.3).
            SpfResult::None if check_domain(domain).is_err() => (
                Verdict::Warning,
                format!("{domain:?} is not a domain name, so it has no SPF policy: SPF none, so receivers cannot tell who may send as it"),
            ),
            SpfResult::None => (
                Verdict::Warning,
                format!("{domain} publishes no SPF policy: SPF none, so receivers cannot tell its servers from forgers"),
            ),
            SpfResult::Permerror => (
                Verdict::Critical,
                format!("The SPF policy of {domain} is broken: SPF permerror, which many receivers treat like a fail"),
            ),
            SpfResult::Temperror => (
                Verdict::Unknown,
                format!("SPF for {domain} could not be evaluated: SPF temperror, a DNS failure, so receivers defer the mail and try again later"),
            ),
        };
        Conclusion {
            verdict,
            summary: format!("{conclusion}. {}", sentence(&self.reason)),
        }
    }
}

/// A reason clause as a sentence: capital first, full stop last.
fn sentence(reason: &str) -> String {
    let text = capitalise(reason.trim());
    if text.ends_with(['.', '!', '?', '…']) {
        text
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(result: SpfResult) -> SpfReport {
        SpfReport {
            domain: "example.com".into(),
            sender: "jane@example.com".into(),
            ip: "192.0.2.1".parse().unwrap(),
            helo: None,
            result,
            explanation: None,
            reason: "\"-all\" in the SPF record of example.com matched (all matches every address), so the result is fail".into(),
            trace: Vec::new(),
            dns_lookups: 0,
            void_lookups: 0,
        }
    }

    #[test]
    fn each_result_has_its_verdict() {
        let cases = [
            (SpfResult::Pass, Verdict::Ok),
            (SpfResult::Fail, Verdict::Critical),
            (SpfResult::Softfail, Verdict::Warning),
            (SpfResult::Neutral, Verdict::Warning),
            (SpfResult::None, Verdict::Warning),
            (SpfResult::Permerror, Verdict::Critical),
            (SpfResult::Temperror, Verdict::Unknown),
        ];
        for (result, verdict) in cases {
            let conclusion = report(result).conclusion();
            assert_eq!(conclusion.verdict, verdict, "{result}");
            assert!(conclusion.summary.contains(result.as_str()), "{result}");
            assert!(conclusion.summary.ends_with('.'), "{}", conclusion.summary);
        }
    }

    #[test]
    fn a_name_that_is_no_domain_is_said_to_be_none() {
        let none = SpfReport {
            domain: "OEMCOMPUTER".into(),
            reason: "it is a single label".into(),
            ..report(SpfResult::None)
        };
        let summary = none.conclusion().summary;
        assert!(
            summary.starts_with(
                "\"OEMCOMPUTER\" is not a domain name, so it has no SPF policy: SPF none"
            ),
            "{summary}"
        );
        let summary = report(SpfResult::None).conclusion().summary;
        assert!(
            summary.starts_with("example.com publishes no SPF policy"),
            "{summary}"
        );
    }

    #[test]
    fn the_summary_says_what_a_receiver_concludes_and_why() {
        let summary = report(SpfResult::Fail).conclusion().summary;
        assert_eq!(
            summary,
            "192.0.2.1 may not send mail as example.com: SPF fail, so receivers reject the mail or put it in spam. \"-all\" in the SPF record of example.com matched (all matches every address), so the result is fail."
        );
    }
}
