//! check_galera over time, against a real 3-node cluster on loopback: flow control made real (a
//! small `gcs.fc_limit` and a table lock on one node while another writes), the IST window under a
//! write load, a restarted member, a member that left and one that will need a full state
//! transfer; and whether clients can use a node now (read_only, wsrep_reject_queries, a donor
//! that rejects queries during a real SST), a rolling upgrade half done, a cluster larger than
//! planned. Every run that compares with an earlier one shares that run's `--state-dir`.

use std::path::Path;
use std::time::{Duration, Instant};

use hastack_test_support::servers::galera::{GaleraCluster, MONITOR_PASSWORD, MONITOR_USER, Node};
use hastack_test_support::{PluginOutput, PluginRun, tempdir, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_check_galera");

/// A run as the low-privilege monitoring user, keeping its history in `state`.
fn monitor(state: &Path, args: &[&str]) -> PluginOutput {
    PluginRun::new(BIN)
        .limit(Duration::from_secs(30))
        .args(["-u", MONITOR_USER, "--state-dir"])
        .arg(state)
        .args(args)
        .env("MYSQL_PWD", MONITOR_PASSWORD)
        .run()
}

fn node_args(cluster: &GaleraCluster) -> Vec<String> {
    cluster
        .nodes
        .iter()
        .flat_map(|n| ["--node".to_string(), format!("{}={}", n.name, n.addr())])
        .collect()
}

/// `n` rows of 1 MiB written on `node`, one transaction each.
fn write_mib(node: &Node, n: usize) {
    let sql = "INSERT INTO hastack.t (v) VALUES (REPEAT('x', 1048576));".repeat(n);
    node.sql(&sql).expect("write load");
}

fn assert_contains(out: &PluginOutput, text: &str) {
    assert!(
        out.stdout.contains(text),
        "{text:?} not in:\n{}",
        out.stdout
    );
}

#[test]
fn what_changed_since_the_previous_run_on_the_real_cluster() {
    let mut cluster = GaleraCluster::start(3).expect("galera cluster");
    let state = tempdir().expect("state directory");
    let state = state.path();
    let p1 = cluster.node(0).port.to_string();
    let p3 = cluster.node(2).port.to_string();
    let nodes = node_args(&cluster);
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let with = |extra: &[&'static str]| -> Vec<&str> {
        nodes.iter().copied().chain(extra.iter().copied()).collect()
    };
    cluster
        .node(0)
        .sql(
            "CREATE DATABASE hastack; \
             CREATE TABLE hastack.t (id INT AUTO_INCREMENT PRIMARY KEY, v LONGBLOB) ENGINE=InnoDB",
        )
        .expect("table");

    // The first run has nothing to compare with: it judges what needs no history and says why.
    let out = monitor(state, &with(&["-v"]));
    out.assert(0, "GALERA OK - ");
    assert_contains(
        &out,
        "no baseline from an earlier run: no record of an earlier run yet",
    );
    monitor(state, &["-P", &p1]).assert(0, "GALERA OK - node1");

    // Flow control, made real: node2 may queue 2 writesets and its applier waits on a table
    // lock while node1 writes. node2 sends flow control, the whole cluster pauses.
    let node2 = cluster.node(1);
    node2
        .sql("SET GLOBAL wsrep_provider_options='gcs.fc_limit=2'")
        .expect("fc_limit");
    let lock = node2.background_sql(
        "lock",
        "LOCK TABLES hastack.t WRITE; SELECT 'locked'; SELECT SLEEP(60)",
    );
    wait_until(
        "node2 holds the table lock",
        Duration::from_secs(10),
        || lock.log().contains("locked"),
    )
    .expect("lock");
    let writer = cluster.node(0).background_sql(
        "writer",
        &"INSERT INTO hastack.t (v) VALUES ('fc');".repeat(200),
    );
    cluster
        .node(0)
        .wait_status("wsrep_flow_control_active", "true", Duration::from_secs(20))
        .expect("flow control engaged");
    std::thread::sleep(Duration::from_secs(3));
    let out = monitor(
        state,
        &with(&["--fc-warning", "0.2", "--fc-critical", "0.99"]),
    );
    out.assert(1, "GALERA WARNING - ");
    let first = out.first_line();
    // Said once for the cluster, with who asked for the pauses.
    assert!(
        first.starts_with("GALERA WARNING - paused by flow control ")
            && first.contains(" (outside 0.2): node2 sent ")
            && first.contains(", it is the slow node |"),
        "{first}"
    );
    assert_eq!(
        first.matches("paused by flow control").count(),
        1,
        "{first}"
    );
    assert!(
        !first.contains("node1 sent") && !first.contains("node3 sent"),
        "{first}"
    );
    let paused = out.perf("node1_flow_control_paused").number();
    assert!((0.2..=1.0).contains(&paused), "node1 paused {paused}");
    assert_eq!(out.perf("node1_flow_control_active").value, "1");
    // The locked node's receive queue, judged on what it holds now (fc_limit 2: at least 2).
    let p2 = node2.port.to_string();
    let out = monitor(state, &["-P", &p2, "--recv-queue-warning", "1"]);
    out.assert(
        1,
        &format!("GALERA WARNING - node2 (127.0.0.1:{p2}): receive queue "),
    );
    assert!(
        out.perf("local_recv_queue").number() >= 2.0,
        "{}",
        out.stdout
    );
    out.perf("local_recv_queue_avg_since_start").number();
    let out = monitor(state, &["-P", &p1, "--fc-warning", "0.2"]);
    out.assert(
        1,
        &format!("GALERA WARNING - node1 (127.0.0.1:{p1}): paused by flow control "),
    );
    // The since-start average stays, labelled so.
    out.perf("flow_control_paused_since_start").number();

    // The lock goes, the queue drains, the writer finishes.
    let id = node2
        .sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'")
        .expect("lock session");
    node2
        .sql(&format!("KILL {}", id.trim()))
        .expect("kill lock");
    drop(lock);
    let mut writer = writer;
    wait_until("the writer finishes", Duration::from_secs(30), || {
        !writer.is_running()
    })
    .expect("writer");
    node2
        .sql("SET GLOBAL wsrep_provider_options='gcs.fc_limit=16'")
        .expect("fc_limit back");
    node2
        .wait_status("wsrep_local_recv_queue", "0", Duration::from_secs(20))
        .expect("queue drained");

    // The IST window: 8 MiB through every member's 32 MiB gcache between two runs.
    // The interval the check sees lies within `started..` the end of the second run.
    let started = Instant::now();
    monitor(state, &nodes).assert(0, "GALERA OK - ");
    write_mib(cluster.node(0), 8);
    let out = monitor(state, &with(&["--ist-window-warning", "1000000:"]));
    let interval = started.elapsed().as_secs_f64();
    out.assert(
        1,
        "GALERA WARNING - a member that leaves now can rejoin by IST for ",
    );
    assert_contains(&out, "(gcache 32 MiB at ");
    for name in ["node1", "node2", "node3"] {
        let window = out.perf(&format!("{name}_ist_window_minutes")).number() * 60.0;
        // At least 8 MiB in at most `interval`: at most 4 intervals' worth of gcache.
        assert!(
            window > 0.0 && window <= 4.0 * interval * 1.05,
            "{name}: {window} s for {interval} s"
        );
    }
    let rate = out.perf("node1_replicated_bytes_per_second").number();
    assert!(rate >= 8.0 * 1048576.0 / interval, "{rate}");
    let rate = out.perf("node2_received_bytes_per_second").number();
    assert!(rate >= 8.0 * 1048576.0 / interval, "{rate}");
    assert!(out.perf("node1_commits_per_second").number() > 0.0);
    // No conflicts here: certification failures and brute-force aborts at 0 per second.
    for name in ["node1", "node2", "node3"] {
        for rate in ["cert_failures_per_second", "bf_aborts_per_second"] {
            assert_eq!(out.perf(&format!("{name}_{rate}")).number(), 0.0, "{rate}");
        }
    }
    // Another 8 MiB, against the critical bound this time.
    write_mib(cluster.node(0), 8);
    monitor(state, &with(&["--ist-window-critical", "1000000:"])).assert(
        2,
        "GALERA CRITICAL - a member that leaves now can rejoin by IST for ",
    );

    // Whether clients can use a node now.
    let node1 = cluster.node(0);
    node1.sql("SET GLOBAL read_only=1").expect("read_only");
    monitor(state, &["-P", &p1]).assert(
        1,
        &format!("GALERA WARNING - node1 (127.0.0.1:{p1}): read_only=ON: clients cannot write here (--read-only-ok accepts this)"),
    );
    monitor(state, &["-P", &p1, "--read-only-ok"]).assert(0, "GALERA OK - node1");
    node1.sql("SET GLOBAL read_only=0").expect("read_only off");
    let node3 = cluster.node(2);
    node3
        .sql("SET GLOBAL wsrep_reject_queries=ALL")
        .expect("reject");
    monitor(state, &["-P", &p3]).assert(
        2,
        &format!("GALERA CRITICAL - node3 (127.0.0.1:{p3}): rejects client queries (wsrep_reject_queries=ALL)"),
    );
    node3
        .sql("SET GLOBAL wsrep_reject_queries=NONE")
        .expect("reject off");

    // A member restarted between two runs: no rates for it this time, said at -v.
    monitor(state, &nodes).assert(0, "GALERA OK - ");
    cluster.restart(1).expect("node2 restarted");
    let out = monitor(state, &with(&["-v"]));
    out.assert(0, "GALERA OK - ");
    assert_contains(
        &out,
        "node2: no rates this time: the server restarted since the previous run",
    );

    // A member gone between two runs is named, with when it was last seen; once the donors'
    // gcache has moved past its position, it will need a full state transfer.
    let discover = ["--discover", "-P", p1.as_str()];
    monitor(state, &discover).assert(0, "GALERA OK - ");
    let last_committed_before_kill: i64 = cluster
        .node(2)
        .status("wsrep_last_committed")
        .and_then(|v| v.parse().ok())
        .expect("node3 last_committed");
    cluster.node_mut(2).kill();
    cluster
        .node(0)
        .wait_status("wsrep_cluster_size", "2", Duration::from_secs(30))
        .expect("node3 evicted");
    let out = monitor(state, &discover);
    out.assert(1, "GALERA WARNING - ");
    assert_contains(
        &out,
        &format!("127.0.0.1:{p3} left the cluster: last seen "),
    );
    // Write until both donors' gcache has moved past node3's position (about 50 MiB through
    // a 32 MiB gcache here), within a bound.
    let gone_at: i64 = last_committed_before_kill;
    let past = |node: &Node| {
        node.status("wsrep_local_cached_downto")
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|from| from > gone_at + 1)
    };
    for _ in 0..15 {
        if past(cluster.node(0)) && past(cluster.node(1)) {
            break;
        }
        write_mib(cluster.node(0), 10);
    }
    assert!(
        past(cluster.node(0)) && past(cluster.node(1)),
        "the donors' gcache still holds node3's position {gone_at}"
    );
    let out = monitor(state, &discover);
    out.assert(1, "GALERA WARNING - ");
    assert_contains(
        &out,
        &format!(
            "127.0.0.1:{p3} will need a full state transfer (SST) to rejoin: its last_committed {last_committed_before_kill} is older than every donor's gcache (from "
        ),
    );
    // A planned removal: --forget sets the record aside once, and it stays quiet after.
    monitor(state, &[&discover[..], &["--forget"]].concat()).assert(0, "GALERA OK - ");
    let out = monitor(state, &discover);
    out.assert(0, "GALERA OK - ");
    assert!(!out.stdout.contains("left the cluster"), "{}", out.stdout);
}

/// A state transfer whose donor waits before it sends: the donor stays Donor/Desynced that long.
/// MariaDB runs `wsrep_sst_METHOD` from its PATH, with `--role donor` on the donor.
const SLOW_SST: &str = "#!/bin/sh
# hastack test: a state transfer by mariabackup whose donor waits 10 s first
case \" $* \" in
  *\" --role donor \"*|*\" --role 'donor' \"*|*\" --role=donor \"*) sleep 10 ;;
esac
exec /usr/bin/wsrep_sst_mariabackup \"$@\"
";

#[test]
fn clients_versions_and_a_donor_on_the_real_cluster() {
    use std::os::unix::fs::PermissionsExt;
    let scripts = tempdir().expect("scripts");
    let script = scripts.path().join("wsrep_sst_hastack_slow");
    std::fs::write(&script, SLOW_SST).expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        scripts.path().display(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/sbin:/usr/bin:/sbin:/bin".into())
    );
    let env = vec![("PATH".to_string(), path)];
    let mut cluster = GaleraCluster::start_with_env(3, |_| env.clone()).expect("galera cluster");
    let state = tempdir().expect("state directory");
    let state = state.path();
    let p3 = cluster.node(2).port.to_string();
    let nodes = node_args(&cluster);
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();

    // A member nobody planned: three where two were expected.
    monitor(state, &[&nodes[..], &["--expected-size", "2"]].concat()).assert(
        1,
        "GALERA WARNING - cluster size 3 is larger than --expected-size 2: a member joined that nobody planned",
    );

    // ALL_KILL turns clients away too (and ends the connections open now).
    let _ = cluster
        .node(2)
        .sql("SET GLOBAL wsrep_reject_queries=ALL_KILL");
    monitor(state, &["-P", &p3]).assert(
        2,
        &format!("GALERA CRITICAL - node3 (127.0.0.1:{p3}): rejects client queries (wsrep_reject_queries=ALL_KILL)"),
    );
    cluster
        .node(2)
        .sql("SET GLOBAL wsrep_reject_queries=NONE")
        .expect("reject off");

    // A rolling upgrade half done: node3 comes back announcing another server version.
    let release = cluster
        .node(0)
        .sql("SELECT @@version")
        .expect("version")
        .trim()
        .split('-')
        .next()
        .unwrap_or_default()
        .to_string();
    cluster
        .begin_restart(2, &["--version=10.11.99-MariaDB-upgraded"], &env, false)
        .expect("node3 restarted");
    cluster
        .await_synced(2, Duration::from_secs(60))
        .expect("node3 back");
    let out = monitor(state, &nodes);
    out.assert(
        1,
        &format!("GALERA WARNING - rolling upgrade unfinished (server version): node3 runs 10.11.99, the others {release}"),
    );

    // A donor that turns clients away while it sends a full state transfer: node3 forgets its
    // position and rejoins by SST; its donor waits 10 s before sending.
    for i in 0..2 {
        cluster
            .node(i)
            .sql("SET GLOBAL wsrep_sst_donor_rejects_queries=ON")
            .expect("donor rejects queries");
    }
    cluster
        .begin_restart(2, &["--wsrep-sst-method=hastack_slow"], &env, true)
        .expect("node3 restarted for SST");
    let mut donor = None;
    wait_until("a donor", Duration::from_secs(30), || {
        donor = (0..2).find(|&i| {
            cluster
                .node(i)
                .status("wsrep_local_state_comment")
                .as_deref()
                == Some("Donor/Desynced")
        });
        donor.is_some()
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", cluster.node(2).error_log()));
    let donor_index = donor.expect("donor");
    let donor = cluster.node(donor_index);
    let out = monitor(state, &["-P", &donor.port.to_string()]);
    out.assert(
        1,
        &format!(
            "GALERA WARNING - {} ({}): Donor/Desynced: donating a state transfer, and rejecting client queries meanwhile (wsrep_sst_donor_rejects_queries=ON)",
            donor.name,
            donor.addr()
        ),
    );
    if let Err(e) = cluster.await_synced(2, Duration::from_secs(90)) {
        panic!(
            "node3 rejoined by SST: {e}\ndonor: {}",
            cluster.node(donor_index).error_log()
        );
    }
}
