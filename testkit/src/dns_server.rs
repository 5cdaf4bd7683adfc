//! A real DNS server for tests: hickory-server authorities on 127.0.0.1 (UDP and TCP on
//! one port), holding the zones a test builds, with faults (SERVFAIL, REFUSED, silence)
//! for chosen names and a log of every query received.
//!
//! In a test module:
//!
//! ```ignore
//! let dns = TestDns::builder()
//!     .zone(Zone::new("example.com").mx("example.com", 10, "mail.echoterra.net"))
//!     .zone(Zone::new("echoterra.net").a("mail.echoterra.net", "185.199.108.153"))
//!     .fault("broken.example", Fault::ServFail)
//!     .start()
//!     .await;
//! let services = dns.services(); // the embedded catalogue, DNS_SERVERS = this server
//! ```
//!
//! A name outside every zone is answered REFUSED (as a real authoritative server does);
//! a zone of the root (`Zone::new(".")`) holds every name. Owner names may hold any
//! byte but the dot (`foo:bar/baz.example.com`, as SPF's test suite has them), and a
//! name can be made silent for some record types only ([`TestDnsBuilder::silent_except`]).
//! The server stops when the `TestDns` is dropped.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use echoterra_bot::catalog::Catalog;
use echoterra_bot::checks::Services;
use echoterra_bot::config::Config;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME, MX, NS, NULL, PTR, SOA, SRV, TXT};
use hickory_server::proto::rr::{LowerName, Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{
    AxfrPolicy, Catalog as DnsCatalog, MessageResponseBuilder, ZoneType,
};
use hickory_server::Server;
use tokio::net::{TcpListener, UdpSocket};

/// Whether a query came over UDP or TCP (hickory's name for it is `Protocol`).
pub use hickory_server::net::xfer::Protocol as Transport;

/// The record type code of the retired `SPF` record (RFC 4408 §3.1.1).
pub const SPF_TYPE: u16 = 99;

/// Responses one TCP connection may have queued; a test asks a few questions at a time.
const TCP_RESPONSE_BUFFER: usize = 32;

/// TTL of every record a test adds.
pub const TEST_TTL: u32 = 300;

/// The per-query timeout of [`TestDns::services`]: short, so tests of silence end soon.
pub const TEST_DNS_TIMEOUT: Duration = Duration::from_millis(800);

/// What the server does instead of answering, for a name and every name below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    ServFail,
    Refused,
    /// Reads the query and never answers.
    NoAnswer,
    /// Answers normally, but only after this delay (the blocklist benchmark's slow zones).
    Delay(Duration),
}

/// One query the server received: the name (lower case, no trailing dot), type, and
/// whether it came over UDP or TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedQuery {
    pub name: String,
    pub record_type: RecordType,
    pub transport: Transport,
}

/// A zone's records. Names are absolute (`mail.example.com`, trailing dot optional)
/// and must lie inside the zone.
pub struct Zone {
    origin: Name,
    records: Vec<Record>,
}

/// A name from its text. A host name goes through hickory's parser (IDNA included);
/// anything else DNS can carry (a label of any bytes but the dot, as RFC 2181 §11
/// allows: `foo:bar/baz.example.com`, `a b.example.com`) is taken label by label.
fn name(text: &str) -> Name {
    let mut name = Name::from_str(text)
        .or_else(|_| Name::from_labels(text.trim_end_matches('.').split('.').map(str::as_bytes)))
        .unwrap_or_else(|err| panic!("{text:?}: {err}"));
    name.set_fqdn(true);
    name
}

impl Zone {
    /// An empty zone with its SOA and NS records.
    pub fn new(origin: &str) -> Zone {
        let origin = name(origin);
        let ns = name("ns.test-dns.invalid");
        let soa = SOA::new(
            ns.clone(),
            name("hostmaster.test-dns.invalid"),
            1,
            3600,
            600,
            86400,
            TEST_TTL,
        );
        let records = vec![
            Record::from_rdata(origin.clone(), TEST_TTL, RData::SOA(soa)),
            Record::from_rdata(origin.clone(), TEST_TTL, RData::NS(NS(ns))),
        ];
        Zone { origin, records }
    }

    /// Adds any record.
    pub fn record(mut self, owner: &str, data: RData) -> Zone {
        let owner = name(owner);
        assert!(
            self.origin.zone_of(&owner),
            "{owner} is not inside the zone {}",
            self.origin
        );
        let record = Record::from_rdata(owner, TEST_TTL, data);
        // An RRset holds a record once (RFC 2181 §5): a second copy adds nothing.
        if !self.records.contains(&record) {
            self.records.push(record);
        }
        self
    }

    pub fn a(self, owner: &str, ip: &str) -> Zone {
        self.record(owner, RData::A(A(ip.parse().expect("an IPv4 address"))))
    }

    pub fn aaaa(self, owner: &str, ip: &str) -> Zone {
        self.record(
            owner,
            RData::AAAA(AAAA(ip.parse().expect("an IPv6 address"))),
        )
    }

    /// An `MX` record; an exchange of `.` makes a null MX.
    pub fn mx(self, owner: &str, preference: u16, exchange: &str) -> Zone {
        let exchange = if exchange == "." {
            Name::root()
        } else {
            name(exchange)
        };
        self.record(owner, RData::MX(MX::new(preference, exchange)))
    }

    pub fn txt(self, owner: &str, text: &str) -> Zone {
        self.record(owner, RData::TXT(TXT::new(vec![text.to_string()])))
    }

    /// A `TXT` record of several character-strings (a reader joins them).
    pub fn txt_strings(self, owner: &str, strings: &[&str]) -> Zone {
        let strings = strings.iter().map(|part| part.to_string()).collect();
        self.record(owner, RData::TXT(TXT::new(strings)))
    }

    /// An `SPF` record (type 99, RFC 4408 §3.1.1), which RFC 7208 §3.1 retired: an
    /// evaluator must never ask for it, so it is there to be ignored.
    pub fn spf_type(self, owner: &str, strings: &[&str]) -> Zone {
        let mut wire = Vec::new();
        for part in strings {
            let bytes = part.as_bytes();
            let length = u8::try_from(bytes.len()).expect("a string of at most 255 bytes");
            wire.push(length);
            wire.extend_from_slice(bytes);
        }
        let code = RecordType::Unknown(SPF_TYPE);
        // A record of no strings is empty data, which `NULL::with` refuses.
        let rdata = if wire.is_empty() {
            NULL::new()
        } else {
            NULL::with(wire)
        };
        self.record(owner, RData::Unknown { code, rdata })
    }

    /// A `PTR` record: `owner` (a reverse name, see [`reverse_name`]) points to `target`.
    pub fn ptr(self, owner: &str, target: &str) -> Zone {
        self.record(owner, RData::PTR(PTR(name(target))))
    }

    /// An `SRV` record (RFC 2782); a target of `.` says the service is not offered.
    pub fn srv(self, owner: &str, priority: u16, weight: u16, port: u16, target: &str) -> Zone {
        let target = if target == "." {
            Name::root()
        } else {
            name(target)
        };
        self.record(owner, RData::SRV(SRV::new(priority, weight, port, target)))
    }

    pub fn cname(self, owner: &str, target: &str) -> Zone {
        self.record(owner, RData::CNAME(CNAME(name(target))))
    }

    fn into_authority(self) -> (LowerName, InMemoryZoneHandler) {
        let mut authority =
            InMemoryZoneHandler::empty(self.origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
        for record in self.records {
            let text = format!("{} {}", record.name, record.record_type());
            assert!(authority.upsert_mut(record, 1), "cannot add {text}");
        }
        (LowerName::new(&self.origin), authority)
    }
}

/// The reverse-mapping name of an address: `3.2.0.192.in-addr.arpa`, or the 32 nibbles
/// of an IPv6 address then `ip6.arpa`. Put it in a zone such as `Zone::new("in-addr.arpa")`.
pub fn reverse_name(ip: &str) -> String {
    match ip.parse::<IpAddr>().expect("an IP address") {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let nibbles: Vec<String> = v6
                .octets()
                .iter()
                .rev()
                .flat_map(|byte| [byte & 0x0f, byte >> 4])
                .map(|nibble| format!("{nibble:x}"))
                .collect();
            format!("{}.ip6.arpa", nibbles.join("."))
        }
    }
}

/// Builds a [`TestDns`].
#[derive(Default)]
pub struct TestDnsBuilder {
    zones: Vec<Zone>,
    faults: Vec<(LowerName, Fault)>,
    silences: Vec<Silence>,
}

/// Queries for exactly one name that are never answered, but for some record types.
#[derive(Debug, Clone)]
struct Silence {
    owner: LowerName,
    answered: Vec<RecordType>,
}

impl TestDnsBuilder {
    pub fn zone(mut self, zone: Zone) -> Self {
        self.zones.push(zone);
        self
    }

    /// Queries for `name` or any name below it get `fault` instead of an answer;
    /// `.` makes the whole server misbehave.
    pub fn fault(mut self, owner: &str, fault: Fault) -> Self {
        self.faults.push((LowerName::new(&name(owner)), fault));
        self
    }

    /// Queries for exactly `owner` (not the names below it) are read and never
    /// answered, unless they ask for one of the `answered` types, which are answered
    /// from the zones as usual: a nameserver that times out for some types only.
    pub fn silent_except(mut self, owner: &str, answered: &[RecordType]) -> Self {
        self.silences.push(Silence {
            owner: LowerName::new(&name(owner)),
            answered: answered.to_vec(),
        });
        self
    }

    /// Binds 127.0.0.1 (UDP and TCP, same port) and starts serving.
    pub async fn start(self) -> TestDns {
        let mut catalog = DnsCatalog::new();
        for zone in self.zones {
            let (origin, authority) = zone.into_authority();
            catalog.upsert(origin, vec![Arc::new(authority)]);
        }
        let queries = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(InFlight::default());
        let handler = FaultyCatalog {
            catalog,
            faults: self.faults,
            silences: self.silences,
            queries: queries.clone(),
            in_flight: in_flight.clone(),
        };
        let (udp, tcp) = bind_udp_and_tcp().await;
        let addr = udp.local_addr().expect("bound address");
        let mut server = Server::new(handler);
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), TCP_RESPONSE_BUFFER);
        TestDns {
            addr,
            queries,
            in_flight,
            _server: server,
        }
    }
}

/// UDP and TCP on the same free port of 127.0.0.1 (retrying if TCP's is taken).
async fn bind_udp_and_tcp() -> (UdpSocket, TcpListener) {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind UDP");
        let addr = udp.local_addr().expect("bound address");
        if let Ok(tcp) = TcpListener::bind(addr).await {
            return (udp, tcp);
        }
    }
    panic!("no port of 127.0.0.1 is free for both UDP and TCP");
}

/// A running test DNS server.
pub struct TestDns {
    addr: SocketAddr,
    queries: Arc<Mutex<Vec<LoggedQuery>>>,
    in_flight: Arc<InFlight>,
    _server: Server<FaultyCatalog>,
}

/// Queries being answered now, and the most that ever were at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// Counts one query while it is being answered.
struct Answering<'a>(&'a InFlight);

impl<'a> Answering<'a> {
    fn new(in_flight: &'a InFlight) -> Self {
        let now = in_flight.now.fetch_add(1, Ordering::SeqCst) + 1;
        in_flight.most.fetch_max(now, Ordering::SeqCst);
        Answering(in_flight)
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl TestDns {
    pub fn builder() -> TestDnsBuilder {
        TestDnsBuilder::default()
    }

    /// Where the server listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The most queries that were ever being answered at once.
    pub fn most_at_once(&self) -> usize {
        self.in_flight.most.load(Ordering::SeqCst)
    }

    /// Starts counting [`TestDns::most_at_once`] again from the queries in flight now.
    pub fn reset_most_at_once(&self) {
        let now = self.in_flight.now.load(Ordering::SeqCst);
        self.in_flight.most.store(now, Ordering::SeqCst);
    }

    /// Every query received so far, in order.
    pub fn queries(&self) -> Vec<LoggedQuery> {
        self.queries.lock().unwrap().clone()
    }

    /// A config whose `DNS_SERVERS` is this server (and nothing else set).
    pub fn config(&self) -> Config {
        Config {
            dns_servers: Some(vec![self.addr]),
            ..Config::default()
        }
    }

    /// The embedded catalogue with a short DNS timeout and one attempt
    /// ([`TEST_DNS_TIMEOUT`]), resolving through this server.
    pub fn catalog(&self) -> Catalog {
        let mut catalog = Catalog::embedded().expect("embedded catalogue");
        catalog.defaults.dns.timeout_ms = TEST_DNS_TIMEOUT.as_millis() as u64;
        catalog.defaults.dns.attempts = 1;
        catalog
    }

    /// Services resolving through this server, with [`TestDns::catalog`].
    pub fn services(&self) -> Services {
        Services::from_parts(self.catalog(), self.config()).expect("services")
    }
}

/// The hickory catalogue, with faults put in front of it and every query logged.
struct FaultyCatalog {
    catalog: DnsCatalog,
    faults: Vec<(LowerName, Fault)>,
    silences: Vec<Silence>,
    queries: Arc<Mutex<Vec<LoggedQuery>>>,
    in_flight: Arc<InFlight>,
}

#[async_trait::async_trait]
impl RequestHandler for FaultyCatalog {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let _answering = Answering::new(&self.in_flight);
        let fault = match request.request_info() {
            Ok(info) => {
                let asked = info.query.name();
                let text = asked.to_string().to_ascii_lowercase();
                self.queries.lock().unwrap().push(LoggedQuery {
                    name: text.strip_suffix('.').unwrap_or(&text).to_string(),
                    record_type: info.query.query_type(),
                    transport: request.protocol(),
                });
                let silent = self.silences.iter().any(|silence| {
                    silence.owner == *asked && !silence.answered.contains(&info.query.query_type())
                });
                let fault = self
                    .faults
                    .iter()
                    .find(|(owner, _)| owner.zone_of(asked))
                    .map(|&(_, fault)| fault);
                fault.or(silent.then_some(Fault::NoAnswer))
            }
            Err(_) => None,
        };
        let code = match fault {
            None => {
                return self
                    .catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await
            }
            Some(Fault::Delay(delay)) => {
                // Each UDP request has its own task in hickory-server: a delay here
                // holds back only this answer.
                tokio::time::sleep(delay).await;
                return self
                    .catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await;
            }
            Some(Fault::NoAnswer) => {
                return ResponseInfo::from(Header {
                    metadata: Metadata::response_from_request(&request.metadata),
                    counts: HeaderCounts::default(),
                })
            }
            Some(Fault::ServFail) => ResponseCode::ServFail,
            Some(Fault::Refused) => ResponseCode::Refused,
        };
        let response = MessageResponseBuilder::from_message_request(request)
            .error_msg(&request.metadata, code);
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(err) => panic!("test DNS server could not send its answer: {err}"),
        }
    }
}
