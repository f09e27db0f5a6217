//! Hung peers: a TCP listener that accepts and never answers, and a UDP port that swallows
//! every packet. Both stop when dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Accepts TCP connections on 127.0.0.1 and holds them open without ever sending a byte.
pub struct TcpTarpit {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TcpTarpit {
    pub fn start() -> TcpTarpit {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind tarpit");
        listener.set_nonblocking(true).expect("nonblocking tarpit");
        let addr = listener.local_addr().expect("tarpit address");
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => held.push(stream),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        TcpTarpit {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for TcpTarpit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A UDP socket on 127.0.0.1 whose every datagram goes to a handler (with its sender, and the
/// socket to answer on) on a thread of its own; stopped when dropped. The scripted servers and
/// the Consul stand-in are built on it.
pub struct UdpPeer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl UdpPeer {
    /// On a free port.
    pub fn start(
        handler: impl FnMut(&[u8], SocketAddr, &UdpSocket) + Send + 'static,
    ) -> Result<UdpPeer, String> {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("bind: {e}"))?;
        UdpPeer::start_on(socket, handler)
    }

    /// On a socket already bound.
    pub fn start_on(
        socket: UdpSocket,
        mut handler: impl FnMut(&[u8], SocketAddr, &UdpSocket) + Send + 'static,
    ) -> Result<UdpPeer, String> {
        // A short read timeout: the thread sees `stop` soon after the drop.
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .map_err(|e| format!("read timeout: {e}"))?;
        let addr = socket.local_addr().map_err(|e| format!("address: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while !flag.load(Ordering::Relaxed) {
                if let Ok((n, peer)) = socket.recv_from(&mut buf) {
                    handler(&buf[..n], peer, &socket);
                }
            }
        });
        Ok(UdpPeer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for UdpPeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A UDP socket on 127.0.0.1 that reads and discards every datagram, answering nothing (unlike a
/// closed port, which answers with ICMP port unreachable).
pub struct UdpBlackHole(UdpPeer);

impl UdpBlackHole {
    pub fn start() -> UdpBlackHole {
        UdpBlackHole(UdpPeer::start(|_, _, _| {}).expect("black hole"))
    }

    pub fn addr(&self) -> SocketAddr {
        self.0.addr()
    }

    pub fn port(&self) -> u16 {
        self.0.port()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn tarpit_accepts_and_stays_silent() {
        let tarpit = TcpTarpit::start();
        let mut stream = TcpStream::connect(tarpit.addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let mut buf = [0u8; 1];
        let err = stream.read(&mut buf).expect_err("must not answer");
        assert!(matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ));
    }

    #[test]
    fn black_hole_swallows() {
        let hole = UdpBlackHole::start();
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        socket.send_to(b"hello", hole.addr()).expect("send");
        let mut buf = [0u8; 16];
        assert!(socket.recv_from(&mut buf).is_err());
    }
}
