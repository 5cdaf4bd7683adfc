//! One zone's answer read as exactly one of listed, clean or error (RFC 5782 and the
//! operators' documented codes).
//!
//! An error is never a listing and never clean: a refusal code, a resolver that
//! rewrites NXDOMAIN or a lapsed zone domain would otherwise make an address look
//! listed everywhere, or clean everywhere. Each error carries a sentence for staff
//! saying what it means and what to do.

use std::net::Ipv4Addr;
use std::time::Duration;

use serde::Serialize;

use super::query::Keys;
use crate::catalog::Zone;
use crate::checks::net::resolver::{DnsAnswer, DnsFailure};
use crate::wording::{printable, seconds, shorten};

/// How a zone ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Listed,
    Clean,
    Error,
}

/// A zone's answer, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    /// The `A` answers, raw (documented or not).
    pub codes: Vec<Ipv4Addr>,
    /// Listed: the meaning of each code. Error: what went wrong, for staff.
    /// Clean: a note when the zone answered NODATA.
    pub meaning: Option<String>,
    /// Listed only with policy codes (Spamhaus PBL): normal for a home or dynamic IP.
    pub policy_only: bool,
}

/// Reads the `A` answer of a zone. `timeout` is the per-query timeout, for the message.
pub fn classify(zone: &Zone, answer: &DnsAnswer<Ipv4Addr>, timeout: Duration) -> Outcome {
    let addresses = match answer {
        DnsAnswer::NxDomain => return clean(None),
        DnsAnswer::NoData => return clean(Some(
            "the list answered NODATA (the name exists but has no address): counted as not listed"
                .to_string(),
        )),
        DnsAnswer::Failed(failure) => return error(vec![], failed(zone, failure, timeout)),
        DnsAnswer::Records(records) => &records.records,
    };
    let mut codes = addresses.clone();
    codes.sort();
    codes.dedup();
    if codes.is_empty() {
        return clean(None);
    }
    if let Some(outside) = codes.iter().find(|code| code.octets()[0] != 127) {
        return error(
            codes.clone(),
            format!(
                "the answer {outside} is outside 127.0.0.0/8, so it is not a listing: the resolver rewrites \"does not exist\" answers (ISP, captive portal, ad-blocking DNS) or the list's domain has lapsed and is parked; use your own resolver (DNS_SERVERS) and check that {} still operates",
                zone.zone
            ),
        );
    }
    if let Some(documented) = codes
        .iter()
        .find_map(|code| zone.errors.iter().find(|error| error.code == *code))
    {
        return error(
            codes.clone(),
            format!("{} ({})", documented.meaning, documented.code),
        );
    }
    if zone.loopback_is_error && codes.contains(&Ipv4Addr::LOCALHOST) {
        return error(
            codes.clone(),
            format!(
                "{} answered 127.0.0.1, which RFC 5782 forbids as a listing: the list is refusing this resolver (too many queries or a shared public resolver), is broken, or lists everything; not counted as listed",
                zone.name
            ),
        );
    }
    let documented: Vec<_> = codes
        .iter()
        .filter_map(|code| zone.codes.iter().find(|known| known.code == *code))
        .collect();
    let undocumented: Vec<String> = codes
        .iter()
        .filter(|code| !zone.codes.iter().any(|known| known.code == **code))
        .map(ToString::to_string)
        .collect();
    // A zone without documented codes treats any 127/8 answer as a listing.
    if zone.codes.is_empty() {
        return Outcome {
            status: Status::Listed,
            meaning: Some(format!("listed on {}", zone.name)),
            codes,
            policy_only: false,
        };
    }
    if zone.strict_codes && !undocumented.is_empty() {
        let documented: Vec<String> = zone
            .codes
            .iter()
            .map(|known| known.code.to_string())
            .collect();
        let what = format!(
            "{} answered {}, not its code {}: its operator says any other answer may be a refusal, so it is not counted as listed",
            zone.name,
            undocumented.join(", "),
            documented.join(" or ")
        );
        return error(codes.clone(), with_hint(zone, what));
    }
    if documented.is_empty() {
        return error(
            codes.clone(),
            format!(
                "{} answered {}, a code it does not document: not counted as listed; look the address up at the list's site",
                zone.name,
                undocumented.join(", ")
            ),
        );
    }
    let mut meanings: Vec<String> = documented
        .iter()
        .map(|known| format!("{}: {}", known.code, known.meaning))
        .collect();
    if !undocumented.is_empty() {
        meanings.push(format!(
            "also {} (not documented by the list)",
            undocumented.join(", ")
        ));
    }
    Outcome {
        status: Status::Listed,
        policy_only: documented.iter().all(|known| known.policy),
        meaning: Some(meanings.join("; ")),
        codes,
    }
}

/// The TXT reason of a listing, cleaned for display: strings joined, control
/// characters shown escaped and every key (should a list echo the query name) masked.
pub fn reason(txt: &DnsAnswer<String>, keys: &Keys<'_>) -> Option<String> {
    let texts = txt.records()?;
    let joined = texts
        .iter()
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    let joined = keys.mask(&printable(&joined));
    // A reason is a line or two; a list sending pages of TXT is cut.
    const MAX_REASON: usize = 400;
    let joined = shorten(&joined, MAX_REASON);
    (!joined.is_empty()).then_some(joined)
}

fn clean(note: Option<String>) -> Outcome {
    Outcome {
        status: Status::Clean,
        codes: vec![],
        meaning: note,
        policy_only: false,
    }
}

fn error(codes: Vec<Ipv4Addr>, meaning: String) -> Outcome {
    Outcome {
        status: Status::Error,
        codes,
        meaning: Some(meaning),
        policy_only: false,
    }
}

/// What a failed query means for staff, with the zone's own hint when it has one.
fn failed(zone: &Zone, failure: &DnsFailure, timeout: Duration) -> String {
    let what = match failure {
        DnsFailure::Timeout => format!(
            "no answer within {}: the list's servers may be down or dropping queries from this resolver",
            seconds(timeout)
        ),
        DnsFailure::ServFail => {
            "the resolver got no answer from the list (SERVFAIL): the list may be down or refuses this resolver".to_string()
        }
        DnsFailure::Refused => "the DNS server refused the query (REFUSED)".to_string(),
        other => other.to_string(),
    };
    with_hint(zone, what)
}

/// `what` went wrong, followed by the zone's own hint when it has one.
fn with_hint(zone: &Zone, what: String) -> String {
    match &zone.failure_hint {
        Some(hint) => format!("{what}. {hint}"),
        None => what,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::{ReturnCode, Tier, ZoneKey};
    use crate::checks::net::resolver::Records;
    use crate::values::Secret;

    fn code(text: &str, meaning: &str, policy: bool) -> ReturnCode {
        ReturnCode {
            code: text.parse().unwrap(),
            meaning: meaning.to_string(),
            policy,
        }
    }

    /// A Spamhaus-like zone; other modules' tests build on it.
    pub(crate) fn spamhaus() -> Zone {
        Zone {
            zone: "zen.spamhaus.org".into(),
            name: "Spamhaus ZEN".into(),
            lists: "everything".into(),
            tier: Tier::Major,
            ipv6: true,
            key: None,
            keyed_zone: None,
            dqs_zone: None,
            delist_url: "https://check.spamhaus.org/".into(),
            lookup_url: None,
            offers_https: true,
            note: None,
            failure_hint: Some("use a DQS key".into()),
            self_test: false,
            ipv6_test_point: None,
            loopback_is_error: true,
            strict_codes: false,
            free_queries_per_day: Some(300_000),
            codes: vec![
                code("127.0.0.2", "SBL", false),
                code("127.0.0.4", "XBL", false),
                code("127.0.0.10", "PBL", true),
                code("127.0.0.11", "PBL", true),
            ],
            errors: vec![code("127.255.255.254", "open resolver", false)],
        }
    }

    fn answer(codes: &[&str]) -> DnsAnswer<Ipv4Addr> {
        DnsAnswer::Records(Records {
            records: codes.iter().map(|c| c.parse().unwrap()).collect(),
            ttl: 60,
            aliases: vec![],
        })
    }

    const T: Duration = Duration::from_secs(4);

    #[test]
    fn nxdomain_is_clean_and_nodata_is_clean_with_a_note() {
        assert_eq!(
            classify(&spamhaus(), &DnsAnswer::NxDomain, T).status,
            Status::Clean
        );
        let nodata = classify(&spamhaus(), &DnsAnswer::NoData, T);
        assert_eq!(nodata.status, Status::Clean);
        assert!(nodata.meaning.unwrap().contains("NODATA"));
    }

    #[test]
    fn documented_codes_are_listed_with_their_meanings() {
        let outcome = classify(&spamhaus(), &answer(&["127.0.0.4", "127.0.0.2"]), T);
        assert_eq!(outcome.status, Status::Listed);
        assert!(!outcome.policy_only);
        assert_eq!(outcome.codes.len(), 2);
        assert_eq!(outcome.meaning.unwrap(), "127.0.0.2: SBL; 127.0.0.4: XBL");
    }

    #[test]
    fn pbl_alone_is_a_policy_listing() {
        let outcome = classify(&spamhaus(), &answer(&["127.0.0.10", "127.0.0.11"]), T);
        assert_eq!(outcome.status, Status::Listed);
        assert!(outcome.policy_only);
        let mixed = classify(&spamhaus(), &answer(&["127.0.0.10", "127.0.0.2"]), T);
        assert!(!mixed.policy_only);
    }

    #[test]
    fn refusal_codes_are_errors_with_their_meaning() {
        let outcome = classify(&spamhaus(), &answer(&["127.255.255.254"]), T);
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.meaning.unwrap().contains("open resolver"));
    }

    #[test]
    fn answers_outside_127_8_are_errors_never_listings() {
        let outcome = classify(&spamhaus(), &answer(&["92.242.140.21"]), T);
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.meaning.unwrap().contains("outside 127.0.0.0/8"));
        let mixed = classify(&spamhaus(), &answer(&["127.0.0.2", "10.0.0.1"]), T);
        assert_eq!(mixed.status, Status::Error);
    }

    #[test]
    fn loopback_one_is_a_refusal_from_any_list() {
        let outcome = classify(&spamhaus(), &answer(&["127.0.0.1"]), T);
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.meaning.unwrap().contains("RFC 5782"));
    }

    /// 0spam documents 127.0.0.1 as "general spam": a listing there, an error elsewhere.
    #[test]
    fn loopback_one_is_a_listing_where_the_operator_says_so() {
        let zerospam = Zone {
            zone: "bl.0spam.org".into(),
            name: "0spam".into(),
            loopback_is_error: false,
            codes: vec![
                code("127.0.0.1", "general spam", false),
                code("127.0.0.2", "removal request missing information", false),
            ],
            errors: vec![],
            ..spamhaus()
        };
        let outcome = classify(&zerospam, &answer(&["127.0.0.1"]), T);
        assert_eq!(outcome.status, Status::Listed);
        assert_eq!(outcome.meaning.unwrap(), "127.0.0.1: general spam");
        // Undocumented codes are still errors there.
        let odd = classify(&zerospam, &answer(&["127.0.0.77"]), T);
        assert_eq!(odd.status, Status::Error);
    }

    /// SpamRATS: only its own code is a listing; anything else may be a refusal.
    #[test]
    fn a_strict_zone_treats_any_other_answer_as_a_refusal() {
        let rats = Zone {
            zone: "spam.spamrats.com".into(),
            name: "SpamRATS Spam".into(),
            strict_codes: true,
            key: Some(ZoneKey::Spamrats),
            failure_hint: Some("set SPAMRATS_KEY".into()),
            codes: vec![code("127.0.0.38", "spam source", false)],
            errors: vec![],
            ..spamhaus()
        };
        let listed = classify(&rats, &answer(&["127.0.0.38"]), T);
        assert_eq!(listed.status, Status::Listed);
        for odd in [&["127.0.0.2"][..], &["127.0.0.38", "127.0.0.2"]] {
            let outcome = classify(&rats, &answer(odd), T);
            assert_eq!(outcome.status, Status::Error, "{odd:?}");
            assert_eq!(outcome.codes.len(), odd.len());
            let meaning = outcome.meaning.unwrap();
            for words in [
                "127.0.0.2",
                "not its code 127.0.0.38",
                "refusal",
                "SPAMRATS_KEY",
            ] {
                assert!(meaning.contains(words), "{words}: {meaning}");
            }
        }
        // 127.0.0.1 keeps its own explanation.
        let loopback = classify(&rats, &answer(&["127.0.0.1"]), T);
        assert!(loopback.meaning.unwrap().contains("RFC 5782"));
    }

    #[test]
    fn an_undocumented_code_is_shown_raw_as_an_error() {
        let outcome = classify(&spamhaus(), &answer(&["127.0.0.77"]), T);
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.meaning.unwrap().contains("127.0.0.77"));
        // Next to a documented code it is listed, and the raw code still shows.
        let mixed = classify(&spamhaus(), &answer(&["127.0.0.2", "127.0.0.77"]), T);
        assert_eq!(mixed.status, Status::Listed);
        assert!(mixed.meaning.unwrap().contains("also 127.0.0.77"));
    }

    #[test]
    fn failures_are_errors_explained_with_the_zone_hint() {
        for (failure, words) in [
            (DnsFailure::Timeout, "within 4 s"),
            (DnsFailure::ServFail, "SERVFAIL"),
            (DnsFailure::Refused, "REFUSED"),
        ] {
            let outcome = classify(&spamhaus(), &DnsAnswer::Failed(failure), T);
            assert_eq!(outcome.status, Status::Error);
            let meaning = outcome.meaning.unwrap();
            assert!(
                meaning.contains(words) && meaning.contains("DQS"),
                "{meaning}"
            );
        }
    }

    #[test]
    fn reasons_are_joined_cleaned_and_never_show_the_key() {
        let txt = DnsAnswer::Records(Records {
            records: vec![
                "Listed by SBL, see https://check.spamhaus.org/sbl/ for KEY123".to_string(),
                "second\u{7}line".to_string(),
            ],
            ttl: 60,
            aliases: vec![],
        });
        let dqs = Secret::new("KEY123");
        let keys = Keys {
            spamhaus_dqs: Some(&dqs),
            spamrats: None,
        };
        let reason = reason(&txt, &keys).unwrap();
        assert!(!reason.contains("KEY123"));
        assert!(reason.contains("*** | second\\u{7}line"), "{reason}");
        assert_eq!(super::reason(&DnsAnswer::NxDomain, &keys), None);
        // A SpamRATS key echoed in TXT is masked the same way.
        let rats = Secret::new("RATS456");
        let keys = Keys {
            spamhaus_dqs: None,
            spamrats: Some(&rats),
        };
        let echoed = DnsAnswer::Records(Records {
            records: vec!["Listed: 1.2.0.192.RATS456.spam.spamrats.com".to_string()],
            ttl: 60,
            aliases: vec![],
        });
        let reason = super::reason(&echoed, &keys).unwrap();
        assert_eq!(reason, "Listed: 1.2.0.192.***.spam.spamrats.com");
    }
}
