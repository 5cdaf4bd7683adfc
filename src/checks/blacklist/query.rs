//! The DNS names a blocklist is asked (RFC 5782 §2): the address reversed under the
//! zone, as an absolute name so no resolver search path is ever appended.
//!
//! A zone with a `key` whose setting is configured (`SPAMHAUS_DQS_KEY`,
//! `SPAMRATS_KEY`) is asked as `<reversed-ip>.<key>.<keyed_zone>`. The key is part
//! of the name sent and nothing else: a [`QueryName`] never shows it in `Debug` or
//! `Display`, reports carry the public zone name, and [`Keys::mask`] takes it out
//! of any text that might quote the name (a resolver error, a TXT reason).

use std::fmt;
use std::net::IpAddr;

use crate::catalog::{Zone, ZoneKey};
use crate::config::Config;
use crate::values::Secret;

/// The address part of a query name: reversed decimal octets for IPv4, 32 reversed
/// hex nibbles for IPv6 (`::` expanded, leading zeros kept). An IPv4-mapped IPv6
/// address stays IPv6: lists answer those on their IPv6 test point.
pub fn reversed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}")
        }
        IpAddr::V6(v6) => {
            let mut labels = Vec::with_capacity(32);
            for byte in v6.octets().iter().rev() {
                labels.push(hex_digit(byte & 0x0f));
                labels.push(hex_digit(byte >> 4));
            }
            labels.join(".")
        }
    }
}

fn hex_digit(nibble: u8) -> String {
    format!("{nibble:x}")
}

/// The keys keyed zones are asked with, as configured. `Debug` shows `***` for each.
#[derive(Debug, Clone, Copy, Default)]
pub struct Keys<'a> {
    /// `SPAMHAUS_DQS_KEY`.
    pub spamhaus_dqs: Option<&'a Secret>,
    /// `SPAMRATS_KEY`.
    pub spamrats: Option<&'a Secret>,
}

impl<'a> Keys<'a> {
    /// The keys set in the configuration.
    pub fn from_config(config: &'a Config) -> Keys<'a> {
        Keys {
            spamhaus_dqs: config.spamhaus_dqs_key.as_ref(),
            spamrats: config.spamrats_key.as_ref(),
        }
    }

    /// The configured value of `key`, if any.
    pub fn get(&self, key: ZoneKey) -> Option<&'a Secret> {
        match key {
            ZoneKey::SpamhausDqs => self.spamhaus_dqs,
            ZoneKey::Spamrats => self.spamrats,
        }
    }

    /// `text` with every configured key replaced by `***`: for anything that may
    /// quote a query name (a resolver error, a list echoing the name in TXT).
    pub fn mask(&self, text: &str) -> String {
        let mut masked = text.to_string();
        for secret in [self.spamhaus_dqs, self.spamrats].into_iter().flatten() {
            if !secret.expose().is_empty() {
                masked = masked.replace(secret.expose(), "***");
            }
        }
        masked
    }
}

/// A name to query: what is sent, and the public zone that stands for it in output.
#[derive(Clone)]
pub struct QueryName {
    /// The absolute name sent to the resolver; may hold a key.
    sent: String,
    /// The zone name people see: never the keyed one.
    shown_zone: String,
    /// The key `sent` holds, if any (so it must not be shown or logged).
    keyed: Option<ZoneKey>,
}

impl QueryName {
    /// The name for `ip` on `zone`, with the zone's key when it has one and the key
    /// is configured; directly on the zone otherwise.
    pub fn new(ip: IpAddr, zone: &Zone, keys: &Keys<'_>) -> QueryName {
        let reversed = reversed(ip);
        let key = zone.key.and_then(|key| Some((key, keys.get(key)?)));
        let (sent, keyed) = match key {
            Some((key, secret)) => (
                format!(
                    "{reversed}.{}.{}.",
                    secret.expose(),
                    zone.keyed_zone().trim_end_matches('.')
                ),
                Some(key),
            ),
            None => (
                format!("{reversed}.{}.", zone.zone.trim_end_matches('.')),
                None,
            ),
        };
        QueryName {
            sent,
            shown_zone: zone.zone.clone(),
            keyed,
        }
    }

    /// The absolute name to put in the DNS question. Only for the resolver call.
    pub fn to_send(&self) -> &str {
        &self.sent
    }

    /// The zone as reports show it.
    pub fn shown_zone(&self) -> &str {
        &self.shown_zone
    }

    /// The key the name is sent with, if any.
    pub fn keyed(&self) -> Option<ZoneKey> {
        self.keyed
    }
}

impl fmt::Display for QueryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.keyed {
            // The key must stay out of every log line and message.
            Some(key) => write!(f, "<{} keyed query on {}>", key.label(), self.shown_zone),
            None => f.write_str(&self.sent),
        }
    }
}

impl fmt::Debug for QueryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QueryName({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::blacklist::classify::tests::spamhaus;

    fn zone(name: &str, key: Option<ZoneKey>, keyed_zone: Option<&str>) -> Zone {
        Zone {
            zone: name.to_string(),
            key,
            keyed_zone: keyed_zone.map(str::to_string),
            ..spamhaus()
        }
    }

    #[test]
    fn ipv4_octets_are_reversed() {
        let ip = "192.0.2.10".parse().unwrap();
        assert_eq!(reversed(ip), "10.2.0.192");
        assert_eq!(
            QueryName::new(ip, &zone("zen.spamhaus.org", None, None), &Keys::default()).to_send(),
            "10.2.0.192.zen.spamhaus.org."
        );
    }

    #[test]
    fn ipv6_is_32_reversed_nibbles_with_the_gap_expanded() {
        let ip = "2001:db8::1".parse().unwrap();
        let name = reversed(ip);
        assert_eq!(
            name,
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
        );
        assert_eq!(name.split('.').count(), 32);
    }

    #[test]
    fn an_ipv4_mapped_address_is_queried_in_ipv6_form() {
        let ip = "::ffff:7f00:2".parse().unwrap();
        assert_eq!(
            reversed(ip),
            "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
        );
    }

    #[test]
    fn upper_case_input_gives_lower_case_nibbles() {
        let ip = "2001:DB8:ABCD::".parse().unwrap();
        assert!(reversed(ip).ends_with("d.c.b.a.8.b.d.0.1.0.0.2"));
    }

    #[test]
    fn a_dqs_key_goes_in_the_name_sent_and_nowhere_else() {
        let key = Secret::new("sekritkey123");
        let keys = Keys {
            spamhaus_dqs: Some(&key),
            spamrats: None,
        };
        let ip = "127.0.0.2".parse().unwrap();
        let with_dqs = zone(
            "zen.spamhaus.org",
            Some(ZoneKey::SpamhausDqs),
            Some("zen.dq.spamhaus.net"),
        );
        let name = QueryName::new(ip, &with_dqs, &keys);
        assert_eq!(
            name.to_send(),
            "2.0.0.127.sekritkey123.zen.dq.spamhaus.net."
        );
        assert_eq!(name.shown_zone(), "zen.spamhaus.org");
        assert_eq!(name.keyed(), Some(ZoneKey::SpamhausDqs));
        assert!(!name.to_string().contains("sekrit"));
        assert!(!format!("{name:?}").contains("sekrit"));
        assert!(!format!("{keys:?}").contains("sekrit"));
        // A zone without a key is asked directly even when a key is set.
        let plain = QueryName::new(ip, &zone("bl.spamcop.net", None, None), &keys);
        assert_eq!(plain.to_send(), "2.0.0.127.bl.spamcop.net.");
        // A zone whose key is not set is asked directly too.
        let rats = zone("spam.spamrats.com", Some(ZoneKey::Spamrats), None);
        assert_eq!(
            QueryName::new(ip, &rats, &keys).to_send(),
            "2.0.0.127.spam.spamrats.com."
        );
    }

    #[test]
    fn a_spamrats_key_goes_between_the_address_and_the_zone_and_nowhere_else() {
        let key = Secret::new("ratsekrit42");
        let keys = Keys {
            spamhaus_dqs: None,
            spamrats: Some(&key),
        };
        let rats = zone("spam.spamrats.com", Some(ZoneKey::Spamrats), None);
        let name = QueryName::new("192.0.2.10".parse().unwrap(), &rats, &keys);
        assert_eq!(name.to_send(), "10.2.0.192.ratsekrit42.spam.spamrats.com.");
        assert_eq!(name.shown_zone(), "spam.spamrats.com");
        assert_eq!(name.keyed(), Some(ZoneKey::Spamrats));
        for shown in [name.to_string(), format!("{name:?}"), format!("{keys:?}")] {
            assert!(!shown.contains("ratsekrit"), "{shown}");
        }
        assert_eq!(
            name.to_string(),
            "<SpamRATS keyed query on spam.spamrats.com>"
        );
        // IPv6 goes in nibble form before the key.
        let v6 = QueryName::new("2001:db8::1".parse().unwrap(), &rats, &keys);
        assert!(v6
            .to_send()
            .ends_with(".8.b.d.0.1.0.0.2.ratsekrit42.spam.spamrats.com."));
    }

    #[test]
    fn every_configured_key_is_masked() {
        let (dqs, rats) = (Secret::new("dqskey1"), Secret::new("ratskey2"));
        let keys = Keys {
            spamhaus_dqs: Some(&dqs),
            spamrats: Some(&rats),
        };
        assert_eq!(
            keys.mask("1.2.ratskey2.spam.spamrats.com and dqskey1.zen"),
            "1.2.***.spam.spamrats.com and ***.zen"
        );
        assert_eq!(Keys::default().mask("nothing to hide"), "nothing to hide");
    }

    #[test]
    fn keys_come_from_the_configuration() {
        let config = Config {
            spamhaus_dqs_key: Some(Secret::new("a")),
            spamrats_key: Some(Secret::new("b")),
            ..Config::default()
        };
        let keys = Keys::from_config(&config);
        assert_eq!(
            keys.get(ZoneKey::SpamhausDqs).map(Secret::expose),
            Some("a")
        );
        assert_eq!(keys.get(ZoneKey::Spamrats).map(Secret::expose), Some("b"));
    }
}
