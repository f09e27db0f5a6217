//! Whole-evaluate table tests: the answers of real servers and the report made of them.

use super::*;
use crate::facts::{PlainView, QueryType, Question, Transport, WithoutEdns};
use hastack_common::{Failure, Outcome, Peer, Range, State};
use std::time::Duration;

fn server(port: u16) -> Peer {
    Peer::at(format!("127.0.0.1:{port}"))
}

fn a(ips: &[&str]) -> Vec<Instance> {
    ips.iter()
        .map(|ip| Instance {
            target: None,
            port: None,
            address: Some(ip.parse().expect("ip")),
        })
        .collect()
}

fn answer(rcode: Rcode, instances: Vec<Instance>) -> Answer {
    Answer {
        rcode,
        authoritative: true,
        recursion_available: false,
        transport: Transport::Udp,
        declined: false,
        without_edns: WithoutEdns::NotAsked,
        instances,
        time: Duration::from_micros(420),
    }
}

fn outcome(port: u16, main: Result<Answer, Failure>) -> ServerAnswers {
    ServerAnswers {
        main: Outcome {
            peer: server(port),
            result: main,
        },
        also: Vec::new(),
    }
}

fn no_answer(millis: u64, stage: &str) -> Failure {
    Failure::NoAnswer(hastack_common::runtime::TimedOut {
        stage: stage.into(),
        after: Duration::from_millis(millis),
        state: State::Unknown,
    })
}

fn galeradb() -> Question {
    Question {
        name: "galeradb.service.consul.".into(),
        query_type: QueryType::A,
        service: Some("galeradb".into()),
    }
}

fn r(text: &str) -> Option<Range> {
    Some(text.parse().expect("range"))
}

fn first_line(outcomes: &[ServerAnswers], criteria: &Criteria) -> (State, String) {
    let facts = Facts {
        question: galeradb(),
        servers: outcomes.to_vec(),
    };
    let report = evaluate(&facts, criteria).expect("a report");
    let out = report.render("CONSUL DNS", 0);
    (
        report.state(),
        out.lines().next().unwrap_or_default().to_string(),
    )
}

const THREE: &[&str] = &["127.0.0.11", "127.0.0.12", "127.0.0.13"];

#[test]
fn outcomes_in_words() {
    let criteria = Criteria::default();
    let table: Vec<(Result<Answer, Failure>, State, &str)> = vec![
        (
            Ok(answer(Rcode::NoError, a(THREE))),
            State::Ok,
            "CONSUL DNS OK - 3 instances of galeradb from 127.0.0.1:8600 in 420 us: 127.0.0.11, 127.0.0.12, 127.0.0.13 | instances=3;;;0 time=0.00042s;;;0",
        ),
        (
            Ok(answer(Rcode::NxDomain, vec![])),
            State::Critical,
            "CONSUL DNS CRITICAL - no healthy instance of galeradb (127.0.0.1:8600: NXDOMAIN for galeradb.service.consul) | instances=0;;;0 time=0.00042s;;;0",
        ),
        (
            Ok(answer(Rcode::ServFail, vec![])),
            State::Critical,
            "CONSUL DNS CRITICAL - server failure (SERVFAIL) from 127.0.0.1:8600 for galeradb.service.consul (forwarder cannot reach Consul?) | instances=0;;;0 time=0.00042s;;;0",
        ),
        (
            Ok(answer(Rcode::Refused, vec![])),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600 refused the query for galeradb.service.consul (REFUSED) | instances=0;;;0 time=0.00042s;;;0",
        ),
        (
            Ok(answer(Rcode::NoError, vec![])),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600 has no A records for galeradb.service.consul (NODATA) | instances=0;;;0 time=0.00042s;;;0",
        ),
        (
            Ok(answer(Rcode::Other("Not Implemented".into()), vec![])),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600 answered Not Implemented for galeradb.service.consul | instances=0;;;0 time=0.00042s;;;0",
        ),
        (
            Err(no_answer(2700, "waiting for an answer")),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600: no answer within 2.7 s while waiting for an answer",
        ),
        (
            Err(no_answer(900, "waiting for an answer over TCP")),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600: no answer within 0.9 s while waiting for an answer over TCP",
        ),
        (
            Err(Failure::Refused),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600: connection refused (no DNS server listens there)",
        ),
        (
            Err(Failure::Malformed("an undecodable datagram (x)".into())),
            State::Critical,
            "CONSUL DNS CRITICAL - 127.0.0.1:8600: malformed answer: an undecodable datagram (x)",
        ),
    ];
    for (main, state, line) in table {
        let (got_state, got_line) = first_line(&[outcome(8600, main)], &criteria);
        assert_eq!((got_state, got_line.as_str()), (state, line));
    }
}

#[test]
fn counts_expectations_and_time() {
    let ok = || vec![outcome(8600, Ok(answer(Rcode::NoError, a(&THREE[..2]))))];
    let criteria = Criteria {
        instances: Thresholds::new(r("3:"), r("1:")),
        ..Criteria::default()
    };
    assert_eq!(
        first_line(&ok(), &criteria),
        (State::Warning, "CONSUL DNS WARNING - 127.0.0.1:8600 returned 2 instances of galeradb (outside 3:) | instances=2;;;0 time=0.00042s;;;0".to_string())
    );
    let criteria = Criteria {
        expected: vec![
            Expected {
                host: "127.0.0.11".into(),
                port: None,
            },
            Expected {
                host: "127.0.0.13".into(),
                port: None,
            },
        ],
        ..Criteria::default()
    };
    let (state, line) = first_line(&ok(), &criteria);
    assert_eq!(state, State::Critical);
    assert!(
        line.starts_with("CONSUL DNS CRITICAL - expected 127.0.0.13 missing from 127.0.0.1:8600 |"),
        "{line}"
    );
    let criteria = Criteria {
        expected: vec![Expected {
            host: "127.0.0.11".into(),
            port: None,
        }],
        exact: true,
        ..Criteria::default()
    };
    let (state, line) = first_line(&ok(), &criteria);
    assert_eq!(state, State::Warning);
    assert!(
        line.starts_with("CONSUL DNS WARNING - 127.0.0.1:8600 returned unexpected 127.0.0.12 |"),
        "{line}"
    );
    let criteria = Criteria {
        time: Thresholds::new(r("0.0001"), None),
        ..Criteria::default()
    };
    let (state, line) = first_line(&ok(), &criteria);
    assert_eq!(state, State::Warning);
    assert!(line.starts_with("CONSUL DNS WARNING - 127.0.0.1:8600 answered in 420 us (outside 0.0001) | instances=2;;;0 time=0.00042s;0.0001;;0"), "{line}");
}

#[test]
fn servers_that_disagree_are_named_with_the_difference() {
    let outcomes = [
        outcome(8600, Ok(answer(Rcode::NoError, a(THREE)))),
        outcome(53, Ok(answer(Rcode::NoError, a(&THREE[..2])))),
    ];
    let (state, line) = first_line(&outcomes, &Criteria::default());
    assert_eq!(state, State::Warning);
    assert_eq!(
        line,
        "CONSUL DNS WARNING - 127.0.0.1:53 returned 2 instances, 127.0.0.1:8600 returned 3, missing 127.0.0.13 | instances=2;;;0 127.0.0.1_8600_time=0.00042s;;;0 127.0.0.1_53_time=0.00042s;;;0"
    );
    let reversed = [
        outcome(53, Ok(answer(Rcode::NoError, a(&THREE[..2])))),
        outcome(8600, Ok(answer(Rcode::NoError, a(THREE)))),
    ];
    let (_, line) = first_line(&reversed, &Criteria::default());
    assert!(line.starts_with("CONSUL DNS WARNING - 127.0.0.1:53 returned 2 instances, 127.0.0.1:8600 returned 3, missing 127.0.0.13 |"), "{line}");
    let crossed = [
        outcome(53, Ok(answer(Rcode::NoError, a(&THREE[..2])))),
        outcome(8600, Ok(answer(Rcode::NoError, a(&THREE[1..])))),
    ];
    let (_, line) = first_line(&crossed, &Criteria::default());
    assert!(line.starts_with("CONSUL DNS WARNING - 127.0.0.1:8600 and 127.0.0.1:53 disagree: 127.0.0.1:8600 lacks 127.0.0.11 while 127.0.0.1:53 lacks 127.0.0.13 |"), "{line}");
    let agree = [
        outcome(8600, Ok(answer(Rcode::NoError, a(THREE)))),
        outcome(53, Ok(answer(Rcode::NoError, a(THREE)))),
    ];
    let (state, line) = first_line(&agree, &Criteria::default());
    assert_eq!(state, State::Ok);
    assert!(
        line.starts_with(
            "CONSUL DNS OK - 3 instances of galeradb the same from 2 servers: 127.0.0.11"
        ),
        "{line}"
    );
}

#[test]
fn names_outside_consul_must_resolve_everywhere() {
    let mut good = outcome(53, Ok(answer(Rcode::NoError, a(THREE))));
    good.also = vec![
        (
            "debian.org.".into(),
            Ok(answer(Rcode::NoError, a(&["127.0.0.80"]))),
        ),
        (
            "nowhere.example.".into(),
            Ok(answer(Rcode::ServFail, vec![])),
        ),
    ];
    let (state, line) = first_line(&[good], &Criteria::default());
    assert_eq!(state, State::Critical);
    assert!(line.starts_with("CONSUL DNS CRITICAL - 127.0.0.1:53 cannot resolve nowhere.example: SERVFAIL (server failure) |"), "{line}");
}

#[test]
fn an_srv_target_without_its_address_is_not_confirmed_rather_than_missing() {
    // A forwarder may pass SRV records on without the additional section: the targets are
    // there, their addresses are not, so an expected address can neither be found nor missed.
    let target = |node: &str, address: Option<&str>| Instance {
        target: Some(format!("{node}.node.dc1.consul.")),
        port: Some(3306),
        address: address.map(|a| a.parse().expect("ip")),
    };
    let expect = |host: &str| Expected {
        host: host.into(),
        port: Some(3306),
    };
    let srv = |instances: Vec<Instance>| {
        let mut answer = answer(Rcode::NoError, instances);
        answer.authoritative = false;
        answer.recursion_available = true;
        answer
    };
    let criteria = Criteria {
        expected: vec![expect("127.0.0.11"), expect("node2.node.dc1.consul.")],
        ..Criteria::default()
    };
    let bare = srv(vec![target("node1", None), target("node2", None)]);
    let (state, line) = first_line(&[outcome(53, Ok(bare))], &criteria);
    assert_eq!(state, State::Warning, "{line}");
    assert!(
        line.starts_with("CONSUL DNS WARNING - expected 127.0.0.11:3306 not confirmed by 127.0.0.1:53: its SRV answer names 2 targets without their addresses (no additional records) |"),
        "{line}"
    );
    // With the addresses there, an address not among them is missing, as before.
    let other = srv(vec![target("node2", Some("127.0.0.12"))]);
    let (state, line) = first_line(&[outcome(53, Ok(other))], &criteria);
    assert_eq!(state, State::Critical, "{line}");
    assert!(
        line.starts_with(
            "CONSUL DNS CRITICAL - expected 127.0.0.11:3306 missing from 127.0.0.1:53 |"
        ),
        "{line}"
    );
}

#[test]
fn srv_expectations_match_address_or_target() {
    let srv = |node: &str, ip: &str| Instance {
        target: Some(format!("{node}.node.dc1.consul.")),
        port: Some(3306),
        address: Some(ip.parse().expect("ip")),
    };
    let i = srv("node1", "127.0.0.11");
    assert!(
        Expected {
            host: "127.0.0.11".into(),
            port: Some(3306)
        }
        .matches(&i)
    );
    assert!(
        Expected {
            host: "127.0.0.11".into(),
            port: None
        }
        .matches(&i)
    );
    assert!(
        !Expected {
            host: "127.0.0.11".into(),
            port: Some(3307)
        }
        .matches(&i)
    );
    assert!(
        Expected {
            host: "node1.node.dc1.consul.".into(),
            port: Some(3306)
        }
        .matches(&i)
    );
    assert_eq!(
        Expected {
            host: "node1.node.dc1.consul.".into(),
            port: Some(3306)
        }
        .to_string(),
        "node1.node.dc1.consul:3306"
    );
}

#[test]
fn a_forwarder_short_of_the_agent_is_named_with_the_cause_when_the_agent_trims() {
    let agent = |transport| Answer {
        transport,
        ..answer(Rcode::NoError, a(&["10.0.0.1", "10.0.0.2", "10.0.0.3"]))
    };
    let forwarder = Answer {
        authoritative: false,
        recursion_available: true,
        ..answer(Rcode::NoError, a(&["10.0.0.2"]))
    };
    let cases = [
        (
            Transport::TcpAfterFullUdp,
            "CONSUL DNS WARNING - the forwarder 127.0.0.1:53 returns 1 of the agent 127.0.0.1:8600's 3 instances (Consul trims answers that do not fit the forwarder's EDNS buffer, 1232 bytes in BIND, without setting TC), missing 10.0.0.1, 10.0.0.3",
        ),
        (
            Transport::Udp,
            "CONSUL DNS WARNING - the forwarder 127.0.0.1:53 returns 1 of the agent 127.0.0.1:8600's 3 instances, missing 10.0.0.1, 10.0.0.3",
        ),
    ];
    for (transport, line) in cases {
        let outcomes = [
            outcome(53, Ok(forwarder.clone())),
            outcome(8600, Ok(agent(transport))),
        ];
        let (state, first) = first_line(&outcomes, &Criteria::default());
        assert_eq!(state, State::Warning);
        assert!(first.starts_with(line), "{first}");
    }
}

#[test]
fn what_clients_without_edns_get_is_information() {
    let full = |plain: WithoutEdns| Answer {
        without_edns: plain,
        ..answer(
            Rcode::NoError,
            a(&["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]),
        )
    };
    let view = |instances, truncated| {
        WithoutEdns::Answered(PlainView {
            instances,
            truncated,
        })
    };
    let fewer = "127.0.0.1:8600: clients without EDNS (glibc's default resolver) get 3 of 4";
    let lost = "127.0.0.1:8600: what clients without EDNS get is not known: asked without EDNS, no answer within 200.0 ms of the main answer";
    let refused = "127.0.0.1:8600: what clients without EDNS get is not known: asked without EDNS, 127.0.0.1:8600: connection refused (no DNS server listens there)";
    // (what the question without EDNS found, the line at -v0, the line at -v)
    let table = [
        (view(3, false), Some(fewer), Some(fewer)),
        // TC set: such a client asks again over TCP and gets all four.
        (view(3, true), None, None),
        (view(4, false), None, None),
        (WithoutEdns::NotAsked, None, None),
        (
            WithoutEdns::NoAnswer {
                grace: Duration::from_millis(200),
            },
            None,
            Some(lost),
        ),
        (WithoutEdns::Failed(Failure::Refused), None, Some(refused)),
    ];
    for (plain, quiet, verbose) in table {
        let facts = Facts {
            question: galeradb(),
            servers: vec![outcome(8600, Ok(full(plain.clone())))],
        };
        let report = evaluate(&facts, &Criteria::default()).expect("report");
        assert_eq!(report.state(), State::Ok);
        for (verbosity, line) in [(0, quiet), (1, verbose)] {
            let rendered = report.render("CONSUL DNS", verbosity);
            let found = rendered
                .lines()
                .find(|l| l.contains("EDNS"))
                .map(|l| l.trim_start_matches("\\_ [OK] "));
            assert_eq!(found, line, "{plain:?} at -v{verbosity}: {rendered}");
        }
    }
}
