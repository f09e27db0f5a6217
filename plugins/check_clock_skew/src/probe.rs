//! Asking NTP servers (SNTP over UDP, via sntpc) and the kernel (adjtimex): I/O only, returning
//! plain facts for `evaluate`.

use std::io;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use futures_util::future::join_all;
use hastack_common::Context;
use hastack_common::error::describe_io_error;
use hastack_common::net::connected_udp;
use sntpc::{NtpContext, NtpUdpSocket, StdTimestampGen};
use tokio::net::UdpSocket;

use crate::evaluate::{Facts, Failure, LocalClock, Measurement, Server, ServerOutcome};

/// What to ask: the NTP servers and whether to read the kernel's state of the local clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub servers: Vec<Server>,
    /// Requests per server.
    pub samples: u8,
    pub local_sync: bool,
}

/// Ask every server, and the kernel when asked to.
pub async fn probe(target: &Target, ctx: &Context) -> Facts {
    let local = target.local_sync.then(local_clock);
    let servers = query_all(&target.servers, target.samples, ctx).await;
    Facts { servers, local }
}

/// Ask every server at once, each by [`Context::parts_deadline`]: one that never answers is
/// reported as such while the others still count.
async fn query_all(servers: &[Server], samples: u8, ctx: &Context) -> Vec<ServerOutcome> {
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
) -> ServerOutcome {
    let result = match resolve(server, ctx, deadline).await {
        Ok(addrs) => {
            // A name may resolve to several addresses (localhost: ::1 and 127.0.0.1): the
            // next one is tried when one refuses.
            let mut result = Err(Failure::NoResponse(None));
            for addr in addrs {
                result = sample(addr, samples, deadline).await;
                if !matches!(result, Err(Failure::NoResponse(Some(_)))) {
                    break;
                }
            }
            result
        }
        Err(failure) => Err(failure),
    };
    ServerOutcome {
        server: server.clone(),
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

/// `samples` requests one after another, each on a fresh socket (a late answer to an earlier
/// request can never be taken for a later one), each waiting for its share of the time left.
async fn sample(addr: SocketAddr, samples: u8, deadline: Instant) -> Result<Measurement, Failure> {
    let requested = usize::from(samples);
    let mut answers: Vec<(f64, f64, u8, u8)> = Vec::new();
    let mut last_problem: Option<Failure> = None;
    for index in 0..requested {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let share = left / u32::try_from(requested - index).unwrap_or(1);
        match tokio::time::timeout(share, request(addr)).await {
            Err(_) => {}
            Ok(Ok(answer)) => answers.push(answer),
            Ok(Err(Failure::NoResponse(why))) => {
                // A refused port refuses every time: asking again only costs time.
                let refused = why.is_some();
                last_problem = Some(Failure::NoResponse(why));
                if refused {
                    break;
                }
            }
            // The server itself is unusable: say so rather than average around it.
            Ok(Err(failure @ (Failure::KissOfDeath(_) | Failure::NotSynchronised(_)))) => {
                return Err(failure);
            }
            Ok(Err(failure)) => last_problem = Some(failure),
        }
    }
    let best = answers
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
        .ok_or_else(|| last_problem.unwrap_or(Failure::NoResponse(None)))?;
    Ok(Measurement {
        offset: best.0,
        delay: best.1,
        stratum: best.2,
        leap: best.3,
        sample_offsets: answers.iter().map(|a| a.0).collect(),
        answered: answers.len(),
        requested,
    })
}

/// One SNTP exchange: (offset s, delay s, stratum, leap indicator).
async fn request(addr: SocketAddr) -> Result<(f64, f64, u8, u8), Failure> {
    let io_failure = |e: io::Error| Failure::NoResponse(Some(describe_io_error(&e)));
    // Connected, so the kernel reports an ICMP "port unreachable" as connection refused.
    let socket = connected_udp(addr).await.map_err(io_failure)?;
    let socket = Connected {
        socket,
        peer: addr,
        error: Mutex::new(None),
    };
    let context = NtpContext::new(StdTimestampGen::default());
    match sntpc::get_time(addr, &socket, context).await {
        Ok(r) => Ok((
            r.offset() as f64 / 1e6,
            r.roundtrip() as f64 / 1e6,
            r.stratum(),
            r.leap_indicator(),
        )),
        Err(e) => Err(classify(e, socket.take_error())),
    }
}

fn classify(error: sntpc::Error, io_error: Option<io::Error>) -> Failure {
    use sntpc::Error as E;
    match error {
        E::Network => Failure::NoResponse(io_error.map(|e| describe_io_error(&e))),
        E::KissOfDeath(code) => {
            let text = code.as_str();
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Failure::KissOfDeath(text.to_string())
            } else {
                // Stratum 0 without a readable code: an unsynchronised server, not a kiss.
                Failure::NotSynchronised("stratum 0".into())
            }
        }
        E::UnsynchronizedClock => Failure::NotSynchronised("leap indicator 3: alarm".into()),
        E::IncorrectStratumHeaders => Failure::NotSynchronised("stratum 16".into()),
        E::ExcessiveRootDistance => {
            Failure::NotSynchronised("root distance over 16 s from its reference".into())
        }
        E::IncorrectOriginTimestamp => {
            Failure::BadAnswer("the answer does not match the request".into())
        }
        E::IncorrectMode => Failure::BadAnswer("not a server-mode packet".into()),
        E::IncorrectResponseVersion => Failure::BadAnswer("unexpected NTP version".into()),
        E::IncorrectPayload => Failure::BadAnswer("too short for an NTP packet".into()),
        E::InvalidTimestamp => Failure::BadAnswer("zero transmit timestamp".into()),
        E::BackwardReferenceTimestamp => {
            Failure::BadAnswer("reference time later than transmit time".into())
        }
        E::ResponseAddressMismatch => Failure::BadAnswer("answer from another address".into()),
        other => Failure::BadAnswer(format!("{other:?}")),
    }
}

/// A connected tokio socket as sntpc's socket, keeping the I/O error sntpc flattens.
struct Connected {
    socket: UdpSocket,
    peer: SocketAddr,
    error: Mutex<Option<io::Error>>,
}

impl Connected {
    fn keep(&self, error: io::Error) -> sntpc::Error {
        if let Ok(mut slot) = self.error.lock() {
            *slot = Some(error);
        }
        sntpc::Error::Network
    }

    fn take_error(&self) -> Option<io::Error> {
        self.error.lock().ok().and_then(|mut slot| slot.take())
    }
}

impl NtpUdpSocket for Connected {
    async fn send_to(&self, buf: &[u8], _addr: SocketAddr) -> sntpc::Result<usize> {
        self.socket.send(buf).await.map_err(|e| self.keep(e))
    }

    async fn recv_from(&self, buf: &mut [u8]) -> sntpc::Result<(usize, SocketAddr)> {
        let n = self.socket.recv(buf).await.map_err(|e| self.keep(e))?;
        Ok((n, self.peer))
    }
}

/// The kernel's sync state of the local clock.
fn local_clock() -> Result<LocalClock, String> {
    let timex = crate::kernel::read_timex().map_err(|e| {
        format!(
            "cannot read the kernel clock state (adjtimex): {}",
            describe_io_error(&e)
        )
    })?;
    Ok(LocalClock {
        unsynchronised: timex.unsynchronised,
        maxerror: timex.maxerror_us as f64 / 1e6,
        esterror: timex.esterror_us as f64 / 1e6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sntp_errors_in_words() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            classify(sntpc::Error::Network, Some(refused)),
            Failure::NoResponse(Some("connection refused".into()))
        );
        assert_eq!(
            classify(sntpc::Error::UnsynchronizedClock, None),
            Failure::NotSynchronised("leap indicator 3: alarm".into())
        );
        assert_eq!(
            classify(sntpc::Error::IncorrectStratumHeaders, None),
            Failure::NotSynchronised("stratum 16".into())
        );
    }
}
