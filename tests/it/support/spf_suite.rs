//! The RFC 7208 test suite (`tests/vendor/rfc7208-test-suite/`, openspf.org release
//! 2014.04) read as data: its scenarios and their tests, and each scenario's `zonedata`
//! served by the test DNS server the way the suite's drivers serve it (pyspf's
//! `testspf.py`, whose rules the README beside the suite lists).

use std::collections::BTreeMap;

use hickory_server::proto::rr::RecordType;
use serde::Deserialize;
use serde_norway::Value;

use super::dns_server::{TestDns, Zone, SPF_TYPE};

/// The suite, as vendored.
pub const SUITE: &str = include_str!("../../vendor/rfc7208-test-suite/rfc7208-tests.yml");

/// One scenario: tests that share their DNS data.
#[derive(Debug, Deserialize)]
pub struct Scenario {
    pub description: String,
    pub tests: BTreeMap<String, SuiteTest>,
    /// Name → its records in the order listed (the order matters for `TIMEOUT`).
    pub zonedata: BTreeMap<String, Vec<Value>>,
}

/// One test: what a receiver got, and what it must conclude.
#[derive(Debug, Deserialize)]
pub struct SuiteTest {
    pub helo: String,
    /// The client address.
    pub host: String,
    /// Empty for the null sender.
    pub mailfrom: String,
    pub result: Expected,
    /// The explanation a fail must carry; `DEFAULT` means the receiver's own, that
    /// is, none from the domain.
    pub explanation: Option<String>,
    /// The section of the RFC the test is about.
    pub spec: Option<Value>,
}

/// One acceptable result, or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Expected {
    One(String),
    Any(Vec<String>),
}

impl Expected {
    pub fn accepts(&self, result: &str) -> bool {
        match self {
            Expected::One(one) => one == result,
            Expected::Any(any) => any.iter().any(|one| one == result),
        }
    }
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::One(one) => f.write_str(one),
            Expected::Any(any) => write!(f, "any of {}", any.join(", ")),
        }
    }
}

/// Every scenario of the suite, in order.
pub fn scenarios() -> Vec<Scenario> {
    serde_norway::Deserializer::from_str(SUITE)
        .map(|document| {
            Scenario::deserialize(document).unwrap_or_else(|err| panic!("the suite: {err}"))
        })
        .collect()
}

/// A test DNS server holding a scenario's `zonedata` in one zone of the root.
pub async fn serve(scenario: &Scenario) -> TestDns {
    let mut zone = Zone::new(".");
    let mut builder = TestDns::builder();
    for (owner, entries) in &scenario.zonedata {
        let (with, answered) = add_name(zone, owner, entries);
        zone = with;
        if let Some(answered) = answered {
            builder = builder.silent_except(owner, &answered);
        }
    }
    builder.zone(zone).start().await
}

/// Adds one name's records to `zone`. Returns the zone and, when the name has a
/// `TIMEOUT`, the record types still answered: those listed before it.
fn add_name(mut zone: Zone, owner: &str, entries: &[Value]) -> (Zone, Option<Vec<RecordType>>) {
    let mut listed = Vec::new();
    let mut answered = None;
    // The driver's rule: SPF records become TXT records too, unless the name lists a
    // TXT record (or `TXT: NONE`) of its own; they come after everything listed.
    let mut has_txt = false;
    let mut spf_as_txt: Vec<Vec<String>> = Vec::new();
    for entry in entries {
        if entry.as_str() == Some("TIMEOUT") {
            answered.get_or_insert_with(|| listed.clone());
            continue;
        }
        let Some(record) = entry.as_mapping() else {
            panic!("{owner}: {entry:?} is neither a record nor TIMEOUT");
        };
        for (kind, value) in record {
            let kind = kind.as_str().unwrap_or_default();
            let record_type = match kind {
                "TXT" => {
                    has_txt = true;
                    if value.as_str() == Some("NONE") {
                        continue;
                    }
                    let strings = strings(owner, value);
                    let strings: Vec<&str> = strings.iter().map(String::as_str).collect();
                    zone = zone.txt_strings(owner, &strings);
                    RecordType::TXT
                }
                "SPF" => {
                    let strings = strings(owner, value);
                    let parts: Vec<&str> = strings.iter().map(String::as_str).collect();
                    zone = zone.spf_type(owner, &parts);
                    spf_as_txt.push(strings);
                    RecordType::Unknown(SPF_TYPE)
                }
                "A" => {
                    zone = zone.a(owner, &text(owner, value));
                    RecordType::A
                }
                "AAAA" => {
                    zone = zone.aaaa(owner, &text(owner, value));
                    RecordType::AAAA
                }
                "MX" => {
                    let (preference, exchange) = mx(owner, value);
                    zone = zone.mx(owner, preference, &exchange);
                    RecordType::MX
                }
                "PTR" => {
                    zone = zone.ptr(owner, &text(owner, value));
                    RecordType::PTR
                }
                "CNAME" => {
                    zone = zone.cname(owner, &text(owner, value));
                    RecordType::CNAME
                }
                other => panic!("{owner}: the record type {other:?} is not in the suite's format"),
            };
            listed.push(record_type);
        }
    }
    if !has_txt {
        for strings in &spf_as_txt {
            let strings: Vec<&str> = strings.iter().map(String::as_str).collect();
            zone = zone.txt_strings(owner, &strings);
        }
    }
    (zone, answered)
}

/// A scalar as text.
fn text(owner: &str, value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        other => panic!("{owner}: {other:?} is not a text"),
    }
}

/// The strings of a TXT or SPF record: one text, or a list of them.
fn strings(owner: &str, value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(|item| text(owner, item)).collect(),
        other => vec![text(owner, other)],
    }
}

/// `[preference, exchange]`; an empty exchange is the root (a null MX).
fn mx(owner: &str, value: &Value) -> (u16, String) {
    let parts = value.as_sequence().filter(|parts| parts.len() == 2);
    let Some(parts) = parts else {
        panic!("{owner}: the MX {value:?} is not [preference, host]");
    };
    let preference = parts[0]
        .as_u64()
        .and_then(|number| u16::try_from(number).ok())
        .unwrap_or_else(|| panic!("{owner}: the MX preference {:?}", parts[0]));
    let exchange = text(owner, &parts[1]);
    let exchange = if exchange.is_empty() {
        ".".to_string()
    } else {
        exchange
    };
    (preference, exchange)
}
