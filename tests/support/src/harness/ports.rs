//! Free ports on 127.0.0.1 for servers the tests start, outside the kernel's ephemeral range,
//! so neither an outgoing connection nor a parallel test's port-0 socket can take one between
//! the choice and the server's bind.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::sync::Mutex;

/// Ports this process handed out already: never handed out twice.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Ports the kernel never picks for an outgoing connection or a bind to port 0: below
/// `net.ipv4.ip_local_port_range` (above 1023), or above it when it starts too low.
///
/// A port chosen free inside that range was seen taken before its server bound it: a Galera
/// joiner's SST listener (socat) failed to bind, and the node exited 30 s later.
fn candidates() -> std::ops::RangeInclusive<u16> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok();
    candidates_for(range.as_deref())
}

/// [`candidates`] for the range the kernel states (`"32768\t60999"`; Linux's default when it
/// cannot be read). A range that leaves fewer than 3072 ports on either side leaves the race in:
/// then any port above 1023.
fn candidates_for(range: Option<&str>) -> std::ops::RangeInclusive<u16> {
    let bounds: Vec<u16> = range
        .unwrap_or("32768 60999")
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    match bounds[..] {
        [low, _] if low > 4096 => 1024..=low - 1,
        [_, high] if high < 61440 => high + 1..=65535,
        _ => 1024..=65535,
    }
}

/// One port from [`candidates`] that is free for TCP and UDP now, held by `listener` until the
/// caller lets go.
fn pick(
    range: &std::ops::RangeInclusive<u16>,
    seed: &RandomState,
    attempt: u64,
) -> Option<(u16, TcpListener)> {
    let span = u64::from(range.end() - range.start()) + 1;
    let offset = seed.hash_one((attempt, std::process::id())) % span;
    let port = range.start() + u16::try_from(offset).ok()?;
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed_out = handed_out.get_or_insert_with(HashSet::new);
    if handed_out.contains(&port) {
        return None;
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).ok()?;
    UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).ok()?;
    handed_out.insert(port);
    Some((port, listener))
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_tcp_port() -> u16 {
    free_ports(1)[0]
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
pub fn free_udp_port() -> u16 {
    free_ports(1)[0]
}

/// `n` distinct ports free for both TCP and UDP, all reserved at once so none repeats.
pub fn free_ports(n: usize) -> Vec<u16> {
    let range = candidates();
    let seed = RandomState::new();
    let mut held = Vec::new();
    let mut attempt = 0u64;
    while held.len() < n {
        attempt += 1;
        assert!(
            attempt < 1_000_000,
            "no free port left outside the ephemeral range"
        );
        if let Some(found) = pick(&range, &seed, attempt) {
            held.push(found);
        }
    }
    held.into_iter().map(|(port, _)| port).collect()
}

/// TCP ports on 127.0.0.1 that refuse connections for as long as this lives. Each is bound but
/// never listens: no other test can bind it and the kernel hands it to no outgoing connection,
/// so a connection is refused every time (a port merely free a moment ago may meanwhile be
/// someone's listener, and answer "connection reset").
pub struct RefusingPorts {
    ports: Vec<u16>,
    _sockets: Vec<std::os::fd::OwnedFd>,
}

impl RefusingPorts {
    pub fn new(n: usize) -> Self {
        use rustix::net::{AddressFamily, SocketType, bind, getsockname, socket};
        let mut sockets = Vec::with_capacity(n);
        let mut ports = Vec::with_capacity(n);
        for _ in 0..n {
            let fd = socket(AddressFamily::INET, SocketType::STREAM, None).expect("socket");
            bind(&fd, &std::net::SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
                .expect("bind 127.0.0.1:0");
            let local = getsockname(&fd).expect("getsockname");
            let local = std::net::SocketAddrV4::try_from(local).expect("an IPv4 address");
            ports.push(local.port());
            sockets.push(fd);
        }
        RefusingPorts {
            ports,
            _sockets: sockets,
        }
    }

    pub fn ports(&self) -> &[u16] {
        &self.ports
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ports_are_distinct_and_bindable() {
        let ports = super::free_ports(20);
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 20);
        for port in ports {
            std::net::TcpListener::bind(("127.0.0.1", port)).expect("still free");
        }
    }

    #[test]
    fn candidates_avoid_the_ephemeral_range_when_there_is_room() {
        let table = [
            (None, 1024..=32767),
            (Some("32768\t60999\n"), 1024..=32767),
            (Some("10000 65000"), 1024..=9999),
            (Some("1024 50000"), 50001..=65535),
            (Some("1024 65535"), 1024..=65535),
            (Some("4000 62000"), 1024..=65535),
            (Some("garbage"), 1024..=65535),
        ];
        for (range, expected) in table {
            assert_eq!(super::candidates_for(range), expected, "{range:?}");
        }
    }

    #[test]
    fn ports_lie_outside_the_ephemeral_range() {
        // Whatever this host's range: the ports come from the candidates for it, and lie
        // outside the ephemeral range wherever the candidates leave it out.
        let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .expect("the kernel's ephemeral range");
        let bounds: Vec<u16> = range
            .split_whitespace()
            .map(|w| w.parse().expect("a port"))
            .collect();
        let candidates = super::candidates_for(Some(&range));
        let avoidable = !candidates.contains(&bounds[0]) && !candidates.contains(&bounds[1]);
        for port in super::free_ports(50) {
            assert!(candidates.contains(&port), "{port} outside {candidates:?}");
            assert!(
                !avoidable || !(bounds[0]..=bounds[1]).contains(&port),
                "{port} in the ephemeral range {range}"
            );
            assert!(port >= 1024, "{port} is privileged");
        }
        let again = super::free_ports(50);
        let first = super::free_ports(50);
        assert!(
            again.iter().all(|port| !first.contains(port)),
            "a port handed out twice"
        );
    }

    #[test]
    fn refusing_ports_refuse_and_stay_taken() {
        let refusing = super::RefusingPorts::new(3);
        for &port in refusing.ports() {
            let error = std::net::TcpStream::connect(("127.0.0.1", port)).expect_err("refused");
            assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
            assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
        }
    }
}
