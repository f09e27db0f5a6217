//! Real MariaDB servers for the tests: a 3-node Galera cluster on loopback (brought up from a
//! cached seed datadir, each joiner by IST: ~10-15 s) and a plain MariaDB without Galera.
//!
//! The seed holds two accounts besides a passwordless `root`: `monitor` with only
//! `USAGE, PROCESS, REPLICATION CLIENT` (password [`MONITOR_PASSWORD`]), from 127.0.0.1 and localhost.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::harness::ports::free_ports;
use crate::harness::process::{Server, wait_until};
use crate::harness::seed::{self, copy_dir};

pub const MONITOR_USER: &str = "monitor";
pub const MONITOR_PASSWORD: &str = "m0n-S3cret!pw";
const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";
const SEED_VERSION: &str = "v1";

/// The ports one node listens on.
#[derive(Debug, Clone, Copy)]
struct Ports {
    sql: u16,
    gcomm: u16,
    ist: u16,
    sst: u16,
}

impl Ports {
    /// Free ports for `nodes` nodes, none repeated.
    fn allocate(nodes: usize) -> Vec<Ports> {
        free_ports(4 * nodes)
            .chunks(4)
            .map(|p| Ports {
                sql: p[0],
                gcomm: p[1],
                ist: p[2],
                sst: p[3],
            })
            .collect()
    }

    fn one() -> Ports {
        Ports::allocate(1)[0]
    }
}

/// One mariadbd of a cluster (or a plain server).
pub struct Node {
    pub name: String,
    pub port: u16,
    pub socket: PathBuf,
    cnf: PathBuf,
    dir: PathBuf,
    server: Option<Server>,
}

impl Node {
    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Run SQL as root over the node's socket; rows tab-separated, no headers.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        run_sql(&self.cnf, sql)
    }

    /// One `SHOW GLOBAL STATUS` value.
    pub fn status(&self, variable: &str) -> Option<String> {
        let out = self
            .sql(&format!("SHOW GLOBAL STATUS LIKE '{variable}'"))
            .ok()?;
        out.lines()
            .next()
            .and_then(|l| l.split('\t').nth(1))
            .map(str::to_string)
    }

    /// Run SQL as root over the node's socket in the background, in one session that lasts as
    /// long as the statements do (a lock held by a `SLEEP`, a write load); its output goes to
    /// `log`, and dropping the guard stops the client.
    pub fn background_sql(&self, what: &str, sql: &str) -> Server {
        let mut command = Command::new("mariadb");
        command
            .arg(format!("--defaults-file={}", self.cnf.display()))
            .args(["--connect-timeout=5", "--unbuffered", "-N", "-B", "-e", sql]);
        Server::spawn(
            &format!("{} {what}", self.name),
            command,
            self.dir.join(format!("client-{what}.log")),
        )
        .with_grace(Duration::from_secs(1))
    }

    /// Shut the node down cleanly (SIGTERM, then SIGKILL after the grace period).
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.stop();
        }
    }

    /// SIGKILL the node, as a crash or power loss would.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.kill();
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.server.as_mut().is_some_and(Server::is_running)
    }

    pub fn server(&self) -> Option<&Server> {
        self.server.as_ref()
    }

    /// The server's error log, for assertion messages.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// Wait until `SHOW GLOBAL STATUS LIKE variable` reads `value`.
    pub fn wait_status(&self, variable: &str, value: &str, limit: Duration) -> Result<(), String> {
        wait_until(&format!("{} {variable}={value}", self.name), limit, || {
            self.status(variable).as_deref() == Some(value)
        })
        .map_err(|e| format!("{e} (now {:?})", self.status(variable)))
    }
}

/// A running Galera cluster; every node is SIGKILLed when it drops (data is throwaway).
pub struct GaleraCluster {
    pub nodes: Vec<Node>,
    _dir: tempfile::TempDir,
}

impl GaleraCluster {
    /// Start `size` nodes named node1..nodeN, all Synced, or explain why not.
    pub fn start(size: usize) -> Result<GaleraCluster, String> {
        GaleraCluster::start_with_env(size, |_| Vec::new())
    }

    /// Like [`GaleraCluster::start`], with extra environment for each node's mariadbd (by
    /// index), e.g. libfaketime for a node whose clock is wrong.
    ///
    /// The ports are free when chosen, but a later node binds its own seconds later, after the
    /// first ones are Synced; meanwhile any test's connection may take one as its local port.
    /// A start that failed on "Address already in use" is tried again with new ports (twice).
    pub fn start_with_env(
        size: usize,
        env: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Result<GaleraCluster, String> {
        let mut tries = 0;
        loop {
            tries += 1;
            match GaleraCluster::try_start(size, &env) {
                Err(e) if tries < 3 && e.contains("Address already in use") => continue,
                result => return result,
            }
        }
    }

    fn try_start(
        size: usize,
        env: &impl Fn(usize) -> Vec<(String, String)>,
    ) -> Result<GaleraCluster, String> {
        require_binaries()?;
        let seed = seed_datadir()?;
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let ports = Ports::allocate(size);
        let gcomm = ports
            .iter()
            .map(|p| format!("127.0.0.1:{}", p.gcomm))
            .collect::<Vec<_>>()
            .join(",");
        let mut nodes = Vec::new();
        let mut envs = Vec::new();
        for (i, p) in ports.iter().enumerate() {
            let name = format!("node{}", i + 1);
            let node_dir = dir.path().join(&name);
            std::fs::create_dir_all(&node_dir)
                .map_err(|e| format!("{}: {e}", node_dir.display()))?;
            copy_dir(&seed, &node_dir.join("data"))?;
            let cnf = write_cnf(&node_dir, &name, *p, Some(&gcomm))?;
            nodes.push(Node {
                name,
                port: p.sql,
                socket: node_dir.join("mysqld.sock"),
                cnf,
                dir: node_dir,
                server: None,
            });
            envs.push(env(i));
        }
        let mut cluster = GaleraCluster { nodes, _dir: dir };
        for (i, env) in envs.iter().enumerate() {
            // One at a time: joiners starting together cost seconds of reconnect churn.
            cluster.start_node(i, i == 0, env)?;
        }
        Ok(cluster)
    }

    fn start_node(
        &mut self,
        index: usize,
        bootstrap: bool,
        env: &[(String, String)],
    ) -> Result<(), String> {
        let args: &[&str] = match bootstrap {
            true => &["--wsrep-new-cluster"],
            false => &[],
        };
        self.spawn_node(index, args, env);
        self.await_synced(index, Duration::from_secs(60))
    }

    fn spawn_node(&mut self, index: usize, args: &[&str], env: &[(String, String)]) {
        let node = &mut self.nodes[index];
        let mut command = Command::new(mariadbd());
        command.envs(env.iter().map(|(k, v)| (k, v)));
        command.arg(format!("--defaults-file={}", node.cnf.display()));
        command.args(args);
        node.server = Some(
            Server::spawn(&node.name, command, node.dir.join("stdout.log"))
                .with_grace(Duration::from_secs(20)),
        );
    }

    /// Shut a node down cleanly and start it again with `args` (after the defaults file) and
    /// `env`, without waiting: [`GaleraCluster::await_synced`] waits. With `sst`, its position
    /// is forgotten first (grastate.dat removed): it rejoins by a full state transfer.
    pub fn begin_restart(
        &mut self,
        index: usize,
        args: &[&str],
        env: &[(String, String)],
        sst: bool,
    ) -> Result<(), String> {
        self.nodes[index].stop();
        if sst {
            let grastate = self.nodes[index].dir.join("data/grastate.dat");
            std::fs::remove_file(&grastate).map_err(|e| format!("{}: {e}", grastate.display()))?;
        }
        self.spawn_node(index, args, env);
        Ok(())
    }

    /// Wait until the node is Synced and ready, or say why not (its log's end); a node that
    /// exits meanwhile is not waited for.
    pub fn await_synced(&mut self, index: usize, limit: Duration) -> Result<(), String> {
        let node = &mut self.nodes[index];
        // Synced, or ended: a node that aborted (a port taken) is not waited for.
        let mut exited = false;
        wait_until(
            &format!("{} wsrep_local_state_comment=Synced", node.name),
            limit,
            || {
                exited = !node.is_running();
                exited || node.status("wsrep_local_state_comment").as_deref() == Some("Synced")
            },
        )
        .and_then(|()| match exited {
            true => Err(format!("{} exited while starting", node.name)),
            false => Ok(()),
        })
        .map_err(|e| format!("{e}\n{}", log_excerpt(&node.error_log())))?;
        node.wait_status("wsrep_ready", "ON", Duration::from_secs(10))
    }

    /// Shut a node down cleanly (its position kept in grastate.dat) and start it again, joining
    /// the others by IST; wait until it is Synced.
    pub fn restart(&mut self, index: usize) -> Result<(), String> {
        self.nodes[index].stop();
        self.start_node(index, false, &[])
    }

    pub fn node(&self, index: usize) -> &Node {
        &self.nodes[index]
    }

    pub fn node_mut(&mut self, index: usize) -> &mut Node {
        &mut self.nodes[index]
    }
}

impl Drop for GaleraCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
    }
}

/// A plain MariaDB (no Galera provider) from the same seed, with the same accounts.
pub struct PlainMariadb {
    pub node: Node,
    _dir: tempfile::TempDir,
}

impl PlainMariadb {
    pub fn start() -> Result<PlainMariadb, String> {
        PlainMariadb::start_with("")
    }

    /// With extra `[mysqld]` option lines (e.g. `ssl_cert = ...`).
    pub fn start_with(extra_mysqld_options: &str) -> Result<PlainMariadb, String> {
        require_binaries()?;
        let seed = seed_datadir()?;
        let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
        let p = Ports::one();
        copy_dir(&seed, &dir.path().join("data"))?;
        let cnf = write_cnf(dir.path(), "plain", p, None)?;
        if !extra_mysqld_options.is_empty() {
            let text = std::fs::read_to_string(&cnf).map_err(|e| e.to_string())?;
            let text = text.replacen("[client]", &format!("{extra_mysqld_options}\n[client]"), 1);
            std::fs::write(&cnf, text).map_err(|e| e.to_string())?;
        }
        let mut command = Command::new(mariadbd());
        command.arg(format!("--defaults-file={}", cnf.display()));
        let server = Server::spawn("plain mariadb", command, dir.path().join("stdout.log"));
        let node = Node {
            name: "plain".into(),
            port: p.sql,
            socket: dir.path().join("mysqld.sock"),
            cnf,
            dir: dir.path().to_path_buf(),
            server: Some(server),
        };
        wait_until(
            "plain mariadb accepts queries",
            Duration::from_secs(30),
            || node.sql("SELECT 1").is_ok(),
        )
        .map_err(|e| format!("{e}\n{}", tail(&node.error_log(), 30)))?;
        Ok(PlainMariadb { node, _dir: dir })
    }
}

impl Drop for PlainMariadb {
    fn drop(&mut self) {
        self.node.kill();
    }
}

fn mariadbd() -> &'static str {
    if Path::new("/usr/sbin/mariadbd").exists() {
        "/usr/sbin/mariadbd"
    } else {
        "mariadbd"
    }
}

fn require_binaries() -> Result<(), String> {
    for needed in [
        mariadbd(),
        "/usr/bin/mariadb-install-db",
        "/usr/bin/mariadb",
        PROVIDER,
    ] {
        if needed.starts_with('/') && !Path::new(needed).exists() {
            return Err(format!(
                "{needed} is missing: run scripts/setup (Debian packages mariadb-server galera-4)"
            ));
        }
    }
    Ok(())
}

fn status_of(cnf: &Path, variable: &str) -> Option<String> {
    let out = run_sql(cnf, &format!("SHOW GLOBAL STATUS LIKE '{variable}'")).ok()?;
    out.lines()
        .next()
        .and_then(|l| l.split('\t').nth(1))
        .map(str::to_string)
}

fn run_sql(cnf: &Path, sql: &str) -> Result<String, String> {
    let out = Command::new("mariadb")
        .arg(format!("--defaults-file={}", cnf.display()))
        .args(["--connect-timeout=5", "-N", "-B", "-e", sql])
        .output()
        .map_err(|e| format!("mariadb client: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The node's option file. Always passed with `--defaults-file`, so nothing under /etc/mysql is read.
fn write_cnf(dir: &Path, name: &str, p: Ports, gcomm: Option<&str>) -> Result<PathBuf, String> {
    let d = dir.display();
    let mut cnf = String::new();
    let run_as_root = rustix::process::getuid().is_root();
    let _ = writeln!(cnf, "[mysqld]");
    if run_as_root {
        let _ = writeln!(cnf, "user = root");
    }
    let _ = write!(
        cnf,
        "datadir = {d}/data\nsocket = {d}/mysqld.sock\npid_file = {d}/mysqld.pid\nlog_error = {d}/error.log\n\
         bind_address = 127.0.0.1\nport = {sql}\nskip_name_resolve = ON\ninnodb_buffer_pool_size = 32M\n\
         innodb_log_file_size = 48M\nbinlog_format = ROW\ndefault_storage_engine = InnoDB\n\
         innodb_autoinc_lock_mode = 2\nperformance_schema = OFF\n",
        sql = p.sql
    );
    if let Some(gcomm) = gcomm {
        let _ = write!(
            cnf,
            "wsrep_on = ON\nwsrep_provider = {PROVIDER}\nwsrep_cluster_name = hastack_test\n\
             wsrep_cluster_address = gcomm://{gcomm}\nwsrep_node_name = {name}\n\
             wsrep_node_address = 127.0.0.1:{g}\nwsrep_node_incoming_address = 127.0.0.1:{sql}\n\
             wsrep_provider_options = \"gmcast.listen_addr=tcp://127.0.0.1:{g};ist.recv_addr=127.0.0.1:{ist};gcache.size=32M;base_port={g}\"\n\
             wsrep_sst_method = mariabackup\nwsrep_sst_auth = root:\nwsrep_sst_receive_address = 127.0.0.1:{sst}\n\
             wsrep_slave_threads = 2\n",
            g = p.gcomm,
            sql = p.sql,
            ist = p.ist,
            sst = p.sst
        );
    }
    // socat, which carries a state transfer, listens on every address unless told: `sockopt`
    // is added to its listening and its connecting address alike.
    let _ = write!(
        cnf,
        "[client]\nsocket = {d}/mysqld.sock\nport = {}\nuser = root\n[sst]\nsst-log-archive-dir = {d}/sst_log\n\
         sockopt = bind=127.0.0.1\n",
        p.sql
    );
    let path = dir.join("my.cnf");
    std::fs::write(&path, cnf).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// A failed node's log for the error: its last 30 lines, after any earlier line saying a port
/// was taken (an SST listener that failed to bind is logged 30 s before the node gives up, and
/// the start is tried again with new ports only when the error says so).
fn log_excerpt(log: &str) -> String {
    let last = tail(log, 30);
    let taken: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("Address already in use") && !last.contains(*line))
        .take(3)
        .collect();
    match taken.is_empty() {
        true => last,
        false => format!("{}\n...\n{last}", taken.join("\n")),
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A datadir that a bootstrapped one-node cluster left behind after a clean shutdown, with the
/// test accounts: copies of it join each other by IST. Built once per machine and user and
/// cached ([`seed::cached`]: seen once in a fresh root, a bootstrap failed while another test
/// built its own seed, so the others wait for the first build, and a failed one is tried again).
fn seed_datadir() -> Result<PathBuf, String> {
    seed::cached(&format!("hastack-galera-seed-{SEED_VERSION}"), |scratch| {
        build_seed(scratch)?;
        Ok(scratch.join("data"))
    })
}

fn build_seed(dir: &Path) -> Result<(), String> {
    let p = Ports::one();
    let cnf = write_cnf(dir, "seed", p, Some(&format!("127.0.0.1:{}", p.gcomm)))?;
    let mut install = Command::new("mariadb-install-db");
    install
        .arg(format!("--defaults-file={}", cnf.display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
    if rustix::process::getuid().is_root() {
        install.arg("--user=root");
    }
    let out = install
        .output()
        .map_err(|e| format!("mariadb-install-db: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "mariadb-install-db failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            tail(&String::from_utf8_lossy(&out.stdout), 20)
        ));
    }
    let mut command = Command::new(mariadbd());
    command
        .arg(format!("--defaults-file={}", cnf.display()))
        .arg("--wsrep-new-cluster");
    let mut server =
        Server::spawn("seed", command, dir.join("stdout.log")).with_grace(Duration::from_secs(30));
    let status = |v: &str| status_of(&cnf, v);
    wait_until("seed node Synced", Duration::from_secs(60), || {
        status("wsrep_local_state_comment").as_deref() == Some("Synced")
    })
    .map_err(|e| {
        format!(
            "{e}\n{}",
            tail(
                &std::fs::read_to_string(dir.join("error.log")).unwrap_or_default(),
                30
            )
        )
    })?;
    let grants = format!(
        "CREATE USER '{MONITOR_USER}'@'127.0.0.1' IDENTIFIED BY '{MONITOR_PASSWORD}';\
         CREATE USER '{MONITOR_USER}'@'localhost' IDENTIFIED BY '{MONITOR_PASSWORD}';\
         GRANT USAGE, PROCESS, REPLICATION CLIENT ON *.* TO '{MONITOR_USER}'@'127.0.0.1';\
         GRANT USAGE, PROCESS, REPLICATION CLIENT ON *.* TO '{MONITOR_USER}'@'localhost';"
    );
    run_sql(&cnf, &grants)?;
    server.stop();
    let _ = std::fs::remove_file(dir.join("data").join("gvwstate.dat"));
    Ok(())
}
