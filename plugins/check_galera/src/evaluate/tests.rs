//! The whole evaluation table-tested on real captures of a 3-node cluster (`tests/fixtures`):
//! one node, the cluster, and what changed between two runs.

use hastack_common::history::{Baseline, Record};
use hastack_common::{Failure, Outcome, Peer, Report, State, Thresholds};

use super::{Criteria, Member, cluster, evaluate, node};
use crate::facts::{ClockSample, Facts, History, NodeFacts, NodeOutcome, record};
use crate::status::tests::fixture;
use crate::status::{LocalState, NodeStatus};

fn range(s: &str) -> Option<hastack_common::Range> {
    Some(s.parse().expect("range"))
}

/// A member built from a real capture. The captures come from two runs of the test cluster
/// (node1's from one, node2's and node3's healthy ones from another), so each gets the same
/// state UUID here, as members of one cluster have.
fn node(name: &str, port: u16, capture: &str) -> NodeOutcome {
    let mut status = fixture(capture);
    status.state_uuid = "bad12cf1-e826-11f1-88fb-2afecc59c6af".into();
    Outcome {
        peer: Peer::named(name, format!("127.0.0.1:{port}")),
        result: Ok(NodeFacts {
            status,
            clock: Some(ClockSample {
                offset: 0.0,
                round_trip: 0.0002,
            }),
        }),
    }
}

/// A member that gave no answer.
fn down(name: &str, port: u16, failure: Failure<crate::facts::GaleraFailure>) -> NodeOutcome {
    Outcome {
        peer: Peer::named(name, format!("127.0.0.1:{port}")),
        result: Err(failure),
    }
}

fn facts(cluster: bool, members: Vec<NodeOutcome>, baseline: Baseline, at: f64) -> Facts {
    Facts {
        cluster,
        members,
        read_at: at,
        history: History {
            baseline,
            unkept: None,
            asked: false,
        },
    }
}

/// One node on its own, without history.
fn node_report(outcome: NodeOutcome, criteria: &Criteria) -> Report {
    let facts = facts(false, vec![outcome], Baseline::None(String::new()), 0.0);
    let members = Member::all(&facts);
    node::evaluate_node(&members[0], criteria)
}

/// The members compared, without history.
fn cluster_report(members: &[NodeOutcome], criteria: &Criteria) -> Report {
    let facts = facts(true, members.to_vec(), Baseline::None(String::new()), 0.0);
    cluster::evaluate_cluster(&Member::all(&facts), criteria)
}

fn single(capture: &str, criteria: &Criteria) -> (State, String) {
    let outcome = Outcome {
        peer: Peer::at("127.0.0.1:3306"),
        ..node("unused", 3306, capture)
    };
    let report = node_report(outcome, criteria);
    (report.state(), report.render("GALERA", 0))
}

#[test]
fn single_node_table_over_real_captures() {
    let plain = Criteria::default();
    let donor_ok = Criteria {
        donor_ok: true,
        ..Criteria::default()
    };
    let sized = Criteria {
        size: Thresholds::new(range("3:"), range("2:")),
        ..Criteria::default()
    };
    let fc = Criteria {
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        recv_queue: Thresholds::new(range("10"), range("100")),
        ..Criteria::default()
    };
    let table: Vec<(&str, &Criteria, State, &str)> = vec![
        (
            "a0-healthy-node1",
            &plain,
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Synced, Primary, cluster size 3 |",
        ),
        (
            "a0-healthy-node2",
            &sized,
            State::Ok,
            "GALERA OK - node2 (127.0.0.1:3306): Synced, Primary, cluster size 3 |",
        ),
        (
            "a-one-killed-node1",
            &plain,
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Synced, Primary, cluster size 2 |",
        ),
        (
            "a-one-killed-node1",
            &sized,
            State::Warning,
            "GALERA WARNING - node1 (127.0.0.1:3306): cluster size 2 (outside 3:) |",
        ),
        (
            "b-two-killed-node1",
            &plain,
            State::Critical,
            "GALERA CRITICAL - node1 (127.0.0.1:3306): cluster status non-Primary, wsrep_ready=OFF, Initialized: not in a Primary component (quorum lost): it refuses queries |",
        ),
        (
            "b-two-killed-node1",
            &sized,
            State::Critical,
            "GALERA CRITICAL - node1 (127.0.0.1:3306): cluster status non-Primary",
        ),
        (
            "c-desync-node2",
            &plain,
            State::Warning,
            "GALERA WARNING - node2 (127.0.0.1:3306): Donor/Desynced: donating a state transfer or desynced",
        ),
        (
            "c-desync-node2",
            &donor_ok,
            State::Ok,
            "GALERA OK - node2 (127.0.0.1:3306): Donor/Desynced (accepted by --donor-ok), Primary, cluster size 3 |",
        ),
        (
            "c-desync-node1-peer",
            &plain,
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Synced",
        ),
        (
            "d-global-wsrep_on-OFF-node3",
            &plain,
            State::Critical,
            "GALERA CRITICAL - node3 (127.0.0.1:3306): wsrep_on=OFF globally: the node still reports Primary and ready, but its own writes are not replicated",
        ),
        (
            "e-ftwrl-node2",
            &fc,
            State::Warning,
            "GALERA WARNING - node2 (127.0.0.1:3306): Donor/Desynced: donating",
        ),
        (
            // The queue now, not its average since the start; flow control needs the
            // previous run (its since-start fraction is perfdata only).
            "e-locktables-node2-locked",
            &fc,
            State::Warning,
            "GALERA WARNING - node2 (127.0.0.1:3306): receive queue 29 (outside 10) |",
        ),
        (
            "e-locktables-node1-writer",
            &fc,
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Synced, Primary, cluster size 3 |",
        ),
        (
            "f-sst-in-progress-node1",
            &plain,
            State::Warning,
            "GALERA WARNING - node1 (127.0.0.1:3306): Donor/Desynced",
        ),
        (
            "f-sst-in-progress-node2",
            &plain,
            State::Ok,
            "GALERA OK - node2 (127.0.0.1:3306): Synced",
        ),
        (
            "h-plain-mariadb-no-galera",
            &plain,
            State::Critical,
            "GALERA CRITICAL - 127.0.0.1:3306: not a Galera cluster member (wsrep_cluster_status=Disconnected, no wsrep provider loaded, cluster size 0)",
        ),
    ];
    for (capture, criteria, state, prefix) in table {
        let (got_state, text) = single(capture, criteria);
        assert_eq!(got_state, state, "{capture}: {text}");
        assert!(
            text.starts_with(prefix),
            "{capture}:\n{text}\nexpected prefix:\n{prefix}"
        );
    }
}

#[test]
fn single_node_perfdata_is_exact() {
    let criteria = Criteria {
        size: Thresholds::new(range("3:"), range("2:")),
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        ..Criteria::default()
    };
    let report = node_report(node("node1", 3306, "a0-healthy-node1"), &criteria);
    let line = report.render("GALERA", 0);
    let perf = line.split(" | ").nth(1).expect("perfdata");
    assert_eq!(
        perf,
        "cluster_size=3;;;0 local_state=4;;;0;4 local_recv_queue=0;;;0 local_send_queue=0;;;0 flow_control_active=0;;;0;1 \
         flow_control_paused_since_start=0;;;0 local_recv_queue_avg_since_start=0.2;;;0 local_send_queue_avg_since_start=0.5;;;0 \
         local_cert_failures=0c local_bf_aborts=0c flow_control_sent=0c last_committed=3c"
    );
}

#[test]
fn unreachable_single_node_is_critical_with_the_cause() {
    let report = node_report(down("node2", 3307, Failure::Refused), &Criteria::default());
    assert_eq!(
        report.render("GALERA", 0),
        "GALERA CRITICAL - node2 (127.0.0.1:3307): connection refused"
    );
}

#[test]
fn healthy_cluster() {
    let members = [
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
        node("node3", 3308, "a0-healthy-node3"),
    ];
    let report = cluster_report(&members, &Criteria::default());
    let text = report.render("GALERA", 0);
    assert_eq!(report.state(), State::Ok, "{text}");
    assert!(text.starts_with("GALERA OK - 3 of 3 nodes Synced in one Primary component (size 3, conf_id 3), clock skew 0 us, last_committed spread 0 | cluster_size=3;;;0 nodes_reachable=3;;;0;3 last_committed_spread=0;;;0 clock_skew=0s;;;0 node1_local_state=4"), "{text}");
    assert!(text.contains("\n\\_ [OK] node2 (127.0.0.1:3307): Synced, Primary, size 3, conf_id 3, last_committed 3, clock 0 us"), "{text}");
}

#[test]
fn one_member_down_is_warning_while_the_majority_holds() {
    let members = [
        node("node1", 3306, "a-one-killed-node1"),
        node("node2", 3307, "a-one-killed-node2"),
        down("node3", 3308, Failure::Refused),
    ];
    let report = cluster_report(&members, &Criteria::default());
    let text = report.render("GALERA", 0);
    assert_eq!(report.state(), State::Warning, "{text}");
    assert!(
        text.starts_with("GALERA WARNING - node3 (127.0.0.1:3308): connection refused |"),
        "{text}"
    );
    assert!(
        text.contains("\n\\_ [WARNING] node3 (127.0.0.1:3308): connection refused"),
        "{text}"
    );
}

#[test]
fn two_members_down_is_critical() {
    let members = [
        node("node1", 3306, "b-two-killed-node1"),
        down("node2", 3307, Failure::Refused),
        down("node3", 3308, Failure::Refused),
    ];
    let report = cluster_report(&members, &Criteria::default());
    let text = report.render("GALERA", 0);
    assert_eq!(report.state(), State::Critical);
    let summary = text.lines().next().unwrap_or("");
    assert!(
        summary.contains("node2 (127.0.0.1:3307): connection refused"),
        "{summary}"
    );
    assert!(
        summary.contains("node1 (127.0.0.1:3306): cluster status non-Primary"),
        "{summary}"
    );
    assert!(
        summary.contains("no reachable node is in a Primary component"),
        "{summary}"
    );
    let hung = hastack_common::runtime::TimedOut {
        stage: "waiting to connect, for the MySQL handshake and login at 127.0.0.1:2".into(),
        after: std::time::Duration::from_millis(2700),
        state: State::Unknown,
    };
    let none = [
        down("node1", 1, Failure::Refused),
        down("node2", 2, Failure::NoAnswer(hung)),
    ];
    let out = cluster_report(&none, &Criteria::default()).render("G", 0);
    assert!(
        out.starts_with("G CRITICAL - none of the 2 nodes answered / node1 (127.0.0.1:1): connection refused / node2 (127.0.0.1:2): no answer within 2.7 s while waiting to connect, for the MySQL handshake and login at 127.0.0.1:2 |"),
        "{out}"
    );
}

#[test]
fn expected_size_decides_the_majority() {
    // Two nodes listed, both fine, but five expected: the component of 3 holds a majority of 5.
    let members = [
        node("node1", 3306, "a0-healthy-node1"),
        down("node4", 3309, Failure::Refused),
    ];
    let criteria = Criteria {
        expected_size: Some(5),
        ..Criteria::default()
    };
    assert_eq!(cluster_report(&members, &criteria).state(), State::Warning);
    let criteria = Criteria {
        expected_size: Some(7),
        ..Criteria::default()
    };
    assert_eq!(cluster_report(&members, &criteria).state(), State::Critical);
}

#[test]
fn split_brain_and_conf_id_mismatch() {
    let mut other = node("node3", 3308, "a0-healthy-node3");
    if let Ok(f) = &mut other.result {
        f.status.state_uuid = "ffffffff-0000-0000-0000-000000000000".into();
    }
    let members = [
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
        other,
    ];
    let text = cluster_report(&members, &Criteria::default()).render("GALERA", 0);
    assert!(text.starts_with("GALERA CRITICAL - split brain: 2 Primary components with different state UUIDs: bad12cf1-e826-11f1-88fb-2afecc59c6af on node1, node2 vs ffffffff-0000-0000-0000-000000000000 on node3"), "{text}");

    let members = [
        node("node1", 3306, "a-one-killed-node1"),
        node("node2", 3307, "a0-healthy-node2"),
    ];
    let text = cluster_report(&members, &Criteria::default()).render("GALERA", 0);
    assert!(text.starts_with("GALERA CRITICAL - members disagree on the cluster configuration: conf_id 3 on node2 vs 4 on node1"), "{text}");
}

#[test]
fn wsrep_on_off_member_is_critical_and_left_out_of_the_component() {
    let members = [
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
        node("node3", 3308, "d-global-wsrep_on-OFF-node3"),
    ];
    let report = cluster_report(&members, &Criteria::default());
    let text = report.render("GALERA", 0);
    assert_eq!(report.state(), State::Critical);
    assert!(
        text.starts_with("GALERA CRITICAL - node3 (127.0.0.1:3308): wsrep_on=OFF globally"),
        "{text}"
    );
    assert!(text.contains("\\_ [CRITICAL] node3 (127.0.0.1:3308): no local state, Primary, size 3, conf_id 3, wsrep_on=OFF"), "{text}");
}

#[test]
fn clock_skew_names_the_two_nodes_furthest_apart() {
    let mut members = vec![
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
        node("node3", 3308, "a0-healthy-node3"),
    ];
    for (member, offset) in members.iter_mut().zip([0.25, -1900.5, 0.0]) {
        if let Ok(f) = &mut member.result {
            f.clock = Some(ClockSample {
                offset,
                round_trip: 0.001,
            });
        }
    }
    let criteria = Criteria {
        skew: Thresholds::new(range("1"), range("5")),
        ..Criteria::default()
    };
    let report = cluster_report(&members, &criteria);
    let text = report.render("GALERA", 0);
    assert!(
        text.starts_with(
            "GALERA CRITICAL - clock skew 1900.8 s between node1 and node2 (outside 5) |"
        ),
        "{text}"
    );
    assert!(text.contains(" clock_skew=1900.75s;1;5;0 "), "{text}");
}

#[test]
fn last_committed_lag() {
    let mut members = vec![
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
    ];
    if let Ok(f) = &mut members[1].result {
        f.status.last_committed = Some(503);
    }
    let criteria = Criteria {
        lag: Thresholds::new(range("100"), range("1000")),
        ..Criteria::default()
    };
    let text = cluster_report(&members, &criteria).render("GALERA", 0);
    assert!(
        text.starts_with(
            "GALERA WARNING - last_committed differs by 500 between node1 and node2 (outside 100) |"
        ),
        "{text}"
    );
    assert!(
        text.contains(" last_committed_spread=500;100;1000;0 "),
        "{text}"
    );
}

/// Fuzz finding (galera_status, crash-7a08807f): last_committed values a subtraction of
/// two i64 overflows on; the spread is the distance, whatever the values.
#[test]
fn last_committed_spread_of_any_values_is_the_distance() {
    let rows = "wsrep_last_committed\t8440000000377705147\nwsrep_cluster_status\tPrimary\nwsrep_provider_name\tG\n";
    let rows: std::collections::HashMap<String, String> = rows
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let found = NodeStatus::parse(&rows, &std::collections::HashMap::new()).expect("parse");
    let member = |name: &str, last_committed: i64| Outcome {
        peer: Peer::named(name, format!("127.0.0.1:{}", 3300 + name.len())),
        result: Ok(NodeFacts {
            status: NodeStatus {
                last_committed: Some(last_committed),
                ..found.clone()
            },
            clock: None,
        }),
    };
    let criteria = Criteria {
        lag: Thresholds::new(range("100"), range("1000")),
        ..Criteria::default()
    };
    for (low, high, spread) in [
        (
            -8440000000377705147,
            8440000000377705147,
            "16880000000755410294",
        ),
        (i64::MIN, i64::MAX, "18446744073709551615"),
    ] {
        let members = [member("node1", low), member("node22", high)];
        let text = cluster_report(&members, &criteria).render("GALERA", 0);
        assert!(
            text.starts_with(&format!("GALERA CRITICAL - last_committed differs by {spread} between node1 and node22 (outside 1000) |")),
            "{text}"
        );
        assert!(
            text.contains(&format!(" last_committed_spread={spread};100;1000;0 ")),
            "{text}"
        );
    }
}

/// A cluster size near u64::MAX (no server sends it, but a broken one might): doubling it
/// for the majority must not overflow.
#[test]
fn huge_cluster_sizes_do_not_overflow_the_majority() {
    let mut members = vec![
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
        down("node3", 3308, Failure::Refused),
    ];
    for member in &mut members {
        if let Ok(f) = &mut member.result {
            f.status.cluster_size = Some(u64::MAX);
        }
    }
    let criteria = Criteria {
        expected_size: Some(3),
        ..Criteria::default()
    };
    let text = cluster_report(&members, &criteria).render("GALERA", 0);
    assert!(
        text.starts_with(
            "GALERA WARNING - cluster size 18446744073709551615 is larger than --expected-size 3: a member joined that nobody planned / node3 (127.0.0.1:3308): connection refused |"
        ),
        "{text}"
    );
    assert!(
        text.contains(" cluster_size=18446744073709551615;;;0 "),
        "{text}"
    );
}

#[test]
fn cluster_size_thresholds_apply_to_the_primary_component() {
    let members = [
        node("node1", 3306, "a-one-killed-node1"),
        node("node2", 3307, "a-one-killed-node2"),
    ];
    let criteria = Criteria {
        size: Thresholds::new(range("3:"), range("2:")),
        ..Criteria::default()
    };
    let text = cluster_report(&members, &criteria).render("GALERA", 0);
    assert!(
        text.starts_with("GALERA WARNING - Primary component size 2 (outside 3:) |"),
        "{text}"
    );
}

/// A member whose counters are `counters` (uptime, paused ns, fc sent, last committed,
/// replicated, received), Synced, gcache 64 MiB.
fn counted(name: &str, port: u16, counters: [u64; 6]) -> NodeOutcome {
    let mut member = node(name, port, "a0-healthy-node1");
    if let Ok(f) = &mut member.result {
        let s = &mut f.status;
        s.uptime = Some(counters[0]);
        s.flow_control_paused_ns = Some(counters[1]);
        s.flow_control_sent = Some(counters[2]);
        s.last_committed = Some(counters[3] as i64);
        s.replicated_bytes = Some(counters[4]);
        s.received_bytes = Some(counters[5]);
        s.cert_failures = Some(0);
        s.bf_aborts = Some(0);
        s.gcache_size = Some(64 << 20);
        s.cached_downto = Some(1);
        s.incoming_addresses = vec![];
    }
    member
}

/// The previous run's record of `members` at `at`.
fn earlier(members: &[NodeOutcome], at: f64) -> Baseline {
    Baseline::Found(Record {
        saved_at: at,
        values: record(members, at, &Baseline::None(String::new()), false),
    })
}

#[test]
fn flow_control_is_judged_over_the_interval_not_since_the_start() {
    let criteria = Criteria {
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        ..Criteria::default()
    };
    // Paused 30 of the last 60 s; since the start (months) the average reads tiny.
    let before = [counted(
        "node1",
        3306,
        [1_000_000, 1_000_000_000, 0, 100, 0, 0],
    )];
    let mut now = counted(
        "node1",
        3306,
        [1_000_060, 31_000_000_000, 0, 160, 600_000, 0],
    );
    if let Ok(f) = &mut now.result {
        f.status.flow_control_paused = Some(0.0001);
    }
    let report = evaluate(
        &facts(false, vec![now], earlier(&before, 1000.0), 1060.0),
        &criteria,
    )
    .expect("report");
    let out = report.render("GALERA", 1);
    assert!(
        out.starts_with("GALERA WARNING - node1 (127.0.0.1:3306): paused by flow control 50% of the last 1 min (outside 0.1)"),
        "{out}"
    );
    for item in [
        " flow_control_paused=0.5;0.1;0.5;0;1 ",
        " commits_per_second=1;;;0 ",
        " replicated_bytes_per_second=10000;;;0 ",
        " flow_control_paused_since_start=0.0001;;;0 ",
    ] {
        assert!(out.contains(item), "{item}: {out}");
    }
    // gcache 64 MiB at 10000 B/s: about 112 min.
    assert!(out.contains("a member that leaves now can rejoin by IST for about 112 min (gcache 64 MiB at 9.8 KiB/s)"), "{out}");
    // No baseline (first run): not judged, said at -v.
    let first = evaluate(
        &facts(
            false,
            vec![counted("node1", 3306, [1, 1, 0, 1, 0, 0])],
            Baseline::None("no record of an earlier run yet".into()),
            1.0,
        ),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 1);
    assert!(first.starts_with("GALERA OK"), "{first}");
    assert!(
        first.contains("no baseline from an earlier run: no record of an earlier run yet"),
        "{first}"
    );
}

#[test]
fn a_restart_or_a_clock_gone_back_resets_the_baseline() {
    let criteria = Criteria {
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        ..Criteria::default()
    };
    let before = [counted(
        "node1",
        3306,
        [1_000_000, 50_000_000_000, 0, 100, 0, 0],
    )];
    let restarted = counted("node1", 3306, [30, 1_000_000_000, 0, 101, 0, 0]);
    let out = evaluate(
        &facts(
            false,
            vec![restarted.clone()],
            earlier(&before, 1000.0),
            1060.0,
        ),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 1);
    assert!(out.starts_with("GALERA OK"), "{out}");
    assert!(
        out.contains("node1: no rates this time: the server restarted since the previous run"),
        "{out}"
    );
    let back = evaluate(
        &facts(false, vec![restarted], earlier(&before, 1000.0), 900.0),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 1);
    assert!(
        back.contains("no rates this time: the clock went back since the previous run"),
        "{back}"
    );
}

#[test]
fn the_member_that_sends_flow_control_is_named() {
    let criteria = Criteria {
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        ..Criteria::default()
    };
    let before = [
        counted("node1", 3306, [1000, 0, 0, 100, 0, 0]),
        counted("node2", 3307, [1000, 0, 0, 100, 0, 0]),
    ];
    let now = vec![
        counted("node1", 3306, [1300, 120_000_000_000, 0, 400, 0, 0]),
        counted("node2", 3307, [1300, 120_000_000_000, 14, 400, 0, 0]),
    ];
    let out = evaluate(
        &facts(true, now, earlier(&before, 1000.0), 1300.0),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 0);
    assert!(
        out.contains(
            "GALERA WARNING - paused by flow control 40% of the last 5 min (outside 0.1): node2 sent 14 flow control messages, it is the slow node |"
        ),
        "{out}"
    );
    assert!(out.starts_with("GALERA WARNING - "), "{out}");
}

#[test]
fn the_ist_window_of_a_cluster_is_the_widest_donors() {
    let criteria = Criteria {
        ist_window: Thresholds::new(range("200:"), range("30:")),
        ..Criteria::default()
    };
    let before = [
        counted("node1", 3306, [1000, 0, 0, 100, 0, 0]),
        counted("node2", 3307, [1000, 0, 0, 100, 0, 0]),
    ];
    // 10000 B/s through each; node1 keeps 64 MiB (112 min), node2 16 MiB (28 min).
    let mut now = vec![
        counted("node1", 3306, [1060, 0, 0, 160, 600_000, 0]),
        counted("node2", 3307, [1060, 0, 0, 160, 0, 600_000]),
    ];
    if let Ok(f) = &mut now[1].result {
        f.status.gcache_size = Some(16 * 1024 * 1024);
    }
    let out = evaluate(
        &facts(true, now, earlier(&before, 1000.0), 1060.0),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 0);
    assert!(
        out.starts_with("GALERA WARNING - a member that leaves now can rejoin by IST for about 112 min (gcache 64 MiB at 9.8 KiB/s) (donor node1) (outside 200: minutes)"),
        "{out}"
    );
    for item in [
        " node1_ist_window_minutes=111.848;;;0 ",
        " node2_ist_window_minutes=27.962;;;0",
    ] {
        assert!(out.contains(item), "{item}: {out}");
    }
}

#[test]
fn a_member_that_left_is_named_and_one_beyond_the_gcache_needs_sst() {
    let criteria = Criteria::default();
    let gone = counted("node3", 3308, [1000, 0, 0, 50, 0, 0]);
    let before = [
        counted("node1", 3306, [1000, 0, 0, 100, 0, 0]),
        counted("node2", 3307, [1000, 0, 0, 100, 0, 0]),
        gone,
    ];
    // Discovered again without node3; the donors' gcaches start after its position.
    let mut now = vec![
        counted("node1", 3306, [1600, 0, 0, 900, 0, 0]),
        counted("node2", 3307, [1600, 0, 0, 900, 0, 0]),
    ];
    for m in &mut now {
        if let Ok(f) = &mut m.result {
            f.status.cached_downto = Some(500);
        }
    }
    let out = evaluate(
        &facts(true, now, earlier(&before, 1000.0), 1600.0),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 0);
    assert!(out.contains("127.0.0.1:3308 left the cluster: last seen 10 min ago (--forget after a planned removal)"), "{out}");
    assert!(out.contains("127.0.0.1:3308 will need a full state transfer (SST) to rejoin: its last_committed 50 is older than every donor's gcache (from 500)"), "{out}");
    // --forget: the record is set aside, nothing is said.
    let forgotten = Baseline::None("--forget: the previous run's record is set aside".into());
    let out = evaluate(
        &facts(
            true,
            vec![counted("node1", 3306, [1, 0, 0, 1, 0, 0])],
            forgotten,
            1600.0,
        ),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 0);
    assert!(!out.contains("left the cluster"), "{out}");
}

#[test]
fn a_record_that_cannot_be_kept_warns_only_when_history_was_asked_for() {
    let criteria = Criteria::default();
    let mut f = facts(
        false,
        vec![counted("node1", 3306, [1, 0, 0, 1, 0, 0])],
        Baseline::None("x".into()),
        1.0,
    );
    f.history.unkept = Some("cannot write in /sys: permission denied".into());
    let quiet = evaluate(&f, &criteria).expect("report");
    assert_eq!(quiet.state(), State::Ok);
    f.history.asked = true;
    let out = evaluate(&f, &criteria).expect("report").render("GALERA", 0);
    assert!(out.starts_with("GALERA WARNING - node1 (127.0.0.1:3306): no history kept for the next run: cannot write in /sys: permission denied"), "{out}");
}

#[test]
fn whether_clients_can_use_the_node() {
    let with = |f: fn(&mut NodeStatus)| {
        let mut m = node("node1", 3306, "a0-healthy-node1");
        if let Ok(facts) = &mut m.result {
            f(&mut facts.status);
        }
        m
    };
    let plain = Criteria::default();
    let table: [(NodeOutcome, Criteria, State, &str); 9] = [
        (
            with(|s| s.reject_queries = Some("ALL".into())),
            Criteria::default(),
            State::Critical,
            "GALERA CRITICAL - node1 (127.0.0.1:3306): rejects client queries (wsrep_reject_queries=ALL)",
        ),
        (
            with(|s| s.reject_queries = Some("ALL_KILL".into())),
            Criteria::default(),
            State::Critical,
            "GALERA CRITICAL - node1 (127.0.0.1:3306): rejects client queries (wsrep_reject_queries=ALL_KILL)",
        ),
        (
            with(|s| s.reject_queries = Some("NONE".into())),
            Criteria::default(),
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Synced",
        ),
        // MySQL's and Percona XtraDB Cluster's super_read_only (MariaDB has none).
        (
            with(|s| s.super_read_only = Some(true)),
            Criteria::default(),
            State::Warning,
            "GALERA WARNING - node1 (127.0.0.1:3306): super_read_only=ON: clients cannot write here (--read-only-ok accepts this)",
        ),
        (
            with(|s| s.read_only = Some(true)),
            Criteria::default(),
            State::Warning,
            "GALERA WARNING - node1 (127.0.0.1:3306): read_only=ON: clients cannot write here (--read-only-ok accepts this)",
        ),
        (
            with(|s| s.read_only = Some(true)),
            Criteria {
                read_only_ok: true,
                ..Criteria::default()
            },
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Synced",
        ),
        (
            with(|s| {
                s.desync = Some(true);
                s.local_state = Some(LocalState::DonorDesynced);
                s.local_state_comment = Some("Donor/Desynced".into());
            }),
            Criteria::default(),
            State::Warning,
            "GALERA WARNING - node1 (127.0.0.1:3306): desynced on purpose (wsrep_desync=ON: a backup?)",
        ),
        (
            with(|s| {
                s.desync = Some(true);
                s.local_state = Some(LocalState::DonorDesynced);
                s.local_state_comment = Some("Donor/Desynced".into());
            }),
            Criteria {
                desync_ok: true,
                ..Criteria::default()
            },
            State::Ok,
            "GALERA OK - node1 (127.0.0.1:3306): Donor/Desynced (wsrep_desync=ON, accepted by --desync-ok), Primary",
        ),
        (
            with(|s| {
                s.local_state = Some(LocalState::DonorDesynced);
                s.local_state_comment = Some("Donor/Desynced".into());
                s.donor_rejects_queries = Some(true);
            }),
            Criteria {
                donor_ok: true,
                ..Criteria::default()
            },
            State::Warning,
            "GALERA WARNING - node1 (127.0.0.1:3306): Donor/Desynced: donating a state transfer, and rejecting client queries meanwhile (wsrep_sst_donor_rejects_queries=ON)",
        ),
    ];
    for (member, criteria, state, line) in table {
        let report = node_report(member, &criteria);
        let out = report.render("GALERA", 0);
        assert_eq!(report.state(), state, "{out}");
        assert!(out.starts_with(line), "{out}");
    }
    let _ = plain;
}

#[test]
fn versions_that_differ_and_a_cluster_larger_than_expected() {
    let mut members = vec![
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
        node("node3", 3308, "a0-healthy-node3"),
    ];
    for (i, m) in members.iter_mut().enumerate() {
        if let Ok(f) = &mut m.result {
            f.status.provider_version = Some(match i {
                2 => "26.4.14(r1)".into(),
                _ => "26.4.16(r2)".into(),
            });
            f.status.cluster_size = Some(4);
        }
    }
    let criteria = Criteria {
        expected_size: Some(3),
        ..Criteria::default()
    };
    let out = cluster_report(&members, &criteria).render("GALERA", 0);
    assert!(
        out.contains(
            "cluster size 4 is larger than --expected-size 3: a member joined that nobody planned"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "rolling upgrade unfinished (provider version): node3 runs 26.4.14, the others 26.4.16"
        ),
        "{out}"
    );

    // Server versions: compared by release; what a build or a log appends is not a version.
    let table = [
        (
            [
                "10.11.19-MariaDB-0+deb12u1",
                "10.11.19-MariaDB-0+deb12u1-log",
                "10.11.19-MariaDB-0+deb12u1",
            ],
            None,
        ),
        (
            [
                "10.11.19-MariaDB-log",
                "10.11.19-MariaDB-0+deb12u1",
                "10.11.19-MariaDB",
            ],
            None,
        ),
        (
            [
                "10.11.19-MariaDB",
                "10.11.19-MariaDB",
                "10.11.20-MariaDB-log",
            ],
            Some(
                "rolling upgrade unfinished (server version): node3 runs 10.11.20, the others 10.11.19",
            ),
        ),
    ];
    for (versions, finding) in table {
        let mut members = vec![
            node("node1", 3306, "a0-healthy-node1"),
            node("node2", 3307, "a0-healthy-node2"),
            node("node3", 3308, "a0-healthy-node3"),
        ];
        for (m, version) in members.iter_mut().zip(versions) {
            if let Ok(f) = &mut m.result {
                f.status.version = Some(version.into());
            }
        }
        let report = cluster_report(&members, &Criteria::default());
        let out = report.render("GALERA", 0);
        match finding {
            Some(text) => {
                assert_eq!(report.state(), State::Warning, "{out}");
                assert!(out.contains(text), "{out}");
            }
            None => assert!(!out.contains("rolling upgrade"), "{versions:?}: {out}"),
        }
    }
}

/// Per-member perfdata labels are `{member}_{metric}` and never shared: three members named
/// alike get three sets; a member without a given name is named by its wsrep_node_name, and
/// the rates of the interval carry the same label as the member's other metrics.
#[test]
fn every_member_has_labels_of_its_own() {
    let named_alike = [
        node("db", 3306, "a0-healthy-node1"),
        node("db", 3307, "a0-healthy-node2"),
        node("db", 3308, "a0-healthy-node3"),
    ];
    let out = cluster_report(&named_alike, &Criteria::default()).render("GALERA", 0);
    for label in [
        " db_local_state=4",
        " db_2_local_state=4",
        " db_3_local_state=4",
    ] {
        assert!(out.contains(label), "{label}: {out}");
    }
    assert!(
        out.contains("\n\\_ [OK] db (127.0.0.1:3307): Synced"),
        "{out}"
    );
    // Unnamed: wsrep_node_name, else the endpoint (a server that is no member has no name).
    let mut plain = Outcome {
        peer: Peer::at("127.0.0.1:3309"),
        ..node("unused", 3309, "h-plain-mariadb-no-galera")
    };
    if let Ok(f) = &mut plain.result {
        f.status.node_name = Some("debian".into());
    }
    let unnamed = [
        Outcome {
            peer: Peer::at("127.0.0.1:3306"),
            ..node("unused", 3306, "a0-healthy-node1")
        },
        plain,
    ];
    let out = cluster_report(&unnamed, &Criteria::default()).render("GALERA", 0);
    assert!(out.contains(" node1_local_state=4"), "{out}");
    assert!(
        out.contains("\n\\_ [OK] node1 (127.0.0.1:3306): Synced"),
        "{out}"
    );
    assert!(
        out.contains("127.0.0.1:3309: not a Galera cluster member"),
        "{out}"
    );
    let criteria = Criteria {
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        ..Criteria::default()
    };
    let before = [
        counted("db", 3306, [1000, 0, 0, 100, 0, 0]),
        counted("db", 3307, [1000, 0, 0, 100, 0, 0]),
    ];
    let now = vec![
        counted("db", 3306, [1060, 0, 0, 160, 0, 0]),
        counted("db", 3307, [1060, 30_000_000_000, 2, 160, 0, 0]),
    ];
    let out = evaluate(
        &facts(true, now, earlier(&before, 1000.0), 1060.0),
        &criteria,
    )
    .expect("report")
    .render("GALERA", 0);
    for item in [
        " db_flow_control_paused=0;0.1;0.5;0;1 ",
        " db_2_flow_control_paused=0.5;0.1;0.5;0;1 ",
        " db_2_local_state=4;;;0;4 ",
    ] {
        assert!(out.contains(item), "{item}: {out}");
    }
    assert!(
        out.starts_with("GALERA WARNING - paused by flow control 50% of the last 1 min (outside 0.1): db sent 2 flow control messages, it is the slow node |"),
        "{out}"
    );
}

/// Times in the output are said as units says them: the clock of a member at -vv and in its
/// line, in the summary, and rates in bytes.
#[test]
fn measured_times_and_sizes_read_one_way() {
    let mut one = node("node1", 3306, "a0-healthy-node1");
    if let Ok(f) = &mut one.result {
        f.clock = Some(ClockSample {
            offset: 1.25,
            round_trip: 0.001,
        });
    }
    let out = node_report(one, &Criteria::default()).render("GALERA", 2);
    assert!(
        out.ends_with("\n\\_ [OK] clock offset +1.250 s (round trip 1.0 ms)"),
        "{out}"
    );
    let mut members = vec![
        node("node1", 3306, "a0-healthy-node1"),
        node("node2", 3307, "a0-healthy-node2"),
    ];
    for (member, offset) in members.iter_mut().zip([0.0042, -0.0005]) {
        if let Ok(f) = &mut member.result {
            f.clock = Some(ClockSample {
                offset,
                round_trip: 0.001,
            });
        }
    }
    let out = cluster_report(&members, &Criteria::default()).render("GALERA", 0);
    assert!(
        out.starts_with("GALERA OK - 2 of 2 nodes Synced in one Primary component (size 3, conf_id 3), clock skew 4.7 ms, last_committed spread 0 | "),
        "{out}"
    );
    assert!(out.contains(" clock_skew=0.0047s;;;0 "), "{out}");
    assert!(out.contains(", last_committed 3, clock +4.2 ms\n"), "{out}");
    assert!(out.ends_with(", last_committed 3, clock -500 us"), "{out}");
    // Slow writes: rates under a KiB are whole bytes.
    let before = [counted("node1", 3306, [1000, 0, 0, 100, 0, 0])];
    let now = vec![counted("node1", 3306, [1060, 0, 0, 101, 30_000, 0])];
    let out = evaluate(
        &facts(false, now, earlier(&before, 1000.0), 1060.0),
        &Criteria::default(),
    )
    .expect("report")
    .render("GALERA", 1);
    assert!(
        out.contains("\n\\_ [OK] node1: in the last 1 min: 0.017 commits/s, 500 bytes/s written, paused 0% by flow control, 0 flow control messages sent"),
        "{out}"
    );
    assert!(
        out.contains("rejoin by IST for about 37.3 h (gcache 64 MiB at 500 bytes/s)"),
        "{out}"
    );
}
