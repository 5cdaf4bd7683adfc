//! `commands/blacklist.toml`: the DNS blocklist zones `/blacklist` queries.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::values::domain::DomainName;

/// The placeholder a `lookup_url` holds for the address looked up.
pub const IP_PLACEHOLDER: &str = "{ip}";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlacklistCatalog {
    /// Moved to `defaults.toml` (it governs `/smtp` too): accepted here only to say so.
    #[serde(default)]
    staff_permissions: Option<toml::Spanned<toml::Value>>,
    /// Per-zone query timeout.
    pub query_timeout_ms: u64,
    /// Deadline for the whole check.
    pub deadline_ms: u64,
    /// A hostname target is checked on at most this many of its addresses.
    pub max_addresses: usize,
    pub zones: Vec<toml::Spanned<Zone>>,
}

/// One DNS blocklist.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// The DNS zone queried, e.g. `zen.spamhaus.org`.
    pub zone: String,
    /// The name staff know it by.
    pub name: String,
    /// What the list lists, in a few words.
    pub lists: String,
    pub tier: Tier,
    /// Whether the zone answers for IPv6 addresses.
    #[serde(default)]
    pub ipv6: bool,
    /// The key this zone is asked with when it is configured (`SPAMHAUS_DQS_KEY`,
    /// `SPAMRATS_KEY`): the name sent is then `<reversed-ip>.<key>.<keyed_zone>`.
    #[serde(default)]
    pub key: Option<ZoneKey>,
    /// The zone a keyed query goes to, e.g. `zen.dq.spamhaus.net` for Spamhaus DQS;
    /// `zone` itself when unset (SpamRATS puts the key in front of its own zones).
    #[serde(default)]
    pub keyed_zone: Option<String>,
    /// Replaced by `key = "spamhaus_dqs"` and `keyed_zone`: accepted only so that
    /// validation can say how to rewrite it; always `None` in a valid catalogue.
    #[serde(default)]
    pub dqs_zone: Option<toml::Spanned<String>>,
    /// The list's lookup or delisting page.
    pub delist_url: String,
    /// The list's page for one address, with `{ip}` where the address goes (see
    /// [`Zone::lookup_url_for`]).
    #[serde(default)]
    pub lookup_url: Option<String>,
    /// Whether the operator's site offers https (default true). Only a zone marked
    /// `offers_https = false` may have http:// pages.
    #[serde(default = "yes")]
    pub offers_https: bool,
    /// What staff should know with every listing on this zone, e.g. that the
    /// operator means it only for bounces.
    #[serde(default)]
    pub note: Option<String>,
    /// What staff should know when the zone fails to answer (SERVFAIL, REFUSED,
    /// timeout) or answers an undocumented code on a `strict_codes` zone, e.g. that
    /// it answers only registered resolvers.
    pub failure_hint: Option<String>,
    /// RFC 5782 §5 self-test for IPv4 queries: the zone's test points (127.0.0.2
    /// must be listed, 127.0.0.1 must not) are asked with every query, and an answer
    /// they contradict becomes an error. Only for zones known to honour the test
    /// points.
    #[serde(default)]
    pub self_test: bool,
    /// The IPv6 test point the operator documents as listed (e.g. `::FFFF:7F00:2`):
    /// with it, IPv6 queries are self-tested too (with `::FFFF:7F00:1` as the point
    /// that must not be listed). Without it an IPv6 query is not self-tested.
    #[serde(default)]
    pub ipv6_test_point: Option<Ipv6Addr>,
    /// Whether an answer of 127.0.0.1 is an error (default true: RFC 5782 §5 forbids
    /// listing it, and lists such as URIBL answer it to refuse a query). False for a
    /// list that documents 127.0.0.1 as a listing (0spam).
    #[serde(default = "yes")]
    pub loopback_is_error: bool,
    /// Only the documented codes mean "listed": any other answer is an error, even
    /// beside a documented code (SpamRATS: any other answer may be a refusal).
    #[serde(default)]
    pub strict_codes: bool,
    /// The queries a day the operator documents as free (Spamhaus: 300,000 on its
    /// public mirrors), for weighing what blocklist watches cost; `None` where the
    /// operator documents no figure ("not documented"), never a guess.
    #[serde(default)]
    pub free_queries_per_day: Option<u64>,
    /// Documented answers meaning "listed".
    #[serde(default)]
    pub codes: Vec<ReturnCode>,
    /// Documented answers meaning "your query was refused or failed", never "listed".
    #[serde(default)]
    pub errors: Vec<ReturnCode>,
}

fn yes() -> bool {
    true
}

/// A key a zone can be asked with, named after the setting that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKey {
    /// `SPAMHAUS_DQS_KEY`: Spamhaus's Data Query Service.
    SpamhausDqs,
    /// `SPAMRATS_KEY`: a SpamRATS API key.
    Spamrats,
}

impl ZoneKey {
    /// The environment variable that holds the key.
    pub fn variable(self) -> &'static str {
        match self {
            ZoneKey::SpamhausDqs => "SPAMHAUS_DQS_KEY",
            ZoneKey::Spamrats => "SPAMRATS_KEY",
        }
    }

    /// What the key is, for people.
    pub fn label(self) -> &'static str {
        match self {
            ZoneKey::SpamhausDqs => "Spamhaus DQS",
            ZoneKey::Spamrats => "SpamRATS",
        }
    }
}

/// One documented answer of a zone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnCode {
    pub code: Ipv4Addr,
    pub meaning: String,
    /// A policy listing (Spamhaus PBL): normal for home or dynamic IPs, not spam.
    #[serde(default)]
    pub policy: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Lists whose listing blocks mail at most receivers: shown first, make the verdict critical.
    Major,
    /// Lists worth knowing about but rarely decisive: shown apart, warning at most.
    Informational,
}

impl BlacklistCatalog {
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.iter().map(|zone| zone.get_ref())
    }
}

impl Zone {
    /// The zone a keyed query goes to: `keyed_zone`, or the zone itself.
    pub fn keyed_zone(&self) -> &str {
        self.keyed_zone.as_deref().unwrap_or(&self.zone)
    }

    /// The list's page for `ip`: `lookup_url` with the address in its usual text
    /// form (IPv6 compressed, as `2001:db8::1`).
    pub fn lookup_url_for(&self, ip: IpAddr) -> Option<String> {
        self.lookup_url
            .as_ref()
            .map(|template| template.replace(IP_PLACEHOLDER, &ip.to_string()))
    }

    /// Whether `url` uses a scheme this zone allows: https, or http too when the
    /// operator offers no https.
    fn allows_scheme(&self, url: &str) -> bool {
        url.starts_with("https://") || (!self.offers_https && url.starts_with("http://"))
    }
}

impl CatalogFile for BlacklistCatalog {
    const NAME: &'static str = "blacklist.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/blacklist.toml");

    fn validate(&self) -> Result<(), Invalid> {
        if let Some(old) = &self.staff_permissions {
            return Err(Invalid::at_span(
                old.span(),
                "staff_permissions has moved to defaults.toml, under [discord] (it governs /smtp too): move the line there",
            ));
        }
        if self.query_timeout_ms == 0 || self.deadline_ms < self.query_timeout_ms {
            return Err(Invalid::at_key(
                "deadline_ms",
                "query_timeout_ms must be at least 1 and deadline_ms at least query_timeout_ms",
            ));
        }
        if !(1..=16).contains(&self.max_addresses) {
            return Err(Invalid::at_key(
                "max_addresses",
                "max_addresses must be between 1 and 16",
            ));
        }
        if self.zones.is_empty() {
            return Err(Invalid::at_key(
                "zones",
                "at least one [[zones]] entry is needed",
            ));
        }
        for (index, spanned) in self.zones.iter().enumerate() {
            let zone = spanned.get_ref();
            if self.zones[..index]
                .iter()
                .any(|earlier| earlier.get_ref().zone.eq_ignore_ascii_case(&zone.zone))
            {
                return Err(Invalid::at_span(
                    spanned.span(),
                    format!("zone {} is listed twice", zone.zone),
                ));
            }
            if let Some(old) = &zone.dqs_zone {
                return Err(Invalid::at_span(
                    old.span(),
                    format!(
                        "zone {}: dqs_zone has been replaced by key and keyed_zone: write key = \"spamhaus_dqs\" and keyed_zone = {:?} instead",
                        zone.zone,
                        old.get_ref()
                    ),
                ));
            }
            validate_zone(zone).map_err(|message| {
                Invalid::at_span(spanned.span(), format!("zone {}: {message}", zone.zone))
            })?;
        }
        Ok(())
    }
}

/// What is wrong with one zone, as the end of a sentence starting "zone <name>: ".
fn validate_zone(zone: &Zone) -> Result<(), String> {
    for name in std::iter::once(&zone.zone).chain(zone.keyed_zone.as_ref()) {
        DomainName::parse(name).map_err(|err| format!("{name:?}: {err}"))?;
    }
    if zone.keyed_zone.is_some() && zone.key.is_none() {
        return Err(
            "keyed_zone needs a key (key = \"spamhaus_dqs\" or \"spamrats\") to be asked with"
                .to_string(),
        );
    }
    if zone.name.trim().is_empty() {
        return Err("name must not be empty".to_string());
    }
    let https_only =
        "(http:// only with offers_https = false, for an operator whose site has no https)";
    if !zone.allows_scheme(&zone.delist_url) {
        return Err(format!(
            "delist_url must be an https:// address {https_only}"
        ));
    }
    if let Some(template) = &zone.lookup_url {
        if !zone.allows_scheme(template) {
            return Err(format!(
                "lookup_url must be an https:// address {https_only}"
            ));
        }
        let rest = template.replace(IP_PLACEHOLDER, "");
        if rest.len() == template.len()
            || rest.contains(['{', '}'])
            || template.chars().any(char::is_whitespace)
        {
            return Err(format!(
                "lookup_url must hold {IP_PLACEHOLDER} where the address goes, and no other braces or spaces (e.g. https://lists.example/lookup?ip={IP_PLACEHOLDER})"
            ));
        }
    }
    let loopback = Ipv4Addr::new(127, 0, 0, 1);
    // RFC 5782 §5: 127.0.0.1 must never be listed; lists that answer it are refusing
    // the query (URIBL) or broken, unless the operator documents it as a listing.
    if zone.loopback_is_error && zone.codes.iter().any(|code| code.code == loopback) {
        return Err(
            "127.0.0.1 cannot be a listing code (RFC 5782 forbids listing it); put it under errors, or set loopback_is_error = false for a list whose operator documents it as a listing (0spam)"
                .to_string(),
        );
    }
    for code in zone.codes.iter().chain(&zone.errors) {
        if code.code.octets()[0] != 127 {
            return Err(format!("return code {} is not in 127.0.0.0/8", code.code));
        }
    }
    if let Some(code) = zone
        .codes
        .iter()
        .find(|code| zone.errors.iter().any(|error| error.code == code.code))
    {
        return Err(format!(
            "{} is both a listing code and an error code",
            code.code
        ));
    }
    if zone.free_queries_per_day == Some(0) {
        return Err(
            "free_queries_per_day must be at least 1: leave it out where the operator documents no free limit"
                .to_string(),
        );
    }
    if zone.strict_codes && zone.codes.is_empty() {
        return Err("strict_codes needs the documented listing codes under codes".to_string());
    }
    if let Some(point) = zone.ipv6_test_point {
        if !zone.ipv6 {
            return Err("ipv6_test_point needs ipv6 = true".to_string());
        }
        if point == RFC5782_IPV6_UNLISTED {
            return Err(format!(
                "ipv6_test_point is the address that must be listed; {point} is the one RFC 5782 says must never be"
            ));
        }
    }
    Ok(())
}

/// RFC 5782 §5's IPv6 test point that a working list never lists (::FFFF:7F00:1).
pub const RFC5782_IPV6_UNLISTED: Ipv6Addr = Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1);

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::{parse, Catalog};

    /// Zones that closed or answer "listed" for everything (reference §6).
    const CLOSED: [&str; 12] = [
        "sorbs.net",
        "manitu.net",
        "abuseat.org",
        "ahbl.org",
        "spamcannibal.org",
        "emailbasura.org",
        "lugh.ch",
        "madavi.de",
        "cyberlogic.net",
        "wpbl.info",
        "virbl.bit.nl",
        "msrbl.net",
    ];

    fn shipped() -> BlacklistCatalog {
        Catalog::embedded().unwrap().blacklist
    }

    fn shipped_zone(name: &str) -> Zone {
        shipped()
            .zones()
            .find(|zone| zone.zone == name)
            .unwrap_or_else(|| panic!("{name} is not in the catalogue"))
            .clone()
    }

    fn code(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn the_shipped_zones_operate_today() {
        let catalog = shipped();
        let zones: Vec<&str> = catalog.zones().map(|zone| zone.zone.as_str()).collect();
        for closed in CLOSED {
            assert!(
                zones.iter().all(|zone| !zone.ends_with(closed)),
                "{closed} is closed and must not ship"
            );
        }
        for major in [
            "zen.spamhaus.org",
            "bl.spamcop.net",
            "b.barracudacentral.org",
        ] {
            let zone = catalog.zones().find(|zone| zone.zone == major).unwrap();
            assert_eq!(zone.tier, Tier::Major, "{major}");
        }
        for informational in [
            "dnsbl-2.uceprotect.net",
            "dnsbl-3.uceprotect.net",
            "ips.backscatterer.org",
            "dnsbl.dronebl.org",
            "bl.nordspam.com",
            "bl.spameatingmonkey.net",
        ] {
            let zone = catalog
                .zones()
                .find(|zone| zone.zone == informational)
                .unwrap();
            assert_eq!(zone.tier, Tier::Informational, "{informational}");
        }
    }

    /// The table test the issue asks for: every shipped zone, every rule.
    #[test]
    fn every_shipped_zone_keeps_the_rules_of_the_catalogue() {
        let refusal_range = |code: Ipv4Addr| code.octets()[..3] == [127, 255, 255];
        for zone in shipped().zones() {
            let z = &zone.zone;
            assert!(!zone.codes.is_empty(), "{z}: no listing code");
            for known in &zone.codes {
                assert_eq!(known.code.octets()[0], 127, "{z}: {}", known.code);
                assert!(!refusal_range(known.code), "{z}: {}", known.code);
                assert!(!known.meaning.trim().is_empty(), "{z}: {}", known.code);
                if known.code == code("127.0.0.1") {
                    assert!(!zone.loopback_is_error, "{z}");
                }
            }
            // Every documented refusal of a shipped list is in Spamhaus's error range.
            for error in &zone.errors {
                assert!(refusal_range(error.code), "{z}: {}", error.code);
            }
            for url in std::iter::once(&zone.delist_url).chain(&zone.lookup_url) {
                if zone.offers_https {
                    assert!(url.starts_with("https://"), "{z}: {url}");
                } else {
                    assert!(url.starts_with("http://"), "{z}: {url}");
                }
            }
            if let Some(template) = &zone.lookup_url {
                assert_eq!(template.matches(IP_PLACEHOLDER).count(), 1, "{z}");
                let url = zone.lookup_url_for("192.0.2.7".parse().unwrap()).unwrap();
                assert!(
                    url.contains("192.0.2.7") && !url.contains('{'),
                    "{z}: {url}"
                );
            }
            // A self-tested zone lists 127.0.0.2 with a documented code, and its
            // must-not-be-listed point 127.0.0.1 cannot be a listing.
            if zone.self_test || zone.ipv6_test_point.is_some() {
                assert!(zone.loopback_is_error, "{z}");
            }
            if zone.ipv6_test_point.is_some() {
                assert!(zone.ipv6, "{z}");
            }
            if zone.strict_codes || zone.key.is_some() {
                assert!(
                    zone.failure_hint.is_some() || zone.key == Some(ZoneKey::SpamhausDqs),
                    "{z}"
                );
            }
            assert!(zone.dqs_zone.is_none(), "{z}");
        }
    }

    /// Each zone's block in the file names its sources and when they were read, so
    /// the next person can re-check them before a release.
    #[test]
    fn every_shipped_zone_names_its_sources_and_the_date_read() {
        let text = BlacklistCatalog::EMBEDDED;
        let blocks: Vec<&str> = text.split("[[zones]]").collect();
        // The text before each [[zones]] ends with that zone's comments; the
        // SpamRATS zones share one block of sources above the first of them.
        for (index, zone) in shipped().zones().enumerate() {
            let before = blocks[index];
            let comments: String = before
                .lines()
                .rev()
                .skip_while(|line| !line.starts_with('#'))
                .take_while(|line| line.starts_with('#') || line.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            let shared = zone.zone.ends_with(".spamrats.com")
                && text.contains("# SpamRATS (four zones). Sources for all four, read 2026-11-29");
            assert!(
                shared || comments.contains("Sources, read 2026-11-29"),
                "{}: no sources comment above it",
                zone.zone
            );
            assert!(
                comments.contains("[doc]") || comments.contains("[field]"),
                "{}: sources not tagged [doc] or [field]",
                zone.zone
            );
        }
    }

    #[test]
    fn spamhaus_pbl_is_policy_and_its_refusals_are_errors() {
        let zen = shipped_zone("zen.spamhaus.org");
        assert_eq!(zen.key, Some(ZoneKey::SpamhausDqs));
        assert_eq!(zen.keyed_zone(), "zen.dq.spamhaus.net");
        assert!(zen.ipv6);
        let policy: Vec<String> = zen
            .codes
            .iter()
            .filter(|code| code.policy)
            .map(|code| code.code.to_string())
            .collect();
        assert_eq!(policy, ["127.0.0.10", "127.0.0.11"]);
        for refusal in ["127.255.255.252", "127.255.255.254", "127.255.255.255"] {
            assert!(
                zen.errors.iter().any(|e| e.code.to_string() == refusal),
                "{refusal}"
            );
        }
    }

    /// Changed for issue 14: Barracuda documents 127.0.0.2 as its test address,
    /// and NordSpam and SpamEatingMonkey document their test points; only NordSpam
    /// documents an IPv6 one.
    #[test]
    fn only_zones_known_to_honour_the_test_points_self_test() {
        let catalog = shipped();
        let self_tested: Vec<&str> = catalog
            .zones()
            .filter(|zone| zone.self_test)
            .map(|zone| zone.zone.as_str())
            .collect();
        assert_eq!(
            self_tested,
            [
                "zen.spamhaus.org",
                "b.barracudacentral.org",
                "all.s5h.net",
                "bl.nordspam.com",
                "bl.spameatingmonkey.net",
            ]
        );
        let ipv6_tested: Vec<(&str, Ipv6Addr)> = catalog
            .zones()
            .filter_map(|zone| Some((zone.zone.as_str(), zone.ipv6_test_point?)))
            .collect();
        let documented = Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x7f00, 2);
        assert_eq!(ipv6_tested, [("bl.nordspam.com", documented)]);
    }

    #[test]
    fn zerospam_codes_are_its_nine_reasons_and_127_0_0_1_is_a_listing() {
        let zerospam = shipped_zone("bl.0spam.org");
        assert!(!zerospam.loopback_is_error);
        assert!(!zerospam.self_test);
        let single: Vec<(String, &str)> = zerospam
            .codes
            .iter()
            .filter(|known| known.code.octets()[2] == 0)
            .map(|known| (known.code.to_string(), known.meaning.as_str()))
            .collect();
        let expected = [
            ("127.0.0.1", "general spam"),
            ("127.0.0.2", "removal request"),
            ("127.0.0.3", "CAN-SPAM"),
            ("127.0.0.4", "not RFC compliant"),
            ("127.0.0.5", "repeat offender"),
            ("127.0.0.6", "wrong server"),
            ("127.0.0.7", "open relay"),
            ("127.0.0.8", "spoofed"),
            ("127.0.0.9", "fraud"),
        ];
        assert_eq!(single.len(), expected.len());
        for ((code, meaning), (want_code, words)) in single.iter().zip(expected) {
            assert_eq!(code, want_code);
            assert!(meaning.contains(words), "{code}: {meaning}");
        }
        // Every other zone keeps 127.0.0.1 an error.
        for zone in shipped().zones().filter(|zone| zone.zone != "bl.0spam.org") {
            assert!(zone.loopback_is_error, "{}", zone.zone);
        }
    }

    #[test]
    fn spamrats_zones_are_keyed_strict_and_say_why_they_fail() {
        let catalog = shipped();
        let rats: Vec<&Zone> = catalog
            .zones()
            .filter(|zone| zone.zone.ends_with(".spamrats.com"))
            .collect();
        assert_eq!(rats.len(), 4);
        for zone in rats {
            assert_eq!(zone.key, Some(ZoneKey::Spamrats), "{}", zone.zone);
            assert_eq!(
                zone.keyed_zone(),
                zone.zone,
                "the key goes before the zone itself"
            );
            assert!(zone.strict_codes, "{}", zone.zone);
            assert!(!zone.self_test, "{}", zone.zone);
            let hint = zone.failure_hint.as_deref().unwrap();
            assert!(
                hint.contains("SPAMRATS_KEY") && hint.contains("PTR"),
                "{hint}"
            );
            assert_eq!(
                zone.lookup_url.as_deref(),
                Some("https://www.spamrats.com/bl?{ip}")
            );
        }
        let spam = shipped_zone("spam.spamrats.com");
        let words = format!("{} {}", spam.lists, spam.codes[0].meaning).to_lowercase();
        assert!(!words.contains("confirmed"), "{words}");
        assert!(shipped_zone("auth.spamrats.com").note.is_some());
    }

    #[test]
    fn barracuda_self_tests_and_says_how_an_unregistered_resolver_fails() {
        let barracuda = shipped_zone("b.barracudacentral.org");
        assert!(barracuda.self_test);
        let hint = barracuda.failure_hint.unwrap();
        assert!(
            hint.contains("temporary DNS failure") && hint.contains("Register"),
            "{hint}"
        );
    }

    #[test]
    fn dronebl_has_its_sample_data_class() {
        let dronebl = shipped_zone("dnsbl.dronebl.org");
        let sample = dronebl.codes.iter().find(|c| c.code == code("127.0.0.2"));
        assert!(sample.unwrap().meaning.contains("sample data"));
        assert!(dronebl.codes.iter().any(|c| c.code == code("127.0.0.3")));
    }

    #[test]
    fn backscatterer_is_for_bounces_only_and_its_site_is_http() {
        let backscatterer = shipped_zone("ips.backscatterer.org");
        let note = backscatterer.note.unwrap();
        assert!(
            note.contains("bounces") && note.contains("MAIL FROM"),
            "{note}"
        );
        assert!(!backscatterer.offers_https);
        assert_eq!(
            backscatterer.delist_url,
            "http://www.backscatterer.org/?target=test"
        );
        // Its Test/Remove page takes no address, so there is no per-address page.
        assert_eq!(backscatterer.lookup_url, None);
    }

    #[test]
    fn lookup_pages_take_the_address_in_its_usual_form() {
        let expected = [
            (
                "zen.spamhaus.org",
                "https://check.spamhaus.org/query/ip/{ip}",
            ),
            ("bl.spamcop.net", "https://www.spamcop.net/bl.shtml?{ip}"),
            ("psbl.surriel.com", "https://psbl.org/listing?ip={ip}"),
            ("dnsbl.dronebl.org", "https://dronebl.org/lookup?ip={ip}"),
            ("spam.spamrats.com", "https://www.spamrats.com/bl?{ip}"),
        ];
        for (zone, template) in expected {
            assert_eq!(
                shipped_zone(zone).lookup_url.as_deref(),
                Some(template),
                "{zone}"
            );
        }
        let zen = shipped_zone("zen.spamhaus.org");
        assert_eq!(
            zen.lookup_url_for("2001:DB8:0::25".parse().unwrap())
                .unwrap(),
            "https://check.spamhaus.org/query/ip/2001:db8::25"
        );
        assert_eq!(
            zen.lookup_url_for("203.0.113.7".parse().unwrap()).unwrap(),
            "https://check.spamhaus.org/query/ip/203.0.113.7"
        );
        assert_eq!(
            shipped_zone("b.barracudacentral.org").lookup_url_for("203.0.113.7".parse().unwrap()),
            None
        );
    }

    #[test]
    fn the_candidates_are_added_as_far_as_their_documentation_holds() {
        let nordspam = shipped_zone("bl.nordspam.com");
        assert!(nordspam.ipv6 && nordspam.self_test);
        assert_eq!(nordspam.codes.len(), 1);
        let sem = shipped_zone("bl.spameatingmonkey.net");
        assert!(sem.self_test && !sem.ipv6 && sem.ipv6_test_point.is_none());
        assert!(shipped()
            .zones()
            .all(|zone| zone.zone != "bl.ipv6.spameatingmonkey.net"));
    }

    const MINIMAL: &str = "zone = \"a.example\"\nname = \"A\"\nlists = \"x\"\ntier = \"major\"\ndelist_url = \"https://a.example/\"";

    fn with_zone(zone: &str) -> String {
        format!(
            "# a test catalogue\nquery_timeout_ms = 1000\ndeadline_ms = 2000\nmax_addresses = 2\n\n[[zones]]\n{zone}\n"
        )
    }

    fn zone_with(extra: &str) -> Result<Zone, String> {
        parse::<BlacklistCatalog>(
            Path::new("blacklist.toml"),
            &with_zone(&format!("{MINIMAL}\n{extra}")),
        )
        .map(|catalog| catalog.zones().next().unwrap().clone())
        .map_err(|err| err.to_string())
    }

    #[test]
    fn self_test_is_off_unless_set_and_must_be_true_or_false() {
        let zone = zone_with("").unwrap();
        assert!(!zone.self_test && zone.ipv6_test_point.is_none());
        assert!(zone.loopback_is_error && zone.offers_https && !zone.strict_codes);
        assert!(zone_with("self_test = true").unwrap().self_test);
        let err = zone_with("self_test = \"yes\"").unwrap_err();
        assert!(err.starts_with("blacklist.toml:12:"), "{err}");
        let err = zone_with("selftest = true").unwrap_err();
        assert!(err.contains("self_test"), "{err}");
    }

    #[test]
    fn an_ipv6_test_point_needs_an_ipv6_zone_and_must_be_the_listed_one() {
        let zone = zone_with("ipv6 = true\nipv6_test_point = \"::FFFF:7F00:2\"").unwrap();
        assert_eq!(zone.ipv6_test_point, Some("::ffff:7f00:2".parse().unwrap()));
        let err = zone_with("ipv6_test_point = \"::FFFF:7F00:2\"").unwrap_err();
        assert!(err.contains("needs ipv6 = true"), "{err}");
        let err = zone_with("ipv6 = true\nipv6_test_point = \"::FFFF:7F00:1\"").unwrap_err();
        assert!(err.contains("must never be"), "{err}");
        let err = zone_with("ipv6 = true\nipv6_test_point = \"127.0.0.2\"").unwrap_err();
        assert!(err.starts_with("blacklist.toml:13:"), "{err}");
    }

    #[test]
    fn staff_permissions_here_say_where_they_moved() {
        let text = format!("staff_permissions = \"32\"\n{}", with_zone(MINIMAL));
        let err = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("blacklist.toml:1:") && err.contains("moved to defaults.toml"),
            "{err}"
        );
    }

    #[test]
    fn dqs_zone_says_how_to_write_it_now() {
        let err = zone_with("dqs_zone = \"a.dq.example\"").unwrap_err();
        assert!(
            err.starts_with("blacklist.toml:12:")
                && err.contains("key = \"spamhaus_dqs\"")
                && err.contains("keyed_zone = \"a.dq.example\""),
            "{err}"
        );
    }

    #[test]
    fn keys_name_a_setting_and_keyed_zones_need_one() {
        let zone = zone_with("key = \"spamrats\"").unwrap();
        assert_eq!(zone.key, Some(ZoneKey::Spamrats));
        assert_eq!(zone.keyed_zone(), "a.example");
        let zone = zone_with("key = \"spamhaus_dqs\"\nkeyed_zone = \"a.dq.example\"").unwrap();
        assert_eq!(zone.keyed_zone(), "a.dq.example");
        assert_eq!(ZoneKey::SpamhausDqs.variable(), "SPAMHAUS_DQS_KEY");
        assert_eq!(ZoneKey::Spamrats.variable(), "SPAMRATS_KEY");
        let err = zone_with("keyed_zone = \"a.dq.example\"").unwrap_err();
        assert!(err.contains("needs a key"), "{err}");
        let err = zone_with("key = \"abusix\"").unwrap_err();
        assert!(
            err.starts_with("blacklist.toml:12:") && err.contains("spamrats"),
            "{err}"
        );
        let err = zone_with("key = \"spamrats\"\nkeyed_zone = \"not a zone!\"").unwrap_err();
        assert!(err.contains("not a zone!"), "{err}");
    }

    #[test]
    fn loopback_one_is_a_listing_code_only_where_the_operator_says_so() {
        let listing = "codes = [{ code = \"127.0.0.1\", meaning = \"x\" }]";
        let err = zone_with(listing).unwrap_err();
        assert!(
            err.starts_with("blacklist.toml:6:")
                && err.contains("RFC 5782")
                && err.contains("loopback_is_error = false"),
            "{err}"
        );
        let zone = zone_with(&format!("loopback_is_error = false\n{listing}")).unwrap();
        assert!(!zone.loopback_is_error);
        assert_eq!(zone.codes[0].code, code("127.0.0.1"));
    }

    /// A free limit is shipped only where the operator documents a figure, and the
    /// zone's comment says where it comes from.
    #[test]
    fn free_query_limits_are_shipped_only_with_their_source() {
        let blocks: Vec<&str> = BlacklistCatalog::EMBEDDED.split("[[zones]]").collect();
        let catalog = shipped();
        let mut documented = Vec::new();
        for (index, zone) in catalog.zones().enumerate() {
            let cited = blocks[index].contains("#   free_queries_per_day: ");
            assert_eq!(zone.free_queries_per_day.is_some(), cited, "{}", zone.zone);
            if let Some(limit) = zone.free_queries_per_day {
                documented.push((zone.zone.as_str(), limit));
            }
        }
        assert_eq!(
            documented,
            [("zen.spamhaus.org", 300_000), ("bl.mailspike.net", 100_000)]
        );
        assert_eq!(zone_with("").unwrap().free_queries_per_day, None);
        assert_eq!(
            zone_with("free_queries_per_day = 5000")
                .unwrap()
                .free_queries_per_day,
            Some(5000)
        );
        let err = zone_with("free_queries_per_day = 0").unwrap_err();
        assert!(
            err.contains("leave it out where the operator documents no free limit"),
            "{err}"
        );
        assert!(zone_with("free_queries_per_day = -1").is_err());
    }

    #[test]
    fn strict_codes_need_codes() {
        let err = zone_with("strict_codes = true").unwrap_err();
        assert!(err.contains("strict_codes needs"), "{err}");
        let zone =
            zone_with("strict_codes = true\ncodes = [{ code = \"127.0.0.2\", meaning = \"x\" }]")
                .unwrap();
        assert!(zone.strict_codes);
    }

    #[test]
    fn lookup_urls_hold_the_address_placeholder_and_use_https() {
        let zone = zone_with("lookup_url = \"https://a.example/ip/{ip}\"").unwrap();
        assert_eq!(
            zone.lookup_url_for("192.0.2.1".parse().unwrap()).as_deref(),
            Some("https://a.example/ip/192.0.2.1")
        );
        for bad in [
            "https://a.example/lookup",
            "https://a.example/{address}",
            "https://a.example/?ip={ip}&x={y}",
            "https://a.example/ {ip}",
        ] {
            let err = zone_with(&format!("lookup_url = \"{bad}\"")).unwrap_err();
            assert!(err.contains("{ip}"), "{bad}: {err}");
        }
        let err = zone_with("lookup_url = \"http://a.example/{ip}\"").unwrap_err();
        assert!(
            err.contains("https://") && err.contains("offers_https"),
            "{err}"
        );
    }

    #[test]
    fn http_pages_only_for_an_operator_without_https() {
        let http = "delist_url = \"http://a.example/\"";
        let text = with_zone(&MINIMAL.replace("delist_url = \"https://a.example/\"", http));
        let err = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("delist_url must be an https://"), "{err}");
        let text = with_zone(&format!(
            "{}\noffers_https = false\nlookup_url = \"http://a.example/?ip={{ip}}\"",
            MINIMAL.replace("delist_url = \"https://a.example/\"", http)
        ));
        let zone = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &text).unwrap();
        assert!(!zone.zones().next().unwrap().offers_https);
    }

    #[test]
    fn a_zone_may_carry_a_failure_hint_and_a_note() {
        let zone = zone_with("failure_hint = \"register your resolver\"\nnote = \"bounces only\"")
            .unwrap();
        assert_eq!(zone.failure_hint.as_deref(), Some("register your resolver"));
        assert_eq!(zone.note.as_deref(), Some("bounces only"));
    }
}
