//! Asking DNS servers directly (UDP, TCP for truncated answers or with --tcp), with no resolver,
//! cache, hosts file or search list in between: I/O only, returning plain facts for `evaluate`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use hastack_common::Context;
use hastack_common::error::describe_io_error;
use hastack_common::net::connected_udp;
use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::evaluate::{
    Answer, DnsServer, Facts, Failure, Instance, QueryType, Question, Rcode, ServerOutcome,
};

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
) -> Vec<ServerOutcome> {
    let deadline = Deadline {
        at: ctx.parts_deadline(),
        after: ctx.parts_budget(),
    };
    let names: Vec<String> = servers.iter().map(ToString::to_string).collect();
    ctx.set_stage(format!("waiting for DNS answers from {}", names.join(", ")));
    join_all(servers.iter().map(|server| async move {
        let main = ask(
            server.addr,
            &question.name,
            question.query_type,
            tcp,
            deadline,
        );
        let also = join_all(also_resolve.iter().map(|name| async move {
            (
                name.clone(),
                resolve_address(server.addr, name, tcp, deadline).await,
            )
        }));
        let (main, also) = tokio::join!(main, also);
        ServerOutcome {
            server: server.clone(),
            main,
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
    deadline: Deadline,
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
struct Deadline {
    at: Instant,
    after: Duration,
}

/// One question to one server, by `deadline`.
async fn ask(
    server: SocketAddr,
    name: &str,
    query_type: QueryType,
    tcp: bool,
    deadline: Deadline,
) -> Result<Answer, Failure> {
    let started = Instant::now();
    let record_type = record_type(query_type);
    let qname = Name::from_ascii(name).map_err(|e| Failure::Malformed(e.to_string()))?;
    let mut request = Message::query();
    request.add_query(Query::query(qname, record_type));
    request.metadata.recursion_desired = true;
    let bytes = request
        .to_vec()
        .map_err(|e| Failure::Malformed(format!("cannot encode the question: {e}")))?;
    let id = request.metadata.id;
    let (response, retried) = if tcp {
        let response = by(deadline, true, exchange_tcp(server, &bytes, id)).await?;
        (response, false)
    } else {
        let response = by(deadline, false, exchange_udp(server, &bytes, id)).await?;
        if response.metadata.truncation {
            let retry = by(deadline, true, exchange_tcp(server, &bytes, id)).await?;
            (retry, true)
        } else {
            (response, false)
        }
    };
    Ok(read_answer(
        &response,
        record_type,
        retried,
        started.elapsed(),
    ))
}

/// `exchange` bounded by `deadline`: past it, no answer within the run's share of time.
async fn by(
    deadline: Deadline,
    tcp: bool,
    exchange: impl Future<Output = Result<Message, Failure>>,
) -> Result<Message, Failure> {
    tokio::time::timeout_at(deadline.at.into(), exchange)
        .await
        .unwrap_or(Err(Failure::NoAnswer {
            waited: deadline.after,
            tcp,
        }))
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
        io::ErrorKind::ConnectionRefused => Failure::ConnectionRefused,
        _ => Failure::Io(describe_io_error(&error)),
    }
}

async fn exchange_udp(server: SocketAddr, request: &[u8], id: u16) -> Result<Message, Failure> {
    // Connected: only the server's datagrams arrive, and ICMP unreachable is reported.
    let socket = connected_udp(server).await.map_err(io_failure)?;
    socket.send(request).await.map_err(io_failure)?;
    let mut buf = vec![0u8; 65535];
    let mut last_problem = None;
    for _ in 0..MAX_STRAY_DATAGRAMS {
        let n = socket.recv(&mut buf).await.map_err(io_failure)?;
        match Message::from_vec(&buf[..n]) {
            Ok(message) if message.metadata.id == id => return Ok(message),
            Ok(_) => last_problem = Some("answers with another message ID".to_string()),
            Err(e) => last_problem = Some(format!("an undecodable datagram ({e})")),
        }
    }
    Err(Failure::Malformed(last_problem.unwrap_or_default()))
}

async fn exchange_tcp(server: SocketAddr, request: &[u8], id: u16) -> Result<Message, Failure> {
    let mut stream = TcpStream::connect(server).await.map_err(io_failure)?;
    let length = u16::try_from(request.len())
        .map_err(|_| Failure::Malformed("the question is too long".into()))?;
    let mut framed = Vec::with_capacity(request.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(request);
    stream.write_all(&framed).await.map_err(io_failure)?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await.map_err(io_failure)?;
    // A length prefix bounds the answer at 64 KiB, whatever the server says.
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut buf).await.map_err(io_failure)?;
    let message = Message::from_vec(&buf)
        .map_err(|e| Failure::Malformed(format!("an undecodable answer over TCP ({e})")))?;
    if message.metadata.id != id {
        return Err(Failure::Malformed(
            "an answer with another message ID over TCP".into(),
        ));
    }
    Ok(message)
}

/// The facts of a response: code, flags, and the instances of the asked type (public for the
/// fuzz target: any message a server can send goes through here).
pub fn read_answer(response: &Message, asked: RecordType, retried: bool, time: Duration) -> Answer {
    let meta = &response.metadata;
    let rcode = match meta.response_code {
        ResponseCode::NoError => Rcode::NoError,
        ResponseCode::NXDomain => Rcode::NxDomain,
        ResponseCode::ServFail => Rcode::ServFail,
        ResponseCode::Refused => Rcode::Refused,
        other => Rcode::Other(other.to_string()),
    };
    let address_of = |target: &Name| {
        response
            .additionals
            .iter()
            .filter(|r| r.name == *target)
            .find_map(|r| match &r.data {
                RData::A(a) => Some(IpAddr::V4(a.0)),
                RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                _ => None,
            })
    };
    let mut instances: Vec<Instance> = response
        .answers
        .iter()
        .filter_map(|record| match (&record.data, asked) {
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
        retried_over_tcp: retried,
        instances,
        time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::Record;
    use hickory_proto::rr::rdata::{A, SRV};

    fn name(text: &str) -> Name {
        Name::from_ascii(text).expect("name")
    }

    #[test]
    fn srv_targets_take_their_address_from_the_additional_section() {
        let mut response = Message::response(7, hickory_proto::op::OpCode::Query);
        response.metadata.authoritative = true;
        for (node, ip) in [("node2", [127, 0, 0, 12]), ("node1", [127, 0, 0, 11])] {
            let target = name(&format!("{node}.node.dc1.consul."));
            response.add_answer(Record::from_rdata(
                name("galeradb.service.consul."),
                0,
                RData::SRV(SRV::new(1, 1, 3306, target.clone())),
            ));
            response.add_additional(Record::from_rdata(target, 0, RData::A(A(ip.into()))));
        }
        // node3 without an address in the additional section.
        response.add_answer(Record::from_rdata(
            name("galeradb.service.consul."),
            0,
            RData::SRV(SRV::new(1, 1, 3306, name("node3.node.dc1.consul."))),
        ));
        let answer = read_answer(&response, RecordType::SRV, false, Duration::from_millis(1));
        let shown: Vec<String> = answer.instances.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "node1.node.dc1.consul:3306 (127.0.0.11)",
                "node2.node.dc1.consul:3306 (127.0.0.12)",
                "node3.node.dc1.consul:3306"
            ]
        );
        assert!(answer.authoritative && !answer.recursion_available);
        assert_eq!(answer.rcode, Rcode::NoError);
    }

    #[test]
    fn only_records_of_the_asked_type_count() {
        let mut response = Message::response(7, hickory_proto::op::OpCode::Query);
        response.metadata.response_code = ResponseCode::NXDomain;
        response.add_answer(Record::from_rdata(
            name("x.consul."),
            0,
            RData::A(A([10, 0, 0, 1].into())),
        ));
        let answer = read_answer(&response, RecordType::AAAA, true, Duration::ZERO);
        assert!(answer.instances.is_empty());
        assert_eq!(answer.rcode, Rcode::NxDomain);
        assert!(answer.retried_over_tcp);
    }
}
