//! Asking DNS servers directly (UDP, TCP for truncated answers or with --tcp), with no resolver,
//! cache, hosts file or search list in between: I/O only, returning plain facts for `evaluate`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use hastack_common::error::describe_io_error;
use hastack_common::net::connected_udp;
use hastack_common::runtime::TimedOut;
use hastack_common::{Context, Failure, Outcome, Peer};
use hickory_proto::op::{Edns, Message, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::facts::{
    Answer, Facts, Instance, PlainView, QueryType, Question, Rcode, ServerAnswers, Transport,
    WithoutEdns,
};
use crate::wire;

/// A DNS server to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsServer {
    pub addr: SocketAddr,
}

impl std::fmt::Display for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.addr)
    }
}

/// What to ask: the servers, the question, the names outside Consul, and over which transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub servers: Vec<DnsServer>,
    pub question: Question,
    /// `--also-resolve` names, fully qualified.
    pub also_resolve: Vec<String>,
    /// TCP only.
    pub tcp: bool,
}

/// Ask every server the question (and the `--also-resolve` names).
pub async fn probe(target: &Target, ctx: &Context) -> Facts {
    let servers = query_all(
        &target.servers,
        &target.question,
        &target.also_resolve,
        target.tcp,
        ctx,
    )
    .await;
    Facts {
        question: target.question.clone(),
        servers,
    }
}

/// At most this many unrelated datagrams are skipped while waiting for the answer.
const MAX_STRAY_DATAGRAMS: usize = 32;

/// Ask every server at once, each by [`Context::parts_deadline`]: one that never answers is
/// reported as such while the others still count.
async fn query_all(
    servers: &[DnsServer],
    question: &Question,
    also_resolve: &[String],
    tcp: bool,
    ctx: &Context,
) -> Vec<ServerAnswers> {
    let deadline = Deadline {
        at: ctx.parts_deadline(),
        after: ctx.parts_budget(),
        ctx,
    };
    let names: Vec<String> = servers.iter().map(ToString::to_string).collect();
    ctx.set_stage(format!("waiting for DNS answers from {}", names.join(", ")));
    join_all(servers.iter().map(|server| async move {
        let main = async {
            match tcp {
                true => {
                    ask(
                        server.addr,
                        &question.name,
                        question.query_type,
                        true,
                        deadline,
                    )
                    .await
                }
                false => ask_with_plain_view(server.addr, question, deadline).await,
            }
        };
        let also = join_all(also_resolve.iter().map(|name| async move {
            (
                name.clone(),
                resolve_address(server.addr, name, tcp, deadline).await,
            )
        }));
        let (main, also) = tokio::join!(main, also);
        ServerAnswers {
            main: Outcome {
                peer: Peer::at(server.to_string()),
                result: main,
            },
            also,
        }
    }))
    .await
}

/// An address for `name`: A first, AAAA when the name has no A records.
async fn resolve_address(
    server: SocketAddr,
    name: &str,
    tcp: bool,
    deadline: Deadline<'_>,
) -> Result<Answer, Failure> {
    let a = ask(server, name, QueryType::A, tcp, deadline).await?;
    if a.rcode == Rcode::NoError && a.instances.is_empty() {
        return ask(server, name, QueryType::Aaaa, tcp, deadline).await;
    }
    Ok(a)
}

/// When the servers' share of the run ends, and how long after the run's start that is (what a
/// server that never answers is said to have had).
#[derive(Debug, Clone, Copy)]
struct Deadline<'a> {
    at: Instant,
    after: Duration,
    /// The run's context, whose `--timeout-state` a stage that hung carries.
    ctx: &'a Context,
}

/// The EDNS buffer the check advertises: DNS Flag Day 2020's 1232 bytes, which crosses networks
/// without IP fragmentation (a larger one risks answers lost to dropped fragments).
pub const EDNS_BUFFER: u16 = 1232;

/// One question as sent: the message, and what an answer to it must echo.
struct Request {
    id: u16,
    bytes: Vec<u8>,
    name: Name,
    record_type: RecordType,
}

impl Request {
    fn new(name: &Name, record_type: RecordType, edns: bool) -> Result<Request, Failure> {
        let mut message = Message::query();
        message.add_query(Query::query(name.clone(), record_type));
        message.metadata.recursion_desired = true;
        if edns {
            let mut opt = Edns::new();
            opt.set_max_payload(EDNS_BUFFER);
            message.set_edns(opt);
        }
        let bytes = message
            .to_vec()
            .map_err(|e| Failure::Io(format!("cannot encode the question: {e}")))?;
        Ok(Request {
            id: message.metadata.id,
            bytes,
            name: name.clone(),
            record_type,
        })
    }
}

/// One question to one server, by `deadline`: over UDP with EDNS, and again over TCP when the
/// answer is truncated (TC) or fills the buffer so that a record may have been left out (Consul
/// trims UDP answers without setting TC); over TCP only with `tcp`.
async fn ask(
    server: SocketAddr,
    name: &str,
    query_type: QueryType,
    tcp: bool,
    deadline: Deadline<'_>,
) -> Result<Answer, Failure> {
    let started = Instant::now();
    let record_type = record_type(query_type);
    let name = Name::from_ascii(name)
        .map_err(|e| Failure::Io(format!("cannot encode the question: {e}")))?;
    let request = Request::new(&name, record_type, true)?;
    let (response, transport) = if tcp {
        let response = by(deadline, true, exchange_tcp(server, &request)).await?;
        (response, Transport::Tcp)
    } else {
        let (response, length) = by(deadline, false, exchange_udp(server, &request)).await?;
        let retry = if response.metadata.truncation {
            Some(Transport::TcpAfterTruncation)
        } else if may_have_been_trimmed(&response, length) {
            Some(Transport::TcpAfterFullUdp)
        } else {
            None
        };
        match retry {
            Some(transport) => {
                let response = by(deadline, true, exchange_tcp(server, &request)).await?;
                (response, transport)
            }
            None => (response, Transport::Udp),
        }
    };
    Ok(read_answer(
        &response,
        &name,
        record_type,
        transport,
        started.elapsed(),
    ))
}

/// How long the question without EDNS may still take once the main answer is in: as long as
/// the main exchange took, at least [`PLAIN_GRACE_MIN`], never past the deadline. A datagram
/// lost or swallowed (a server or middlebox that drops queries without EDNS) then costs this
/// much, not the whole run.
const PLAIN_GRACE_MIN: Duration = Duration::from_millis(200);

/// The main question (UDP with EDNS, TCP when needed) and, at the same time, the same question
/// without EDNS, which may take a bounded grace after the main answer.
async fn ask_with_plain_view(
    server: SocketAddr,
    question: &Question,
    deadline: Deadline<'_>,
) -> Result<Answer, Failure> {
    let started = Instant::now();
    let main = ask(server, &question.name, question.query_type, false, deadline);
    let plain = ask_without_edns(server, &question.name, question.query_type, deadline);
    tokio::pin!(main, plain);
    let mut early = None;
    let answer = loop {
        tokio::select! {
            answer = &mut main => break answer,
            view = &mut plain, if early.is_none() => early = Some(view),
        }
    };
    let mut answer = answer?;
    answer.without_edns = match early {
        Some(view) => view,
        None => {
            let answered = Instant::now();
            let until = (answered + started.elapsed().max(PLAIN_GRACE_MIN)).min(deadline.at);
            tokio::time::timeout_at(until.into(), plain)
                .await
                .unwrap_or(WithoutEdns::NoAnswer {
                    grace: until.saturating_duration_since(answered),
                })
        }
    };
    Ok(answer)
}

/// What a client without EDNS (glibc's resolver by default) gets over UDP: the count, and
/// whether the server said the answer was truncated (such a client then asks over TCP).
async fn ask_without_edns(
    server: SocketAddr,
    name: &str,
    query_type: QueryType,
    deadline: Deadline<'_>,
) -> WithoutEdns {
    let record_type = record_type(query_type);
    let asked = async {
        let name = Name::from_ascii(name)
            .map_err(|e| Failure::Io(format!("cannot encode the question: {e}")))?;
        let request = Request::new(&name, record_type, false)?;
        let (response, _) = by(deadline, false, exchange_udp(server, &request)).await?;
        Ok::<_, Failure>((response, name))
    };
    match asked.await {
        Ok((response, name)) => {
            let answer = read_answer(
                &response,
                &name,
                record_type,
                Transport::Udp,
                Duration::ZERO,
            );
            WithoutEdns::Answered(PlainView {
                instances: answer.instances.len(),
                truncated: response.metadata.truncation,
            })
        }
        Err(failure) => WithoutEdns::Failed(failure),
    }
}

/// Whether one more record could have been left out of a UDP answer of `length` bytes: Consul
/// drops records until the answer fits the buffer less 8 bytes, and says nothing. The largest
/// record of the answer, with the additional records of its target, measured uncompressed, is
/// what one more would have cost.
fn may_have_been_trimmed(response: &Message, length: usize) -> bool {
    if response.answers.is_empty() {
        return false;
    }
    let room = usize::from(EDNS_BUFFER) - 8;
    let record_len = |record: &Record| record.to_bytes().map_or(room, |b| b.len());
    let largest = response
        .answers
        .iter()
        .map(|answer| {
            let target = match &answer.data {
                RData::SRV(srv) => Some(&srv.target),
                _ => None,
            };
            let extras: usize = response
                .additionals
                .iter()
                .filter(|r| Some(&r.name) == target)
                .map(record_len)
                .sum();
            record_len(answer) + extras
        })
        .max()
        .unwrap_or(0);
    length + largest > room
}

/// `exchange` bounded by `deadline`: past it, no answer within the run's share of time.
async fn by<T>(
    deadline: Deadline<'_>,
    tcp: bool,
    exchange: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    tokio::time::timeout_at(deadline.at.into(), exchange)
        .await
        .unwrap_or_else(|_| {
            Err(Failure::NoAnswer(TimedOut {
                stage: match tcp {
                    true => "waiting for an answer over TCP".into(),
                    false => "waiting for an answer".into(),
                },
                after: deadline.after,
                state: deadline.ctx.timeout_state(),
            }))
        })
}

fn record_type(query_type: QueryType) -> RecordType {
    match query_type {
        QueryType::A => RecordType::A,
        QueryType::Aaaa => RecordType::AAAA,
        QueryType::Srv => RecordType::SRV,
    }
}

fn io_failure(error: io::Error) -> Failure {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => Failure::Refused,
        _ => Failure::Io(describe_io_error(&error)),
    }
}

/// The answer over UDP, with its length. A datagram with another ID (or too short to carry one)
/// is noise, someone else's or spoofed, and is skipped (at most [`MAX_STRAY_DATAGRAMS`]); one
/// with our ID is the server's answer, and a malformed one is reported at once.
async fn exchange_udp(server: SocketAddr, request: &Request) -> Result<(Message, usize), Failure> {
    // Connected: only the server's datagrams arrive, and ICMP unreachable is reported.
    let socket = connected_udp(server).await.map_err(io_failure)?;
    socket.send(&request.bytes).await.map_err(io_failure)?;
    let mut buf = vec![0u8; 65535];
    for _ in 0..MAX_STRAY_DATAGRAMS {
        let n = socket.recv(&mut buf).await.map_err(io_failure)?;
        if let Some(message) = answer_to(&buf[..n], request)? {
            return Ok((message, n));
        }
    }
    Err(Failure::Malformed(format!(
        "{MAX_STRAY_DATAGRAMS} datagrams, none of them with the question's ID"
    )))
}

async fn exchange_tcp(server: SocketAddr, request: &Request) -> Result<Message, Failure> {
    let mut stream = TcpStream::connect(server).await.map_err(io_failure)?;
    let length = u16::try_from(request.bytes.len())
        .map_err(|_| Failure::Io("the question is too long".into()))?;
    let mut framed = Vec::with_capacity(request.bytes.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(&request.bytes);
    stream.write_all(&framed).await.map_err(io_failure)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await.map_err(io_failure)?;
    // A length prefix bounds the answer at 64 KiB, whatever the server says.
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut buf).await.map_err(io_failure)?;
    // Over TCP nobody else writes to the connection: another ID is the server's mistake.
    answer_to(&buf, request)?
        .ok_or_else(|| Failure::Malformed("an answer with another message ID over TCP".into()))
}

/// `bytes` as the answer to `request`: `None` for a message that is not for us (another ID, or
/// too short to have one); an error naming what is wrong with one that is ours: not a response,
/// another opcode, another question, or bytes that do not decode.
fn answer_to(bytes: &[u8], request: &Request) -> Result<Option<Message>, Failure> {
    let [hi, lo, ..] = *bytes else {
        return Ok(None);
    };
    if u16::from_be_bytes([hi, lo]) != request.id {
        return Ok(None);
    }
    let malformed = |what: String| Err(Failure::Malformed(what));
    if bytes.len() < 12 {
        return malformed(format!("{} bytes, shorter than a DNS header", bytes.len()));
    }
    if bytes[2] & 0x80 == 0 {
        return malformed("a query, not a response (QR=0)".into());
    }
    let op_code = OpCode::from_u8((bytes[2] >> 3) & 0x0f);
    if op_code != OpCode::Query {
        return malformed(format!(
            "opcode {} ({}) instead of 0 (QUERY)",
            u8::from(op_code),
            match op_code {
                OpCode::Status => "STATUS",
                OpCode::Notify => "NOTIFY",
                OpCode::Update => "UPDATE",
                _ => "unassigned",
            }
        ));
    }
    let message = match Message::from_vec(bytes) {
        Ok(message) => message,
        // The decoder's words name the wrong numbers or none: say what is wrong in ours.
        Err(e) => {
            return malformed(
                wire::fault(bytes).unwrap_or_else(|| format!("data that does not decode ({e})")),
            );
        }
    };
    let answers_ours = |q: &Query| q.name().to_lowercase() == request.name.to_lowercase();
    match message.queries.as_slice() {
        [q] if answers_ours(q)
            && q.query_type() == request.record_type
            && q.query_class() == DNSClass::IN => {}
        // Errors may come without the question (RFC 1035 allows it).
        [] if !matches!(
            message.metadata.response_code,
            ResponseCode::NoError | ResponseCode::NXDomain
        ) => {}
        [q] => {
            return Err(Failure::Malformed(format!(
                "an answer to another question ({} {} {})",
                q.name(),
                q.query_class(),
                q.query_type()
            )));
        }
        other => {
            return malformed(format!("{} questions in the answer", other.len()));
        }
    }
    Ok(Some(message))
}

/// The facts of a response: code, flags, and the instances: records of the asked type and class
/// IN owned by the asked name or the CNAME chain from it (public for the fuzz target: any
/// message a server can send goes through here).
pub fn read_answer(
    response: &Message,
    asked: &Name,
    record_type: RecordType,
    transport: Transport,
    time: Duration,
) -> Answer {
    let meta = &response.metadata;
    let rcode = match meta.response_code {
        ResponseCode::NoError => Rcode::NoError,
        ResponseCode::NXDomain => Rcode::NxDomain,
        ResponseCode::ServFail => Rcode::ServFail,
        ResponseCode::Refused => Rcode::Refused,
        other => Rcode::Other(other.to_string()),
    };
    let in_class = |r: &&Record| r.dns_class == DNSClass::IN;
    // The asked name and the names a CNAME chain from it leads to, each step once.
    let mut owners = vec![asked.to_lowercase()];
    while owners.len() <= response.answers.len() {
        let Some(last) = owners.last() else { break };
        let next = response
            .answers
            .iter()
            .filter(in_class)
            .find_map(|r| match &r.data {
                RData::CNAME(cname) if r.name.to_lowercase() == *last => {
                    Some(cname.0.to_lowercase())
                }
                _ => None,
            });
        match next {
            Some(next) if !owners.contains(&next) => owners.push(next),
            _ => break,
        }
    }
    let address_of = |target: &Name| {
        response
            .additionals
            .iter()
            .filter(in_class)
            .filter(|r| r.name.to_lowercase() == target.to_lowercase())
            .find_map(|r| match &r.data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                _ => None,
            })
    };
    let mut declined = false;
    let mut instances: Vec<Instance> = response
        .answers
        .iter()
        .filter(in_class)
        .filter(|r| owners.contains(&r.name.to_lowercase()))
        .filter_map(|record| match (&record.data, record_type) {
            (RData::A(a), RecordType::A) => Some(Instance {
                target: None,
                port: None,
                address: Some(IpAddr::V4(a.0)),
            }),
            (RData::AAAA(aaaa), RecordType::AAAA) => Some(Instance {
                target: None,
                port: None,
                address: Some(IpAddr::V6(aaaa.0)),
            }),
            // RFC 2782: a target of "." means the service is decidedly not available.
            (RData::SRV(srv), RecordType::SRV) if srv.target.is_root() => {
                declined = true;
                None
            }
            (RData::SRV(srv), RecordType::SRV) => Some(Instance {
                target: Some(srv.target.to_ascii().to_lowercase()),
                port: Some(srv.port),
                address: address_of(&srv.target),
            }),
            _ => None,
        })
        .collect();
    // Consul randomises the order; sets are compared, so keep them sorted and unique.
    instances.sort();
    instances.dedup();
    Answer {
        rcode,
        authoritative: meta.authoritative,
        recursion_available: meta.recursion_available,
        transport,
        instances,
        declined,
        without_edns: WithoutEdns::NotAsked,
        time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::{A, CNAME, SRV};

    fn name(text: &str) -> Name {
        Name::from_ascii(text).expect("name")
    }

    const SERVICE: &str = "galeradb.service.consul.";

    fn read(response: &Message, record_type: RecordType) -> Answer {
        read_answer(
            response,
            &name(SERVICE),
            record_type,
            Transport::Udp,
            Duration::from_millis(1),
        )
    }

    #[test]
    fn srv_targets_take_their_address_from_the_additional_section() {
        let mut response = Message::response(7, OpCode::Query);
        response.metadata.authoritative = true;
        for (node, ip) in [("node2", [127, 0, 0, 12]), ("node1", [127, 0, 0, 11])] {
            let target = name(&format!("{node}.node.dc1.consul."));
            response.add_answer(Record::from_rdata(
                name(SERVICE),
                0,
                RData::SRV(SRV::new(1, 1, 3306, target.clone())),
            ));
            response.add_additional(Record::from_rdata(target, 0, RData::A(A(ip.into()))));
        }
        // node3 without an address in the additional section.
        response.add_answer(Record::from_rdata(
            name(SERVICE),
            0,
            RData::SRV(SRV::new(1, 1, 3306, name("node3.node.dc1.consul."))),
        ));
        let answer = read(&response, RecordType::SRV);
        let shown: Vec<String> = answer.instances.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "node1.node.dc1.consul:3306 (127.0.0.11)",
                "node2.node.dc1.consul:3306 (127.0.0.12)",
                "node3.node.dc1.consul:3306"
            ]
        );
        assert!(answer.authoritative && !answer.recursion_available && !answer.declined);
        assert_eq!(answer.rcode, Rcode::NoError);
    }

    #[test]
    fn only_records_of_the_asked_name_type_and_class_count() {
        let mut response = Message::response(7, OpCode::Query);
        let a =
            |owner: &str, ip: [u8; 4]| Record::from_rdata(name(owner), 0, RData::A(A(ip.into())));
        response.add_answer(a(SERVICE, [10, 0, 0, 1]));
        // Another owner, another class, another type: none of them an instance.
        response.add_answer(a("other.example.", [10, 0, 0, 2]));
        let mut chaos = a(SERVICE, [10, 0, 0, 3]);
        chaos.dns_class = DNSClass::CH;
        response.add_answer(chaos);
        let answer = read(&response, RecordType::A);
        assert_eq!(answer.instances.len(), 1, "{answer:?}");
        assert!(read(&response, RecordType::AAAA).instances.is_empty());
        // A CNAME chain from the asked name is followed, once per name.
        let mut response = Message::response(7, OpCode::Query);
        let cname =
            |from: &str, to: &str| Record::from_rdata(name(from), 0, RData::CNAME(CNAME(name(to))));
        response.add_answer(cname(SERVICE, "alias.example."));
        response.add_answer(cname("alias.example.", SERVICE));
        response.add_answer(a("alias.example.", [10, 0, 0, 4]));
        assert_eq!(read(&response, RecordType::A).instances.len(), 1);
    }

    #[test]
    fn an_srv_target_of_root_is_no_instance() {
        let mut response = Message::response(7, OpCode::Query);
        response.add_answer(Record::from_rdata(
            name(SERVICE),
            0,
            RData::SRV(SRV::new(0, 0, 0, Name::root())),
        ));
        let answer = read(&response, RecordType::SRV);
        assert!(answer.instances.is_empty() && answer.declined);
    }

    fn request() -> Request {
        Request::new(&name(SERVICE), RecordType::A, true).expect("request")
    }

    fn response_to(request: &Request) -> Message {
        let mut response = Message::response(request.id, OpCode::Query);
        response.add_query(Query::query(request.name.clone(), request.record_type));
        response
    }

    fn judged(bytes: &[u8], request: &Request) -> Result<bool, String> {
        match answer_to(bytes, request) {
            Ok(found) => Ok(found.is_some()),
            Err(Failure::Malformed(why)) => Err(why),
            Err(other) => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn answers_are_ours_only_when_they_answer_our_question() {
        let request = request();
        let ours = response_to(&request).to_vec().expect("encode");
        assert_eq!(judged(&ours, &request), Ok(true));
        // Another ID, or too short for one: noise, skipped.
        let mut other_id = ours.clone();
        other_id[1] ^= 0xff;
        assert_eq!(judged(&other_id, &request), Ok(false));
        assert_eq!(judged(&[1], &request), Ok(false));
        // Ours, but a query (QR=0), another question, or not decodable: said at once.
        let mut query = ours.clone();
        query[2] &= 0x7f;
        assert_eq!(
            judged(&query, &request),
            Err("a query, not a response (QR=0)".into())
        );
        let mut other = Message::response(request.id, OpCode::Query);
        other.add_query(Query::query(name("other.example."), RecordType::A));
        assert_eq!(
            judged(&other.to_vec().expect("encode"), &request),
            Err("an answer to another question (other.example. IN A)".into())
        );
        let mut loop_ = ours.clone();
        loop_[7] = 1; // one answer...
        let at = loop_.len();
        loop_.extend_from_slice(&[0xc0, at as u8]); // ...whose name points at itself
        assert_eq!(
            judged(&loop_, &request),
            Err("a compression pointer that does not point backwards (a loop, or forwards) in the answer section".into())
        );
        let mut status = ours.clone();
        status[2] = (status[2] & 0x87) | (2 << 3);
        assert_eq!(
            judged(&status, &request),
            Err("opcode 2 (STATUS) instead of 0 (QUERY)".into())
        );
        assert_eq!(
            judged(&ours[..5], &request),
            Err("5 bytes, shorter than a DNS header".into())
        );
    }

    #[test]
    fn a_full_udp_answer_may_hide_trimmed_records() {
        let mut response = Message::response(7, OpCode::Query);
        for i in 0..3u8 {
            response.add_answer(Record::from_rdata(
                name(SERVICE),
                0,
                RData::A(A([10, 0, 0, i].into())),
            ));
        }
        assert!(!may_have_been_trimmed(&response, 100));
        assert!(may_have_been_trimmed(&response, 1200));
        assert!(!may_have_been_trimmed(
            &Message::response(7, OpCode::Query),
            1224
        ));
    }
}
