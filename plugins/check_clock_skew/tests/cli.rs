//! check_clock_skew as a user runs it: against real chronyd servers (one with a clock 1900 s
//! ahead, one 3 s behind, via libfaketime), a closed port, a UDP black hole, and the kernel's own
//! sync flag; bad options are one UNKNOWN line.

use std::time::Duration;

use check_clock_skew::facts::ChronyView;
use check_clock_skew::probe::{self, ChronyEndpoint};
use hastack_common::address::HostPort;
use hastack_test_support::harness::kernel;
use hastack_test_support::harness::output::masked;
use hastack_test_support::scripted::ntp::{Reply, ScriptedNtp};
use hastack_test_support::servers::chrony::{Chrony, NtpServer, Sync};
use hastack_test_support::{PluginRun, UdpBlackHole, assert_shared_cli_contract, free_udp_port};

const BIN: &str = env!("CARGO_BIN_EXE_check_clock_skew");

fn plugin() -> PluginRun {
    PluginRun::new(BIN).limit(Duration::from_secs(20))
}

fn server(offset: Option<&str>) -> NtpServer {
    let started = match offset {
        Some(offset) => NtpServer::start_shifted(offset),
        None => NtpServer::start(),
    };
    started.unwrap_or_else(|e| panic!("chronyd: {e}"))
}

#[test]
fn shared_cli_contract() {
    assert_shared_cli_contract(BIN, "CLOCK SKEW");
}

#[test]
fn a_correct_server_is_ok_with_its_offset_near_zero() {
    let good = server(None);
    let out = plugin().args(["-H", &good.addr()]).run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    assert!(
        out.summary_line()
            .contains(&format!("against {} (stratum 8, delay ", good.addr())),
        "{}",
        out.stdout
    );
    let offset = out.perf("offset");
    assert!(offset.number().abs() < 0.01, "{offset:?}");
    assert_eq!(
        (
            offset.uom.as_str(),
            offset.warn.as_str(),
            offset.crit.as_str()
        ),
        ("s", "0.5", "2")
    );
    assert_eq!(out.perf("stratum").value, "8");
    assert!(out.perf("delay").number() >= 0.0);
    // Four samples by default: the jitter is measured.
    assert!(out.perfdata().contains_key("jitter"), "{}", out.stdout);

    // A name is resolved; of localhost's addresses, the one chronyd listens on answers.
    let out = plugin()
        .args(["-H", &format!("localhost:{}", good.port)])
        .run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    assert!(
        out.summary_line()
            .contains(&format!("against localhost:{} (", good.port))
    );
    // -p sets the port of servers named without one.
    let out = plugin()
        .args(["-H", "127.0.0.1", "-p", &good.port.to_string()])
        .run();
    out.assert(0, "CLOCK SKEW OK - offset ");
}

#[test]
fn a_clock_1900_s_ahead_is_critical_and_agrees_with_check_ntp_time() {
    let bad = server(Some("+1900s"));
    let out = plugin().args(["-H", &bad.addr()]).run();
    out.assert(2, "CLOCK SKEW CRITICAL - offset +1900.0 s against ");
    assert!(
        out.summary_line().ends_with("(outside 2)"),
        "{}",
        out.stdout
    );
    let ours = out.perf("offset").number();
    assert!((ours - 1900.0).abs() < 0.5, "{ours}");

    // The C peer on the same server: offsets within 10 ms of each other.
    let peer = std::process::Command::new("/usr/lib/nagios/plugins/check_ntp_time")
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &bad.port.to_string(),
            "-w",
            "60",
            "-c",
            "120",
        ])
        .output()
        .expect("check_ntp_time (scripts/setup installs monitoring-plugins-basic)");
    let text = String::from_utf8_lossy(&peer.stdout);
    let theirs: f64 = text
        .split("offset=")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no offset in check_ntp_time's output: {text}"));
    assert!(
        (ours - theirs).abs() < 0.01,
        "ours {ours}, check_ntp_time {theirs}"
    );
}

#[test]
fn a_clock_3_s_behind_is_a_warning_at_w1_c5() {
    let late = server(Some("-3s"));
    let out = plugin()
        .args(["-H", &late.addr(), "-w", "1", "-c", "5"])
        .run();
    // Measured, so the last digit may move: the words exactly, the number from perfdata.
    out.assert(1, "CLOCK SKEW WARNING - offset -");
    assert!(
        masked(out.summary_line())
            .starts_with(&masked("CLOCK SKEW WARNING - offset -3.000 s against ")),
        "{}",
        out.stdout
    );
    assert!(
        (out.perf("offset").number() + 3.0).abs() < 0.05,
        "{}",
        out.stdout
    );
    assert!(
        out.summary_line().ends_with("(outside 1)"),
        "{}",
        out.stdout
    );
    let offset = out.perf("offset");
    assert!((offset.number() + 3.0).abs() < 0.5, "{offset:?}");
    assert_eq!((offset.warn.as_str(), offset.crit.as_str()), ("1", "5"));
}

#[test]
fn three_servers_name_the_two_furthest_apart() {
    let good = server(None);
    let ahead = server(Some("+1900s"));
    let behind = server(Some("-3s"));
    let out = plugin()
        .args([
            "-H",
            &good.addr(),
            "-H",
            &ahead.addr(),
            "-H",
            &behind.addr(),
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - clocks of {} and {} differ by 1903.0 s ({} ahead, outside 2)",
            ahead.addr(),
            behind.addr(),
            ahead.addr()
        ),
    );
    let skew = out.perf("skew");
    assert!((skew.number() - 1903.0).abs() < 0.5, "{skew:?}");
    assert_eq!((skew.warn.as_str(), skew.crit.as_str()), ("0.5", "2"));
    for s in [&good, &ahead, &behind] {
        // Per-server labels: `{server}_{metric}`, made label-safe.
        let item = s.addr().replace(':', "_");
        let offset = out.perf(&format!("{item}_offset"));
        assert!(
            offset.warn.is_empty(),
            "offsets not judged unless asked: {offset:?}"
        );
        assert!(out.perfdata().contains_key(&format!("{item}_stratum")));
    }
    // The aggregate first, then one line per server.
    assert_eq!(out.long_output().len(), 4, "{}", out.stdout);
    assert!(
        out.long_output()[0].starts_with("\\_ [CRITICAL] clocks of "),
        "{}",
        out.stdout
    );
    assert!(
        out.long_output()[2].starts_with(&format!("\\_ [OK] {}: offset +1900.0 s", ahead.addr()))
    );
    assert!(
        out.perfdata_order().first().is_some_and(|l| l == "skew"),
        "the skew leads the perfdata: {}",
        out.stdout
    );

    // Two good clocks agree.
    let other = server(None);
    let out = plugin()
        .args(["-H", &good.addr(), "-H", &other.addr()])
        .run();
    out.assert(0, "CLOCK SKEW OK - clocks of 2 servers agree within ");
    assert!(out.perf("skew").number() < 0.01);
}

#[test]
fn nothing_listening_is_critical_at_once() {
    let port = free_udp_port();
    let out = plugin().args(["-H", &format!("127.0.0.1:{port}")]).run();
    out.assert(
        2,
        &format!("CLOCK SKEW CRITICAL - 127.0.0.1:{port}: connection refused"),
    );
    out.assert_ended_within(Duration::from_secs(2));
}

#[test]
fn a_swallowed_request_ends_within_the_deadline() {
    let hole = UdpBlackHole::start();
    let good = server(None);
    let out = plugin()
        .args([
            "-t",
            "3",
            "-H",
            &format!("127.0.0.1:{}", hole.port()),
            "-H",
            &good.addr(),
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - 127.0.0.1:{}: no answer within 2.7 s while waiting for NTP answers |",
            hole.port()
        ),
    );
    out.assert_ended_within(Duration::from_millis(3500));
    // The server that answered is still reported.
    assert!(
        out.perfdata()
            .contains_key(&format!("{}_offset", good.addr().replace(':', "_"))),
        "{}",
        out.stdout
    );
    assert!(
        !out.perfdata().contains_key("skew"),
        "no skew from one answer"
    );
}

#[test]
fn a_server_that_is_not_synchronised_itself_is_critical() {
    let lost = NtpServer::start_with(None, Sync::Unsynchronised).expect("chronyd");
    let out = plugin().args(["-H", &lost.addr()]).run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - {} is not synchronised itself (stratum 0)",
            lost.addr()
        ),
    );
}

fn scripted(replies: Vec<Reply>) -> ScriptedNtp {
    ScriptedNtp::start(replies).unwrap_or_else(|e| panic!("scripted NTP server: {e}"))
}

#[test]
fn the_sample_with_the_smallest_round_trip_is_kept() {
    // Three answers come back 300 ms late from a clock 10 s ahead, one at once from a clock
    // 5 s ahead: the prompt one is the measurement, whatever its place among the four.
    let slow = Reply {
        delay: Duration::from_millis(300),
        offset: 10.0,
        ..Reply::default()
    };
    let prompt = Reply {
        offset: 5.0,
        ..Reply::default()
    };
    let server = scripted(vec![slow.clone(), slow.clone(), prompt, slow]);
    let out = plugin().args(["-H", &server.addr()]).run();
    out.assert(2, "CLOCK SKEW CRITICAL - offset +");
    let expected = format!(
        "CLOCK SKEW CRITICAL - offset +5.000 s against {} (outside 2)",
        server.addr()
    );
    assert!(
        masked(out.summary_line()).starts_with(&masked(&expected)),
        "{}",
        out.stdout
    );
    assert!(
        (out.perf("offset").number() - 5.0).abs() < 0.01,
        "{}",
        out.stdout
    );
    assert!(out.perf("delay").number() < 0.1, "{}", out.stdout);
    // The slow samples (offset 10 s less half of 0.3 s) make the jitter.
    let jitter = out.perf("jitter").number();
    assert!(
        (4.5..5.5).contains(&jitter),
        "jitter {jitter}: {}",
        out.stdout
    );
}

#[test]
fn a_root_distance_over_16_s_is_critical() {
    let server = scripted(vec![Reply {
        root_delay: 2.0,
        root_dispersion: 16.0,
        ..Reply::default()
    }]);
    plugin().args(["-H", &server.addr()]).run().assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - {} is not synchronised itself (root distance over 16 s from its reference): its time cannot be trusted",
            server.addr()
        ),
    );
}

#[test]
fn a_kiss_of_death_is_named() {
    for (code, words) in [
        (*b"RATE", "rate limit exceeded, this host asks too often"),
        (*b"DENY", "access denied by the server"),
    ] {
        let server = scripted(vec![Reply {
            stratum: 0,
            leap: 3,
            reference_id: code,
            ..Reply::default()
        }]);
        plugin().args(["-H", &server.addr()]).run().assert(
            2,
            &format!(
                "CLOCK SKEW CRITICAL - {} sent kiss-o'-death {}: {words}",
                server.addr(),
                String::from_utf8_lossy(&code)
            ),
        );
    }
}

#[test]
fn an_ipv6_server_is_asked_at_its_bracketed_address() {
    // A host without an IPv6 loopback (disable_ipv6, some containers) cannot serve there: the
    // same address is then a clean CRITICAL that says why.
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        let out = plugin().args(["-H", "[::1]:123", "-t", "3"]).run();
        out.assert(2, "CLOCK SKEW CRITICAL - ");
        assert!(
            out.summary_line()
                .ends_with("[::1]:123: address not available"),
            "{}",
            out.stdout
        );
        return;
    }
    let server = NtpServer::start_at("::1".parse().expect("::1"), None, Sync::Local)
        .unwrap_or_else(|e| panic!("chronyd on ::1: {e}"));
    let addr = server.addr();
    assert!(addr.starts_with("[::1]:"), "{addr}");
    let out = plugin().args(["-H", &addr]).run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    assert!(
        out.summary_line()
            .contains(&format!("against {addr} (stratum 8, delay ")),
        "{}",
        out.stdout
    );
}

#[test]
fn the_local_clock_state_comes_from_the_kernel() {
    // No network at all. The verdict follows the kernel's maximum error, read here another way
    // (Perl's syscall) before and after the run: it is either reading's, and the value lies
    // between them.
    let (out, around) =
        kernel::Around::read(|| plugin().arg("--local-sync").run()).expect("adjtimex through perl");
    let code = out.code.unwrap_or(-1);
    assert!(
        around.admits(code, &out.stdout),
        "{around:?}\n{}",
        out.stdout
    );
    if code == 2 && out.stdout.contains("local clock not synchronised") {
        plugin()
            .args(["--local-sync", "--unsynced-state", "warning"])
            .run()
            .assert(1, "CLOCK SKEW WARNING - local clock not synchronised");
    }
    let maxerror = out.perf("maxerror");
    assert_eq!(maxerror.uom, "s");
    assert!(
        around.admits_maxerror(maxerror.number()),
        "maxerror {} s is not what the kernel had between {around:?}",
        maxerror.number()
    );
    assert_eq!((maxerror.warn.as_str(), maxerror.crit.as_str()), ("1", "5"));
    assert_eq!(out.perf("esterror").uom, "s");
}

#[test]
fn bad_options_are_one_unknown_line() {
    let table: &[(&[&str], &str)] = &[
        (
            &[],
            "CLOCK SKEW UNKNOWN - nothing to check: name an NTP server with -H, or add --chrony or --local-sync",
        ),
        (
            &["-H", "ntp one"],
            "CLOCK SKEW UNKNOWN - invalid -H 'ntp one': 'ntp one' is not a host name or address",
        ),
        (
            &["-H", "ntp1:99999"],
            "CLOCK SKEW UNKNOWN - invalid -H 'ntp1:99999': '99999' is not a UDP port",
        ),
        (
            &["-H", "ntp1", "-w", "20:10"],
            "CLOCK SKEW UNKNOWN - invalid value '20:10' for '--warning <RANGE>': invalid range '20:10': start is greater than end",
        ),
        (
            &["-H", "ntp1", "-c", "1e3"],
            "CLOCK SKEW UNKNOWN - invalid value '1e3' for '--critical <RANGE>'",
        ),
        (
            &["-H", "ntp1", "--samples", "0"],
            "CLOCK SKEW UNKNOWN - invalid value '0' for '--samples <N>'",
        ),
        (
            &["-H", "ntp1", "--skew-critical", "1"],
            "CLOCK SKEW UNKNOWN - --skew-warning/--skew-critical compare servers: name at least two with -H",
        ),
        (
            &["--unsynced-state", "warning"],
            "CLOCK SKEW UNKNOWN - the following required arguments were not provided: --local-sync",
        ),
    ];
    for (args, line) in table {
        let out = plugin().args(*args).run();
        out.assert(3, line);
        assert_eq!(out.line_count(), 1, "{args:?}: {}", out.stdout);
    }
}

#[test]
fn an_unknown_name_is_unknown_naming_it() {
    let out = plugin().args(["-H", "no-such-host.invalid"]).run();
    out.assert(
        3,
        "CLOCK SKEW UNKNOWN - cannot resolve no-such-host.invalid: ",
    );
}

/// A chronyd serving its own clock at `stratum` on `bind` (any 127.x address).
fn upstream(bind: &str, stratum: u8) -> NtpServer {
    NtpServer::start_chrony(&Chrony {
        bind: bind.parse().expect("address"),
        local: Some(stratum),
        ..Chrony::default()
    })
    .unwrap_or_else(|e| panic!("upstream chronyd on {bind}: {e}"))
}

/// A chronyd following `sources`, its command port and socket open, synchronised and then
/// polling slowly (so that two readings around ours see the same update).
fn following(sources: &[&NtpServer]) -> NtpServer {
    let follower = NtpServer::start_chrony(&Chrony {
        sources: sources.iter().map(|s| s.socket_addr()).collect(),
        command_port: true,
        command_socket: true,
        ..Chrony::default()
    })
    .unwrap_or_else(|e| panic!("following chronyd: {e}"));
    follower
        .settle()
        .unwrap_or_else(|e| panic!("{e}\n{}", follower.server().log()));
    follower
}

/// A chronyd serving its own clock, and one following it with its command port and socket open.
fn chrony_pair() -> (NtpServer, NtpServer) {
    let upstream = upstream("127.0.0.1", 8);
    let follower = following(&[&upstream]);
    (upstream, follower)
}

fn read_chrony(endpoint: &ChronyEndpoint) -> ChronyView {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(probe::read_chrony(
            endpoint,
            &hastack_common::Context::with_timeout(Duration::from_secs(5)),
        ))
        .unwrap_or_else(|e| panic!("reading chronyd at {endpoint}: {e:?}"))
}

/// `value` lies between two readings, give or take what chronyc's printing rounds away.
fn between(value: f64, before: &str, after: &str, rounding: f64, what: &str) {
    let parse = |text: &str| -> f64 { text.parse().unwrap_or_else(|_| panic!("{what}: {text:?}")) };
    let (a, b) = (parse(before), parse(after));
    assert!(
        a.min(b) - rounding <= value && value <= a.max(b) + rounding,
        "{what}: ours {value}, chronyc {before} then {after}"
    );
}

/// What we read from `server` at `endpoint`, and what the plugin makes of it, against
/// `chronyc -c tracking` and `chronyc -c sources` taken before and after: a field that does
/// not move must be equal, one that does (the correction still to apply, the root dispersion,
/// the seconds since the last sample) must lie between. An update in between (another
/// reference time) reads again.
fn assert_matches_chronyc(server: &NtpServer, endpoint: &ChronyEndpoint) {
    for attempt in 0..3 {
        let tracking_before = server.chronyc(&["tracking"]).expect("tracking");
        let sources_before = server.chronyc(&["sources"]).expect("sources");
        let view = read_chrony(endpoint);
        let out = plugin().args(["--chrony", &endpoint.to_string()]).run();
        let tracking_after = server.chronyc(&["tracking"]).expect("tracking");
        let sources_after = server.chronyc(&["sources"]).expect("sources");
        let b: Vec<&str> = tracking_before.split(',').collect();
        let a: Vec<&str> = tracking_after.split(',').collect();
        if b[3] != a[3] {
            assert!(
                attempt < 2,
                "chronyd kept updating: {tracking_before} / {tracking_after}"
            );
            continue;
        }
        let t = &view.tracking;
        assert_eq!(t.reference_hex(), b[0]);
        // chronyc leaves the address empty for a reference without one (not synchronised).
        assert_eq!(
            t.reference_address
                .map(|a| a.to_string())
                .unwrap_or_default(),
            b[1]
        );
        assert_eq!(t.stratum.to_string(), b[2]);
        between(t.reference_time, b[3], a[3], 1e-9, "reference time");
        between(t.current_correction, b[4], a[4], 1e-9, "system time");
        between(t.last_offset, b[5], a[5], 1e-9, "last offset");
        between(t.rms_offset, b[6], a[6], 1e-9, "RMS offset");
        between(t.frequency_ppm, b[7], a[7], 0.0005, "frequency");
        between(
            t.residual_frequency_ppm,
            b[8],
            a[8],
            0.0005,
            "residual frequency",
        );
        between(t.skew_ppm, b[9], a[9], 0.0005, "skew");
        between(t.root_delay, b[10], a[10], 1e-9, "root delay");
        between(t.root_dispersion, b[11], a[11], 1e-9, "root dispersion");
        between(
            t.last_update_interval,
            b[12],
            a[12],
            0.05,
            "update interval",
        );
        assert_eq!(t.leap_words(), b[13]);

        let (mut reachable, mut usable, mut selected) = (0, 0, None);
        assert_eq!(view.sources.len(), sources_before.lines().count());
        for ((source, before), after) in view
            .sources
            .iter()
            .zip(sources_before.lines())
            .zip(sources_after.lines())
        {
            let b: Vec<&str> = before.split(',').collect();
            let a: Vec<&str> = after.split(',').collect();
            assert_eq!(source.mode_symbol().to_string(), b[0]);
            assert_eq!(source.state.symbol().to_string(), b[1], "{before}");
            assert_eq!(source.name(), b[2]);
            assert_eq!(source.stratum.to_string(), b[3]);
            assert_eq!(source.poll.to_string(), b[4]);
            assert_eq!(format!("{:o}", source.reachability), b[5]);
            between(
                f64::from(source.since_sample),
                b[6],
                a[6],
                0.0,
                "last sample",
            );
            between(source.latest_offset, b[7], a[7], 1e-9, "adjusted offset");
            between(source.original_offset, b[8], a[8], 1e-9, "measured offset");
            between(source.latest_error, b[9], a[9], 1e-9, "error bound");
            // chronyc's own symbols: reach not 0, and `*`, `+` or `-` for a usable source.
            reachable += usize::from(b[5] != "0");
            usable += usize::from(matches!(b[1], "*" | "+" | "-"));
            if b[1] == "*" {
                selected = Some(b[2].to_string());
            }
        }

        // The plugin's figures, from chronyc's: the offset is the clock's error, the opposite
        // of the correction still to apply; the last update is the reference time's age.
        let number = |label: &str| out.perf(label).number();
        between(-number("chrony_offset"), b[4], a[4], 1e-9, "chrony_offset");
        assert_eq!(number("chrony_stratum").to_string(), b[2]);
        assert_eq!(number("chrony_sources") as usize, view.sources.len());
        assert_eq!(
            number("chrony_reachable") as usize,
            reachable,
            "{}",
            out.stdout
        );
        assert_eq!(number("chrony_usable") as usize, usable, "{}", out.stdout);
        let leap = [
            "Normal",
            "Insert second",
            "Delete second",
            "Not synchronised",
        ]
        .iter()
        .position(|w| *w == b[13])
        .expect("leap words");
        assert_eq!(number("chrony_leap") as usize, leap);
        let reference_time: f64 = b[3].parse().expect("reference time");
        match reference_time > 0.0 {
            true => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("clock")
                    .as_secs_f64();
                let age = number("chrony_since_update");
                assert!(
                    (0.0..=now - reference_time + 0.05).contains(&age),
                    "{age}: {}",
                    out.stdout
                );
            }
            false => assert!(!out.perfdata().contains_key("chrony_since_update")),
        }
        if let Some(name) = selected {
            assert!(
                out.stdout.contains(&format!("following {name}")),
                "{}",
                out.stdout
            );
        }
        return;
    }
}

#[test]
fn chronyds_view_matches_chronyc_field_by_field() {
    // Two sources (stratum 8 on 127.0.0.1, stratum 10 on 127.0.0.2): one selected, the other
    // combined (`+`) or left out (`-`), as chronyd decides; read through its port and socket.
    let first = upstream("127.0.0.1", 8);
    let second = upstream("127.0.0.2", 10);
    let follower = following(&[&first, &second]);
    let port = follower.cmd_port.expect("command port");
    assert_matches_chronyc(
        &follower,
        &ChronyEndpoint::Udp(HostPort {
            host: "127.0.0.1".into(),
            port,
        }),
    );
    assert_matches_chronyc(
        &follower,
        &ChronyEndpoint::Socket(follower.socket.clone().expect("socket")),
    );
    // A chronyd that reaches none of its sources: no reference, never updated.
    let lost = NtpServer::start_chrony(&Chrony {
        sources: vec![(std::net::Ipv4Addr::LOCALHOST, free_udp_port()).into()],
        command_port: true,
        ..Chrony::default()
    })
    .expect("chronyd without a reachable source");
    assert_matches_chronyc(
        &lost,
        &ChronyEndpoint::Udp(HostPort {
            host: "127.0.0.1".into(),
            port: lost.cmd_port.expect("port"),
        }),
    );
}

#[test]
fn chronyds_view_judged_through_its_port_and_its_socket() {
    let (upstream, follower) = chrony_pair();
    let port = follower.cmd_port.expect("command port").to_string();
    let at_port = format!("127.0.0.1:{port}");
    let socket = follower.socket.clone().expect("socket");
    for at in [at_port.clone(), socket.display().to_string()] {
        let out = plugin().args(["--chrony", &at]).run();
        out.assert(
            0,
            "CLOCK SKEW OK - chronyd synchronised to 127.0.0.1 (stratum 9), system time ",
        );
        assert!(
            out.summary_line().ends_with(", 1 of 1 sources usable"),
            "{}",
            out.stdout
        );
        for label in [
            "chrony_offset",
            "chrony_root_distance",
            "chrony_since_update",
            "chrony_usable",
        ] {
            assert!(
                out.perfdata().contains_key(label),
                "{label}: {}",
                out.stdout
            );
        }
    }
    // The socket of our own beside chronyd's is gone afterwards.
    let dir = socket.parent().expect("directory");
    let left: Vec<_> = std::fs::read_dir(dir)
        .expect("directory")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("check_clock_skew")
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
    plugin()
        .args(["--chrony", &at_port, "--min-sources", "2"])
        .run()
        .assert(
            1,
            "CLOCK SKEW WARNING - chronyd has 1 usable of 1 sources, fewer than --min-sources 2",
        );
    // The system time and the root distance, against thresholds it cannot meet: the clock's
    // error is within 1 s (an inside-range alert, `@`), the root distance over 1 ns.
    plugin()
        .args(["--chrony", &at_port, "-w", "@0:1"])
        .run()
        .assert(1, "CLOCK SKEW WARNING - chronyd has the system time ");
    let out = plugin()
        .args([
            "--chrony",
            &at_port,
            "--root-distance-critical",
            "0.000000001",
        ])
        .run();
    out.assert(2, "CLOCK SKEW CRITICAL - chronyd's root distance ");
    assert!(
        out.summary_line().ends_with("(outside 0.000000001)"),
        "{}",
        out.stdout
    );
    assert_eq!(out.perf("chrony_root_distance").crit, "0.000000001");
    // The upstream goes away: a chronyd that still follows nothing soon says so; here the
    // source is simply unreachable from the start.
    drop(upstream);
    let lost = NtpServer::start_chrony(&Chrony {
        sources: vec![(std::net::Ipv4Addr::LOCALHOST, free_udp_port()).into()],
        command_port: true,
        ..Chrony::default()
    })
    .expect("chronyd without a reachable source");
    let lost_at = format!("127.0.0.1:{}", lost.cmd_port.expect("port"));
    plugin().args(["--chrony", &lost_at]).run().assert(
        2,
        "CLOCK SKEW CRITICAL - chronyd is not synchronised (leap status: Not synchronised) / chronyd reaches none of its 1 sources",
    );
    // Nothing listens: said at once.
    let closed = format!("127.0.0.1:{}", free_udp_port());
    let out = plugin().args(["--chrony", &closed]).run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - chronyd ({closed}): connection refused (not running? cmdport 0?)"
        ),
    );
    out.assert_ended_within(Duration::from_secs(2));
}

#[test]
fn a_slow_server_is_measured_with_the_samples_that_fit() {
    // A 0.6 s round trip at -t 2 (1.8 s for the servers): two or three answers, kept.
    let slow = scripted(vec![Reply {
        delay: Duration::from_millis(600),
        ..Reply::default()
    }]);
    let out = plugin().args(["-t", "2", "-H", &slow.addr()]).run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    let delay = out.perf("delay").number();
    assert!((0.55..1.0).contains(&delay), "{delay}: {}", out.stdout);
    assert!(
        out.stdout.contains(" of ") && out.stdout.contains(" requests answered)"),
        "fewer samples, said: {}",
        out.stdout
    );
    out.assert_ended_within(Duration::from_secs(2) + Duration::from_millis(500));
}

#[test]
fn a_very_slow_server_is_measured_at_the_default_timeout() {
    // A 2.5 s round trip at the default -t 10: each request's quarter of the time was shorter
    // than the round trip, and the server read "no response"; the answers that fit are kept.
    let slow = scripted(vec![Reply {
        delay: Duration::from_millis(2500),
        ..Reply::default()
    }]);
    // The delay is on the way back only, so the offset reads -1.25 s: outside -w 0.5, judged.
    let out = plugin().args(["-H", &slow.addr()]).run();
    out.assert(1, "CLOCK SKEW WARNING - offset -1.2");
    let delay = out.perf("delay").number();
    assert!((2.45..3.5).contains(&delay), "{delay}: {}", out.stdout);
    let offset = out.perf("offset").number();
    assert!((-1.3..-1.2).contains(&offset), "{offset}: {}", out.stdout);
    assert!(
        out.stdout.contains(" requests answered)"),
        "fewer samples, said: {}",
        out.stdout
    );
    out.assert_ended_within(Duration::from_secs(10) + Duration::from_millis(500));
}

#[test]
fn a_server_that_cannot_agree_with_itself_is_critical() {
    // Answers alternating 5000 s apart.
    let near = Reply::default();
    let far = Reply {
        offset: 5000.0,
        ..Reply::default()
    };
    let server = scripted(vec![near.clone(), far.clone(), near, far]);
    let out = plugin().args(["-H", &server.addr()]).run();
    out.assert(2, "CLOCK SKEW CRITICAL - ");
    assert!(
        out.summary_line()
            .contains(&format!("jitter 4082.5 s of {} (outside 1)", server.addr())),
        "{}",
        out.stdout
    );
    assert_eq!(out.perf("jitter").crit, "1");
}

#[test]
fn server_quality_options_and_a_stale_reference() {
    let stale = scripted(vec![Reply {
        stratum: 6,
        root_delay: 0.4,
        root_dispersion: 0.3,
        reference_age: 7200.0,
        ..Reply::default()
    }]);
    let out = plugin().args(["-H", &stale.addr()]).run();
    out.assert(
        1,
        &format!(
            "CLOCK SKEW WARNING - {} last updated its clock 7200.0 s ago (its reference time, more than --stale 3600): has it lost its upstream?",
            stale.addr()
        ),
    );
    plugin()
        .args([
            "-H",
            &stale.addr(),
            "--stale",
            "0",
            "--stratum-warning",
            "1:4",
        ])
        .run()
        .assert(
            1,
            &format!(
                "CLOCK SKEW WARNING - stratum 6 of {} (outside 1:4)",
                stale.addr()
            ),
        );
    let out = plugin()
        .args([
            "-H",
            &stale.addr(),
            "--stale",
            "0",
            "--root-distance-critical",
            "0.4",
        ])
        .run();
    out.assert(
        2,
        &format!(
            "CLOCK SKEW CRITICAL - root distance 500.0 ms of {} (outside 0.4)",
            stale.addr()
        ),
    );
    assert_eq!(out.perf("root_distance").crit, "0.4");
    plugin()
        .args([
            "-H",
            &stale.addr(),
            "--stale",
            "0",
            "--delay-warning",
            "0.000001",
        ])
        .run()
        .assert(1, "CLOCK SKEW WARNING - round trip ");
}

#[test]
fn timestamps_after_2036_read_right() {
    // Both clocks in NTP era 1 (after 2036-02-07): this host's through libfaketime, the
    // server's by its offset. The offset is zero, not 136 years.
    let client_at = "2040-01-01 00:00:00";
    // 2040-01-01T00:00:00Z in Unix seconds (70 years after 1970, as NTP's 1900 is before it).
    let era1 = 2_208_988_800.0;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let server = scripted(vec![Reply {
        offset: era1 - now,
        ..Reply::default()
    }]);
    // The server's reference time, 16 s before its answer, is in era 1 too: read in the wrong
    // era it would be 136 years old, and stale (--stale 3600 by default).
    let out = plugin()
        .args(["-H", &server.addr()])
        .env(
            "LD_PRELOAD",
            hastack_test_support::harness::system::libfaketime().unwrap_or_else(|e| panic!("{e}")),
        )
        .env("FAKETIME", format!("@{client_at}"))
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("TZ", "UTC")
        .run();
    out.assert(0, "CLOCK SKEW OK - offset ");
    let offset = out.perf("offset").number();
    assert!(offset.abs() < 5.0, "{offset}: {}", out.stdout);
    let age = out.perf("reference_age").number();
    assert!((10.0..22.0).contains(&age), "{age}: {}", out.stdout);
}

#[test]
fn with_two_hundred_servers_the_skew_comes_first() {
    // 100 servers agree, 75 are 5 s ahead, 25 never answer: the skew leads the summary, the
    // perfdata and the long output, whatever is cut after it.
    let mut servers: Vec<ScriptedNtp> = (0..175)
        .map(|i| {
            scripted(vec![Reply {
                offset: if i < 100 { 0.0 } else { 5.0 },
                ..Reply::default()
            }])
        })
        .collect();
    let holes: Vec<UdpBlackHole> = (0..25).map(|_| UdpBlackHole::start()).collect();
    let mut args: Vec<String> = vec!["-t".into(), "3".into(), "--samples".into(), "1".into()];
    for server in &servers {
        args.extend(["-H".into(), server.addr()]);
    }
    for hole in &holes {
        args.extend(["-H".into(), format!("127.0.0.1:{}", hole.port())]);
    }
    let out = plugin().args(&args).run();
    out.assert(2, "CLOCK SKEW CRITICAL - clocks of ");
    let skew = out.perf("skew").number();
    assert!((4.9..5.1).contains(&skew), "{skew}: {}", out.first_line());
    assert_eq!(
        out.perfdata_order().first().map(String::as_str),
        Some("skew"),
        "{}",
        out.first_line()
    );
    assert!(
        out.long_output()[0].starts_with("\\_ [CRITICAL] clocks of "),
        "{}",
        out.stdout
    );
    servers.clear();
}
