//! What Galera nodes answer (`SHOW GLOBAL STATUS LIKE 'wsrep%'` rows, tab-separated as in the
//! test fixtures; a `--` line starts the global variables): any rows are facts or an error
//! naming the variable, never a panic; facts are judged for one node and for a cluster of
//! them, against no previous run and against a previous run of other numbers (counters that
//! went back, intervals of zero), and rendered within the output cap, whatever the numbers
//! (overflow-safe arithmetic).
#![no_main]

use std::collections::HashMap;

use check_galera::evaluate::{Criteria, evaluate};
use check_galera::facts::{
    ClockSample, Facts, GaleraFailure, History, NodeFacts, NodeOutcome, Step, record,
};
use check_galera::status::NodeStatus;
use hastack_common::history::{Baseline, Record};
use hastack_common::{Failure, Outcome, Peer, Range, State, Thresholds};
use libfuzzer_sys::fuzz_target;

fn rows(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (status, variables) = text.split_once("\n--\n").unwrap_or((&text, ""));
    let parsed = NodeStatus::parse(&rows(status), &rows(variables));
    let status = match parsed {
        Ok(status) => status,
        Err(why) => {
            assert!(why.starts_with("cannot read "), "{why}");
            return;
        }
    };
    let range = |t: &str| t.parse::<Range>().ok();
    let expected = data.first().map(|&b| u64::from(b % 9) + 1);
    let criteria = Criteria {
        size: Thresholds::new(range("3:"), range("2:")),
        expected_size: expected,
        donor_ok: data.len() % 2 == 0,
        desync_ok: data.len() % 3 == 0,
        read_only_ok: data.len() % 5 == 0,
        ist_window: Thresholds::new(range("60:"), range("10:")),
        flow_control: Thresholds::new(range("0.1"), range("0.5")),
        recv_queue: Thresholds::new(range("10"), range("@20:30")),
        send_queue: Thresholds::new(None, range("~:5")),
        lag: Thresholds::new(range("100"), range("1000")),
        skew: Thresholds::new(range("1"), range("5")),
    };
    let member = |name: &str, offset: f64| Outcome {
        peer: Peer::named(name, format!("127.0.0.1:{}", 3306 + name.len())),
        result: Ok(NodeFacts {
            status: status.clone(),
            clock: Some(ClockSample {
                offset,
                round_trip: 0.001,
            }),
        }),
    };
    let mut other = status.clone();
    other.last_committed = other.last_committed.map(|lc| lc.wrapping_neg());
    other.cluster_size = other.cluster_size.map(|s| s.wrapping_add(1));
    let members = [
        member("node1", 0.0),
        member("node2", -1e9),
        Outcome {
            peer: Peer::at("127.0.0.1:3309"),
            result: Ok(NodeFacts {
                status: other,
                clock: None,
            }),
        },
        Outcome {
            peer: Peer::named("node4", "127.0.0.1:3310"),
            result: Err(Failure::Refused),
        },
        // Named alike: labels of their own.
        Outcome {
            peer: Peer::named("node4", "127.0.0.1:3311"),
            result: Err(Failure::Specific(GaleraFailure::Server {
                code: 1045,
                message: "Access denied".to_string(),
                step: Step::Login,
            })),
        },
        member("node1", 1e-7),
    ];
    let mut before = status.clone();
    before.uptime = before.uptime.map(|u| u.wrapping_sub(60));
    before.flow_control_paused_ns = before.flow_control_paused_ns.map(|p| p.wrapping_mul(3));
    before.received_bytes = before.received_bytes.map(|b| b / 2);
    let earlier: Vec<NodeOutcome> = members
        .iter()
        .map(|m| {
            let mut m = m.clone();
            if let Ok(node) = m.result.as_mut() {
                node.status = before.clone();
            }
            m
        })
        .collect();
    let interval = f64::from(data.last().copied().unwrap_or(0)) - 8.0;
    let saved = record(&earlier, 1e9, &Baseline::None("first run".into()), false);
    let baselines = [
        Baseline::None("first run".into()),
        Baseline::Found(Record {
            saved_at: 1e9,
            values: saved,
        }),
    ];
    for (baseline, cluster) in baselines
        .iter()
        .flat_map(|b| [(b.clone(), false), (b.clone(), true)])
    {
        let facts = Facts {
            cluster,
            members: if cluster {
                members.to_vec()
            } else {
                members[..1].to_vec()
            },
            read_at: 1e9 + interval,
            history: History {
                baseline,
                unkept: None,
                asked: cluster,
            },
        };
        let Ok(report) = evaluate(&facts, &criteria) else {
            panic!("no report from facts without a timeout");
        };
        let output = report.render("GALERA", 3);
        let state: State = report.state();
        assert!(
            output.starts_with(&format!("GALERA {state} - ")),
            "{output}"
        );
        assert!(output.len() <= 8 * 1024, "output of {} bytes", output.len());
    }
});
