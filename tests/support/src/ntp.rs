//! Real NTP servers for the tests: chronyd on a free loopback port serving its local clock at
//! stratum 8, optionally under libfaketime so its clock is deliberately wrong.

use std::net::{Ipv4Addr, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

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
            "port {port}\nbindaddress 127.0.0.1\nallow 127.0.0.1\n{local}cmdport 0\n\
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
            server,
            _dir: dir,
        };
        wait_until(
            &format!("chronyd on 127.0.0.1:{port}"),
            Duration::from_secs(10),
            || answers(port),
        )
        .map_err(|e| format!("{e}\n{}", ntp.server.log()))?;
        Ok(ntp)
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn server(&self) -> &Server {
        &self.server
    }
}

/// Whether an NTP server answers a client request on `port` (any answer: readiness only).
fn answers(port: u16) -> bool {
    let Ok(socket) = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)) else {
        return false;
    };
    let _ = socket.set_read_timeout(Some(Duration::from_millis(200)));
    let mut request = [0u8; 48];
    request[0] = 0x23; // LI 0, version 4, mode 3 (client)
    request[40] = 1; // a non-zero transmit timestamp
    if socket
        .send_to(&request, (Ipv4Addr::LOCALHOST, port))
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 128];
    matches!(socket.recv_from(&mut buf), Ok((n, _)) if n >= 48)
}
