//! Whole-evaluate table tests: the facts of real runs and the report check_clock_skew makes of them.

use super::*;
use crate::candm::{Source, SourceState, Tracking};
use crate::facts::{ChronyProblem, ChronyView, LocalClock, Measurement, NtpRefusal};
use hastack_common::{Failure, Outcome, Peer, Range};

#[test]
fn jitter_is_the_rms_around_the_chosen_sample() {
    let m = Measurement {
        offset: 1.0,
        delay: 0.0,
        stratum: 1,
        leap: 0,
        root_delay: 0.0,
        root_dispersion: 0.0,
        reference_age: None,
        sample_offsets: vec![1.0, 1.00003, 0.99996],
        answered: 3,
        requested: 3,
    };
    let jitter = m.jitter().expect("jitter");
    assert!((jitter - 0.0000353553).abs() < 1e-9, "{jitter}");
    let one = Measurement {
        sample_offsets: vec![1.0],
        ..m
    };
    assert_eq!(one.jitter(), None);
}

type ServerOutcome = Outcome<Measurement, NtpRefusal>;

/// The report for these servers and local clock.
fn run(servers: &[ServerOutcome], local: Option<&LocalClock>, criteria: &Criteria) -> Report {
    let facts = Facts {
        servers: servers.to_vec(),
        chrony: None,
        local: local.cloned().map(Ok),
    };
    evaluate(&facts, criteria).expect("a report")
}

/// A server as the output names it: its host alone on the default port, else `HOST:PORT`.
fn server(name: &str, _port: u16) -> Peer {
    Peer::at(name)
}

fn answered(name: &str, port: u16, offset: f64) -> ServerOutcome {
    Outcome {
        peer: server(name, port),
        result: Ok(Measurement {
            offset,
            delay: 0.00012,
            stratum: 8,
            leap: 0,
            root_delay: 0.0002,
            root_dispersion: 0.0001,
            reference_age: Some(20.0),
            sample_offsets: vec![offset, offset + 0.00003, offset - 0.00004],
            answered: 3,
            requested: 3,
        }),
    }
}

fn failed(name: &str, port: u16, failure: Failure<NtpRefusal>) -> ServerOutcome {
    Outcome {
        peer: server(name, port),
        result: Err(failure),
    }
}

fn r(text: &str) -> Option<Range> {
    Some(text.parse().expect("range"))
}

fn criteria(offset: (&str, &str)) -> Criteria {
    let t = |text: &str| if text.is_empty() { None } else { r(text) };
    Criteria {
        offset: Thresholds::new(t(offset.0), t(offset.1)),
        skew: Thresholds::new(r("0.5"), r("2")),
        jitter: Thresholds::new(r("0.1"), r("1")),
        stratum: Thresholds::default(),
        root_distance: Thresholds::default(),
        delay: Thresholds::default(),
        stale: Thresholds::warning_above(Some(3600.0)),
        maxerror: Thresholds::new(r("1"), r("5")),
        unsynced_state: State::Critical,
        usable_sources: Thresholds::new(r("1:"), None),
        chrony_offset: Thresholds::new(r("0.5"), r("2")),
    }
}

#[test]
fn one_server_judged_on_its_absolute_offset() {
    // (offset, -w, -c, state, summary)
    let table = [
        (
            0.000012,
            "0.5",
            "2",
            State::Ok,
            "CLOCK SKEW OK - offset +12 us against ntp1 (stratum 8, delay 120 us)",
        ),
        (
            1900.000021,
            "0.5",
            "2",
            State::Critical,
            "CLOCK SKEW CRITICAL - offset +1900.0 s against ntp1 (outside 2)",
        ),
        (
            -3.0,
            "1",
            "5",
            State::Warning,
            "CLOCK SKEW WARNING - offset -3.000 s against ntp1 (outside 1)",
        ),
        (
            -0.0047,
            "0.001",
            "",
            State::Warning,
            "CLOCK SKEW WARNING - offset -4.7 ms against ntp1 (outside 0.001)",
        ),
    ];
    for (offset, w, c, state, line) in table {
        let report = run(&[answered("ntp1", 123, offset)], None, &criteria((w, c)));
        assert_eq!(report.state(), state, "{offset}");
        let out = report.render("CLOCK SKEW", 0);
        assert_eq!(out.split(" | ").next(), Some(line));
    }
    let report = run(
        &[answered("ntp1", 123, 1900.000021)],
        None,
        &criteria(("0.5", "2")),
    );
    let out = report.render("CLOCK SKEW", 0);
    assert!(
        out.contains("| offset=1900.000021s;0.5;2 delay=0.00012s;;;0 stratum=8;;;0;16 root_distance=0.0002s;;;0 jitter=0.000035s;0.1;1;0"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "\\_ [CRITICAL] ntp1: offset +1900.0 s, delay 120 us, stratum 8, jitter 35 us, root distance 200 us, reference 20.000 s old"
        ),
        "{out}"
    );
}

#[test]
fn skew_names_the_two_servers_furthest_apart() {
    let servers = [
        answered("127.0.0.1:1001", 1001, 0.00001),
        answered("127.0.0.1:1002", 1002, 1900.0),
        answered("127.0.0.1:1003", 1003, -3.0),
    ];
    let report = run(&servers, None, &criteria(("", "")));
    assert_eq!(report.state(), State::Critical);
    let out = report.render("CLOCK SKEW", 0);
    assert!(
        out.starts_with("CLOCK SKEW CRITICAL - clocks of 127.0.0.1:1002 and 127.0.0.1:1003 differ by 1903.0 s (127.0.0.1:1002 ahead, outside 2) | "),
        "{out}"
    );
    // Per-server labels: `{server}_{metric}`, label-safe without quotes.
    assert!(out.contains(" 127.0.0.1_1002_offset=1900s "), "{out}");
    assert!(
        out.contains(" 127.0.0.1_1003_jitter=0.000035s;0.1;1;0 "),
        "{out}"
    );
    // The aggregate first: the skew leads the perfdata and the long output.
    assert!(out.contains("| skew=1903s;0.5;2;0 "), "{out}");
    assert_eq!(out.lines().count(), 5);
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l
                .starts_with("\\_ [CRITICAL] clocks of 127.0.0.1:1002 and 127.0.0.1:1003 differ")),
        "{out}"
    );
    // Offsets alone are not judged with several servers unless asked.
    let servers = [answered("a", 1, 5.0), answered("b", 2, 5.0001)];
    let out = run(&servers, None, &criteria(("", ""))).render("CLOCK SKEW", 0);
    assert!(
        out.starts_with("CLOCK SKEW OK - clocks of 2 servers agree within 100 us | "),
        "{out}"
    );
    let out = run(&servers, None, &criteria(("1", ""))).render("CLOCK SKEW", 0);
    assert!(
        out.starts_with(
            "CLOCK SKEW WARNING - offset +5.000 s against a (outside 1) / offset +5.000 s against b"
        ),
        "{out}"
    );
}

#[test]
fn failures_are_named_per_server() {
    let share = hastack_common::runtime::TimedOut {
        stage: "waiting for NTP answers".into(),
        after: std::time::Duration::from_millis(2700),
        state: State::Unknown,
    };
    let table = [
        (
            Failure::NoAnswer(share),
            State::Critical,
            "s9: no answer within 2.7 s while waiting for NTP answers",
        ),
        (Failure::Refused, State::Critical, "s9: connection refused"),
        (
            Failure::Io("address not available".into()),
            State::Critical,
            "s9: address not available",
        ),
        (
            Failure::Specific(NtpRefusal::NotSynchronised("leap indicator 3".into())),
            State::Critical,
            "s9 is not synchronised itself (leap indicator 3): its time cannot be trusted",
        ),
        (
            Failure::Specific(NtpRefusal::KissOfDeath("RATE".into())),
            State::Critical,
            "s9 sent kiss-o'-death RATE: rate limit exceeded, this host asks too often",
        ),
        (
            Failure::Specific(NtpRefusal::KissOfDeath("DENY".into())),
            State::Critical,
            "s9 sent kiss-o'-death DENY: access denied by the server",
        ),
        (
            Failure::Specific(NtpRefusal::KissOfDeath("RSTR".into())),
            State::Critical,
            "s9 sent kiss-o'-death RSTR: access restricted by the server",
        ),
        (
            Failure::Specific(NtpRefusal::KissOfDeath("XYZW".into())),
            State::Critical,
            "s9 sent kiss-o'-death XYZW: the server refuses to serve time",
        ),
        (
            Failure::Resolve("no address found".into()),
            State::Unknown,
            "cannot resolve s9: no address found",
        ),
        (
            Failure::Malformed("not a server-mode packet".into()),
            State::Critical,
            "s9: malformed answer: not a server-mode packet",
        ),
    ];
    for (failure, state, text) in table {
        let servers = [answered("s1", 1, 0.0), failed("s9", 9, failure)];
        let report = run(&servers, None, &criteria(("", "")));
        assert_eq!(report.state(), state, "{text}");
        assert_eq!(report.summary(), text);
        // No skew from one answer.
        assert!(!report.render("X", 0).contains("skew="));
    }
}

#[test]
fn local_clock() {
    // The kernel's state as a real chronyd 4.3 left it, read with adjtimex(2) (through
    // Perl's syscall, as test support's `kernel` does) on a Debian 12 machine while that
    // chronyd (without -x) followed a second chronyd on loopback:
    // - without `rtcsync`: status 0x40 (STA_UNSYNC set), maxerror 2 us, esterror 0;
    // - with `rtcsync`: status 0, maxerror 4 us, esterror 1 us;
    // - 1 s after it stopped: maxerror 502-503 us, the flag as it was; the kernel adds
    //   500 us a second, so an hour after: 1.8 s, three hours after: 5.4 s;
    // - never disciplined (NTP disabled): status 0x40, maxerror and esterror 16 s (the cap).
    // To read them again (as root, on a machine whose clock may be disciplined): a chronyd
    // with `local stratum 8` on a free port, a second one `-d -f` with `server 127.0.0.1
    // port PORT iburst` (and `rtcsync` or not), then `hastack_test_support::harness::kernel::read()`
    // while it runs and after `kill` of its PID.
    let clock = |unsynchronised, maxerror, esterror| LocalClock {
        unsynchronised,
        maxerror,
        esterror,
    };
    let table = [
        (
            clock(true, 0.000002, 0.0),
            State::Ok,
            "CLOCK SKEW OK - local clock synchronised (maximum error 2 us, estimated error 0 us) | maxerror=0.000002s;1;5;0 esterror=0s;;;0",
            Some(
                "\\_ [OK] local clock: maximum error 2 us, estimated error 0 us, kernel flag STA_UNSYNC set (chrony clears it only with rtcsync)",
            ),
        ),
        (
            clock(false, 0.000004, 0.000001),
            State::Ok,
            "CLOCK SKEW OK - local clock synchronised (maximum error 4 us, estimated error 1 us) |",
            None,
        ),
        (
            clock(true, 0.000503, 0.0),
            State::Ok,
            "CLOCK SKEW OK - local clock synchronised (maximum error 503 us, estimated error 0 us) |",
            None,
        ),
        (
            clock(true, 0.000002 + 3600.0 * 0.0005, 0.0),
            State::Warning,
            "CLOCK SKEW WARNING - local clock's maximum error 1.800 s (outside 1): is the NTP daemon still updating it? |",
            None,
        ),
        (
            clock(false, 0.000004 + 3.0 * 3600.0 * 0.0005, 0.0),
            State::Critical,
            "CLOCK SKEW CRITICAL - local clock's maximum error 5.400 s (outside 5): is the NTP daemon still updating it? |",
            None,
        ),
        (
            clock(true, 16.0, 16.0),
            State::Critical,
            "CLOCK SKEW CRITICAL - local clock not synchronised: no NTP daemon disciplines it (maximum error 16 s, NTP disabled?) | maxerror=16s;1;5;0 esterror=16s;;;0",
            None,
        ),
    ];
    for (local, state, line, detail) in table {
        let report = run(&[], Some(&local), &criteria(("", "")));
        let out = report.render("CLOCK SKEW", 0);
        assert_eq!(report.state(), state, "{local:?}");
        assert!(out.starts_with(line), "{out}");
        if let Some(detail) = detail {
            assert!(out.contains(detail), "{out}");
        }
    }
    let mut warn = criteria(("", ""));
    warn.unsynced_state = State::Warning;
    assert_eq!(
        run(&[], Some(&clock(true, 16.0, 16.0)), &warn).state(),
        State::Warning
    );
    let out = run(
        &[answered("ntp1", 123, 0.0)],
        Some(&clock(false, 0.0125, 0.000002)),
        &criteria(("0.5", "2")),
    )
    .render("CLOCK SKEW", 0);
    assert!(out.starts_with("CLOCK SKEW OK - offset 0 us against ntp1 (stratum 8, delay 120 us) / local clock synchronised (maximum error 12.5 ms, estimated error 2 us) |"), "{out}");
}

#[test]
fn the_tests_expectations_follow_this_judgement() {
    // Test support's expectation for each kernel state a host may be in is what the
    // end-to-end tests assert against the real kernel: it must be this code's verdict.
    for (name, kernel) in hastack_test_support::harness::kernel::STATES {
        let local = LocalClock {
            unsynchronised: kernel.unsynchronised(),
            maxerror: kernel.maxerror_us as f64 / 1e6,
            esterror: kernel.esterror_us as f64 / 1e6,
        };
        let report = run(&[], Some(&local), &criteria(("", "")));
        let out = report.render("CLOCK SKEW", 0);
        let (code, line) = kernel.expected_verdict();
        assert_eq!(i32::from(report.state().exit_code()), code, "{name}: {out}");
        assert!(out.starts_with(line), "{name}: {out}");
        assert_eq!(
            out.contains("kernel flag STA_UNSYNC set"),
            kernel.says_unsync_flag(),
            "{name}: {out}"
        );
    }
}

#[test]
fn server_quality_is_judged_when_asked() {
    let with = |f: fn(&mut Measurement)| {
        let mut outcome = answered("ntp1", 123, 0.0);
        if let Ok(m) = &mut outcome.result {
            m.stratum = 2;
            f(m);
        }
        outcome
    };
    let mut strict = criteria(("", ""));
    strict.stratum = Thresholds::new(r("1:4"), r("1:8"));
    strict.root_distance = Thresholds::new(r("0.1"), r("1"));
    strict.delay = Thresholds::new(r("0.05"), r("0.5"));
    let table: [(ServerOutcome, State, &str); 6] = [
        (
            with(|m| m.sample_offsets = vec![0.0, 5000.0, 0.0, 5000.0]),
            State::Critical,
            "CLOCK SKEW CRITICAL - jitter 4082.5 s of ntp1 (outside 1)",
        ),
        (
            with(|m| m.stratum = 6),
            State::Warning,
            "CLOCK SKEW WARNING - stratum 6 of ntp1 (outside 1:4)",
        ),
        (
            with(|m| m.root_dispersion = 2.0),
            State::Critical,
            "CLOCK SKEW CRITICAL - root distance 2.000 s of ntp1 (outside 1)",
        ),
        (
            with(|m| m.delay = 0.6),
            State::Critical,
            "CLOCK SKEW CRITICAL - round trip 600.0 ms of ntp1 (outside 0.5)",
        ),
        (
            with(|m| m.reference_age = Some(7200.0)),
            State::Warning,
            "CLOCK SKEW WARNING - ntp1 last updated its clock 7200.0 s ago (its reference time, more than --stale 3600): has it lost its upstream?",
        ),
        (
            with(|m| m.reference_age = None),
            State::Ok,
            "CLOCK SKEW OK - offset 0 us against ntp1",
        ),
    ];
    for (outcome, state, line) in table {
        let report = run(std::slice::from_ref(&outcome), None, &strict);
        let out = report.render("CLOCK SKEW", 0);
        assert_eq!(report.state(), state, "{out}");
        assert!(out.starts_with(line), "{out}");
    }
}

#[test]
fn servers_named_alike_keep_labels_apart() {
    // `ntp1:1234` and `ntp1_1234` are one label once made safe: the second is told apart.
    let servers = [
        answered("ntp1:1234", 1234, 0.001),
        answered("ntp1_1234", 1235, 0.002),
    ];
    let out = run(&servers, None, &criteria(("", ""))).render("CLOCK SKEW", 0);
    assert!(out.contains(" ntp1_1234_offset=0.001s "), "{out}");
    assert!(out.contains(" ntp1_1234_2_offset=0.002s "), "{out}");
}

#[test]
fn the_aggregate_comes_first_whatever_the_number_of_servers() {
    let mut servers: Vec<ServerOutcome> = (0..100)
        .map(|i| failed(&format!("s{i}"), 1000 + i, Failure::Refused))
        .collect();
    servers.push(answered("a", 1, 0.0));
    servers.push(answered("b", 2, 5.0));
    let out = run(&servers, None, &criteria(("", ""))).render("CLOCK SKEW", 0);
    assert!(
        out.starts_with("CLOCK SKEW CRITICAL - clocks of b and a differ by 5.000 s"),
        "{out}"
    );
    assert!(out.contains(" | skew=5s;0.5;2;0 "), "{out}");
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.contains("clocks of b and a differ")),
        "{out}"
    );
}

type ChronyOutcome = Outcome<ChronyView, ChronyProblem>;

fn chronyd() -> Peer {
    Peer::named("chronyd", "127.0.0.1:323")
}

fn chrony_view(leap: u16, sources: Vec<(SourceState, u16)>) -> ChronyOutcome {
    Outcome {
        peer: chronyd(),
        result: Ok(ChronyView {
            tracking: Tracking {
                reference_id: 0x7f00_0001,
                reference_address: Some("127.0.0.1".parse().expect("ip")),
                stratum: 9,
                leap_status: leap,
                reference_time: 1000.0,
                current_correction: -0.0000007,
                last_offset: 0.00000004,
                rms_offset: 0.00000003,
                frequency_ppm: -0.019,
                residual_frequency_ppm: 0.003,
                skew_ppm: 0.118,
                root_delay: 0.0000052,
                root_dispersion: 0.0000013,
                last_update_interval: 64.0,
            },
            sources: sources
                .into_iter()
                .map(|(state, reachability)| Source {
                    address: Some("127.0.0.1".parse().expect("ip")),
                    reference_id: 0,
                    poll: 6,
                    stratum: 8,
                    state,
                    mode: 0,
                    flags: 0,
                    reachability,
                    since_sample: 3,
                    latest_offset: 0.0,
                    original_offset: 0.0,
                    latest_error: 0.000003,
                })
                .collect(),
            read_at: 1010.0,
        }),
    }
}

#[test]
fn chronyds_view_is_judged() {
    let facts = |chrony: ChronyOutcome| Facts {
        servers: Vec::new(),
        chrony: Some(chrony),
        local: None,
    };
    let mut judgement = criteria(("", ""));
    let table = [
        (
            chrony_view(0, vec![(SourceState::Selected, 0o377)]),
            State::Ok,
            "CLOCK SKEW OK - chronyd synchronised to 127.0.0.1 (stratum 9), system time 700 ns fast, 1 of 1 sources usable | chrony_offset=0.0000007s;0.5;2 ",
        ),
        (
            chrony_view(3, vec![(SourceState::NonSelectable, 0)]),
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd is not synchronised (leap status: Not synchronised) / chronyd reaches none of its 1 sources",
        ),
        (
            chrony_view(3, Vec::new()),
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd is not synchronised (leap status: Not synchronised) / chronyd has no time sources",
        ),
        (
            chrony_view(
                0,
                vec![
                    (SourceState::Selected, 0o377),
                    (SourceState::Falseticker, 0o377),
                ],
            ),
            State::Ok,
            "CLOCK SKEW OK - chronyd synchronised to 127.0.0.1 (stratum 9), system time 700 ns fast, 1 of 2 sources usable",
        ),
    ];
    for (view, state, line) in table {
        let report = evaluate(&facts(view), &judgement).expect("report");
        let out = report.render("CLOCK SKEW", 1);
        assert_eq!(report.state(), state, "{out}");
        assert!(out.starts_with(line), "{out}");
    }
    // The system time and the root distance against their thresholds.
    let with = |correction: f64, delay: f64, dispersion: f64| {
        let mut view = chrony_view(0, vec![(SourceState::Selected, 0o377)]);
        if let Ok(v) = &mut view.result {
            v.tracking.current_correction = correction;
            v.tracking.root_delay = delay;
            v.tracking.root_dispersion = dispersion;
        }
        view
    };
    let mut distance = criteria(("", ""));
    distance.root_distance = Thresholds::new(r("0.05"), r("0.5"));
    let table = [
        (
            with(-0.7, 0.0, 0.0),
            &judgement,
            State::Warning,
            "CLOCK SKEW WARNING - chronyd has the system time 700.0 ms fast (outside 0.5)",
        ),
        (
            with(2.5, 0.0, 0.0),
            &judgement,
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd has the system time 2.500 s slow (outside 2)",
        ),
        (
            with(0.0, 0.02, 0.06),
            &distance,
            State::Warning,
            "CLOCK SKEW WARNING - chronyd's root distance 70.0 ms (outside 0.05)",
        ),
        (
            with(0.0, 0.2, 0.5),
            &distance,
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd's root distance 600.0 ms (outside 0.5)",
        ),
    ];
    for (view, judgement, state, line) in table {
        let report = evaluate(&facts(view), judgement).expect("report");
        let out = report.render("CLOCK SKEW", 0);
        assert_eq!(report.state(), state, "{out}");
        assert!(out.starts_with(line), "{out}");
    }
    judgement.usable_sources = Thresholds::new(r("2:"), None);
    judgement.stale = Thresholds::warning_above(Some(5.0));
    let out = evaluate(
        &facts(chrony_view(
            0,
            vec![
                (SourceState::Selected, 0o377),
                (SourceState::Jittery, 0o377),
            ],
        )),
        &judgement,
    )
    .expect("report")
    .render("CLOCK SKEW", 1);
    assert!(
        out.starts_with("CLOCK SKEW WARNING - chronyd has 1 usable of 2 sources, fewer than --min-sources 2 / chronyd last updated the clock 10.000 s ago (more than --stale 5)"),
        "{out}"
    );
    assert!(
        out.contains("\\_ [OK] ^~ 127.0.0.1: stratum 8, poll 6, reach 377, last sample 3 s ago"),
        "{out}"
    );
    let share = hastack_common::runtime::TimedOut {
        stage: "waiting for chronyd's tracking report".into(),
        after: std::time::Duration::from_secs(9),
        state: State::Unknown,
    };
    let table = [
        (
            Failure::Refused,
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd (127.0.0.1:323): connection refused (not running? cmdport 0?)",
        ),
        (
            Failure::NoAnswer(share),
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd (127.0.0.1:323): no answer within 9 s while waiting for chronyd's tracking report (is it running, and is monitoring allowed from here: cmdallow?)",
        ),
        (
            Failure::Specific(ChronyProblem::Refusal("not authorised (status 2)".into())),
            State::Unknown,
            "CLOCK SKEW UNKNOWN - chronyd (127.0.0.1:323): not authorised (status 2)",
        ),
        (
            Failure::Malformed("a reply of 12 bytes".into()),
            State::Critical,
            "CLOCK SKEW CRITICAL - chronyd (127.0.0.1:323): malformed answer: a reply of 12 bytes",
        ),
    ];
    for (failure, state, line) in table {
        let failed = Outcome {
            peer: chronyd(),
            result: Err(failure),
        };
        let report = evaluate(&facts(failed), &judgement).expect("report");
        let out = report.render("CLOCK SKEW", 0);
        assert_eq!(report.state(), state, "{out}");
        assert_eq!(out.lines().next(), Some(line), "{out}");
    }
}
