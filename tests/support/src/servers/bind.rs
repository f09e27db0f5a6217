//! Real DNS servers for the tests: BIND configured like the production forwarder (the `consul`
//! zone forwarded to the agent, everything else answered by the forwarder itself), BIND as a
//! standard authoritative server (which, unlike Consul, sets TC on an answer too large for
//! UDP). The Consul agent itself is [`crate::scripted::consul`]'s stand-in.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rustix::process::Signal;

use crate::harness::ports::free_ports;
use crate::harness::process::{Server, wait_until};
use crate::harness::system::{is_root, tool};

/// The story's records as a zone file: `galeradb` on three nodes (one tagged pair), a degraded
/// service with one instance, and `big`, whose 100 addresses fit neither a 512-byte nor a
/// 1232-byte UDP answer (a standard server truncates it, and clients ask again over TCP).
pub fn consul_zone(serial: u32, galeradb: &[&str]) -> String {
    let mut zone = format!(
        "$ORIGIN consul.\n$TTL 0\n\
         @ IN SOA ns.consul. hostmaster.consul. ( {serial} 3600 600 86400 0 )\n\
         @ IN NS ns.consul.\nns IN A 127.0.0.1\n\
         node1.node.dc1 IN A 127.0.0.11\nnode2.node.dc1 IN A 127.0.0.12\nnode3.node.dc1 IN A 127.0.0.13\n"
    );
    for ip in galeradb {
        let node = node_of(ip);
        zone.push_str(&format!(
            "galeradb.service IN A {ip}\n\
             galeradb.service.dc1 IN A {ip}\n\
             galeradb.service IN SRV 1 1 3306 {node}.node.dc1.consul.\n\
             _galeradb._tcp.service IN SRV 1 1 3306 {node}.node.dc1.consul.\n"
        ));
    }
    zone.push_str(
        "icinga-galera.galeradb.service IN A 127.0.0.11\n\
         icinga-galera.galeradb.service IN A 127.0.0.12\n\
         _galeradb._icinga-galera.service IN SRV 1 1 3306 node1.node.dc1.consul.\n\
         _galeradb._icinga-galera.service IN SRV 1 1 3306 node2.node.dc1.consul.\n\
         galeradb-degraded.service IN A 127.0.0.11\n",
    );
    for i in 1..=100 {
        zone.push_str(&format!("big.service IN A 127.0.1.{i}\n"));
    }
    zone
}

/// The three Galera nodes' addresses.
pub const GALERADB: &[&str] = &["127.0.0.11", "127.0.0.12", "127.0.0.13"];

fn node_of(ip: &str) -> String {
    match ip.rsplit('.').next() {
        Some("11") => "node1".into(),
        Some("12") => "node2".into(),
        Some("13") => "node3".into(),
        Some(last) => format!("node{last}"),
        None => "node".into(),
    }
}

/// One named process with its directory and port.
pub struct Named {
    pub port: u16,
    server: Server,
    dir: tempfile::TempDir,
}

impl Named {
    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// SIGSTOP: the process keeps its port but answers nothing (a hung agent).
    pub fn pause(&self) {
        self.server.signal(Signal::STOP);
    }

    pub fn resume(&self) {
        self.server.signal(Signal::CONT);
    }

    /// Stop it for good (its port then refuses).
    pub fn stop(&mut self) {
        self.resume();
        self.server.stop();
    }
}

/// BIND as a standard authoritative server for `consul` (the zone above): it answers as any
/// standard server does, TC set on what does not fit, which Consul does not do.
pub struct Authoritative {
    pub named: Named,
    serial: u32,
}

impl Authoritative {
    /// Serving all three galeradb instances.
    pub fn start() -> Result<Authoritative, String> {
        Authoritative::start_serving(GALERADB)
    }

    /// Serving galeradb on the given instances only.
    pub fn start_serving(galeradb: &[&str]) -> Result<Authoritative, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let zone = dir.path().join("db.consul");
        std::fs::write(&zone, consul_zone(1, galeradb)).map_err(|e| e.to_string())?;
        let zones = format!(
            "zone \"consul\" IN {{ type primary; file \"{}\"; }};\n",
            zone.display()
        );
        let named = start_named(dir, false, &zones)?;
        Ok(Authoritative { named, serial: 1 })
    }

    pub fn addr(&self) -> String {
        self.named.addr()
    }

    pub fn port(&self) -> u16 {
        self.named.port
    }

    /// Serve galeradb on `galeradb` from now on (an instance failed its health check): the
    /// zone is rewritten with a new serial and named reloads it (SIGHUP).
    pub fn serve(&mut self, galeradb: &[&str]) -> Result<(), String> {
        self.serial += 1;
        let zone = self.named.dir().join("db.consul");
        std::fs::write(&zone, consul_zone(self.serial, galeradb)).map_err(|e| e.to_string())?;
        self.named.server.signal(Signal::HUP);
        let serial = self.serial.to_string();
        wait_until(
            "named reloads the consul zone",
            Duration::from_secs(10),
            || {
                dig(self.named.port, "consul", "SOA")
                    .split_whitespace()
                    .nth(2)
                    .is_some_and(|s| s == serial)
            },
        )
    }
}

/// BIND configured like the production forwarder: `consul` forwarded to the agent, a zone of
/// its own (`example.org`, standing in for the rest of the world), and `unreachable.example`
/// forwarded to a port where nothing listens (an upstream it cannot reach).
pub struct Forwarder {
    pub named: Named,
}

impl Forwarder {
    pub fn start(consul_port: u16) -> Result<Forwarder, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let world = dir.path().join("db.example.org");
        std::fs::write(
            &world,
            "$TTL 300\n@ IN SOA ns.example.org. hostmaster.example.org. ( 1 3600 600 86400 300 )\n\
             @ IN NS ns.example.org.\nns IN A 127.0.0.1\nwww IN A 127.0.0.80\n",
        )
        .map_err(|e| e.to_string())?;
        let closed = free_ports(1)[0];
        let zones = format!(
            "zone \"consul\" IN {{ type forward; forward only; forwarders {{ 127.0.0.1 port {consul_port}; }}; }};\n\
             zone \"example.org\" IN {{ type primary; file \"{}\"; }};\n\
             zone \"unreachable.example\" IN {{ type forward; forward only; forwarders {{ 127.0.0.1 port {closed}; }}; }};\n",
            world.display()
        );
        Ok(Forwarder {
            named: start_named(dir, true, &zones)?,
        })
    }

    pub fn addr(&self) -> String {
        self.named.addr()
    }
}

fn start_named(dir: tempfile::TempDir, recursion: bool, zones: &str) -> Result<Named, String> {
    let program = tool("named", "bind9")?;
    let port = free_ports(1)[0];
    let d = dir.path().display();
    let recursion = match recursion {
        true => "recursion yes; allow-recursion { 127.0.0.0/8; };",
        false => "recursion no;",
    };
    // controls {}: no rndc channel on 127.0.0.1:953; each instance keeps its files to itself.
    let conf = format!(
        "options {{\n  directory \"{d}\";\n  pid-file \"{d}/named.pid\";\n  session-keyfile \"{d}/session.key\";\n\
         managed-keys-directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n\
         {recursion}\n  allow-query {{ 127.0.0.0/8; }};\n  dnssec-validation no;\n  notify no;\n}};\n\
         controls {{ }};\nlogging {{ category lame-servers {{ null; }}; }};\n{zones}"
    );
    let conf_path: PathBuf = dir.path().join("named.conf");
    std::fs::write(&conf_path, conf).map_err(|e| format!("{}: {e}", conf_path.display()))?;
    let mut command = Command::new(program);
    // -g: foreground, logging to stderr. As root `-u root` keeps the test's user (named would
    // drop to bind, which cannot write the temporary directory); anyone else stays themself.
    command.args(["-4", "-g"]);
    if is_root() {
        command.args(["-u", "root"]);
    }
    command.arg("-c").arg(&conf_path);
    let server = Server::spawn("named", command, dir.path().join("named.log"))
        .with_grace(Duration::from_secs(5));
    let named = Named { port, server, dir };
    wait_until(
        &format!("named on 127.0.0.1:{port}"),
        Duration::from_secs(10),
        || !dig(port, "version.bind", "CH TXT").is_empty(),
    )
    .map_err(|e| format!("{e}\n{}", named.server.log()))?;
    Ok(named)
}

/// `dig +short` against 127.0.0.1:`port`; empty when nothing answered.
pub fn dig(port: u16, name: &str, qtype: &str) -> String {
    let mut command = Command::new("dig");
    command
        .args([
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            "+short",
            "+time=1",
            "+tries=1",
            name,
        ])
        .args(qtype.split_whitespace());
    command
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_default()
}
