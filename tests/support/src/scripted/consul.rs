//! A stand-in for a Consul agent's DNS interface, written from Consul's documentation of it (no
//! Consul binary is installable here: it is in no reachable registry). It answers as Consul
//! does, not as a standard DNS server: in particular it trims UDP answers without setting TC.
//!
//! Each behaviour below names where Consul documents it: "DNS" is the DNS interface page
//! (developer.hashicorp.com/consul/docs/services/discovery/dns-static-lookups and
//! .../dns-overview), "dns_config" the agent configuration reference (`dns_config` block), and
//! "agent/dns" the agent's DNS code (`router_response.go`, `message_serializer.go`), which the
//! documentation of `udp_answer_limit` and `enable_truncate` describes.
//!
//! - DNS: `NAME.service[.DC].consul`, `TAG.NAME.service[.DC].consul` and RFC 2782
//!   `_NAME._TAG.service[.DC].consul` (`_tcp` as the tag means any tag) for A, AAAA and SRV;
//!   `NODE.node[.DC].consul` for a node's address.
//! - DNS: SRV targets are `NODE.node.DC.consul.`, their addresses in the additional section.
//! - DNS: a name Consul does not know, or a service with no healthy instance, is NXDOMAIN with
//!   the SOA in the authority section; a known name without records of the asked type is
//!   NOERROR without answers, the SOA in the authority section.
//! - DNS / dns_config `only_passing` (default false): instances whose health is critical are
//!   left out, those with a warning are served.
//! - agent/dns `createRefusedResponse`: a name outside the `consul` domain, with no recursors
//!   configured, is REFUSED (the miekg/dns default), without AA.
//! - DNS: answers are shuffled on every query ("randomized"), TTL 0 (dns_config `service_ttl`
//!   and `node_ttl` default to 0), AA set, RA only with recursors (none here).
//! - dns_config `udp_answer_limit` (default 3) and agent/dns `trimUDPResponse`: a UDP query
//!   without EDNS (or with a buffer of at most 512) gets at most that many records, then records
//!   are dropped until the message fits 512 bytes; with EDNS, records are dropped until it fits
//!   the advertised buffer. dns_config `enable_truncate` (default false): only then is TC set.
//! - agent/dns `trimTCPResponse`: over TCP the answer is whole, up to 64 KB.
//! - agent/dns `setEDNS`: a query's EDNS OPT is echoed with the same buffer size.
//! - A and AAAA: a service lookup answers an A query with the IPv4 instances only and an AAAA
//!   query with the IPv6 ones (`message_serializer.go` `getAnswerExtrasForIP` returns nothing for
//!   the other family). The other family's record goes to the additional section only for SRV
//!   (both families, as always) and for `.addr.` lookups (`isARecordWhenNotExplicitlyQueried`),
//!   which the stand-in does not serve.
//!
//! Which Consul the trimming follows. Consul 1.19 made the rewritten DNS server
//! (`agent/dns/router.go`, trimming in `response_generator.go`) the default; the legacy
//! `agent/dns.go` stays behind the `v1dns` experiment. Read in both:
//! - Without EDNS, the 512-byte bound is measured uncompressed only when `udp_answer_limit` has
//!   cut the answer (then it is sent compressed); otherwise compressed. Both follow this (a much
//!   older `dns.go` measured every 512-byte answer uncompressed); so does the stand-in.
//! - The OPT: the legacy `dns.go` set it before trimming, so it counted in the size, and its
//!   `syncExtra` then rebuilt the additional section from the SRV targets alone, dropping the
//!   OPT from a trimmed answer; the current `router.go` trims first and appends the OPT after
//!   (trimmed to the buffer less 8 bytes without the OPT's 11, the answer may exceed the buffer
//!   by up to 3 bytes). The stand-in counts the OPT in the size, as the legacy code did, and keeps it, as
//!   the current code does: its answers always fit the buffer and always echo the OPT. The
//!   check's "a full UDP answer may hide trimmed records" counts from the bytes received, so
//!   either way a full answer is asked again over TCP.
//! - Over TCP, both cut an SRV answer to 1024 records (4096 for others) before trimming to
//!   64 KB; not modelled (the tests serve at most a few hundred instances).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, SOA, SRV};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinEncodable, BinEncoder, NameEncoding};

use crate::scripted::peers::UdpPeer;

/// The datacenter of the stand-in's catalog.
pub const DATACENTER: &str = "dc1";

/// A service instance's health, as its checks say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Passing,
    Warning,
    Critical,
}

/// One instance of a service on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub service: String,
    pub node: String,
    pub address: std::net::IpAddr,
    pub port: u16,
    pub tags: Vec<String>,
    pub health: Health,
}

/// The agent's `dns_config`, Consul's defaults by [`Default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsConfig {
    pub udp_answer_limit: usize,
    pub enable_truncate: bool,
    pub only_passing: bool,
}

impl Default for DnsConfig {
    fn default() -> DnsConfig {
        DnsConfig {
            udp_answer_limit: 3,
            enable_truncate: false,
            only_passing: false,
        }
    }
}

/// agent/dns: `maxUDPAnswerLimit` caps `udp_answer_limit`.
const MAX_UDP_ANSWER_LIMIT: usize = 8;
/// agent/dns: the largest UDP buffer honoured, and the TCP message limit.
const MAX_UDP_SIZE: usize = 65535 - 68;
const MAX_TCP_SIZE: usize = 65523;

/// The story's catalog: `galeradb` on three nodes (two tagged `icinga-galera`), and
/// `galeradb-degraded` with one instance.
pub fn story_catalog() -> Vec<Instance> {
    let mut catalog = Vec::new();
    for (i, node) in ["node1", "node2", "node3"].iter().enumerate() {
        let address = std::net::IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11 + i as u8));
        let tags = match i {
            0 | 1 => vec!["icinga-galera".to_string()],
            _ => Vec::new(),
        };
        catalog.push(instance("galeradb", node, address, 3306, tags));
    }
    catalog.push(instance(
        "galeradb-degraded",
        "node1",
        std::net::IpAddr::V4(Ipv4Addr::new(127, 0, 0, 11)),
        3306,
        Vec::new(),
    ));
    catalog
}

/// `count` instances of `service`, one per node `NAME-N` at 127.0.N/256.N%256+1.
pub fn many_instances(service: &str, count: usize) -> Vec<Instance> {
    (1..=count)
        .map(|n| {
            let address = Ipv4Addr::new(127, 1, (n / 256) as u8, (n % 256) as u8);
            instance(
                service,
                &format!("{service}-{n}"),
                address.into(),
                3306,
                Vec::new(),
            )
        })
        .collect()
}

/// `count` IPv6 instances of `service`, one per node `NAME-v6-N` at fd00::1:N.
pub fn many_instances_v6(service: &str, count: usize) -> Vec<Instance> {
    (1..=count)
        .map(|n| {
            let address = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 1, n as u16);
            instance(
                service,
                &format!("{service}-v6-{n}"),
                address.into(),
                3306,
                Vec::new(),
            )
        })
        .collect()
}

fn instance(
    service: &str,
    node: &str,
    address: std::net::IpAddr,
    port: u16,
    tags: Vec<String>,
) -> Instance {
    Instance {
        service: service.into(),
        node: node.into(),
        address,
        port,
        tags,
        health: Health::Passing,
    }
}

struct State {
    catalog: Vec<Instance>,
    config: DnsConfig,
    seed: u64,
}

/// The running stand-in: UDP and TCP on one loopback port, stopped when dropped.
pub struct ConsulAgent {
    port: u16,
    state: Arc<Mutex<State>>,
    paused: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    udp: Option<UdpPeer>,
    tcp: Option<JoinHandle<()>>,
}

impl ConsulAgent {
    /// The story's catalog with Consul's default `dns_config`.
    pub fn start() -> Result<ConsulAgent, String> {
        ConsulAgent::start_with(story_catalog(), DnsConfig::default())
    }

    pub fn start_with(catalog: Vec<Instance>, config: DnsConfig) -> Result<ConsulAgent, String> {
        let (udp, tcp) = bind_pair()?;
        let port = udp.local_addr().map_err(|e| e.to_string())?.port();
        let state = Arc::new(Mutex::new(State {
            catalog,
            config,
            seed: u64::from(port) | 1,
        }));
        let paused = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let udp = {
            let (state, paused) = (state.clone(), paused.clone());
            UdpPeer::start_on(udp, move |request, client, socket| {
                if paused.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(answer) = answer(request, Transport::Udp, &state) {
                    let _ = socket.send_to(&answer, client);
                }
            })?
        };
        let tcp_thread = {
            let (state, paused, stop) = (state.clone(), paused.clone(), stop.clone());
            std::thread::spawn(move || serve_tcp(&tcp, &state, &paused, &stop))
        };
        Ok(ConsulAgent {
            port,
            state,
            paused,
            stop,
            udp: Some(udp),
            tcp: Some(tcp_thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The instance of `service` on `node` now has this health (its checks changed).
    pub fn set_health(&self, service: &str, node: &str, health: Health) {
        if let Ok(mut state) = self.state.lock() {
            for instance in state.catalog.iter_mut() {
                if instance.service == service && instance.node == node {
                    instance.health = health;
                }
            }
        }
    }

    /// A hung agent: the port stays open, nothing is answered (UDP or TCP).
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }

    /// Stop for good: the port refuses from now on.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.udp = None;
        // Wake the accepting thread.
        let _ = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port));
        if let Some(thread) = self.tcp.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ConsulAgent {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A UDP socket and a TCP listener on the same free loopback port.
fn bind_pair() -> Result<(UdpSocket, TcpListener), String> {
    let mut last = String::new();
    for _ in 0..50 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
        let port = udp.local_addr().map_err(|e| e.to_string())?.port();
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("no free port for both UDP and TCP: {last}"))
}

fn serve_tcp(
    listener: &TcpListener,
    state: &Arc<Mutex<State>>,
    paused: &Arc<AtomicBool>,
    stop: &Arc<AtomicBool>,
) {
    let mut connections = Vec::new();
    // Blocking accepts (no polling delay on a client's connect); `stop` wakes this loop by
    // connecting once more.
    while let Ok((stream, _)) = listener.accept() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let (state, paused, stop) = (state.clone(), paused.clone(), stop.clone());
        connections.push(std::thread::spawn(move || {
            serve_connection(stream, &state, &paused, &stop)
        }));
    }
    for connection in connections {
        let _ = connection.join();
    }
}

/// Length-prefixed messages until the client closes, the agent stops, or 5 s of silence.
fn serve_connection(
    mut stream: TcpStream,
    state: &Mutex<State>,
    paused: &AtomicBool,
    stop: &AtomicBool,
) {
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .is_err()
    {
        return;
    }
    let mut idle = Duration::ZERO;
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) && idle < Duration::from_secs(5) {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                idle = Duration::ZERO;
                pending.extend_from_slice(&chunk[..n]);
            }
            Err(_) => {
                idle += Duration::from_millis(100);
                continue;
            }
        }
        while pending.len() >= 2 {
            let length = usize::from(u16::from_be_bytes([pending[0], pending[1]]));
            if pending.len() < 2 + length {
                break;
            }
            let request: Vec<u8> = pending.drain(..2 + length).skip(2).collect();
            if paused.load(Ordering::SeqCst) {
                continue;
            }
            if let Some(answer) = answer(&request, Transport::Tcp, state) {
                let mut framed = (answer.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&answer);
                if stream.write_all(&framed).is_err() {
                    return;
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

/// The answer to one query, as bytes; `None` for what Consul would not answer at all.
fn answer(request: &[u8], transport: Transport, state: &Mutex<State>) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    if request.metadata.message_type != MessageType::Query {
        return None;
    }
    let mut state = state.lock().ok()?;
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.authoritative = true;
    response.metadata.recursion_available = false;
    response.queries = request.queries.clone();
    // Set before trimming, so it counts in the size (legacy dns.go), and kept after it (the
    // current router.go): see the module's comment.
    if let Some(edns) = &request.edns {
        let mut echoed = Edns::new();
        echoed.set_max_payload(edns.max_payload());
        response.set_edns(echoed);
    }
    let Some(query) = request.queries.first() else {
        response.metadata.response_code = ResponseCode::FormErr;
        return response.to_vec().ok();
    };
    if request.metadata.op_code != OpCode::Query || query.query_class != DNSClass::IN {
        response.metadata.response_code = ResponseCode::NotImp;
        return response.to_vec().ok();
    }
    if !query.name().to_lowercase().to_ascii().ends_with(".consul.") {
        response.metadata.response_code = ResponseCode::Refused;
        response.metadata.authoritative = false;
        return response.to_vec().ok();
    }
    let seed = next_seed(&mut state.seed);
    let lookup = lookup(
        query.name(),
        query.query_type(),
        &state.catalog,
        state.config,
    );
    match lookup {
        Lookup::Unknown => {
            response.metadata.response_code = ResponseCode::NXDomain;
            response.add_authority(soa());
        }
        Lookup::Found {
            mut answers,
            additionals,
        } => {
            if answers.is_empty() {
                response.add_authority(soa());
            }
            shuffle(&mut answers, seed);
            response.answers = answers;
            response.additionals = additionals;
        }
    }
    let trimmed = match transport {
        Transport::Udp => trim_udp(&request, &mut response, state.config.udp_answer_limit),
        Transport::Tcp => trim_to(&mut response, MAX_TCP_SIZE, false),
    };
    if trimmed && state.config.enable_truncate {
        response.metadata.truncation = true;
    }
    response.to_vec().ok()
}

enum Lookup {
    /// NXDOMAIN: an unknown name, or a service without a healthy instance.
    Unknown,
    Found {
        answers: Vec<Record>,
        additionals: Vec<Record>,
    },
}

/// What Consul answers for `name` and `qtype` from `catalog`.
fn lookup(name: &Name, qtype: RecordType, catalog: &[Instance], config: DnsConfig) -> Lookup {
    let text = name.to_lowercase().to_ascii();
    let Some(rest) = text.strip_suffix(".consul.") else {
        return Lookup::Unknown;
    };
    let labels: Vec<&str> = rest.split('.').collect();
    let (kind_at, datacenter_ok) =
        match labels.iter().rposition(|l| *l == "service" || *l == "node") {
            Some(i) if i + 1 == labels.len() => (i, true),
            Some(i) if i + 2 == labels.len() => (i, labels[i + 1] == DATACENTER),
            _ => return Lookup::Unknown,
        };
    if !datacenter_ok || kind_at == 0 {
        return Lookup::Unknown;
    }
    let before = &labels[..kind_at];
    let served = |i: &&Instance| match i.health {
        Health::Passing => true,
        Health::Warning => !config.only_passing,
        Health::Critical => false,
    };
    if labels[kind_at] == "node" {
        if before.len() != 1 {
            return Lookup::Unknown;
        }
        let Some(node) = catalog.iter().find(|i| i.node == before[0]) else {
            return Lookup::Unknown;
        };
        return Lookup::Found {
            answers: address_records(name, node.address, qtype),
            additionals: Vec::new(),
        };
    }
    let (service, tag) = match before {
        [service] => (*service, None),
        [first, second] if first.starts_with('_') && second.starts_with('_') => {
            let tag = &second[1..];
            (&first[1..], (tag != "tcp").then_some(tag))
        }
        [tag, service] => (*service, Some(*tag)),
        _ => return Lookup::Unknown,
    };
    let instances: Vec<&Instance> = catalog
        .iter()
        .filter(|i| i.service == service)
        .filter(|i| tag.is_none_or(|t| i.tags.iter().any(|own| own == t)))
        .filter(served)
        .collect();
    if instances.is_empty() {
        return Lookup::Unknown;
    }
    let mut answers = Vec::new();
    let mut additionals = Vec::new();
    for instance in instances {
        match qtype {
            RecordType::SRV => {
                let target =
                    Name::from_ascii(format!("{}.node.{DATACENTER}.consul.", instance.node))
                        .unwrap_or_else(|_| Name::root());
                answers.push(Record::from_rdata(
                    name.clone(),
                    0,
                    RData::SRV(SRV::new(1, 1, instance.port, target.clone())),
                ));
                additionals.extend(address_records(&target, instance.address, RecordType::ANY));
            }
            _ => answers.extend(address_records(name, instance.address, qtype)),
        }
    }
    Lookup::Found {
        answers,
        additionals,
    }
}

/// The A or AAAA record of `address` for `name`, if `qtype` asks for that family (ANY: either).
fn address_records(name: &Name, address: std::net::IpAddr, qtype: RecordType) -> Vec<Record> {
    let data = match (address, qtype) {
        (std::net::IpAddr::V4(v4), RecordType::A | RecordType::ANY) => RData::A(A(v4)),
        (std::net::IpAddr::V6(v6), RecordType::AAAA | RecordType::ANY) => RData::AAAA(AAAA(v6)),
        _ => return Vec::new(),
    };
    vec![Record::from_rdata(name.clone(), 0, data)]
}

fn soa() -> Record {
    let consul = Name::from_ascii("consul.").unwrap_or_else(|_| Name::root());
    let ns = Name::from_ascii("ns.consul.").unwrap_or_else(|_| Name::root());
    let mbox = Name::from_ascii("hostmaster.consul.").unwrap_or_else(|_| Name::root());
    Record::from_rdata(
        consul,
        0,
        RData::SOA(SOA::new(ns, mbox, 1, 3600, 600, 86400, 0)),
    )
}

/// agent/dns `trimUDPResponse`: whether records were dropped.
fn trim_udp(request: &Message, response: &mut Message, udp_answer_limit: usize) -> bool {
    let before = response.answers.len();
    let max_size = match &request.edns {
        Some(edns) if usize::from(edns.max_payload()) > 512 => {
            usize::from(edns.max_payload()).min(MAX_UDP_SIZE)
        }
        _ => 512,
    };
    let limit = udp_answer_limit.min(MAX_UDP_ANSWER_LIMIT);
    let cut = max_size == 512 && response.answers.len() > limit;
    if cut {
        response.answers.truncate(limit);
        sync_additionals(response);
    }
    // An answer cut to `udp_answer_limit` is measured uncompressed (Consul's conservative
    // choice), then sent compressed; 8 bytes are kept for the UDP header.
    trim_to(response, max_size - 8, cut);
    response.answers.len() < before
}

/// Drop answers (and the additionals no answer needs) until the message fits `max` bytes: the
/// most answers that fit, found by halving as agent/dns `dnsBinaryTruncate` does.
fn trim_to(response: &mut Message, max: usize, uncompressed: bool) -> bool {
    let before = response.answers.len();
    if before <= 1 || encoded_len(response, uncompressed) <= max {
        return false;
    }
    response.authorities.clear();
    let answers = std::mem::take(&mut response.answers);
    let additionals = std::mem::take(&mut response.additionals);
    let fits = |response: &mut Message, n: usize| {
        response.answers = answers[..n].to_vec();
        response.additionals = additionals.clone();
        sync_additionals(response);
        encoded_len(response, uncompressed) <= max
    };
    // One answer is sent even when it does not fit (agent/dns: "try to send it anyway").
    let (mut fitting, mut too_many) = (1, before);
    while too_many - fitting > 1 {
        let middle = fitting + (too_many - fitting) / 2;
        match fits(response, middle) {
            true => fitting = middle,
            false => too_many = middle,
        }
    }
    fits(response, fitting);
    fitting < before
}

/// Keep only the additional records of the remaining SRV targets.
fn sync_additionals(response: &mut Message) {
    let targets: std::collections::HashSet<Name> = response
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::SRV(srv) => Some(srv.target.to_lowercase()),
            _ => None,
        })
        .collect();
    response
        .additionals
        .retain(|r| targets.contains(&r.name.to_lowercase()));
}

fn encoded_len(message: &Message, uncompressed: bool) -> usize {
    let mut buffer = Vec::with_capacity(1024);
    let mut encoder = BinEncoder::new(&mut buffer);
    if uncompressed {
        encoder.set_name_encoding(NameEncoding::Uncompressed);
    }
    match message.emit(&mut encoder) {
        Ok(_) => buffer.len(),
        Err(_) => usize::MAX,
    }
}

/// xorshift64: a different order on every answer, reproducible per agent.
fn next_seed(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

fn shuffle(records: &mut [Record], mut seed: u64) {
    for i in (1..records.len()).rev() {
        let j = (next_seed(&mut seed) % (i as u64 + 1)) as usize;
        records.swap(i, j);
    }
}

/// Ask the stand-in (or any server) one question over UDP, with or without EDNS, and return
/// the decoded answer (for the stand-in's own tests).
pub fn ask_udp(
    port: u16,
    name: &str,
    qtype: RecordType,
    edns: Option<u16>,
) -> Result<Message, String> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let mut query = Message::query();
    query.add_query(hickory_proto::op::Query::query(
        Name::from_ascii(name).map_err(|e| e.to_string())?,
        qtype,
    ));
    if let Some(size) = edns {
        let mut opt = Edns::new();
        opt.set_max_payload(size);
        query.set_edns(opt);
    }
    let bytes = query.to_vec().map_err(|e| e.to_string())?;
    socket
        .send_to(&bytes, SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65535];
    let n = socket.recv(&mut buf).map_err(|e| e.to_string())?;
    Message::from_vec(&buf[..n]).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(count: usize) -> ConsulAgent {
        ConsulAgent::start_with(many_instances("big", count), DnsConfig::default())
            .expect("stand-in")
    }

    #[test]
    fn udp_without_edns_gets_three_records_and_no_tc() {
        let agent = agent(90);
        let answer =
            ask_udp(agent.port(), "big.service.consul.", RecordType::A, None).expect("answer");
        assert_eq!(answer.answers.len(), 3);
        assert!(!answer.metadata.truncation && answer.metadata.authoritative);
        assert!(answer.edns.is_none());
    }

    #[test]
    fn udp_with_edns_fits_the_buffer_and_echoes_it() {
        let agent = agent(90);
        let answer = ask_udp(
            agent.port(),
            "big.service.consul.",
            RecordType::SRV,
            Some(1232),
        )
        .expect("answer");
        let n = answer.answers.len();
        assert!((5..90).contains(&n), "{n} SRV records in 1232 bytes");
        assert_eq!(answer.additionals.len(), n, "one address per target");
        assert!(!answer.metadata.truncation);
        assert_eq!(answer.edns.as_ref().map(Edns::max_payload), Some(1232));
        assert!(answer.to_vec().expect("encode").len() <= 1232);
        let whole = ask_udp(
            agent.port(),
            "big.service.consul.",
            RecordType::A,
            Some(8192),
        )
        .expect("answer");
        assert_eq!(whole.answers.len(), 90);
    }

    #[test]
    fn answers_come_in_random_order() {
        let agent = agent(5);
        let mut orders = std::collections::HashSet::new();
        for _ in 0..20 {
            let answer = ask_udp(
                agent.port(),
                "big.service.consul.",
                RecordType::A,
                Some(4096),
            )
            .expect("answer");
            let order: Vec<String> = answer.answers.iter().map(|r| r.data.to_string()).collect();
            assert_eq!(order.len(), 5);
            orders.insert(order);
        }
        assert!(orders.len() >= 2, "one order in 20 answers: {orders:?}");
    }

    #[test]
    fn the_512_byte_bound_is_measured_uncompressed_after_the_answer_limit() {
        // Names long enough that 3 SRV records with their addresses exceed 512 bytes
        // uncompressed (about 270 bytes each), though they would fit compressed (about 110).
        let service = "s".repeat(60);
        let agent = ConsulAgent::start_with(many_instances(&service, 5), DnsConfig::default())
            .expect("stand-in");
        let name = format!("{service}.service.consul.");
        let srv = ask_udp(agent.port(), &name, RecordType::SRV, None).expect("answer");
        assert_eq!(srv.answers.len(), 1, "{srv:?}");
        assert_eq!(
            srv.additionals.len(),
            1,
            "the remaining target's address only"
        );
        assert!(!srv.metadata.truncation);
        assert!(encoded_len(&srv, true) <= 512 - 8);
        // A records of the same name fit 3 to the limit.
        let a = ask_udp(agent.port(), &name, RecordType::A, None).expect("answer");
        assert_eq!(a.answers.len(), 3);
    }

    #[test]
    fn only_passing_leaves_out_warnings_too() {
        let config = DnsConfig {
            only_passing: true,
            ..DnsConfig::default()
        };
        let strict = ConsulAgent::start_with(story_catalog(), config).expect("stand-in");
        let default = ConsulAgent::start().expect("stand-in");
        for agent in [&strict, &default] {
            agent.set_health("galeradb", "node2", Health::Warning);
        }
        let count = |agent: &ConsulAgent| {
            ask_udp(
                agent.port(),
                "galeradb.service.consul.",
                RecordType::A,
                Some(4096),
            )
            .expect("answer")
            .answers
            .len()
        };
        assert_eq!((count(&strict), count(&default)), (2, 3));
        strict.set_health("galeradb", "node2", Health::Passing);
        assert_eq!(count(&strict), 3);
    }

    #[test]
    fn ipv6_instances_answer_aaaa_only() {
        let mut catalog = many_instances("big", 4);
        catalog.extend(many_instances_v6("big", 5));
        let agent = ConsulAgent::start_with(catalog, DnsConfig::default()).expect("stand-in");
        let ask = |qtype| {
            let answer =
                ask_udp(agent.port(), "big.service.consul.", qtype, Some(4096)).expect("answer");
            (answer.answers.len(), answer.additionals.len())
        };
        assert_eq!(ask(RecordType::A), (4, 0));
        assert_eq!(ask(RecordType::AAAA), (5, 0));
        // SRV: every instance, each target's A or AAAA in the additional section.
        assert_eq!(ask(RecordType::SRV), (9, 9));
    }

    #[test]
    fn enable_truncate_sets_tc() {
        let agent = ConsulAgent::start_with(
            many_instances("big", 10),
            DnsConfig {
                enable_truncate: true,
                ..DnsConfig::default()
            },
        )
        .expect("stand-in");
        let answer =
            ask_udp(agent.port(), "big.service.consul.", RecordType::A, None).expect("answer");
        assert!(answer.metadata.truncation);
    }

    #[test]
    fn names_health_and_nxdomain() {
        let agent = ConsulAgent::start().expect("stand-in");
        let port = agent.port();
        let count = |name: &str, qtype| {
            let answer = ask_udp(port, name, qtype, Some(4096)).expect("answer");
            (answer.metadata.response_code, answer.answers.len())
        };
        assert_eq!(
            count("galeradb.service.consul.", RecordType::A),
            (ResponseCode::NoError, 3)
        );
        assert_eq!(
            count("galeradb.service.dc1.consul.", RecordType::A),
            (ResponseCode::NoError, 3)
        );
        assert_eq!(
            count("icinga-galera.galeradb.service.consul.", RecordType::A),
            (ResponseCode::NoError, 2)
        );
        assert_eq!(
            count("_galeradb._icinga-galera.service.consul.", RecordType::SRV),
            (ResponseCode::NoError, 2)
        );
        assert_eq!(
            count("_galeradb._tcp.service.consul.", RecordType::SRV),
            (ResponseCode::NoError, 3)
        );
        assert_eq!(
            count("node2.node.consul.", RecordType::A),
            (ResponseCode::NoError, 1)
        );
        assert_eq!(
            count("galeradb.service.consul.", RecordType::AAAA),
            (ResponseCode::NoError, 0)
        );
        assert_eq!(
            count("nothing.service.consul.", RecordType::A),
            (ResponseCode::NXDomain, 0)
        );
        assert_eq!(
            count("galeradb.service.dc9.consul.", RecordType::A),
            (ResponseCode::NXDomain, 0)
        );
        agent.set_health("galeradb", "node3", Health::Critical);
        agent.set_health("galeradb", "node2", Health::Warning);
        assert_eq!(
            count("galeradb.service.consul.", RecordType::A),
            (ResponseCode::NoError, 2)
        );
        agent.set_health("galeradb-degraded", "node1", Health::Critical);
        let answer = ask_udp(
            port,
            "galeradb-degraded.service.consul.",
            RecordType::A,
            None,
        )
        .expect("answer");
        assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
        assert_eq!(answer.authorities.len(), 1, "the SOA");
    }
}
