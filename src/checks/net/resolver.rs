//! The one DNS resolver every check shares, and answers in the shape a check judges.
//!
//! A check must tell "the name does not exist" (NXDOMAIN) from "the name exists but has
//! no such record" (NODATA) from "the DNS server failed" (SERVFAIL, REFUSED, timeout):
//! a blocklist reads NXDOMAIN as "not listed" but a failure as "unknown", and an MX
//! lookup reads NODATA as "implicit MX". So every lookup returns a [`DnsAnswer`]
//! instead of an error, and a fault of the network is just one more answer.
//!
//! The nameservers are `DNS_SERVERS` when set (tests point it at an in-process server
//! on loopback), otherwise the system's. The per-query timeout and attempts come from
//! `commands/defaults.toml`; on top of them every lookup has a hard deadline, so no
//! lookup can outlive [`DnsResolver::deadline`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use crate::catalog::{DnsDefaults, LimitDefaults};

/// Answers are cached no longer than this, so a customer who fixed a record and asks
/// again soon sees the fix as soon as the authoritative servers do.
pub const MAX_CACHE_AGE: Duration = Duration::from_secs(60);

/// The largest TTL a record may carry (RFC 2181 §8). Records keep the TTL their zone
/// gives them up to this: hickory clamps the TTLs of the records it caches to its
/// cache's bounds, and `/mx` shows the real one ("changes can take that long").
const MAX_RECORD_TTL: Duration = Duration::from_secs(i32::MAX as u64);

/// Answers the cache holds. hickory's default (32) is too small for one SPF evaluation:
/// it prefetches a whole level of `include:` records at once and reads them back later,
/// and a large include tree with its address lookups would evict them before then.
const CACHE_SIZE: u64 = 1024;

/// How the shared resolver is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverSettings {
    /// The nameservers to ask; `None` for the system's (`/etc/resolv.conf`).
    pub servers: Option<Vec<SocketAddr>>,
    /// How long to wait for one answer.
    pub timeout: Duration,
    /// How many times a query is sent before giving up.
    pub attempts: usize,
    /// Queries in flight at once, all checks together; more wait their turn.
    pub max_in_flight: usize,
    /// How long an answer may be served from the cache ([`MAX_CACHE_AGE`]).
    pub cache_max_age: Duration,
}

impl ResolverSettings {
    /// The settings from `DNS_SERVERS` and the `[dns]` and `[limits]` tables of
    /// `defaults.toml`.
    pub fn new(
        servers: Option<&[SocketAddr]>,
        defaults: &DnsDefaults,
        limits: &LimitDefaults,
    ) -> Self {
        ResolverSettings {
            servers: servers.map(<[SocketAddr]>::to_vec),
            timeout: Duration::from_millis(defaults.timeout_ms),
            attempts: defaults.attempts,
            max_in_flight: limits.max_dns_in_flight,
            cache_max_age: MAX_CACHE_AGE,
        }
    }
}

/// The resolver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ResolverError {
    #[error("DNS_SERVERS is not set and the system's DNS settings (/etc/resolv.conf) cannot be read: {0}; set DNS_SERVERS to the nameservers to use, e.g. 127.0.0.1:53")]
    SystemSettings(String),
    #[error("the DNS resolver could not be set up: {0}")]
    Setup(String),
}

/// The shared resolver. Cheap to clone: clones share one cache, one connection pool
/// and one bound on the queries in flight.
#[derive(Clone)]
pub struct DnsResolver {
    inner: TokioResolver,
    deadline: Duration,
    /// One permit per query in flight: a crowd of checks queues here instead of
    /// flooding the nameservers (and the lists behind them).
    in_flight: Arc<Semaphore>,
    /// When the cache was last emptied; see [`DnsResolver::expire_cache`].
    cache_since: Arc<Mutex<Instant>>,
    cache_max_age: Duration,
}

impl fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DnsResolver")
            .field("options", &self.inner.options())
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl DnsResolver {
    /// Builds the resolver. Only reading the system's settings can fail.
    pub fn new(settings: &ResolverSettings) -> Result<DnsResolver, ResolverError> {
        let mut builder = match &settings.servers {
            Some(servers) => {
                let name_servers = servers
                    .iter()
                    .map(|server| {
                        // UDP first; TCP for answers too large for a datagram. An
                        // NXDOMAIN is final: asking the next server would not change it.
                        let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()].map(
                            |mut connection| {
                                connection.port = server.port();
                                connection
                            },
                        );
                        NameServerConfig::new(server.ip(), true, connections.to_vec())
                    })
                    .collect();
                TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(name_servers),
                    TokioRuntimeProvider::default(),
                )
            }
            None => TokioResolver::builder_tokio()
                .map_err(|err| ResolverError::SystemSettings(err.to_string()))?,
        };
        let options: &mut ResolverOpts = builder.options_mut();
        options.timeout = settings.timeout;
        options.attempts = settings.attempts.max(1);
        // A check asks about DNS, never about /etc/hosts.
        options.use_hosts_file = ResolveHosts::Never;
        // Keep the CNAMEs a lookup went through: an MX target that is an alias is a finding.
        options.preserve_intermediates = true;
        options.edns0 = true;
        options.positive_max_ttl = Some(MAX_RECORD_TTL);
        options.negative_max_ttl = Some(settings.cache_max_age);
        options.cache_size = CACHE_SIZE;
        // Every name we query is absolute; the search list must never apply.
        options.ndots = 0;
        let inner = builder
            .build()
            .map_err(|err| ResolverError::Setup(err.to_string()))?;
        // The resolver's own retries should end first; this bound is for the case they
        // do not (several unreachable servers, a stalled TCP fallback).
        let attempts = u32::try_from(settings.attempts.max(1)).unwrap_or(10);
        let deadline = settings.timeout * (attempts + 1);
        Ok(DnsResolver {
            inner,
            deadline,
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight.max(1))),
            cache_since: Arc::new(Mutex::new(Instant::now())),
            cache_max_age: settings.cache_max_age,
        })
    }

    /// Empties the cache once it may hold an answer older than the cache's max age.
    /// hickory's cache keeps an answer for its TTL, and bounding that TTL would also
    /// change the TTL of the records it returns; emptying it whole every
    /// `cache_max_age` bounds every answer's age and keeps TTLs true. An SPF
    /// evaluation that straddles the moment asks again for what it prefetched.
    fn expire_cache(&self) {
        let mut since = self
            .cache_since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if since.elapsed() >= self.cache_max_age {
            self.inner.clear_cache();
            *since = Instant::now();
        }
    }

    /// No lookup takes longer than this.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The IPv4 addresses (`A`) of a name.
    pub async fn ipv4(&self, name: &str) -> DnsAnswer<Ipv4Addr> {
        self.lookup(name, RecordType::A, |data| match data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .await
    }

    /// The IPv6 addresses (`AAAA`) of a name.
    pub async fn ipv6(&self, name: &str) -> DnsAnswer<Ipv6Addr> {
        self.lookup(name, RecordType::AAAA, |data| match data {
            RData::AAAA(aaaa) => Some(aaaa.0),
            _ => None,
        })
        .await
    }

    /// The `TXT` records of a name, each one's strings joined (invalid UTF-8 replaced).
    pub async fn txt(&self, name: &str) -> DnsAnswer<String> {
        self.lookup(name, RecordType::TXT, |data| match data {
            RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|part| String::from_utf8_lossy(part))
                    .collect::<String>(),
            ),
            _ => None,
        })
        .await
    }

    /// The `MX` records of a name, in the order the server gave them.
    pub async fn mx(&self, name: &str) -> DnsAnswer<MxData> {
        self.lookup(name, RecordType::MX, |data| match data {
            RData::MX(mx) => Some(MxData {
                preference: mx.preference,
                exchange: host_text(&mx.exchange),
            }),
            _ => None,
        })
        .await
    }

    /// The names of the `PTR` records of an address (looked up at its `in-addr.arpa` or
    /// `ip6.arpa` name), lower case without the trailing dot.
    pub async fn ptr(&self, ip: IpAddr) -> DnsAnswer<String> {
        self.lookup(&reverse_name(ip), RecordType::PTR, |data| match data {
            RData::PTR(ptr) => Some(host_text(&ptr.0)),
            _ => None,
        })
        .await
    }

    /// The `SRV` records of a name (RFC 2782), in the order the server gave them.
    pub async fn srv(&self, name: &str) -> DnsAnswer<SrvData> {
        self.lookup(name, RecordType::SRV, |data| match data {
            RData::SRV(srv) => Some(SrvData {
                priority: srv.priority,
                weight: srv.weight,
                port: srv.port,
                target: host_text(&srv.target),
            }),
            _ => None,
        })
        .await
    }

    /// The target of a name's `CNAME` record, when the name is an alias. A DKIM
    /// selector delegated to the provider is a CNAME, and whether it is one matters
    /// even when the name it points to has no key.
    pub async fn cname(&self, name: &str) -> DnsAnswer<String> {
        self.lookup(name, RecordType::CNAME, |data| match data {
            RData::CNAME(target) => Some(host_text(&target.0)),
            _ => None,
        })
        .await
    }

    /// Looks `name` up (always as an absolute name) and keeps the records `pick` takes.
    async fn lookup<T>(
        &self,
        name: &str,
        record_type: RecordType,
        pick: impl Fn(&RData) -> Option<T>,
    ) -> DnsAnswer<T> {
        let query_name = match absolute_name(name) {
            Some(query_name) => query_name,
            None => return DnsAnswer::Failed(DnsFailure::InvalidName(name.to_string())),
        };
        // Waiting for a permit is queueing, not a DNS fault: the deadline starts once
        // the query is sent. The semaphore is never closed, so this cannot fail.
        let Ok(_permit) = self.in_flight.acquire().await else {
            return DnsAnswer::Failed(DnsFailure::Other("the resolver is shutting down".into()));
        };
        self.expire_cache();
        let lookup = self.inner.lookup(query_name, record_type);
        let lookup = match tokio::time::timeout(self.deadline, lookup).await {
            Ok(Ok(lookup)) => lookup,
            Ok(Err(err)) => return DnsAnswer::from_error(&err),
            Err(_) => return DnsAnswer::Failed(DnsFailure::Timeout),
        };
        let mut records = Vec::new();
        let mut aliases = Vec::new();
        let mut ttl = u32::MAX;
        for record in lookup.answers() {
            // Asked for the CNAME itself, the CNAME is the record, not a step on the way.
            let alias = record_type != RecordType::CNAME;
            if let (RData::CNAME(target), true) = (&record.data, alias) {
                aliases.push(Alias {
                    name: host_text(&record.name),
                    target: host_text(&target.0),
                });
            } else if let Some(value) = pick(&record.data) {
                ttl = ttl.min(record.ttl);
                records.push(value);
            }
        }
        if records.is_empty() {
            // Only aliases came back: the name exists, the record type does not.
            return DnsAnswer::NoData;
        }
        DnsAnswer::Records(Records {
            records,
            ttl,
            aliases,
        })
    }
}

/// `name` as an absolute DNS name, so a resolver search path is never appended.
fn absolute_name(name: &str) -> Option<Name> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    // A host name goes through hickory's parser. A backslash is a byte of the name,
    // never an escape (no name here comes from a zone file).
    let host = (!name.contains('\\'))
        .then(|| Name::from_ascii(name).ok())
        .flatten();
    let mut parsed = host.or_else(|| label_by_label(name))?;
    parsed.set_fqdn(true);
    Some(parsed)
}

/// Any other name DNS can carry, label by label: a label may hold any octet (RFC 2181
/// §11), and SPF builds names such as `foo:bar/baz.example.com` or `a b.example.com`
/// from its records and macros (RFC 7208 §7.1), which hickory's parser refuses. Text
/// with a control or non-ASCII character, or an empty label, is no name.
fn label_by_label(name: &str) -> Option<Name> {
    if !name.is_ascii() || name.bytes().any(|byte| byte.is_ascii_control()) {
        return None;
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.split('.').any(str::is_empty) {
        return None;
    }
    Name::from_labels(name.split('.').map(str::as_bytes)).ok()
}

/// The reverse-mapping name of an address (RFC 1035 §3.5, RFC 3596 §2.5), without the
/// trailing dot: `3.2.0.192.in-addr.arpa`, or 32 nibbles then `ip6.arpa`.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0x0f, byte >> 4));
            }
            name.push_str("ip6.arpa");
            name
        }
    }
}

/// A host name as people read it: lower case, no trailing dot; the root stays `.`.
/// Labels of visible ASCII and spaces are written as they are, so that a name such as
/// `foo:bar/baz.example.com` can be looked up again ([`label_by_label`]); a name with
/// any other byte keeps hickory's escaped form, safe to show.
fn host_text(name: &Name) -> String {
    let plain = |label: &[u8]| {
        label
            .iter()
            .all(|&byte| byte.is_ascii_graphic() || byte == b' ')
    };
    let text = if !name.is_root() && name.iter().all(plain) {
        let labels: Vec<String> = name
            .iter()
            .map(|label| String::from_utf8_lossy(label).into_owned())
            .collect();
        labels.join(".")
    } else {
        name.to_ascii()
    };
    let text = text.to_ascii_lowercase();
    match text.strip_suffix('.') {
        Some(stripped) if !stripped.is_empty() => stripped.to_string(),
        _ => text,
    }
}

/// What one query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsAnswer<T> {
    /// Records of the asked type.
    Records(Records<T>),
    /// The name exists but has no record of this type (NOERROR, empty answer).
    NoData,
    /// The name does not exist.
    NxDomain,
    /// No usable answer: the server failed, refused or did not answer.
    Failed(DnsFailure),
}

/// The records of a successful query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records<T> {
    /// Never empty.
    pub records: Vec<T>,
    /// The smallest TTL among the records, in seconds.
    pub ttl: u32,
    /// The CNAMEs followed on the way, in order (empty when the name is not an alias).
    pub aliases: Vec<Alias>,
}

/// One CNAME step: `name` is an alias of `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub target: String,
}

/// One `MX` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxData {
    pub preference: u16,
    /// The mail host, lower case without the trailing dot; `.` for a null MX (RFC 7505).
    pub exchange: String,
}

/// One `SRV` record (RFC 2782): where a service of a domain is offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrvData {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// The host, lower case without the trailing dot; `.` means "not offered".
    pub target: String,
}

/// Why a query has no usable answer. `Display` is a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsFailure {
    #[error("the DNS server did not answer in time")]
    Timeout,
    #[error("the DNS server failed to answer (SERVFAIL)")]
    ServFail,
    #[error("the DNS server refused the query (REFUSED)")]
    Refused,
    #[error("the DNS server answered with the error {0}")]
    ErrorCode(String),
    #[error("the DNS server could not be reached: {0}")]
    Network(String),
    /// The answer came but could not be read (a record no valid zone holds, such as
    /// a `TXT` of no strings, makes the whole answer unreadable).
    #[error("the DNS server's answer is not valid DNS: {0}")]
    Malformed(String),
    #[error("{0:?} is not a name DNS can look up")]
    InvalidName(String),
    #[error("the DNS lookup failed: {0}")]
    Other(String),
    /// Not sent: the check's own budget of this many queries was spent (a bound the
    /// bot sets on the work one check may cause, not a fault of DNS).
    #[error("not looked up: this check's budget of {0} DNS queries was spent")]
    OverBudget(usize),
}

impl<T> DnsAnswer<T> {
    /// Sorts a resolver error into NXDOMAIN, NODATA or a failure.
    fn from_error(err: &NetError) -> Self {
        let code = |code: ResponseCode| match code {
            ResponseCode::NXDomain => DnsAnswer::NxDomain,
            ResponseCode::NoError => DnsAnswer::NoData,
            ResponseCode::ServFail => DnsAnswer::Failed(DnsFailure::ServFail),
            ResponseCode::Refused => DnsAnswer::Failed(DnsFailure::Refused),
            code => DnsAnswer::Failed(DnsFailure::ErrorCode(code.to_string())),
        };
        match err {
            NetError::Dns(DnsError::NoRecordsFound(no_records)) => code(no_records.response_code),
            NetError::Dns(DnsError::ResponseCode(response_code)) => code(*response_code),
            NetError::Timeout => DnsAnswer::Failed(DnsFailure::Timeout),
            NetError::NoConnections => DnsAnswer::Failed(DnsFailure::Network(
                "no nameserver could be connected".to_string(),
            )),
            NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                DnsAnswer::Failed(DnsFailure::Timeout)
            }
            NetError::Io(io) => DnsAnswer::Failed(DnsFailure::Network(io.to_string())),
            NetError::Proto(proto) => DnsAnswer::Failed(DnsFailure::Malformed(proto.to_string())),
            _ => DnsAnswer::Failed(DnsFailure::Other(err.to_string())),
        }
    }

    /// The records, when there are any.
    pub fn records(&self) -> Option<&[T]> {
        match self {
            DnsAnswer::Records(found) => Some(&found.records),
            _ => None,
        }
    }

    /// The failure, when the query had no usable answer.
    pub fn failure(&self) -> Option<&DnsFailure> {
        match self {
            DnsAnswer::Failed(failure) => Some(failure),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_name_dns_can_carry_is_queried_label_by_label() {
        let name = absolute_name("foo:bar/baz.example.com").unwrap();
        assert_eq!(name.num_labels(), 3);
        assert!(name.is_fqdn());
        let name = absolute_name("macro%percent  space.example.com.").unwrap();
        assert_eq!(name.iter().next(), Some(&b"macro%percent  space"[..]));
        assert_eq!(absolute_name("a\\.b.example").unwrap().num_labels(), 3);
        for bad in [
            "a..b.example",
            "b\u{fc}cher.example",
            "tab\t.example",
            &"a".repeat(64),
        ] {
            assert!(absolute_name(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn names_are_always_queried_absolute() {
        let name = absolute_name("Example.COM").unwrap();
        assert!(name.is_fqdn());
        assert_eq!(name.to_ascii(), "Example.COM.");
        assert!(absolute_name("example.com.").unwrap().is_fqdn());
        assert_eq!(absolute_name("  "), None);
    }

    #[test]
    fn reverse_names_follow_rfc_1035_and_3596() {
        assert_eq!(
            reverse_name("192.0.2.3".parse().unwrap()),
            "3.2.0.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name("2001:db8::cb01".parse().unwrap()),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }

    #[test]
    fn host_text_is_lower_case_without_the_trailing_dot() {
        let name = Name::from_ascii("Mail.Example.NET.").unwrap();
        assert_eq!(host_text(&name), "mail.example.net");
        assert_eq!(host_text(&Name::root()), ".");
        let odd = Name::from_labels([&b"Foo:Bar/baz"[..], b"example", b"com"]).unwrap();
        assert_eq!(host_text(&odd), "foo:bar/baz.example.com");
        let control = Name::from_labels([&b"a\x1bb"[..], b"example"]).unwrap();
        assert!(
            !host_text(&control).contains('\x1b'),
            "{}",
            host_text(&control)
        );
    }

    #[tokio::test]
    async fn the_deadline_covers_every_attempt() {
        let settings = ResolverSettings {
            servers: Some(vec!["127.0.0.1:53".parse().unwrap()]),
            timeout: Duration::from_millis(500),
            attempts: 2,
            max_in_flight: 8,
            cache_max_age: MAX_CACHE_AGE,
        };
        let resolver = DnsResolver::new(&settings).unwrap();
        assert_eq!(resolver.deadline(), Duration::from_millis(1500));
    }

    #[test]
    fn failures_read_as_sentences() {
        assert_eq!(
            DnsFailure::Refused.to_string(),
            "the DNS server refused the query (REFUSED)"
        );
        assert!(DnsFailure::InvalidName("a b".into())
            .to_string()
            .contains("not a name"));
    }
}
