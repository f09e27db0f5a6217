//! check_galera against real servers: a 3-node MariaDB Galera cluster on loopback, a plain
//! MariaDB, a closed port and a TCP tarpit. Every assertion is on what Icinga would see: exit
//! code, first line, long output and perfdata.

use std::time::Duration;

use hastack_test_support::harness::ports::RefusingPorts;
use hastack_test_support::harness::system::libfaketime;
use hastack_test_support::servers::galera::{
    GaleraCluster, MONITOR_PASSWORD, MONITOR_USER, PlainMariadb,
};
use hastack_test_support::{
    PluginOutput, PluginRun, TcpTarpit, assert_shared_cli_contract, tempdir,
};

const BIN: &str = env!("CARGO_BIN_EXE_check_galera");

fn galera() -> PluginRun {
    PluginRun::new(BIN).limit(Duration::from_secs(30))
}

/// A run as the low-privilege monitoring user (USAGE, PROCESS, REPLICATION CLIENT only),
/// password through MYSQL_PWD.
fn monitor(args: &[&str]) -> PluginOutput {
    let out = galera()
        .args(["-u", MONITOR_USER])
        .args(args)
        .env("MYSQL_PWD", MONITOR_PASSWORD)
        .run();
    assert_no_secret(&out);
    out
}

fn assert_no_secret(out: &PluginOutput) {
    assert!(
        !out.stdout.contains(MONITOR_PASSWORD) && !out.stderr.contains(MONITOR_PASSWORD),
        "password leaked:\n{}",
        out.stdout
    );
}

fn node_args(cluster: &GaleraCluster) -> Vec<String> {
    cluster
        .nodes
        .iter()
        .flat_map(|n| ["--node".to_string(), format!("{}={}", n.name, n.addr())])
        .collect()
}

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "GALERA");
}

#[test]
fn bad_options_are_unknown_naming_the_input() {
    let table: &[(&[&str], &str)] = &[
        (
            &["-w", "20:10"],
            "GALERA UNKNOWN - invalid value '20:10' for '--warning <RANGE>': invalid range '20:10': start is greater than end",
        ),
        (
            &["--fc-critical", "0.5x"],
            "GALERA UNKNOWN - invalid value '0.5x' for '--fc-critical <RANGE>'",
        ),
        (
            &["--node", "db1:0"],
            "GALERA UNKNOWN - invalid --node 'db1:0': '0' is not a TCP port",
        ),
        (
            &["--expected-size", "3", "-w", "3:"],
            "GALERA UNKNOWN - the argument '--expected-size <N>' cannot be used with",
        ),
        (
            &["--skew-warning", "1"],
            "GALERA UNKNOWN - --skew-warning/--skew-critical compare members: add --node or --discover",
        ),
        (
            &["--password-file", "/nonexistent/pw"],
            "GALERA UNKNOWN - cannot read password file '/nonexistent/pw': no such file or directory",
        ),
        (
            &["--defaults-file", "/nonexistent/my.cnf"],
            "GALERA UNKNOWN - cannot read defaults file '/nonexistent/my.cnf': no such file or directory",
        ),
        (
            &["--tls-ca", "/nonexistent/ca.pem"],
            "GALERA UNKNOWN - cannot read TLS CA file '/nonexistent/ca.pem'",
        ),
    ];
    for (args, prefix) in table {
        let out = galera().args(*args).run();
        out.assert(3, prefix);
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
    }
}

/// A CA file that is a directory or cannot be read is UNKNOWN naming it, before any connection:
/// the port here is a tarpit that would hang a connection until the timeout.
#[test]
fn unreadable_ca_files_are_unknown_before_any_connection() {
    let tarpit = TcpTarpit::start();
    let port = tarpit.port().to_string();
    // /proc/self/mem refuses reads at offset 0 whoever runs the test, root included.
    for (ca, why) in [
        ("/", "is a directory"),
        ("/proc/self/mem", "Input/output error"),
    ] {
        let out = galera()
            .args(["-u", MONITOR_USER, "-P", &port, "-t", "5", "--tls-ca", ca])
            .run();
        out.assert(
            3,
            &format!(
                "GALERA UNKNOWN - cannot read TLS CA file '{ca}': {why} (see 'check_galera --help')"
            ),
        );
        assert_eq!(out.line_count(), 1);
        out.assert_ended_within(Duration::from_secs(2));
    }
}

#[test]
fn closed_port_is_critical_with_the_cause() {
    let refusing = RefusingPorts::new(1);
    let port = refusing.ports()[0];
    let out = monitor(&["-H", "127.0.0.1", "-P", &port.to_string()]);
    out.assert(
        2,
        &format!("GALERA CRITICAL - 127.0.0.1:{port}: connection refused"),
    );
    assert_eq!(out.line_count(), 1);
}

#[test]
fn hung_peer_ends_with_the_timeout_state_in_time() {
    let tarpit = TcpTarpit::start();
    let port = tarpit.port().to_string();
    let out = monitor(&["-P", &port, "-t", "2"]);
    out.assert(3, &format!("GALERA UNKNOWN - timed out after 2 s while waiting to connect, for the MySQL handshake and login at 127.0.0.1:{port}"));
    out.assert_ended_within(Duration::from_millis(2500));
    let out = monitor(&["-P", &port, "-t", "1", "--timeout-state", "critical"]);
    out.assert(
        2,
        "GALERA CRITICAL - timed out after 1 s while waiting to connect",
    );
    out.assert_ended_within(Duration::from_millis(1500));
}

#[test]
fn plain_mariadb_is_not_a_cluster_member() {
    let plain = PlainMariadb::start().expect("plain mariadb");
    let out = monitor(&["-P", &plain.node.port.to_string()]);
    out.assert(
        2,
        &format!(
            "GALERA CRITICAL - 127.0.0.1:{}: not a Galera cluster member (wsrep_cluster_status=Disconnected, no wsrep provider loaded, cluster size 0)",
            plain.node.port
        ),
    );
    let out = monitor(&["-P", &plain.node.port.to_string(), "--tls"]);
    out.assert(
        2,
        &format!(
            "GALERA CRITICAL - 127.0.0.1:{}: TLS is required but the server does not offer it",
            plain.node.port
        ),
    );
}

#[test]
fn tls_is_verified_against_the_given_ca() {
    let dir = tempdir().expect("tempdir");
    let files =
        hastack_test_support::harness::tls::make_server_cert(dir.path()).expect("certificates");
    let options = format!(
        "ssl_ca = {}\nssl_cert = {}\nssl_key = {}",
        files.ca.display(),
        files.cert.display(),
        files.key.display()
    );
    let server = PlainMariadb::start_with(&options).expect("mariadb with TLS");
    // Only a TLS login gets in from now on: a successful check proves the connection was encrypted.
    server
        .node
        .sql(&format!(
            "ALTER USER '{MONITOR_USER}'@'127.0.0.1' REQUIRE SSL"
        ))
        .expect("require ssl");
    let port = server.node.port.to_string();
    let reached = format!("GALERA CRITICAL - 127.0.0.1:{port}: not a Galera cluster member");

    let out = galera()
        .args(["-u", MONITOR_USER, "-P", &port, "--tls-ca"])
        .arg(&files.ca)
        .env("MYSQL_PWD", MONITOR_PASSWORD)
        .run();
    out.assert(2, &reached);
    monitor(&["-P", &port, "--tls-skip-verify"]).assert(2, &reached);
    monitor(&["-P", &port, "--tls"]).assert(
        2,
        &format!("GALERA CRITICAL - 127.0.0.1:{port}: TLS failed: the server certificate is signed by an unknown CA (give the CA with --tls-ca)"),
    );
    let out = monitor(&["-P", &port]);
    out.assert(
        2,
        &format!(
            "GALERA CRITICAL - 127.0.0.1:{port}: Access denied for user 'monitor'@'127.0.0.1'"
        ),
    );
}

#[test]
fn a_self_signed_ca_certificate_is_named() {
    // The usual `openssl req -x509` certificate (CA:TRUE) given as the CA: rustls refuses a CA
    // certificate as a server's own, and the words say so instead of the raw error.
    let dir = tempdir().expect("tempdir");
    let files =
        hastack_test_support::harness::tls::make_self_signed(dir.path()).expect("certificate");
    let options = format!(
        "ssl_cert = {}\nssl_key = {}",
        files.cert.display(),
        files.key.display()
    );
    let server = PlainMariadb::start_with(&options).expect("mariadb with TLS");
    let port = server.node.port.to_string();
    let out = galera()
        .args(["-u", MONITOR_USER, "-P", &port, "--tls-ca"])
        .arg(&files.ca)
        .env("MYSQL_PWD", MONITOR_PASSWORD)
        .run();
    out.assert(
        2,
        &format!("GALERA CRITICAL - 127.0.0.1:{port}: TLS failed: the server presents a CA certificate as its own (a self-signed certificate with CA:TRUE, given in --tls-ca)"),
    );
}

#[test]
fn healthy_cluster_logins_and_reversible_degradations() {
    let cluster = GaleraCluster::start(3).expect("galera cluster");
    let [n1, n2, n3] = [cluster.node(0), cluster.node(1), cluster.node(2)];
    let p1 = n1.port.to_string();

    // One node, TCP, MYSQL_PWD.
    let out = monitor(&["-H", "127.0.0.1", "-P", &p1, "--expected-size", "3", "-vvv"]);
    out.assert(
        0,
        &format!("GALERA OK - node1 (127.0.0.1:{p1}): Synced, Primary, cluster size 3 |"),
    );
    let size = out.perf("cluster_size");
    assert_eq!(
        (
            size.value.as_str(),
            size.warn.as_str(),
            size.crit.as_str(),
            size.min.as_str()
        ),
        ("3", "", "", "0")
    );
    assert_eq!(out.perf("local_state").value, "4");
    assert_eq!(out.perf("last_committed").uom, "c");
    for label in [
        "local_recv_queue",
        "local_send_queue",
        "flow_control_active",
        "flow_control_paused_since_start",
        "local_recv_queue_avg_since_start",
        "local_send_queue_avg_since_start",
        "local_cert_failures",
        "local_bf_aborts",
        "flow_control_sent",
    ] {
        out.perf(label);
    }

    // The whole cluster, named members.
    let nodes = node_args(&cluster);
    let mut args: Vec<&str> = nodes.iter().map(String::as_str).collect();
    args.extend(["--skew-warning", "1", "--skew-critical", "5"]);
    let out = monitor(&args);
    out.assert(
        0,
        "GALERA OK - 3 of 3 nodes Synced in one Primary component (size 3, conf_id ",
    );
    assert_eq!(out.perf("nodes_reachable").value, "3");
    assert!(
        out.perf("clock_skew").number() < 0.5,
        "{}",
        out.first_line()
    );
    assert_eq!(out.perf("clock_skew").warn, "1");
    assert_eq!(out.perf("last_committed_spread").value, "0");
    let lines = out.long_output();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    for (line, node) in lines.iter().zip(&cluster.nodes) {
        assert!(
            line.starts_with(&format!(
                "\\_ [OK] {} ({}): Synced, Primary, size 3, conf_id ",
                node.name,
                node.addr()
            )),
            "{line}"
        );
    }

    // Discovery from one node finds all three.
    let out = monitor(&["-P", &p1, "--discover"]);
    out.assert(0, "GALERA OK - 3 of 3 nodes Synced");
    assert_eq!(out.long_output().len(), 3, "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("\\_ [OK] node3 ({}): Synced", n3.addr())),
        "{}",
        out.stdout
    );

    // A hung member costs a WARNING and is named, while the three answer.
    let tarpit = TcpTarpit::start();
    let hung = format!("hung=127.0.0.1:{}", tarpit.port());
    let mut args: Vec<&str> = nodes.iter().map(String::as_str).collect();
    args.extend(["--node", &hung, "-t", "3"]);
    let out = monitor(&args);
    out.assert(
        1,
        &format!(
            "GALERA WARNING - hung (127.0.0.1:{}): no answer within 2.7 s while waiting to connect",
            tarpit.port()
        ),
    );
    out.assert_ended_within(Duration::from_millis(3500));
    assert_eq!(out.perf("nodes_reachable").value, "3");

    // A hung seed does not take the discovered members' time: they are read as soon as a seed
    // answers, and the seeds get half of the time.
    let seed = format!("node1={}", n1.addr());
    let out = monitor(&["--node", &hung, "--node", &seed, "--discover", "-t", "4"]);
    out.assert(
        1,
        &format!(
            "GALERA WARNING - hung (127.0.0.1:{}): no answer within 1.8 s while waiting to connect",
            tarpit.port()
        ),
    );
    assert_eq!(out.perf("nodes_reachable").value, "3", "{}", out.stdout);
    assert_eq!(out.perf("cluster_size").value, "3");
    assert_eq!(out.long_output().len(), 4, "{}", out.stdout);
    out.assert_ended_within(Duration::from_millis(4500));
    drop(tarpit);

    // Logins: --defaults-file, the socket with --password-file, -p; wrong password.
    let dir = tempdir().expect("tempdir");
    let cnf = dir.path().join("my.cnf");
    std::fs::write(&cnf, format!("[client]\nuser = {MONITOR_USER}\npassword = \"{MONITOR_PASSWORD}\"\nhost = 127.0.0.1\nport = {}\n", n2.port)).expect("cnf");
    let out = galera().arg("--defaults-file").arg(&cnf).arg("-vvv").run();
    out.assert(
        0,
        &format!("GALERA OK - node2 (127.0.0.1:{}): Synced", n2.port),
    );
    assert_no_secret(&out);
    let pw = dir.path().join("pw");
    std::fs::write(&pw, format!("{MONITOR_PASSWORD}\n")).expect("pw");
    let out = galera()
        .args(["-u", MONITOR_USER, "-vvv", "--password-file"])
        .arg(&pw)
        .arg("-S")
        .arg(&n3.socket)
        .run();
    out.assert(
        0,
        &format!("GALERA OK - node3 ({}): Synced", n3.socket.display()),
    );
    assert_no_secret(&out);
    let out = galera()
        .args(["-u", MONITOR_USER, "-p", MONITOR_PASSWORD, "-P", &p1])
        .run();
    out.assert(0, "GALERA OK - node1");
    let out = galera()
        .args(["-u", MONITOR_USER, "-P", &p1, "-vvv"])
        .env("MYSQL_PWD", "wrong-password")
        .run();
    out.assert(2, &format!("GALERA CRITICAL - 127.0.0.1:{p1}: Access denied for user 'monitor'@'127.0.0.1' (using password: YES) (MySQL error 1045)"));

    // Desync on purpose (a backup): WARNING naming it, OK with --desync-ok; --donor-ok is for
    // donating a state transfer and does not cover it.
    n2.sql("SET GLOBAL wsrep_desync=ON").expect("desync");
    n2.wait_status(
        "wsrep_local_state_comment",
        "Donor/Desynced",
        Duration::from_secs(10),
    )
    .expect("desynced");
    let p2 = n2.port.to_string();
    monitor(&["-P", &p2]).assert(1, &format!("GALERA WARNING - node2 (127.0.0.1:{p2}): desynced on purpose (wsrep_desync=ON: a backup?)"));
    monitor(&["-P", &p2, "--donor-ok"]).assert(
        1,
        &format!("GALERA WARNING - node2 (127.0.0.1:{p2}): desynced on purpose"),
    );
    monitor(&["-P", &p2, "--desync-ok"]).assert(0, &format!("GALERA OK - node2 (127.0.0.1:{p2}): Donor/Desynced (wsrep_desync=ON, accepted by --desync-ok), Primary, cluster size 3"));
    let out = monitor(&nodes.iter().map(String::as_str).collect::<Vec<_>>());
    out.assert(
        1,
        &format!("GALERA WARNING - node2 (127.0.0.1:{p2}): desynced on purpose"),
    );
    n2.sql("SET GLOBAL wsrep_desync=OFF").expect("resync");
    n2.wait_status(
        "wsrep_local_state_comment",
        "Synced",
        Duration::from_secs(10),
    )
    .expect("synced");

    // Replication switched off on one node: CRITICAL although it still looks Primary and ready.
    n3.sql("SET GLOBAL wsrep_on=OFF").expect("wsrep_on off");
    let p3 = n3.port.to_string();
    monitor(&["-P", &p3]).assert(2, &format!("GALERA CRITICAL - node3 (127.0.0.1:{p3}): wsrep_on=OFF globally: the node still reports Primary and ready"));
    let out = monitor(&nodes.iter().map(String::as_str).collect::<Vec<_>>());
    out.assert(
        2,
        &format!("GALERA CRITICAL - node3 (127.0.0.1:{p3}): wsrep_on=OFF globally"),
    );
    assert!(
        out.stdout
            .contains(&format!("\\_ [CRITICAL] node3 (127.0.0.1:{p3}): ")),
        "{}",
        out.stdout
    );
    n3.sql("SET GLOBAL wsrep_on=ON").expect("wsrep_on on");
}

#[test]
fn killed_members_warning_then_critical() {
    let mut cluster = GaleraCluster::start(3).expect("galera cluster");
    let nodes = node_args(&cluster);
    let all: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let p1 = cluster.node(0).port.to_string();
    let (p2, p3) = (cluster.node(1).port, cluster.node(2).port);

    // One node killed: the survivors go to size 2 and stay Primary.
    cluster.node_mut(2).kill();
    cluster
        .node(0)
        .wait_status("wsrep_cluster_size", "2", Duration::from_secs(20))
        .expect("size 2");
    monitor(&["-P", &p1]).assert(
        0,
        &format!("GALERA OK - node1 (127.0.0.1:{p1}): Synced, Primary, cluster size 2"),
    );
    let out = monitor(&["-P", &p1, "--expected-size", "3"]);
    out.assert(
        1,
        &format!("GALERA WARNING - node1 (127.0.0.1:{p1}): cluster size 2 (outside 3:)"),
    );
    assert_eq!(out.perf("cluster_size").value, "2");
    let out = monitor(&all);
    out.assert(
        1,
        &format!("GALERA WARNING - node3 (127.0.0.1:{p3}): connection refused"),
    );
    assert!(
        out.stdout.contains(&format!(
            "\n\\_ [WARNING] node3 (127.0.0.1:{p3}): connection refused"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(out.perf("nodes_reachable").value, "2");
    assert_eq!(out.perf("cluster_size").value, "2");
    // Discovery sees only two members; the expected size says one is missing.
    monitor(&["-P", &p1, "--discover", "--expected-size", "3"])
        .assert(1, "GALERA WARNING - Primary component size 2 (outside 3:)");

    // A second node killed: the survivor loses quorum.
    cluster.node_mut(1).kill();
    cluster
        .node(0)
        .wait_status(
            "wsrep_cluster_status",
            "non-Primary",
            Duration::from_secs(20),
        )
        .expect("non-Primary");
    let out = monitor(&["-P", &p1]);
    out.assert(
        2,
        &format!(
            "GALERA CRITICAL - node1 (127.0.0.1:{p1}): cluster status non-Primary, wsrep_ready=OFF"
        ),
    );
    let out = monitor(&all);
    out.assert(2, "GALERA CRITICAL - ");
    for expected in [
        format!("node2 (127.0.0.1:{p2}): connection refused"),
        format!("node3 (127.0.0.1:{p3}): connection refused"),
        "no reachable node is in a Primary component".to_string(),
    ] {
        assert!(
            out.first_line().contains(&expected),
            "{expected} not in {}",
            out.first_line()
        );
    }
}

/// The story's failure: one node's clock ~1900 s off. libfaketime shifts node3's wall clock;
/// the cluster still forms, and only the clock comparison across members sees it.
#[test]
fn a_member_with_a_wrong_clock_is_named() {
    // As this test always ran it: the monotonic clock left alone, and no FAKETIME_DONT_RESET
    // (with both, node3 once stalled after joining the Primary view under load).
    let faketime: Vec<(String, String)> = vec![
        (
            "LD_PRELOAD".into(),
            libfaketime()
                .unwrap_or_else(|e| panic!("{e}"))
                .display()
                .to_string(),
        ),
        ("FAKETIME".into(), "+1900s".into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
    ];
    let cluster = GaleraCluster::start_with_env(3, |i| match i {
        2 => faketime.clone(),
        _ => Vec::new(),
    })
    .expect("galera cluster with a skewed node");
    let nodes = node_args(&cluster);
    let mut args: Vec<&str> = nodes.iter().map(String::as_str).collect();
    args.extend(["--skew-warning", "1", "--skew-critical", "5"]);
    let out = monitor(&args);
    // The skew is 1900 s give or take the measurement (1899.999975 s in one run), said to the
    // tenth of a second.
    out.assert(2, "GALERA CRITICAL - clock skew ");
    let first = out.first_line();
    let in_summary: f64 = first["GALERA CRITICAL - clock skew ".len()..]
        .split(" s between node3 and node")
        .next()
        .and_then(|v| v.parse().ok())
        .expect("the skew in the summary");
    assert!((1899.0..1901.0).contains(&in_summary), "{first}");
    assert!(first.contains("(outside 5) |"), "{first}");
    let skew = out.perf("clock_skew").number();
    assert!((1899.0..1901.0).contains(&skew), "{skew}");
    assert_eq!(out.perf("clock_skew").crit, "5");
    let node3 = out
        .long_output()
        .into_iter()
        .find(|l| l.starts_with("\\_ [OK] node3 "))
        .expect("node3 line");
    let offset: f64 = node3
        .rsplit(", clock +")
        .next()
        .and_then(|v| v.strip_suffix(" s"))
        .and_then(|v| v.parse().ok())
        .expect("offset");
    assert!((1899.0..1901.0).contains(&offset), "{node3}");
    // Each node on its own still looks perfectly healthy: only the comparison sees the problem.
    monitor(&["-P", &cluster.node(2).port.to_string()]).assert(0, "GALERA OK - node3");
}

#[test]
fn three_hundred_members_fit_the_output_buffer() {
    // 300 --node entries, none listening: each is named in the long output while the budget
    // lasts, the summary is capped and counts the rest, the totals stay, and the whole output
    // is within each client's limit, the newline included.
    let ports = hastack_test_support::harness::ports::free_ports(300);
    let mut args: Vec<String> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        args.push("--node".into());
        args.push(format!("n{i}=127.0.0.1:{port}"));
    }
    for (limit, budget) in [("", 4096), ("1024", 1024), ("8192", 8192)] {
        let mut run = galera().args(&args);
        if !limit.is_empty() {
            run = run.args(["--output-limit", limit]);
        }
        let out = run.run();
        out.assert(2, "GALERA CRITICAL - ");
        assert!(
            out.summary_line().len() <= 1100,
            "summary of {} bytes",
            out.summary_line().len()
        );
        assert!(
            out.stdout.len() <= budget,
            "{limit}: output of {} bytes",
            out.stdout.len()
        );
        assert!(
            out.first_line()
                .contains(" | cluster_size=0;;;0 nodes_reachable=0;;;0;300"),
            "{limit}: the totals first: {}",
            out.first_line()
        );
        let last = out.long_output().last().copied().unwrap_or_default();
        assert!(
            last.starts_with("\\_ ... and ")
                && last.ends_with(&format!(
                    ", left out to fit --output-limit {}",
                    if limit.is_empty() { "4096" } else { limit }
                )),
            "{limit}: {last}"
        );
    }
}
