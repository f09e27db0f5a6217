//! Asking NTP servers (SNTP over UDP, via sntpc), chronyd (its command protocol) and the kernel
//! (adjtimex): I/O only, returning the plain facts of `facts` for `evaluate`.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use futures_util::future::join_all;
use hastack_common::address::HostPort;
use hastack_common::error::describe_io_error;
use hastack_common::net::connected_udp;
use hastack_common::runtime::TimedOut;
use hastack_common::{Context, Outcome, Peer};
use sntpc::{NtpContext, NtpUdpSocket, SendRequestResult, StdTimestampGen};
use tokio::net::UdpSocket;

use crate::candm::{self, ReplyError, Request};
use crate::facts::{ChronyProblem, ChronyView, Facts, LocalClock, Measurement, NtpRefusal};

type Failure = hastack_common::Failure<NtpRefusal>;
type ChronyFailure = hastack_common::Failure<ChronyProblem>;

/// One NTP server to ask, as the operator named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub address: HostPort,
    /// How the output names it: `HOST` for the default port, `HOST:PORT` otherwise.
    pub name: String,
}

/// What to ask: the NTP servers, chronyd, and whether to read the kernel's state of the local
/// clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub servers: Vec<Server>,
    /// Requests per server.
    pub samples: u8,
    pub chrony: Option<ChronyEndpoint>,
    pub local_sync: bool,
}

/// Where chronyd's command interface listens: a UDP port (monitoring needs no key from the
/// addresses `cmdallow` names; localhost by default) or its Unix socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChronyEndpoint {
    Udp(HostPort),
    Socket(PathBuf),
}

impl std::fmt::Display for ChronyEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChronyEndpoint::Udp(address) => write!(f, "{address}"),
            ChronyEndpoint::Socket(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Ask every server, and the kernel when asked to.
pub async fn probe(target: &Target, ctx: &Context) -> Facts {
    let local = target.local_sync.then(local_clock);
    let chrony = async {
        match &target.chrony {
            Some(endpoint) => Some(Outcome {
                peer: Peer::named("chronyd", endpoint.to_string()),
                result: read_chrony(endpoint, ctx).await,
            }),
            None => None,
        }
    };
    let (servers, chrony) = tokio::join!(query_all(&target.servers, target.samples, ctx), chrony);
    Facts {
        servers,
        chrony,
        local,
    }
}

/// Sources read at most: chronyd keeps far fewer.
const MAX_CHRONY_SOURCES: u32 = 256;

/// chronyd's tracking and sources, as `chronyc tracking` and `chronyc sources` read them, by
/// the context's deadline for concurrent parts.
pub async fn read_chrony(
    endpoint: &ChronyEndpoint,
    ctx: &Context,
) -> Result<ChronyView, ChronyFailure> {
    let deadline = ctx.parts_deadline();
    let no_answer = |what: &str| {
        ChronyFailure::NoAnswer(TimedOut {
            stage: format!("waiting for chronyd's {what}"),
            after: ctx.parts_budget(),
            state: ctx.timeout_state(),
        })
    };
    let socket = ChronySocket::open(endpoint).await?;
    let mut sequence = first_sequence();
    let mut next = || {
        sequence = sequence.wrapping_add(1);
        sequence
    };
    let tracking = socket
        .exchange(Request::Tracking, next(), deadline, candm::decode_tracking)
        .await?
        .ok_or_else(|| no_answer("tracking report"))?;
    let read_at = now_unix();
    let count = socket
        .exchange(Request::NSources, next(), deadline, candm::decode_n_sources)
        .await?
        .ok_or_else(|| no_answer("count of sources"))?;
    let mut sources = Vec::new();
    for index in 0..count.min(MAX_CHRONY_SOURCES) {
        let decode = |bytes: &[u8], sequence: u32| candm::decode_source(bytes, index, sequence);
        sources.push(
            socket
                .exchange(Request::SourceData(index), next(), deadline, decode)
                .await?
                .ok_or_else(|| no_answer("sources"))?,
        );
    }
    Ok(ChronyView {
        tracking,
        sources,
        read_at,
    })
}

/// A request's sequence number: different for every run, so a late reply to another run is
/// not taken for ours.
fn first_sequence() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    nanos ^ std::process::id().rotate_left(16)
}

/// The socket to chronyd: UDP, or a Unix datagram socket of our own beside chronyd's (chronyd
/// answers to the client's address, as chronyc binds one), removed when done.
enum ChronySocket {
    Udp(UdpSocket),
    Unix {
        socket: tokio::net::UnixDatagram,
        path: PathBuf,
    },
}

impl ChronySocket {
    async fn open(endpoint: &ChronyEndpoint) -> Result<ChronySocket, ChronyFailure> {
        let failure = |e: io::Error| match e.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound => ChronyFailure::Refused,
            _ => ChronyFailure::Io(describe_io_error(&e)),
        };
        match endpoint {
            ChronyEndpoint::Udp(address) => {
                let target = (address.host.as_str(), address.port);
                let addr = tokio::net::lookup_host(target)
                    .await
                    .map_err(|e| ChronyFailure::Resolve(describe_resolve_error(&e)))?
                    .next()
                    .ok_or_else(|| ChronyFailure::Resolve("no address found".into()))?;
                Ok(ChronySocket::Udp(
                    connected_udp(addr).await.map_err(failure)?,
                ))
            }
            ChronyEndpoint::Socket(server) => {
                let dir = server.parent().unwrap_or(std::path::Path::new("."));
                let path = dir.join(format!("check_clock_skew.{}.sock", std::process::id()));
                let _ = std::fs::remove_file(&path);
                let socket = tokio::net::UnixDatagram::bind(&path).map_err(|e| {
                    ChronyFailure::Specific(ChronyProblem::NoClientSocket {
                        dir: dir.display().to_string(),
                        why: describe_io_error(&e),
                    })
                })?;
                let opened = ChronySocket::Unix { socket, path };
                if let ChronySocket::Unix { socket, .. } = &opened {
                    socket.connect(server).map_err(failure)?;
                }
                Ok(opened)
            }
        }
    }

    async fn send(&self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            ChronySocket::Udp(socket) => socket.send(bytes).await,
            ChronySocket::Unix { socket, .. } => socket.send(bytes).await,
        }
    }

    async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ChronySocket::Udp(socket) => socket.recv(buf).await,
            ChronySocket::Unix { socket, .. } => socket.recv(buf).await,
        }
    }

    /// Send `request` and decode its reply; resent as chronyc does (after 1 s, then 2 s)
    /// until `deadline`. Replies to other sequence numbers are skipped. None: no answer.
    async fn exchange<T>(
        &self,
        request: Request,
        sequence: u32,
        deadline: Instant,
        decode: impl Fn(&[u8], u32) -> Result<T, ReplyError>,
    ) -> Result<Option<T>, ChronyFailure> {
        let mut buf = [0u8; 1024];
        let mut wait = std::time::Duration::from_secs(1);
        for attempt in 0..3u16 {
            self.send(&request.encode(sequence, attempt))
                .await
                .map_err(io_failure)?;
            let give_up = (Instant::now() + wait).min(deadline);
            loop {
                let n = match tokio::time::timeout_at(give_up.into(), self.recv(&mut buf)).await {
                    Err(_) => break,
                    Ok(result) => result.map_err(io_failure)?,
                };
                match decode(&buf[..n], sequence) {
                    Ok(value) => return Ok(Some(value)),
                    Err(ReplyError::NotOurs) => continue,
                    Err(ReplyError::Malformed(why)) => return Err(ChronyFailure::Malformed(why)),
                    Err(refusal) => {
                        return Err(ChronyFailure::Specific(ChronyProblem::Refusal(
                            refusal.words(),
                        )));
                    }
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            wait *= 2;
        }
        Ok(None)
    }
}

impl Drop for ChronySocket {
    fn drop(&mut self) {
        if let ChronySocket::Unix { path, .. } = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Ask every server at once, each by [`Context::parts_deadline`]: one that never answers is
/// reported as such while the others still count.
async fn query_all(
    servers: &[Server],
    samples: u8,
    ctx: &Context,
) -> Vec<Outcome<Measurement, NtpRefusal>> {
    let deadline = ctx.parts_deadline();
    let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
    ctx.set_stage(format!("waiting for NTP answers from {}", names.join(", ")));
    join_all(
        servers
            .iter()
            .map(|server| query_server(server, samples, ctx, deadline)),
    )
    .await
}

async fn query_server(
    server: &Server,
    samples: u8,
    ctx: &Context,
    deadline: Instant,
) -> Outcome<Measurement, NtpRefusal> {
    // What a server that never answers within its share of the run is.
    let no_answer = Failure::NoAnswer(TimedOut {
        stage: "waiting for NTP answers".into(),
        after: ctx.parts_budget(),
        state: ctx.timeout_state(),
    });
    let result = match resolve(server, ctx, deadline).await {
        Ok(addrs) => {
            // A name may resolve to several addresses (localhost: ::1 and 127.0.0.1): the
            // next one is tried when one refuses or cannot be reached.
            let mut result = Err(no_answer.clone());
            for addr in addrs {
                result = sample(addr, samples, deadline, &no_answer).await;
                if !matches!(result, Err(Failure::Refused | Failure::Io(_))) {
                    break;
                }
            }
            result
        }
        Err(failure) => Err(failure),
    };
    Outcome {
        peer: Peer::at(server.name.clone()),
        result,
    }
}

async fn resolve(
    server: &Server,
    ctx: &Context,
    deadline: Instant,
) -> Result<Vec<SocketAddr>, Failure> {
    let target = (server.address.host.as_str(), server.address.port);
    let lookup = tokio::net::lookup_host(target);
    let stage = format!("resolving {}", server.name);
    match ctx.within_until(deadline, stage, lookup).await {
        Err(_) => Err(Failure::Resolve(
            "no answer from the resolver in time".into(),
        )),
        Ok(Err(e)) => Err(Failure::Resolve(describe_resolve_error(&e))),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            match addrs.is_empty() {
                true => Err(Failure::Resolve("no address found".into())),
                false => Ok(addrs),
            }
        }
    }
}

fn describe_resolve_error(error: &io::Error) -> String {
    let text = error.to_string();
    // getaddrinfo's words ("failed to lookup address information: Name or service not known")
    // are clear once the prefix is gone.
    text.strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text)
        .to_lowercase()
}

/// Requests one after another on one connected socket, until `samples` answers or the
/// deadline. The next request goes out as soon as an answer arrives, or when the last one has
/// waited its share of the time; an answer to any request still outstanding is kept, so a slow
/// server is measured with the samples that fit, never dropped for being slow.
async fn sample(
    addr: SocketAddr,
    samples: u8,
    deadline: Instant,
    no_answer: &Failure,
) -> Result<Measurement, Failure> {
    let wanted = usize::from(samples);
    // Connected, so the kernel reports an ICMP "port unreachable" as connection refused.
    let socket = Sender {
        socket: connected_udp(addr).await.map_err(io_failure)?,
        sent: Mutex::new(None),
    };
    let context = NtpContext::new(StdTimestampGen::default());
    let budget = deadline.saturating_duration_since(Instant::now());
    let spacing = budget / u32::try_from(wanted + 1).unwrap_or(u32::MAX);
    // Twice the samples at most: a lost request is replaced, a server is not flooded.
    let most = wanted * 2;
    let mut outstanding: Vec<([u8; 8], SendRequestResult)> = Vec::new();
    let mut answers: Vec<Sample> = Vec::new();
    let mut last_problem: Option<Failure> = None;
    let mut sent = 0;
    let mut next_send = Instant::now();
    let mut buf = [0u8; 1024];
    while answers.len() < wanted && Instant::now() < deadline {
        if Instant::now() >= next_send && sent < most {
            let request = sntpc::sntp_send_request(addr, &socket, context)
                .await
                .map_err(|e| {
                    classify(e, socket.take_error()).unwrap_or_else(|| no_answer.clone())
                })?;
            if let Some(transmit) = socket.last_sent() {
                outstanding.push((transmit, request));
            }
            sent += 1;
            next_send = Instant::now() + spacing;
        }
        let until = match sent < most {
            true => next_send.min(deadline),
            false => deadline,
        };
        let n = match tokio::time::timeout_at(until.into(), socket.socket.recv(&mut buf)).await {
            Err(_) => continue,
            // A refused port refuses every time: asking again only costs time.
            Ok(Err(e)) => return Err(io_failure(e)),
            Ok(Ok(n)) => n,
        };
        let datagram = &buf[..n];
        // The origin timestamp says which request this answers.
        let origin = datagram.get(24..32);
        let Some(index) = outstanding.iter().position(|(t, _)| Some(&t[..]) == origin) else {
            last_problem = Some(Failure::Malformed(
                "the answer does not match the request".into(),
            ));
            continue;
        };
        let (_, request) = outstanding.remove(index);
        let replay = Replay {
            datagram,
            peer: addr,
        };
        match sntpc::sntp_process_response(addr, &replay, context, request).await {
            Ok(result) => {
                answers.push(Sample::of(&result, now_unix()));
                next_send = Instant::now();
            }
            // The server itself is unusable: say so rather than average around it.
            Err(e) => match classify(e, None) {
                Some(failure @ Failure::Specific(_)) => return Err(failure),
                failure => last_problem = failure.or(last_problem),
            },
        }
    }
    let best = answers
        .iter()
        .min_by(|a, b| a.delay.total_cmp(&b.delay))
        .copied()
        .ok_or_else(|| last_problem.unwrap_or_else(|| no_answer.clone()))?;
    Ok(Measurement {
        offset: best.offset,
        delay: best.delay,
        stratum: best.stratum,
        leap: best.leap,
        root_delay: best.root_delay,
        root_dispersion: best.root_dispersion,
        reference_age: best.reference_age,
        sample_offsets: answers.iter().map(|a| a.offset).collect(),
        answered: answers.len(),
        requested: sent,
    })
}

/// One answer, in seconds.
#[derive(Debug, Clone, Copy)]
struct Sample {
    offset: f64,
    delay: f64,
    stratum: u8,
    leap: u8,
    root_delay: f64,
    root_dispersion: f64,
    reference_age: Option<f64>,
}

impl Sample {
    fn of(result: &sntpc::NtpResult, now: f64) -> Sample {
        // NTP short format: 16.16 fixed point seconds.
        let short = |v: u32| f64::from(v) / 65536.0;
        let offset = result.offset() as f64 / 1e6;
        // The server's clock, not ours, says how old its reference is.
        let server_now = now + offset;
        Sample {
            offset,
            delay: result.roundtrip() as f64 / 1e6,
            stratum: result.stratum(),
            leap: result.leap_indicator(),
            root_delay: short(result.root_delay),
            root_dispersion: short(result.root_dispersion),
            reference_age: ntp_to_unix(result.reference_timestamp, server_now)
                .map(|r| server_now - r),
        }
    }
}

/// Seconds from 1900 (NTP's era 0) to 1970.
const NTP_UNIX_OFFSET: f64 = 2_208_988_800.0;

/// An NTP timestamp as Unix seconds, in the era (RFC 5905: 2^32 seconds each, the second
/// beginning in 2036) that puts it nearest to `now`; none for zero (unknown).
pub fn ntp_to_unix(timestamp: u64, now: f64) -> Option<f64> {
    if timestamp == 0 {
        return None;
    }
    const ERA: f64 = 4_294_967_296.0;
    let seconds = (timestamp >> 32) as f64 + (timestamp & 0xffff_ffff) as f64 / ERA;
    let era = ((now + NTP_UNIX_OFFSET - seconds) / ERA).round();
    Some(era * ERA + seconds - NTP_UNIX_OFFSET)
}

fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// An sntpc error as the failure it is; none for a request that went unanswered.
fn classify(error: sntpc::Error, io_error: Option<io::Error>) -> Option<Failure> {
    use sntpc::Error as E;
    let refused = |text: &str| Failure::Specific(NtpRefusal::NotSynchronised(text.into()));
    let malformed = |text: &str| Failure::Malformed(text.into());
    Some(match error {
        E::Network => return io_error.map(io_failure),
        E::KissOfDeath(code) => {
            let text = code.as_str();
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Failure::Specific(NtpRefusal::KissOfDeath(text.to_string()))
            } else {
                // Stratum 0 without a readable code: an unsynchronised server, not a kiss.
                refused("stratum 0")
            }
        }
        E::UnsynchronizedClock => refused("leap indicator 3: alarm"),
        E::IncorrectStratumHeaders => refused("stratum 16"),
        E::ExcessiveRootDistance => refused("root distance over 16 s from its reference"),
        E::IncorrectOriginTimestamp => malformed("the answer does not match the request"),
        E::IncorrectMode => malformed("not a server-mode packet"),
        E::IncorrectResponseVersion => malformed("unexpected NTP version"),
        E::IncorrectPayload => malformed("too short for an NTP packet"),
        E::InvalidTimestamp => malformed("zero transmit timestamp"),
        E::BackwardReferenceTimestamp => malformed("reference time later than transmit time"),
        E::ResponseAddressMismatch => malformed("answer from another address"),
        other => Failure::Malformed(format!("{other:?}")),
    })
}

/// A socket error: nothing listens there (ICMP port unreachable), or the system's words.
fn io_failure<S>(error: io::Error) -> hastack_common::Failure<S> {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => hastack_common::Failure::Refused,
        _ => hastack_common::Failure::Io(describe_io_error(&error)),
    }
}

/// The connected socket as sntpc's sending socket: it keeps the transmit timestamp of the last
/// request (by which answers are matched) and the I/O error sntpc flattens.
struct Sender {
    socket: UdpSocket,
    sent: Mutex<Option<Result<[u8; 8], io::Error>>>,
}

impl Sender {
    fn last_sent(&self) -> Option<[u8; 8]> {
        self.sent.lock().ok()?.take()?.ok()
    }

    fn take_error(&self) -> Option<io::Error> {
        self.sent.lock().ok()?.take()?.err()
    }
}

impl NtpUdpSocket for Sender {
    async fn send_to(&self, buf: &[u8], _addr: SocketAddr) -> sntpc::Result<usize> {
        let result = self.socket.send(buf).await;
        let kept = match &result {
            Ok(_) => buf
                .get(40..48)
                .and_then(|t| <[u8; 8]>::try_from(t).ok())
                .map(Ok),
            Err(e) => Some(Err(io::Error::new(e.kind(), e.to_string()))),
        };
        if let (Ok(mut slot), Some(kept)) = (self.sent.lock(), kept) {
            *slot = Some(kept);
        }
        result.map_err(|_| sntpc::Error::Network)
    }

    async fn recv_from(&self, _buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        // Answers are read by `sample`, which hands each to sntpc through `Replay`.
        Err(sntpc::Error::Network)
    }
}

/// One datagram already received, as sntpc's receiving socket.
struct Replay<'a> {
    datagram: &'a [u8],
    peer: SocketAddr,
}

impl NtpUdpSocket for Replay<'_> {
    async fn send_to(&self, _buf: &[u8], _addr: SocketAddr) -> sntpc::Result<usize> {
        Err(sntpc::Error::Network)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        let n = self.datagram.len().min(buf.len());
        buf[..n].copy_from_slice(&self.datagram[..n]);
        Ok((n, self.peer))
    }
}

/// The kernel's sync state of the local clock.
/// The kernel's sync state of the local clock, or the system's words for why it is unreadable.
fn local_clock() -> Result<LocalClock, String> {
    let timex = crate::kernel::read_timex().map_err(|e| describe_io_error(&e))?;
    Ok(LocalClock {
        unsynchronised: timex.unsynchronised,
        maxerror: timex.maxerror_us as f64 / 1e6,
        esterror: timex.esterror_us as f64 / 1e6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5905 eras: the same timestamp read near 2000 and near 2040, and the rollover itself.
    #[test]
    fn ntp_timestamps_read_in_the_era_nearest_now() {
        let era = 4_294_967_296.0;
        // 2000-01-01T00:00:00Z is 3_155_673_600 s after 1900 (era 0).
        let y2000 = 946_684_800.0;
        let stamp = 3_155_673_600u64 << 32;
        assert_eq!(ntp_to_unix(stamp, y2000 + 10.0), Some(y2000));
        // 2040-01-01T00:00:00Z, in era 1: the 32-bit seconds wrapped on 2036-02-07.
        let y2040 = 2_208_988_800.0;
        let wrapped = ((y2040 + NTP_UNIX_OFFSET - era) as u64) << 32;
        assert_eq!(ntp_to_unix(wrapped, y2040 - 16.0), Some(y2040));
        // Either side of the rollover (2036-02-07T06:28:16Z = 2_085_978_496 Unix).
        let rollover = 2_085_978_496.0;
        let last = 0xffff_ffffu64 << 32;
        assert_eq!(ntp_to_unix(last, rollover + 1.0), Some(rollover - 1.0));
        assert_eq!(
            ntp_to_unix(1u64 << 32, rollover - 1.0),
            Some(rollover + 1.0)
        );
        // Half a second as the fraction.
        assert_eq!(
            ntp_to_unix((3_155_673_600u64 << 32) | 0x8000_0000, y2000),
            Some(y2000 + 0.5)
        );
        assert_eq!(ntp_to_unix(0, y2000), None);
    }

    #[test]
    fn sntp_errors_are_told_apart() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let table = [
            (sntpc::Error::Network, Some(refused), Some(Failure::Refused)),
            (
                sntpc::Error::Network,
                Some(io::Error::from(io::ErrorKind::AddrNotAvailable)),
                Some(Failure::Io("address not available".into())),
            ),
            // Unanswered: the caller's NoAnswer.
            (sntpc::Error::Network, None, None),
            (
                sntpc::Error::UnsynchronizedClock,
                None,
                Some(Failure::Specific(NtpRefusal::NotSynchronised(
                    "leap indicator 3: alarm".into(),
                ))),
            ),
            (
                sntpc::Error::IncorrectStratumHeaders,
                None,
                Some(Failure::Specific(NtpRefusal::NotSynchronised(
                    "stratum 16".into(),
                ))),
            ),
            (
                sntpc::Error::IncorrectMode,
                None,
                Some(Failure::Malformed("not a server-mode packet".into())),
            ),
        ];
        for (error, io, expected) in table {
            assert_eq!(classify(error, io), expected);
        }
    }
}
