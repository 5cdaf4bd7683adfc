//! Which addresses the bot may probe: only public ones, so it never becomes a way
//! into the network it runs in (unless `ALLOW_PRIVATE_TARGETS=true`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a public Internet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonPublic {
    Unspecified,
    Loopback,
    Private,
    SharedCgnat,
    LinkLocal,
    Multicast,
    Broadcast,
    Documentation,
    Benchmarking,
    Reserved,
    UniqueLocal,
    Ipv4Translated,
}

impl NonPublic {
    /// A few words for messages: "a private (RFC 1918) address".
    pub fn describe(self) -> &'static str {
        match self {
            NonPublic::Unspecified => "the unspecified address",
            NonPublic::Loopback => "a loopback address",
            NonPublic::Private => "a private (RFC 1918) address",
            NonPublic::SharedCgnat => "a carrier-grade NAT (100.64.0.0/10) address",
            NonPublic::LinkLocal => "a link-local address",
            NonPublic::Multicast => "a multicast address",
            NonPublic::Broadcast => "the broadcast address",
            NonPublic::Documentation => "a documentation address",
            NonPublic::Benchmarking => "a benchmarking (198.18.0.0/15) address",
            NonPublic::Reserved => "a reserved address",
            NonPublic::UniqueLocal => "a unique-local (fc00::/7) address",
            NonPublic::Ipv4Translated => "a translated IPv4 address that is not public",
        }
    }
}

/// `Ok(())` for a public address, otherwise what kind of address it is. IPv4 inside
/// IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4
/// `2002::/16`) is judged by the IPv4 address it carries, so a private address
/// cannot hide in IPv6 form.
pub fn classify(ip: IpAddr) -> Result<(), NonPublic> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

pub fn is_public(ip: IpAddr) -> bool {
    classify(ip).is_ok()
}

fn classify_v4(ip: Ipv4Addr) -> Result<(), NonPublic> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        _ if ip.is_unspecified() => NonPublic::Unspecified,
        _ if ip.is_broadcast() => NonPublic::Broadcast,
        (0, ..) => NonPublic::Reserved,
        (127, ..) => NonPublic::Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => NonPublic::Private,
        (100, 64..=127, _) => NonPublic::SharedCgnat,
        (169, 254, _) => NonPublic::LinkLocal,
        (192, 0, 0) => NonPublic::Reserved,
        // 6to4 relay anycast (RFC 7526: deprecated): not one host, not a mail server.
        (192, 88, 99) => NonPublic::Reserved,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => NonPublic::Documentation,
        (198, 18..=19, _) => NonPublic::Benchmarking,
        (224..=239, ..) => NonPublic::Multicast,
        (240..=255, ..) => NonPublic::Reserved,
        _ => return Ok(()),
    };
    Err(class)
}

fn classify_v6(ip: Ipv6Addr) -> Result<(), NonPublic> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4).map_err(|_| NonPublic::Ipv4Translated);
    }
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    let class = match segments {
        _ if ip.is_unspecified() => NonPublic::Unspecified,
        _ if ip.is_loopback() => NonPublic::Loopback,
        // NAT64: the well-known prefix 64:ff9b::/96 (RFC 6052) and the local-use
        // prefix 64:ff9b:1::/48 (RFC 8215), the IPv4 address in the last 32 bits.
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] | [0x64, 0xff9b, 1, _, _, _, high, low] => {
            return classify_v4(embedded_v4(high, low)).map_err(|_| NonPublic::Ipv4Translated)
        }
        [0x2002, high, low, ..] => {
            return classify_v4(embedded_v4(high, low)).map_err(|_| NonPublic::Ipv4Translated)
        }
        // IPv4-compatible (deprecated) and the rest of ::/8.
        [0, ..] => NonPublic::Reserved,
        [first, ..] if first & 0xfe00 == 0xfc00 => NonPublic::UniqueLocal,
        [first, ..] if first & 0xffc0 == 0xfe80 => NonPublic::LinkLocal,
        [first, ..] if first & 0xffc0 == 0xfec0 => NonPublic::Reserved,
        [first, ..] if first & 0xff00 == 0xff00 => NonPublic::Multicast,
        [0x2001, 0xdb8, ..] => NonPublic::Documentation,
        [0x3fff, second, ..] if second & 0xf000 == 0 => NonPublic::Documentation,
        [0x2001, 0x2, 0, ..] => NonPublic::Benchmarking,
        [0x100, 0, 0, 0, ..] => NonPublic::Reserved,
        // Teredo hides the client's address; 2001::/23 is IETF protocol space.
        [0x2001, second, ..] if second < 0x200 => NonPublic::Reserved,
        _ => return Ok(()),
    };
    Err(class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> Result<(), NonPublic> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "185.199.108.153",
            "2a00:1450:4001:80b::200e",
            "2606:4700::1111",
        ] {
            assert_eq!(class(ip), Ok(()), "{ip}");
        }
    }

    #[test]
    fn non_public_addresses_are_named() {
        let cases = [
            ("127.0.0.1", NonPublic::Loopback),
            ("10.1.2.3", NonPublic::Private),
            ("172.16.0.1", NonPublic::Private),
            ("192.168.1.1", NonPublic::Private),
            ("100.64.0.1", NonPublic::SharedCgnat),
            ("169.254.169.254", NonPublic::LinkLocal),
            ("224.0.0.1", NonPublic::Multicast),
            ("255.255.255.255", NonPublic::Broadcast),
            ("192.0.2.10", NonPublic::Documentation),
            ("198.18.0.1", NonPublic::Benchmarking),
            ("0.0.0.0", NonPublic::Unspecified),
            ("240.0.0.1", NonPublic::Reserved),
            ("::1", NonPublic::Loopback),
            ("::", NonPublic::Unspecified),
            ("fd00::1", NonPublic::UniqueLocal),
            ("fe80::1", NonPublic::LinkLocal),
            ("ff02::1", NonPublic::Multicast),
            ("2001:db8::1", NonPublic::Documentation),
            ("::ffff:127.0.0.1", NonPublic::Ipv4Translated),
            ("::ffff:10.0.0.1", NonPublic::Ipv4Translated),
            ("64:ff9b::a00:1", NonPublic::Ipv4Translated),
            ("2002:c0a8:101::1", NonPublic::Ipv4Translated),
            ("::127.0.0.1", NonPublic::Reserved),
            ("192.88.99.1", NonPublic::Reserved),
            ("64:ff9b:1::a00:1", NonPublic::Ipv4Translated),
            ("64:ff9b:1:abcd::7f00:1", NonPublic::Ipv4Translated),
        ];
        for (ip, expected) in cases {
            assert_eq!(class(ip), Err(expected), "{ip}");
        }
    }

    #[test]
    fn mapped_public_addresses_stay_public() {
        assert_eq!(class("::ffff:8.8.8.8"), Ok(()));
        assert_eq!(class("64:ff9b::808:808"), Ok(()));
        assert_eq!(class("64:ff9b:1::808:808"), Ok(()));
    }
}
