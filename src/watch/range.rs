//! A range of addresses typed as CIDR (`203.0.113.0/28`, `2001:db8::/124`): each of
//! its addresses is watched on the blocklists, and a range holds at most
//! [`MAX_RANGE_ADDRESSES`], so one command cannot start a scan of a network.

use std::net::IpAddr;

use ipnet::{IpAddrRange, IpNet, Ipv4AddrRange, Ipv6AddrRange};

/// The most addresses a range may hold: an IPv4 /28 or an IPv6 /124.
pub const MAX_RANGE_ADDRESSES: u32 = 16;

/// Why a text with a `/` is not a range to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RangeError {
    /// Not CIDR at all.
    NotCidr,
    /// CIDR, but more than [`MAX_RANGE_ADDRESSES`] addresses.
    TooLarge(IpNet),
}

/// Every address of the range `text`, from the first. Host bits are ignored
/// (`203.0.113.5/28` is the /28 that holds 203.0.113.5), as routers read it. The
/// network and broadcast addresses of an IPv4 range are in it too: blocklists list
/// any address, and a provider's range may be part of a larger routed block.
pub(super) fn addresses(text: &str) -> Result<Vec<IpAddr>, RangeError> {
    let net = text
        .parse::<IpNet>()
        .map_err(|_| RangeError::NotCidr)?
        .trunc();
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    if 1u32
        .checked_shl(host_bits)
        .is_none_or(|size| size > MAX_RANGE_ADDRESSES)
    {
        return Err(RangeError::TooLarge(net));
    }
    let every = match (net.network(), net.broadcast()) {
        (IpAddr::V4(first), IpAddr::V4(last)) => IpAddrRange::from(Ipv4AddrRange::new(first, last)),
        (IpAddr::V6(first), IpAddr::V6(last)) => IpAddrRange::from(Ipv6AddrRange::new(first, last)),
        _ => return Err(RangeError::NotCidr),
    };
    Ok(every.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(texts: &[&str]) -> Vec<IpAddr> {
        texts.iter().map(|text| text.parse().unwrap()).collect()
    }

    #[test]
    fn a_range_is_every_address_in_it() {
        let all = addresses("203.0.113.0/28").unwrap();
        assert_eq!(all.len(), 16);
        assert_eq!(all[0], "203.0.113.0".parse::<IpAddr>().unwrap());
        assert_eq!(all[15], "203.0.113.15".parse::<IpAddr>().unwrap());
        assert_eq!(
            addresses("198.51.100.6/31").unwrap(),
            ips(&["198.51.100.6", "198.51.100.7"])
        );
        assert_eq!(addresses("192.0.2.9/32").unwrap(), ips(&["192.0.2.9"]));
        assert_eq!(
            addresses("2001:DB8::/126").unwrap(),
            ips(&["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"])
        );
        assert_eq!(addresses("2001:db8::/124").unwrap().len(), 16);
    }

    #[test]
    fn host_bits_name_the_range_that_holds_them() {
        assert_eq!(
            addresses("203.0.113.5/30").unwrap(),
            ips(&["203.0.113.4", "203.0.113.5", "203.0.113.6", "203.0.113.7"])
        );
    }

    #[test]
    fn more_than_sixteen_addresses_are_refused() {
        for text in [
            "203.0.113.0/27",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "2001:db8::/123",
            "::/0",
        ] {
            assert!(
                matches!(addresses(text), Err(RangeError::TooLarge(_))),
                "{text}"
            );
        }
        for text in [
            "203.0.113.0/33",
            "example.com/28",
            "203.0.113.0/",
            "/28",
            "1.2.3/28",
        ] {
            assert_eq!(addresses(text), Err(RangeError::NotCidr), "{text}");
        }
    }
}
