//! `commands/blacklist.toml`: the DNS blocklist zones `/blacklist` queries.

use std::net::Ipv4Addr;

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::values::domain::DomainName;

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
    /// With `SPAMHAUS_DQS_KEY` set, the zone is queried as `<key>.<dqs_zone>` instead
    /// (e.g. `zen.dq.spamhaus.net`).
    pub dqs_zone: Option<String>,
    /// Where to look an address up or ask for delisting.
    pub delist_url: String,
    /// What staff should know when the zone fails to answer (SERVFAIL, REFUSED,
    /// timeout), e.g. that it answers only registered resolvers.
    pub failure_hint: Option<String>,
    /// RFC 5782 §5 self-test: the zone's test points (127.0.0.2 must be listed,
    /// 127.0.0.1 must not) are asked with every query, and an answer they contradict
    /// becomes an error. Only for zones known to honour the test points.
    #[serde(default)]
    pub self_test: bool,
    /// Documented answers meaning "listed".
    #[serde(default)]
    pub codes: Vec<ReturnCode>,
    /// Documented answers meaning "your query was refused or failed", never "listed".
    #[serde(default)]
    pub errors: Vec<ReturnCode>,
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
            let span = spanned.span();
            let zone = spanned.get_ref();
            for name in std::iter::once(&zone.zone).chain(zone.dqs_zone.as_ref()) {
                DomainName::parse(name).map_err(|err| {
                    Invalid::at_span(span.clone(), format!("zone {name:?}: {err}"))
                })?;
            }
            if self.zones[..index]
                .iter()
                .any(|earlier| earlier.get_ref().zone.eq_ignore_ascii_case(&zone.zone))
            {
                return Err(Invalid::at_span(
                    span,
                    format!("zone {} is listed twice", zone.zone),
                ));
            }
            if zone.name.trim().is_empty() || !zone.delist_url.starts_with("https://") {
                return Err(Invalid::at_span(
                    span,
                    format!(
                        "zone {}: name must not be empty and delist_url must be an https:// address",
                        zone.zone
                    ),
                ));
            }
            // RFC 5782 §5: 127.0.0.1 must never be listed; lists that answer it are
            // refusing the query (URIBL) or broken, so it may only be an error code.
            if zone
                .codes
                .iter()
                .any(|code| code.code == Ipv4Addr::new(127, 0, 0, 1))
            {
                return Err(Invalid::at_span(
                    span,
                    format!(
                        "zone {}: 127.0.0.1 cannot be a listing code (RFC 5782 forbids listing it); put it under errors",
                        zone.zone
                    ),
                ));
            }
            for code in zone.codes.iter().chain(&zone.errors) {
                if code.code.octets()[0] != 127 {
                    return Err(Invalid::at_span(
                        span,
                        format!(
                            "zone {}: return code {} is not in 127.0.0.0/8",
                            zone.zone, code.code
                        ),
                    ));
                }
            }
            if let Some(code) = zone
                .codes
                .iter()
                .find(|code| zone.errors.iter().any(|error| error.code == code.code))
            {
                return Err(Invalid::at_span(
                    span,
                    format!(
                        "zone {}: {} is both a listing code and an error code",
                        zone.zone, code.code
                    ),
                ));
            }
        }
        Ok(())
    }
}

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

    #[test]
    fn the_shipped_zones_operate_today() {
        let catalog = Catalog::embedded().unwrap().blacklist;
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
        ] {
            let zone = catalog
                .zones()
                .find(|zone| zone.zone == informational)
                .unwrap();
            assert_eq!(zone.tier, Tier::Informational, "{informational}");
        }
    }

    #[test]
    fn spamhaus_pbl_is_policy_and_its_refusals_are_errors() {
        let catalog = Catalog::embedded().unwrap().blacklist;
        let zen = catalog
            .zones()
            .find(|zone| zone.zone == "zen.spamhaus.org")
            .unwrap();
        assert_eq!(zen.dqs_zone.as_deref(), Some("zen.dq.spamhaus.net"));
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

    #[test]
    fn only_zones_known_to_honour_the_test_points_self_test() {
        let catalog = Catalog::embedded().unwrap().blacklist;
        let self_tested: Vec<&str> = catalog
            .zones()
            .filter(|zone| zone.self_test)
            .map(|zone| zone.zone.as_str())
            .collect();
        assert_eq!(self_tested, ["zen.spamhaus.org", "all.s5h.net"]);
    }

    #[test]
    fn self_test_is_off_unless_set_and_must_be_true_or_false() {
        let zone = "zone = \"a.example\"\nname = \"A\"\nlists = \"x\"\ntier = \"major\"\ndelist_url = \"https://a.example/\"";
        let catalog =
            parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &with_zone(zone)).unwrap();
        assert!(!catalog.zones().next().unwrap().self_test);
        let on = with_zone(&format!("{zone}\nself_test = true"));
        let catalog = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &on).unwrap();
        assert!(catalog.zones().next().unwrap().self_test);
        let wrong = with_zone(&format!("{zone}\nself_test = \"yes\""));
        let err = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &wrong)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("blacklist.toml:12:"), "{err}");
        let misspelt = with_zone(&format!("{zone}\nselftest = true"));
        let err = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &misspelt)
            .unwrap_err()
            .to_string();
        assert!(err.contains("self_test"), "{err}");
    }

    fn with_zone(zone: &str) -> String {
        format!(
            "# a test catalogue\nquery_timeout_ms = 1000\ndeadline_ms = 2000\nmax_addresses = 2\n\n[[zones]]\n{zone}\n"
        )
    }

    #[test]
    fn staff_permissions_here_say_where_they_moved() {
        let text = format!("staff_permissions = \"32\"\n{}", with_zone("zone = \"a.example\"\nname = \"A\"\nlists = \"x\"\ntier = \"major\"\ndelist_url = \"https://a.example/\""));
        let err = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("blacklist.toml:1:") && err.contains("moved to defaults.toml"),
            "{err}"
        );
    }

    #[test]
    fn loopback_one_cannot_be_a_listing_code() {
        let text = with_zone(
            "zone = \"a.example\"\nname = \"A\"\nlists = \"x\"\ntier = \"major\"\ndelist_url = \"https://a.example/\"\ncodes = [{ code = \"127.0.0.1\", meaning = \"x\" }]",
        );
        let err = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("blacklist.toml:6:") && err.contains("RFC 5782"),
            "{err}"
        );
    }

    #[test]
    fn a_zone_may_carry_a_failure_hint() {
        let text = with_zone(
            "zone = \"a.example\"\nname = \"A\"\nlists = \"x\"\ntier = \"major\"\ndelist_url = \"https://a.example/\"\nfailure_hint = \"register your resolver\"",
        );
        let catalog = parse::<BlacklistCatalog>(Path::new("blacklist.toml"), &text).unwrap();
        assert_eq!(
            catalog.zones().next().unwrap().failure_hint.as_deref(),
            Some("register your resolver")
        );
    }
}
