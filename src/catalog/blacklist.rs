//! `commands/blacklist.toml`: who may run `/blacklist`, and the DNS blocklist zones it queries.

use std::net::Ipv4Addr;

use serde::Deserialize;

use super::{CatalogFile, Invalid};
use crate::checks::domain::DomainName;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlacklistCatalog {
    /// Discord permission bits (decimal, as Discord writes them) that make a member
    /// "staff": sent as the command's `default_member_permissions`, checked again by
    /// the handler, and required by `/smtp` for hosts other than the provider's.
    pub staff_permissions: String,
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

    /// The staff permission bits as a number.
    pub fn staff_permission_bits(&self) -> u64 {
        self.staff_permissions
            .parse()
            .expect("validated: staff_permissions is a decimal number")
    }
}

impl CatalogFile for BlacklistCatalog {
    const NAME: &'static str = "blacklist.toml";
    const EMBEDDED: &'static str = include_str!("../../commands/blacklist.toml");

    fn validate(&self) -> Result<(), Invalid> {
        if self.staff_permissions.parse::<u64>().is_err() {
            return Err(Invalid::at_key(
                "staff_permissions",
                "staff_permissions must be Discord permission bits as a decimal string, e.g. \"32\" for Manage Server",
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
