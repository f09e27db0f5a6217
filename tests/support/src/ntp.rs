//! Real NTP servers for the tests: chronyd on a free loopback port serving its local clock at
//! stratum 8, optionally under libfaketime so its clock is deliberately wrong.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::peers::UdpPeer;
use crate::ports::free_udp_port;
use crate::process::{Server, wait_until};

/// libfaketime's multi-threaded preload library (Debian's `libfaketime`).
pub const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// The environment that shifts a process's wall clock by `offset` (`+1900s`, `-3s`: whole
/// seconds, as libfaketime reads compound or fractional values wrongly for chronyd).
pub fn faketime_env(offset: &str) -> Vec<(String, String)> {
    vec![
        ("LD_PRELOAD".into(), LIBFAKETIME.into()),
        ("FAKETIME".into(), offset.into()),
        ("FAKETIME_DONT_RESET".into(), "1".into()),
    ]
}

/// How the server's own clock state looks to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `local stratum 8`: serves its clock as synchronised.
    Local,
    /// No source and no `local`: answers with leap indicator 3 (unsynchronised).
    Unsynchronised,
}

/// A running chronyd, stopped by PID when dropped.
pub struct NtpServer {
    pub port: u16,
    bind: IpAddr,
    server: Server,
    _dir: tempfile::TempDir,
}

impl NtpServer {
    /// A chronyd with a correct clock.
    pub fn start() -> Result<NtpServer, String> {
        NtpServer::start_with(None, Sync::Local)
    }

    /// A chronyd whose clock is off by `offset` (libfaketime), e.g. `+1900s`.
    pub fn start_shifted(offset: &str) -> Result<NtpServer, String> {
        NtpServer::start_with(Some(offset), Sync::Local)
    }

    pub fn start_with(offset: Option<&str>, sync: Sync) -> Result<NtpServer, String> {
        NtpServer::start_at(IpAddr::V4(Ipv4Addr::LOCALHOST), offset, sync)
    }

    /// A chronyd listening on `bind` (`::1` for the IPv6 paths).
    pub fn start_at(bind: IpAddr, offset: Option<&str>, sync: Sync) -> Result<NtpServer, String> {
        if !Path::new("/usr/sbin/chronyd").exists() {
            return Err("chronyd is not installed (scripts/setup installs chrony)".into());
        }
        if offset.is_some() && !Path::new(LIBFAKETIME).exists() {
            return Err(format!(
                "{LIBFAKETIME} is missing (scripts/setup installs libfaketime)"
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let port = free_udp_port();
        let pidfile = dir.path().join("chronyd.pid");
        let local = match sync {
            Sync::Local => "local stratum 8\n",
            Sync::Unsynchronised => "",
        };
        // cmdport 0 and bindcmdaddress / : no command port and no UNIX command socket, so
        // several servers run side by side without touching /run/chrony.
        let conf = format!(
            "port {port}\nbindaddress {bind}\nallow {bind}\n{local}cmdport 0\n\
             bindcmdaddress /\npidfile {}\ndriftfile {}\n",
            pidfile.display(),
            dir.path().join("drift").display()
        );
        let conf_path = dir.path().join("chrony.conf");
        std::fs::write(&conf_path, conf).map_err(|e| format!("{}: {e}", conf_path.display()))?;
        let mut command = Command::new("/usr/sbin/chronyd");
        // -d: foreground (the PID is chronyd's); -x: never touch the system clock; -u root:
        // keep the test's user, so the temporary directory stays writable.
        command
            .args(["-d", "-x", "-u", "root", "-f"])
            .arg(&conf_path);
        if let Some(offset) = offset {
            command.envs(faketime_env(offset));
        }
        let server = Server::spawn("chronyd", command, dir.path().join("chronyd.log"))
            .with_grace(Duration::from_secs(5));
        let ntp = NtpServer {
            port,
            bind,
            server,
            _dir: dir,
        };
        wait_until(
            &format!("chronyd on {}", ntp.addr()),
            Duration::from_secs(10),
            || answers(SocketAddr::new(bind, port)),
        )
        .map_err(|e| format!("{e}\n{}", ntp.server.log()))?;
        Ok(ntp)
    }

    /// `127.0.0.1:PORT`, `[::1]:PORT`
    pub fn addr(&self) -> String {
        SocketAddr::new(self.bind, self.port).to_string()
    }

    pub fn server(&self) -> &Server {
        &self.server
    }
}

/// Whether an NTP server answers a client request on `port` (any answer: readiness only).
fn answers(server: SocketAddr) -> bool {
    let local: SocketAddr = match server {
        SocketAddr::V4(_) => (Ipv4Addr::LOCALHOST, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::LOCALHOST, 0).into(),
    };
    let Ok(socket) = UdpSocket::bind(local) else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    let mut request = [0u8; 48];
    request[0] = 0x23; // LI 0, version 4, mode 3 (client)
    request[40] = 1; // a non-zero transmit timestamp
    if socket.send_to(&request, server).is_err() {
        return false;
    }
    let mut buf = [0u8; 128];
    matches!(socket.recv_from(&mut buf), Ok((n, _)) if n >= 48)
}

/// One answer of a [`ScriptedNtp`] server: how late, how wrong, and what it says of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// How long the answer takes on its way back (a slow path: the round trip grows by it, and
    /// the offset a client computes is `offset - delay / 2`).
    pub delay: Duration,
    /// Seconds the server's clock is ahead of the real one.
    pub offset: f64,
    pub stratum: u8,
    /// Leap indicator: 0 normal, 3 alarm (not synchronised).
    pub leap: u8,
    /// Root delay and dispersion, seconds (root distance = delay / 2 + dispersion).
    pub root_delay: f64,
    pub root_dispersion: f64,
    /// Reference ID; with stratum 0 the kiss code (`RATE`, `DENY`...).
    pub reference_id: [u8; 4],
}

impl Default for Reply {
    fn default() -> Reply {
        Reply {
            delay: Duration::ZERO,
            offset: 0.0,
            stratum: 2,
            leap: 0,
            root_delay: 0.001,
            root_dispersion: 0.001,
            reference_id: *b"GPS\0",
        }
    }
}

/// A scripted NTP server on a free loopback port: the n-th request gets the n-th reply (the
/// last one repeats), each sent from its own thread after its delay, so a slow answer never
/// holds back a later one. Not a time server: the shapes of answer real servers send, on
/// demand (kiss-o'-death, an unsynchronised or distant root, slow paths, wrong clocks).
pub struct ScriptedNtp(UdpPeer);

/// Seconds from 1900 (NTP's era 0) to 1970.
const NTP_UNIX_OFFSET: f64 = 2_208_988_800.0;

fn ntp_timestamp(unix_seconds: f64) -> [u8; 8] {
    let ntp = unix_seconds + NTP_UNIX_OFFSET;
    let seconds = ntp.floor();
    let fraction = ((ntp - seconds) * 4_294_967_296.0) as u64;
    ((((seconds as u64) & 0xffff_ffff) << 32) | (fraction & 0xffff_ffff)).to_be_bytes()
}

fn short_format(seconds: f64) -> [u8; 4] {
    ((seconds * 65536.0) as u32).to_be_bytes()
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl ScriptedNtp {
    pub fn start(replies: Vec<Reply>) -> Result<ScriptedNtp, String> {
        let mut served = 0usize;
        let peer = UdpPeer::start(move |request, client, socket| {
            let received = unix_now();
            if request.len() < 48 || replies.is_empty() {
                return;
            }
            let reply = replies[served.min(replies.len() - 1)].clone();
            served += 1;
            let mut packet = [0u8; 48];
            packet[0] = (reply.leap << 6) | (4 << 3) | 4; // version 4, mode 4 (server)
            packet[1] = reply.stratum;
            packet[2] = 6;
            packet[3] = 0xec; // precision 2^-20
            packet[4..8].copy_from_slice(&short_format(reply.root_delay));
            packet[8..12].copy_from_slice(&short_format(reply.root_dispersion));
            packet[12..16].copy_from_slice(&reply.reference_id);
            packet[16..24].copy_from_slice(&ntp_timestamp(received + reply.offset - 16.0));
            packet[24..32].copy_from_slice(&request[40..48]);
            // Answered at once; the delay is the path's, on the way back.
            packet[32..40].copy_from_slice(&ntp_timestamp(received + reply.offset));
            packet[40..48].copy_from_slice(&ntp_timestamp(received + reply.offset));
            let Ok(sender) = socket.try_clone() else {
                return;
            };
            std::thread::spawn(move || {
                std::thread::sleep(reply.delay);
                let _ = sender.send_to(&packet, client);
            });
        })?;
        Ok(ScriptedNtp(peer))
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        self.0.addr().to_string()
    }
}
