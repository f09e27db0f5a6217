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
}
