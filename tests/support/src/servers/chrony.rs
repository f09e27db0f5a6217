//! Real NTP servers for the tests: chronyd on a free loopback port serving its local clock at
//! stratum 8, optionally under libfaketime so its clock is deliberately wrong.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use crate::harness::ports::free_udp_port;
use crate::harness::process::{Server, wait_until};
use crate::harness::system::{faketime_env, is_root, tool, user_name};

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
    /// chronyd's command port on 127.0.0.1, when opened.
    pub cmd_port: Option<u16>,
    /// chronyd's command socket, when opened.
    pub socket: Option<std::path::PathBuf>,
    /// The servers it follows.
    sources: Vec<SocketAddr>,
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
        NtpServer::start_chrony(&Chrony {
            bind,
            offset: offset.map(str::to_string),
            local: (sync == Sync::Local).then_some(8),
            ..Chrony::default()
        })
    }

    /// A chronyd as `chrony` says.
    pub fn start_chrony(chrony: &Chrony) -> Result<NtpServer, String> {
        let (bind, offset) = (chrony.bind, chrony.offset.as_deref());
        let program = tool("chronyd", "chrony")?;
        let faketime = match offset {
            Some(offset) => faketime_env(offset)?,
            None => Vec::new(),
        };
        // chronyd accepts a command socket only in a directory no one else can enter: 0700.
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("{}: {e}", dir.path().display()))?;
        }
        let port = free_udp_port();
        let pidfile = dir.path().join("chronyd.pid");
        // Clients on loopback send from 127.0.0.1 whatever 127.x address they ask.
        let allow = match bind {
            IpAddr::V4(_) => "127.0.0.0/8",
            IpAddr::V6(_) => "::1",
        };
        let mut conf = format!("port {port}\nbindaddress {bind}\nallow {allow}\n");
        if let Some(stratum) = chrony.local {
            conf.push_str(&format!("local stratum {stratum}\n"));
        }
        for source in &chrony.sources {
            // Polled 16 times a second at first (a quick sync), slowed down later by `settle`.
            conf.push_str(&format!(
                "server {} port {} iburst minpoll -4 maxpoll -4\n",
                source.ip(),
                source.port()
            ));
        }
        let cmd_port = chrony.command_port.then(free_udp_port);
        let socket = chrony
            .command_socket
            .then(|| dir.path().join("chronyd.sock"));
        // Without a command port or socket (cmdport 0, bindcmdaddress /), several servers run
        // side by side without touching /run/chrony.
        match cmd_port {
            Some(cmd) => conf.push_str(&format!(
                "cmdport {cmd}\nbindcmdaddress 127.0.0.1\ncmdallow 127.0.0.1\n"
            )),
            None => conf.push_str("cmdport 0\n"),
        }
        match &socket {
            Some(path) => conf.push_str(&format!("bindcmdaddress {}\n", path.display())),
            None => conf.push_str("bindcmdaddress /\n"),
        }
        conf.push_str(&format!(
            "pidfile {}\ndriftfile {}\n",
            pidfile.display(),
            dir.path().join("drift").display()
        ));
        let conf_path = dir.path().join("chrony.conf");
        std::fs::write(&conf_path, conf).map_err(|e| format!("{}: {e}", conf_path.display()))?;
        let mut command = Command::new(program);
        // -d: foreground (the PID is chronyd's); -x: never touch the system clock. It runs as
        // the test's user, so that the temporary directory stays its own: `-u USER` (root
        // would drop to _chrony, and the command socket's directory must be the user's), and
        // when that is not root `-U` (chronyd refuses "Not superuser" unless told that it
        // needs no privilege: with -x and ports above 1023 it needs none).
        command.args(["-d", "-x", "-u", user_name()]);
        if !is_root() {
            command.arg("-U");
        }
        command.arg("-f").arg(&conf_path);
        command.envs(faketime);
        let server = Server::spawn("chronyd", command, dir.path().join("chronyd.log"))
            .with_grace(Duration::from_secs(5));
        let ntp = NtpServer {
            port,
            bind,
            cmd_port,
            socket,
            sources: chrony.sources.clone(),
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
        self.socket_addr().to_string()
    }

    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.port)
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `chronyc -c ARGS` against the command port (or the socket when there is no port).
    pub fn chronyc(&self, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new("chronyc");
        match (&self.cmd_port, &self.socket) {
            (Some(port), _) => command.args(["-h", "127.0.0.1", "-p", &port.to_string()]),
            (None, Some(socket)) => command.arg("-h").arg(socket),
            (None, None) => return Err("chronyd has no command port or socket".into()),
        };
        let out = command
            .arg("-c")
            .args(args)
            .output()
            .map_err(|e| format!("chronyc: {e}"))?;
        match out.status.success() {
            true => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
            false => Err(format!(
                "chronyc {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    }

    /// Wait until chronyd follows its source (leap status Normal).
    pub fn await_sync(&self) -> Result<(), String> {
        wait_until("chronyd synchronised", Duration::from_secs(15), || {
            self.chronyc(&["tracking"])
                .is_ok_and(|t| t.ends_with(",Normal"))
        })
        .map_err(|e| format!("{e}\n{}", self.server.log()))
    }

    /// [`NtpServer::await_sync`], then slow its polling to every 64 s through the command
    /// socket (as root), so that its tracking stays put long enough to be read twice.
    pub fn settle(&self) -> Result<(), String> {
        self.await_sync()?;
        // Every source answered at least once (chronyc's reach column), before polls slow down.
        wait_until("every source reached", Duration::from_secs(15), || {
            self.chronyc(&["sources"]).is_ok_and(|sources| {
                sources
                    .lines()
                    .all(|line| line.split(',').nth(5).is_some_and(|reach| reach != "0"))
            })
        })
        .map_err(|e| format!("{e}\n{}", self.server.log()))?;
        let Some(socket) = &self.socket else {
            return Err("settle needs the command socket".into());
        };
        for (what, value, source) in self
            .sources
            .iter()
            .flat_map(|s| [("maxpoll", "6", s), ("minpoll", "6", s)])
        {
            let out = Command::new("chronyc")
                .arg("-h")
                .arg(socket)
                .args([what, &source.ip().to_string(), value])
                .output()
                .map_err(|e| format!("chronyc: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "chronyc {what}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        Ok(())
    }
}

/// What a test chronyd is: where it listens, whose clock it serves, what it follows, and
/// whether its command interface is open.
#[derive(Debug, Clone)]
pub struct Chrony {
    pub bind: IpAddr,
    /// libfaketime's offset for its clock (`+1900s`).
    pub offset: Option<String>,
    /// `local stratum N`: serve its own clock as synchronised, at that stratum.
    pub local: Option<u8>,
    /// NTP servers to follow.
    pub sources: Vec<SocketAddr>,
    /// The command port on 127.0.0.1, monitoring allowed from there.
    pub command_port: bool,
    /// The command socket in its directory.
    pub command_socket: bool,
}

impl Default for Chrony {
    fn default() -> Chrony {
        Chrony {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            offset: None,
            local: None,
            sources: Vec::new(),
            command_port: false,
            command_socket: false,
        }
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
