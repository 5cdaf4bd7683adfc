//! The DNS names a blocklist is asked (RFC 5782 §2): the address reversed under the
//! zone, as an absolute name so no resolver search path is ever appended.
//!
//! With a Spamhaus DQS key, zones that have a `dqs_zone` are asked as
//! `<key>.<dqs_zone>`. The key is part of the name sent and nothing else: a
//! [`QueryName`] never shows it in `Debug` or `Display`, and reports carry the
//! public zone name.

use std::fmt;
use std::net::IpAddr;

use crate::catalog::Zone;
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

/// A name to query: what is sent, and the public zone that stands for it in output.
#[derive(Clone)]
pub struct QueryName {
    /// The absolute name sent to the resolver; may hold the DQS key.
    sent: String,
    /// The zone name people see: never the keyed one.
    shown_zone: String,
    /// Whether `sent` holds a key (and so must not be shown or logged).
    keyed: bool,
}

impl QueryName {
    /// The name for `ip` on `zone`, through DQS when a key is set and the zone has one.
    pub fn new(ip: IpAddr, zone: &Zone, dqs_key: Option<&Secret>) -> QueryName {
        let reversed = reversed(ip);
        let (sent, keyed) = match (dqs_key, &zone.dqs_zone) {
            (Some(key), Some(dqs_zone)) => (
                format!(
                    "{reversed}.{}.{}.",
                    key.expose(),
                    dqs_zone.trim_end_matches('.')
                ),
                true,
            ),
            _ => (
                format!("{reversed}.{}.", zone.zone.trim_end_matches('.')),
                false,
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
}

impl fmt::Display for QueryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.keyed {
            // The key must stay out of every log line and message.
            write!(f, "<DQS query on {}>", self.shown_zone)
        } else {
            f.write_str(&self.sent)
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
    use crate::catalog::Tier;

    fn zone(name: &str, dqs: Option<&str>) -> Zone {
        Zone {
            zone: name.to_string(),
            name: "Test".to_string(),
            lists: "test".to_string(),
            tier: Tier::Major,
            ipv6: true,
            dqs_zone: dqs.map(str::to_string),
            delist_url: "https://example.com/".to_string(),
            failure_hint: None,
            self_test: false,
            codes: vec![],
            errors: vec![],
        }
    }

    #[test]
    fn ipv4_octets_are_reversed() {
        let ip = "192.0.2.10".parse().unwrap();
        assert_eq!(reversed(ip), "10.2.0.192");
        assert_eq!(
            QueryName::new(ip, &zone("zen.spamhaus.org", None), None).to_send(),
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
        let ip = "127.0.0.2".parse().unwrap();
        let with_dqs = zone("zen.spamhaus.org", Some("zen.dq.spamhaus.net"));
        let name = QueryName::new(ip, &with_dqs, Some(&key));
        assert_eq!(
            name.to_send(),
            "2.0.0.127.sekritkey123.zen.dq.spamhaus.net."
        );
        assert_eq!(name.shown_zone(), "zen.spamhaus.org");
        assert!(!name.to_string().contains("sekrit"));
        assert!(!format!("{name:?}").contains("sekrit"));
        // A zone without a DQS name is asked directly even when a key is set.
        let plain = QueryName::new(ip, &zone("bl.spamcop.net", None), Some(&key));
        assert_eq!(plain.to_send(), "2.0.0.127.bl.spamcop.net.");
    }
}
