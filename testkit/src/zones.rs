//! Zones of the provider and of its customers as they are in real life, for the
//! test DNS server: the provider's mail host, SPF record and DKIM keys, and a
//! customer domain with everything right (MX, SPF, DKIM, DMARC, SRV) minus what a
//! test leaves out. The `/domain` tests, the golden files and the `/domain` latency
//! benchmark all serve these.

use crate::dns_server::Zone;

pub const OURS: &str = "mail.echoterra.net";
/// Our current DKIM keys (real 2048-bit RSA keys, SubjectPublicKeyInfo).
pub const KEY_ET1: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtII047KDHFUHAlcRn11lwgdYJ4Rxf8VMTELaEhmWl5rDCYfF0wxPU5r+FfYakd8h3HNL/DsokdHNowmq8hFcq4LjoFG0LpCLPYK8l0+FoqrSp/TQrJTzNpYPyo792ECJYcqRf0A6tyD6xcgZ4nIGJVEQ0Xx8uSRUV5TXoA6btbdWR/UPQygI3sNKdqoGFFal6cXUL5kDpNxLJ51Q42XRbxJOUk4spzyeix6UPoQYifIm8Vit9f73DPFkYaL2lJkUeyqoCi1FEcxMS2SnZkRnoNxErfnQe8PPLrHx++hPobBXS/wgxGuKTcgIGbqFLhAswPNFi4lCY7riplVwb12KowIDAQAB";
pub const KEY_ET2: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvCrPBMcJWA88VvlTnLOLGoBbygYi2qD09n2FIlSnoxzJzHATC10PgSS5IeNnvXeauBpRy42T//S2Qz8mPsejnIEuUcTqOAPZT/Nx8j4rvB608imiRn62ETccUHNOIz/dBkC/CSXg4qwMcsnPJnfAPcc2BbXyK6dJ8HWSvxDaG2AKdUjIp2il9qPGTnQosTYuxV80fKAxc6+hoaxwv0m2c2lWub8Hcuz3kGwmauZAsg2WiFySZ1eFYEWj/n2CzeaqWJW0/bwCSRhW/EPfSxdcGfVVJqqf+LUnW6fKHPWIINPtRGK5Oal1/RRgPVS2raZJgU4DQ5z8eqPGweBtfM7VHwIDAQAB";

/// A DKIM key record, split into strings of at most 255 characters as DNS needs.
pub fn key_record(zone: Zone, owner: &str, key: &str, extra: &str) -> Zone {
    let text = format!("v=DKIM1; k=rsa;{extra} p={key}");
    let parts: Vec<String> = text
        .as_bytes()
        .chunks(200)
        .map(|chunk| String::from_utf8(chunk.to_vec()).unwrap())
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    zone.txt_strings(owner, &parts)
}

/// The provider's zone: the mail host, the SPF record listing our outgoing
/// addresses, and the two DKIM keys.
pub fn provider_zone() -> Zone {
    let zone = Zone::new("echoterra.net")
        .a(OURS, "185.199.108.153")
        .aaaa(OURS, "2a00:1450:4001:80b::25")
        .txt(
            "spf.echoterra.net",
            "v=spf1 ip4:185.199.108.0/24 ip6:2a00:1450:4001:80b::/64 -all",
        );
    let zone = key_record(zone, "et1._domainkey.echoterra.net", KEY_ET1, "");
    key_record(zone, "et2._domainkey.echoterra.net", KEY_ET2, "")
}

/// A customer zone with everything right, for `domain`, minus what `skip` names
/// ("mx", "spf", "dkim", "dmarc", "srv").
pub fn customer(domain: &str, skip: &[&str]) -> Zone {
    customer_in(domain, domain, skip)
}

/// [`customer`], in the zone of `origin` (a parent of `domain`).
pub fn customer_in(origin: &str, domain: &str, skip: &[&str]) -> Zone {
    let mut zone = Zone::new(origin);
    if !skip.contains(&"mx") {
        zone = zone.mx(domain, 10, OURS);
    }
    if !skip.contains(&"spf") {
        zone = zone.txt(domain, "v=spf1 include:spf.echoterra.net -all");
    }
    if !skip.contains(&"dkim") {
        for selector in ["et1", "et2"] {
            zone = zone.cname(
                &format!("{selector}._domainkey.{domain}"),
                &format!("{selector}._domainkey.echoterra.net"),
            );
        }
    }
    if !skip.contains(&"dmarc") {
        zone = zone.txt(
            &format!("_dmarc.{domain}"),
            &format!("v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}"),
        );
    }
    if !skip.contains(&"srv") {
        for (service, priority, port) in [
            ("_submission._tcp", 0, 587),
            ("_imaps._tcp", 0, 993),
            ("_pop3s._tcp", 10, 995),
        ] {
            zone = zone.srv(&format!("{service}.{domain}"), priority, 1, port, OURS);
        }
    }
    zone
}

/// A hostile SPF tree (issue 22): the record of `domain` includes `records - 1` others,
/// and each of the `records` records holds `terms` `a:` terms, every one naming a
/// different host under `victim`, a zone with none of them. A linter that looked up
/// every term would send `records × terms × 2` queries to the victim's nameservers.
/// Returns the tree's zone (the zone of `domain`) and the victim's (empty) zone.
pub fn spf_amplifier(domain: &str, victim: &str, records: usize, terms: usize) -> (Zone, Zone) {
    let mut zone = Zone::new(domain);
    let mut host = 0usize;
    for index in 0..records {
        let owner = match index {
            0 => domain.to_string(),
            n => format!("r{n}.{domain}"),
        };
        let mut record = String::from("v=spf1");
        if index == 0 {
            for n in 1..records {
                record.push_str(&format!(" include:r{n}.{domain}"));
            }
        }
        for _ in 0..terms {
            // Base 36 keeps the names short: a record of 3,000 terms stays well under
            // the 64 KB a DNS message may hold.
            record.push_str(&format!(" a:{}.{victim}", base36(host)));
            host += 1;
        }
        record.push_str(" -all");
        // A TXT record is made of character-strings of at most 255 bytes.
        let parts: Vec<String> = record
            .as_bytes()
            .chunks(250)
            .map(|chunk| String::from_utf8(chunk.to_vec()).unwrap())
            .collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        zone = zone.txt_strings(&owner, &parts);
    }
    (zone, Zone::new(victim))
}

fn base36(mut n: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut text = Vec::new();
    loop {
        text.push(DIGITS[n % 36]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    text.reverse();
    String::from_utf8(text).unwrap()
}
