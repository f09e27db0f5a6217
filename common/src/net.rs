//! Sockets the plugins share: a UDP socket connected to one server.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::UdpSocket;

/// A UDP socket bound to the unspecified address of `server`'s family and connected to it: only
/// the server's datagrams arrive, and an ICMP "port unreachable" comes back as connection
/// refused on the next receive.
pub async fn connected_udp(server: SocketAddr) -> io::Result<UdpSocket> {
    let local: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(server).await?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_closed_port_is_refused() {
        // Bind and drop: the port is closed, and the kernel answers with ICMP unreachable.
        let closed = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("free port");
        let socket = connected_udp(closed).await.expect("socket");
        assert_eq!(socket.peer_addr().expect("peer"), closed);
        socket.send(b"x").await.expect("send");
        let mut buf = [0u8; 8];
        // Bounded: should another socket take the port meanwhile, this fails, never hangs.
        let error = tokio::time::timeout(std::time::Duration::from_secs(5), socket.recv(&mut buf))
            .await
            .expect("an answer within 5 s")
            .expect_err("refused");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    }
}
