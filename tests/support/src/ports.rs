//! Free ports on 127.0.0.1, asked of the kernel (bind port 0) so parallel tests do not collide.

use std::net::{Ipv4Addr, TcpListener, UdpSocket};

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
pub fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0/udp");
    socket.local_addr().expect("local address").port()
}

/// `n` distinct ports free for both TCP and UDP, all reserved at once so none repeats.
pub fn free_ports(n: usize) -> Vec<u16> {
    let mut held = Vec::new();
    while held.len() < n {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            held.push((port, listener));
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
    fn refusing_ports_refuse_and_stay_taken() {
        let refusing = super::RefusingPorts::new(3);
        for &port in refusing.ports() {
            let error = std::net::TcpStream::connect(("127.0.0.1", port)).expect_err("refused");
            assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
            assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err());
        }
    }
}
